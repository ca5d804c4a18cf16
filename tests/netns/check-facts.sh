#!/bin/bash
#
# check-facts.sh: check captures of the real-kernel SIP ALG testbed against
# the committed expectations in samples/linux-alg/*.expect. This is
# `make check-netns`.
#
# Usage:
#   check-facts.sh            regenerate every run with gen-samples.sh into a
#                             temporary folder (root; SKIP, exit 77, when not
#                             root or ip netns / nft / sipp / tcpdump /
#                             tshark is missing), then compare
#   check-facts.sh DIR        compare the captures already in DIR (only
#                             tshark needed); e.g. DIR = samples/linux-alg
#                             checks the committed captures themselves
#   check-facts.sh --make-expect FACTS >EXPECT
#                             print a first draft of an .expect file from a
#                             .facts file (ranges for counts and times);
#                             review it before committing
#
# An .expect file holds one rule per line (# comments allowed):
#   key=value        the fact must be exactly value
#   key=MIN..MAX     the fact must be a number in [MIN, MAX]
#   key~T1,T2,...    a list of times, same length, each within 0.5 s
#   key=*            not checked
# Facts are re-derived from the pcaps with facts.sh, never read from a
# .facts file, so the check also holds for captures made elsewhere.
#
# The runs of the widened testbed (runs.tsv, testbed.py) have no .expect:
# truth.py check compares the physical lines of their committed RUN.truth
# (each call's outcome, each direction's media state on each segment, the
# packetisation, the SIP the router dropped) with the re-measured captures,
# matching calls by order (a regenerated run has new Call-IDs).
# A run with a RUN.ports (nat-ports.sh) also has its ports compared: each
# phone's kept|changed, and the public port where it was kept (a changed
# one is random).
#
# Exit: 0 all expectations met, 1 a mismatch or a missing capture, 77 skip.
#

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLES=$(cd "$HERE/../../samples/linux-alg" 2>/dev/null && pwd) ||
    { echo "${0##*/}: samples/linux-alg not found" >&2; exit 1; }
PROG=${0##*/}

make_expect() {
	local facts=$1
	awk -F= '
	function num(x) { return x ~ /^-?[0-9]+(\.[0-9]+)?$/ }
	{
		k = $1; v = substr($0, length(k) + 2)
		if (k ~ /_200_retrans_times$/ && v != "none") { print k "~" v; next }
		if (k ~ /_(bye_after_200|invite_after_register_ok)$/ && num(v)) {
			lo = v - 1.5; if (lo < 0) lo = 0
			printf "%s=%.1f..%.1f\n", k, lo, v + 1.5; next
		}
		if (k ~ /_rtp_/ && num(v)) {
			if (v + 0 < 10) printf "%s=0..%d\n", k, v + 5
			else printf "%s=%d..%d\n", k, int(v * 0.9), int(v * 1.1 + 0.999)
			next
		}
		if (k ~ /_(invite_tx|icmp_unreach|sip_msgs|bye)$/ && num(v) && v + 0 > 2) {
			printf "%s=%d..%d\n", k, v - 1, v + 1; next
		}
		print k "=" v
	}' "$facts"
}

# check_one NAME DIR: compare DIR/NAME-{inside,outside}.pcap with
# SAMPLES/NAME.expect; prints mismatches, returns 1 on any.
check_one() {
	local name=$1 dir=$2 exp=$SAMPLES/$1.expect facts bad=0
	if [ ! -r "$dir/$name-inside.pcap" ] || [ ! -r "$dir/$name-outside.pcap" ]; then
		echo "FAIL $name: captures missing in $dir"
		return 1
	fi
	facts=$("$HERE/facts.sh" "$dir/$name-inside.pcap" "$dir/$name-outside.pcap")
	while IFS= read -r line; do
		case $line in ''|'#'*) continue ;; esac
		local key want got op
		if [[ $line =~ ^([A-Za-z0-9_]+)([=~])(.*)$ ]]; then
			key=${BASH_REMATCH[1]}; op=${BASH_REMATCH[2]}; want=${BASH_REMATCH[3]}
		else
			echo "FAIL $name: bad rule in $exp: $line"; bad=1; continue
		fi
		got=$(printf '%s\n' "$facts" | sed -n "s/^$key=//p")
		if [ -z "$got" ]; then
			echo "FAIL $name: $key: no such fact"; bad=1; continue
		fi
		if [ "$op" = '~' ]; then
			if ! awk -v a="$got" -v b="$want" 'BEGIN {
			    n = split(a, x, ","); m = split(b, y, ",")
			    if (n != m) exit 1
			    for (i = 1; i <= n; i++) { d = x[i] - y[i]; if (d < -0.5 || d > 0.5) exit 1 }
			    exit 0 }'; then
				echo "FAIL $name: $key: got $got, want ~$want"; bad=1
			fi
		elif [ "$want" = '*' ]; then
			:
		elif [[ $want =~ ^-?[0-9.]+\.\.-?[0-9.]+$ ]]; then
			if ! awk -v g="$got" -v lo="${want%%..*}" -v hi="${want#*..}" \
			    'BEGIN { exit !(g ~ /^-?[0-9]+(\.[0-9]+)?$/ && g + 0 >= lo + 0 && g + 0 <= hi + 0) }'; then
				echo "FAIL $name: $key: got $got, want $want"; bad=1
			fi
		elif [ "$got" != "$want" ]; then
			echo "FAIL $name: $key: got $got, want $want"; bad=1
		fi
	done <"$exp"
	[ $bad -eq 0 ] && echo "ok   $name"
	return $bad
}

