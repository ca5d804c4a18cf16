#!/bin/sh
# tests/everyday.sh - what a new user meets in everyday use (issue 19):
#   - the text report of a busy capture explains each mechanism once:
#     grouped by symptom, one line per call with its evidence, the
#     explanation and fix once per group; --verbose writes every call in
#     full (explanation and fix under each finding);
#   - --inside/--outside checks its inputs: swapped sides, captures that
#     do not overlap in time or share no call are named (stderr, text,
#     JSON input_problems) with the fix, exit 3; messages the router
#     dropped or injected give exit 1, a clean pair 0; -f csv and --db
#     are refused with the reason (exit 2);
#   - one error format across the three programs for an input that cannot
#     be read: "PROGRAM: FILE: problem" (missing, not a capture, a
#     folder; the browser before it needs a terminal), and for an output
#     that cannot be written;
#   - in a run over several captures every frame reference names its file
#     (text "frame inbound.pcap#4", JSON "file" beside each frame), in a
#     run over one it stays a number;
#   - JSON has null, never 0, for "no frame";
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

# ---- 19.4: the inputs of a comparison ----
pair() { # NAME INSIDE OUTSIDE [ARGS]: $tmp/NAME.{txt,json,err}, $rc
	n=$1 i=$2 o=$3
	shift 3
	"$ANALYZE" -q --inside "$i" --outside "$o" "$@" >"$tmp/$n.txt" 2>"$tmp/$n.err"
	rc=$?
	"$ANALYZE" -q -f json --inside "$i" --outside "$o" "$@" >"$tmp/$n.json" 2>/dev/null
}
problems() { python3 -c 'import json,sys
print(" ".join(p["id"] for p in json.load(open(sys.argv[1]))["diff"]["input_problems"]))' "$1"; }
I="$S/outbound-alg-on-inside.pcap"
O="$S/outbound-alg-on-outside.pcap"
pair ok "$I" "$O"
check "pair ok: exit" 0 "$rc"
check "pair ok: no problem" "" "$(problems "$tmp/ok.json")"
check "pair ok: stderr" "" "$(cat "$tmp/ok.err")"
pair swap "$O" "$I"
check "pair swapped: exit" 3 "$rc"
check "pair swapped: json" "sides_swapped" "$(problems "$tmp/swap.json")"
grep -q "^sipalg-analyze: --inside $O --outside $I: the sides look swapped: .*; run again with --inside $I --outside $O\$" "$tmp/swap.err" ||
    fail "pair swapped: stderr: $(cat "$tmp/swap.err")"
grep -q "^  sides_swapped: the sides look swapped" "$tmp/swap.txt" || fail "pair swapped: not in the text report"
# Every pair of the samples the right way round has no problem; swapped,
# each one that NATs says so.
for i in "$S"/*-inside.pcap; do
	o=${i%-inside.pcap}-outside.pcap
	[ -f "$o" ] || continue
	"$ANALYZE" -q -f json --inside "$i" --outside "$o" >"$tmp/p.json" 2>/dev/null
	check "pair $(basename "$i"): problems" "" "$(problems "$tmp/p.json")"
	"$ANALYZE" -q -f json --inside "$o" --outside "$i" >"$tmp/p.json" 2>/dev/null
	case $(problems "$tmp/p.json") in
	*no_common_call* | *no_time_overlap*) fail "swapped $(basename "$i"): $(problems "$tmp/p.json")" ;;
	esac
done
pair apart "$I" "$S/b2bua-alg-on-outside.pcap"
check "pair apart: exit" 3 "$rc"
check "pair apart: json" "no_time_overlap" "$(problems "$tmp/apart.json")"
grep -q "the captures do not overlap in time.*; capture both sides during the same calls" "$tmp/apart.err" ||
    fail "pair apart: stderr: $(cat "$tmp/apart.err")"
if [ -x "$GEN" ]; then
	"$GEN" -w "$tmp/a.pcap" --calls 4 --duration 2 --seed 1 2>/dev/null
	"$GEN" -w "$tmp/b.pcap" --calls 4 --duration 2 --seed 2 2>/dev/null
	pair other "$tmp/a.pcap" "$tmp/b.pcap"
	check "pair other calls: exit" 3 "$rc"
	check "pair other calls: json" "no_common_call" "$(problems "$tmp/other.json")"
	grep -q "the captures share no call" "$tmp/other.err" || fail "pair other calls: stderr: $(cat "$tmp/other.err")"
fi
# The router dropped a message: exit 1 (and the summary says so).
pair drop "$S/oversize-alg-on-inside.pcap" "$S/oversize-alg-on-outside.pcap"
check "pair dropped: exit" 1 "$rc"
check "pair dropped: no problem" "" "$(problems "$tmp/drop.json")"
d=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["diff"]["summary"]; print(s["dropped"] + s["injected"])' "$tmp/drop.json")
[ "$d" -gt 0 ] || fail "pair dropped: summary counts no dropped message"
"$ANALYZE" -q -f csv --inside "$I" --outside "$O" >"$tmp/o" 2>"$tmp/e"
check "pair csv: exit" 2 $?
check "pair csv: nothing on stdout" "" "$(cat "$tmp/o")"
grep -q "^sipalg-analyze: --inside/--outside: no csv: .*use -f json" "$tmp/e" || fail "pair csv: message: $(cat "$tmp/e")"
"$ANALYZE" -q --db "$tmp/x.db" --inside "$I" --outside "$O" >/dev/null 2>"$tmp/e"
check "pair --db: exit" 2 $?
grep -q "^sipalg-analyze: --inside/--outside take no --db: the store keeps analyses of single captures" "$tmp/e" || fail "pair --db: message: $(cat "$tmp/e")"
[ -e "$tmp/x.db" ] && fail "pair --db: a database was created"
"$ANALYZE" --help | grep -q "no csv: pairs of messages are not" || fail "--help: pair mode's csv refusal"
grep -q "no csv" "$top_srcdir/man/sipalg-analyze.1" || fail "man page: pair mode's csv refusal"

# ---- 19.8: one error format ----
echo hello >"$tmp/notpcap.txt"
mkdir "$tmp/dir"
for f in "$tmp/missing.pcap" "$tmp/notpcap.txt" "$tmp/dir"; do
	for cmd in "sipalg-analyze -q" "sipalg-sim" "sipalg-browse" "sipalg-analyze -q --inside $f --outside"; do
		prog=${cmd%% *}
		# shellcheck disable=SC2086
		"$top_builddir"/$cmd "$f" >/dev/null 2>"$tmp/e" </dev/null
		rc=$?
		check "$cmd $(basename "$f"): exit" 3 "$rc"
		check "$cmd $(basename "$f"): one line" 1 "$(wc -l <"$tmp/e")"
		grep -q "^$prog: $f: [a-zA-Z]" "$tmp/e" || fail "$cmd $(basename "$f"): not '$prog: FILE: problem': $(cat "$tmp/e")"
	done
done
"$top_builddir/sipalg-sim" -w "$tmp/nodir/out.pcap" "$S/outbound-alg-on-inside.pcap" >/dev/null 2>"$tmp/e"
check "sim -w into a missing folder: exit" 3 $?
grep -q "^sipalg-sim: $tmp/nodir/out.pcap: [a-zA-Z]" "$tmp/e" || fail "sim -w missing folder: $(cat "$tmp/e")"
"$ANALYZE" -q --html "$tmp/nodir/r.html" "$S/outbound-alg-on-inside.pcap" >/dev/null 2>"$tmp/e"
check "analyze --html into a missing folder: exit" 3 $?
grep -q "^sipalg-analyze: --html $tmp/nodir/r.html: [a-zA-Z]" "$tmp/e" || fail "--html missing folder: $(cat "$tmp/e")"

# ---- 19.7: frame references name their file in multi-file runs ----
A1="$S/inbound-alg-on-outside.pcap"
A2="$S/outbound-alg-on-outside.pcap"
"$ANALYZE" -q -a -m "$A1" "$A2" >"$tmp/m.txt" 2>/dev/null
grep -Eq '^ +frame outbound-alg-on-outside\.pcap#[0-9]+ ' "$tmp/m.txt" || fail "multi text: no evidence frame with its file"
grep -Eq '^ +inbound-alg-on-outside\.pcap#[0-9]+ [0-9-]+ ' "$tmp/m.txt" || fail "multi text: no message frame with its file"
grep -Eq '^ +frame [0-9]+ ' "$tmp/m.txt" && fail "multi text: a bare frame number"
"$ANALYZE" -q --html "$tmp/m.html" "$A1" "$A2" >/dev/null 2>&1
grep -q '<td>outbound-alg-on-outside.pcap#[0-9]*</td>' "$tmp/m.html" || fail "multi html: no evidence frame with its file"
"$ANALYZE" -q -a -m "$A2" >"$tmp/s.txt" 2>/dev/null
grep -q 'pcap#' "$tmp/s.txt" && fail "single text: frame refs name a file"
grep -Eq '^ +frame [0-9]+ ' "$tmp/s.txt" || fail "single text: no bare frame number"
# a call's header says which direction its RTP figures count (19.8)
grep -Eq '^#[0-9]+ .* rtp caller>callee [0-9]+, callee>caller [0-9]+$' "$tmp/s.txt" ||
    fail "single text: call header without the RTP directions"
"$ANALYZE" -q -f json -m "$A1" "$A2" >"$tmp/m.json" 2>/dev/null
python3 - "$tmp/m.json" <<'PY' || fail "multi json: a frame without its file"
import json, sys
d = json.load(open(sys.argv[1]))
names = {"inbound-alg-on-outside.pcap", "outbound-alg-on-outside.pcap"}
seen = 0
def walk(o):
    global seen
    if isinstance(o, dict):
        if "frame" in o and o["frame"] is not None:
            assert o.get("file") in names, o
            seen += 1
        for v in o.values(): walk(v)
    elif isinstance(o, list):
        for v in o: walk(v)
walk(d["dialogs"])
assert seen > 10, seen
PY

# ---- 19.8: null, not 0, for "no frame" in every JSON ----
nozero() { python3 - "$1" <<'PY'
import json, sys
bad = []
def walk(o, path):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "frame" and v == 0: bad.append(path + "." + k)
            walk(v, path + "." + k)
    elif isinstance(o, list):
        for i, v in enumerate(o): walk(v, path + "[%d]" % i)
walk(json.load(open(sys.argv[1])), "")
if bad: print(" ".join(bad[:5])); sys.exit(1)
PY
}
for f in "$S"/*-inside.pcap; do
	o=${f%-inside.pcap}-outside.pcap
	"$ANALYZE" -q -f json "$f" >"$tmp/j" 2>/dev/null
	r=$(nozero "$tmp/j") || fail "json $(basename "$f"): frame 0 at $r"
	[ -f "$o" ] || continue
	"$ANALYZE" -q -f json --inside "$f" --outside "$o" >"$tmp/j" 2>/dev/null
	r=$(nozero "$tmp/j") || fail "pair json $(basename "$f"): frame 0 at $r"
done
# the simulator's JSON too (a prediction with no frame, an assumption
# taken from the profile rather than from a frame)
for f in "$S"/outbound-alg-on-inside.pcap "$S"/lan-proxy-alg-off-inside.pcap; do
	"$top_builddir/sipalg-sim" -f json "$f" >"$tmp/j" 2>/dev/null
	r=$(nozero "$tmp/j") || fail "sim json $(basename "$f"): frame 0 at $r"
	grep -q '"frame":null' "$tmp/j" || fail "sim json $(basename "$f"): no null frame seen"
done

finish
