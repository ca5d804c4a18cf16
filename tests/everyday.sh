#!/bin/sh
# tests/everyday.sh - what a new user meets in everyday use (issue 19):
#   - the text report of a busy capture explains each mechanism once:
#     grouped by symptom, one line per call with its evidence, the
#     explanation and fix once per group; --verbose writes every call in
#     full (explanation and fix under each finding);
. "${top_srcdir:-.}/tests/lib.sh"
GEN="$top_builddir/tests/bench/gen-load"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
S="$top_srcdir/samples/linux-alg"

# ---- 19.6: grouped text report ----
if [ -x "$GEN" ]; then
	"$GEN" -w "$tmp/busy.pcap" --calls 40 --concurrency 8 --duration 3 \
	    --one-way 30 --lost-ack 30 --seed 7 2>/dev/null
	"$ANALYZE" -q "$tmp/busy.pcap" >"$tmp/g.txt"
	check "busy grouped: exit" 1 $?
	"$ANALYZE" -q --verbose "$tmp/busy.pcap" >"$tmp/v.txt"
	check "busy verbose: exit" 1 $?
	# The counts per symptom at the top are what the groups must hold.
	awk '/^Calls with findings:/ { on = 1; next } on && /^  [a-z_]+ +[0-9]+$/ { print $1, $2; next } on { exit }' \
	    "$tmp/g.txt" >"$tmp/counts"
	[ -s "$tmp/counts" ] || fail "busy: no per-symptom counts"
	[ "$(wc -l <"$tmp/counts")" -ge 2 ] || fail "busy: expected two symptoms, got $(cat "$tmp/counts")"
	while read -r id n; do
		grep -q "^! $id: $n calls - " "$tmp/g.txt" ||
		    fail "busy: no group '! $id: $n calls'"
		# The calls under the group, one line each.
		lines=$(awk -v id="$id" '$0 ~ "^! " id ":" { on = 1; next } /^[!~A-Z]/ { on = 0 } on && /^  #[0-9]/' "$tmp/g.txt" | wc -l)
		check "busy: call lines under $id" "$n" "$lines"
		# Verbose: one finding of that id per call, each with why and fix.
		check "busy verbose: findings $id" "$n" "$(grep -c "^     ! $id (confidence" "$tmp/v.txt")"
	done <"$tmp/counts"
	groups=$(wc -l <"$tmp/counts")
	check "busy grouped: one why per group" "$groups" "$(grep -c '^    why: ' "$tmp/g.txt")"
	check "busy grouped: one fix per group" "$groups" "$(grep -c '^    fix: ' "$tmp/g.txt")"
	total=$(awk '{ s += $2 } END { print s }' "$tmp/counts")
	check "busy verbose: a why per finding" "$total" "$(grep -c '^         why: ' "$tmp/v.txt")"
	# The same evidence either way: every evidence line of the verbose
	# form is in the grouped form.
	grep '^         frame ' "$tmp/v.txt" | sort >"$tmp/ev.v"
	grep '^         frame ' "$tmp/g.txt" | sort >"$tmp/ev.g"
	check "busy: same evidence lines grouped and verbose" "$(sha256sum <"$tmp/ev.v")" "$(sha256sum <"$tmp/ev.g")"
	g=$(wc -l <"$tmp/g.txt")
	v=$(wc -l <"$tmp/v.txt")
	[ $((g * 2)) -lt "$v" ] || fail "busy: grouped report ($g lines) not under half the verbose one ($v lines)"
	# Each call with findings is still listed once with its Call-ID.
	calls=$(sed -n 's/^Calls with findings: \([0-9]*\) of .*/\1/p' "$tmp/g.txt")
	check "busy: calls listed" "$calls" "$(grep -c '^       .* Call-ID: ' "$tmp/g.txt")"
else
	fail "gen-load not built ($GEN)"
fi

finish