case ${1:-} in
-h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
--make-expect)
	[ $# -eq 2 ] || { echo "usage: $PROG --make-expect FACTS" >&2; exit 2; }
	make_expect "$2"; exit 0 ;;
esac

command -v tshark >/dev/null 2>&1 || { echo "$PROG: SKIP: tshark not installed" >&2; exit 77; }

TMP=
cleanup() { [ -z "$TMP" ] || rm -rf "$TMP"; }
trap cleanup EXIT

if [ $# -ge 1 ]; then
	DIR=$1
else
	[ "$(id -u)" = 0 ] || { echo "$PROG: SKIP: needs root (network namespaces)" >&2; exit 77; }
	ip netns list >/dev/null 2>&1 || { echo "$PROG: SKIP: ip netns not usable" >&2; exit 77; }
	for t in nft sipp tcpdump; do
		command -v $t >/dev/null 2>&1 || { echo "$PROG: SKIP: $t not installed" >&2; exit 77; }
	done
	TMP=$(mktemp -d /tmp/sipalg-check-netns.XXXXXX)
	DIR=$TMP
	rc=0
	"$HERE/gen-samples.sh" "$DIR" || rc=$?
	[ $rc -ne 77 ] || exit 77
	[ $rc -eq 0 ] || echo "$PROG: gen-samples.sh reported a failure ($rc), checking what exists" >&2
fi

fail=0
n=0
for t in "$SAMPLES"/*.truth; do
	name=$(basename "$t" .truth)
	[ -e "$SAMPLES/$name.expect" ] && continue
	n=$((n + 1))
	if ! ls "$DIR/$name"-*.pcap >/dev/null 2>&1; then
		echo "FAIL $name: captures missing in $DIR"; fail=1; continue
	fi
	python3 "$HERE/truth.py" check "$t" "$DIR" "$name" || fail=1
done
for p in "$SAMPLES"/*.ports; do
	[ -e "$p" ] || continue
	name=$(basename "$p" .ports)
	if [ ! -e "$DIR/$name.ports" ]; then
		echo "FAIL $name: $name.ports missing in $DIR"; fail=1; continue
	fi
	# phone PRIVATE -> SERVER public PUBLIC kept|changed: the port only
	# where kept
	want=$(awk '$1 == "phone" { print $2, $4, $7, ($7 == "kept" ? $6 : "-") }' "$p")
	got=$(awk '$1 == "phone" { print $2, $4, $7, ($7 == "kept" ? $6 : "-") }' "$DIR/$name.ports")
	if [ "$want" = "$got" ]; then
		echo "ok   $name (ports)"
	else
		echo "FAIL $name: public ports differ"
		diff <(echo "$want") <(echo "$got") | sed 's/^/    /' || true
		fail=1
	fi
done
for exp in "$SAMPLES"/*.expect; do
	[ -e "$exp" ] || { echo "$PROG: no .expect files in $SAMPLES" >&2; exit 1; }
	name=$(basename "$exp" .expect)
	n=$((n + 1))
	check_one "$name" "$DIR" || fail=1
done
if [ $fail -eq 0 ]; then
	echo "$PROG: all $n runs match their expectations"
else
	echo "$PROG: MISMATCH (captures in $DIR)"
	[ -z "$TMP" ] || { TMP=; }	# keep the regenerated captures for a look
fi
exit $fail
