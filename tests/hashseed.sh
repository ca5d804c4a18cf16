#!/bin/sh
# tests/hashseed.sh - no output depends on the hash tables' key.
#
# The tables hash under a key drawn once per process (analyzer/base/htab.c),
# so which records share a chain, the order of the chains and when a
# table grows change from one run to the next; nothing printed, written
# or stored may follow them.  SIPALG_HASH_SEED=N fixes the key.  This runs
# sipalg-analyze (JSON with -a -m, and an --inside/--outside comparison)
# and sipalg-sim (JSON of --compare, and the -w outside view) under two
# seeds and once unseeded, over a generated load capture (300 calls with
# RTP, one-way audio and lost ACKs: every table grows several times) and
# a few samples, and compares the outputs byte for byte.  A difference
# names the seed that reproduces it.
. "${top_srcdir:-.}/tests/lib.sh"
SIM="$top_builddir/sipalg-sim"
GEN="$top_builddir/tests/bench/gen-load"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S="$top_srcdir/samples/linux-alg"
D="$top_srcdir/tests/data"

"$GEN" -n 300 -c 60 -o 10 -a 10 -d 1 -w "$tmp/load.pcap" 2>"$tmp/gen.err" ||
    { cat "$tmp/gen.err" >&2; exit 1; }

# run NAME PROGRAM ARGS...: the program's stdout, and stderr with the exit
# status, under each key (1: SIPALG_HASH_SEED=1, 2: ...=0x9e3779b97f4a7c15,
# r: unset, a random key) in $tmp/NAME.KEY and NAME.KEY.err; a file the
# program writes to $tmp/NAME.pcap is kept as $tmp/NAME.KEY.pcap.
run() {
	name=$1
	shift
	for k in 1 2 r; do
		case $k in
		1) SIPALG_HASH_SEED=1; export SIPALG_HASH_SEED ;;
		2) SIPALG_HASH_SEED=0x9e3779b97f4a7c15; export SIPALG_HASH_SEED ;;
		r) unset SIPALG_HASH_SEED ;;
		esac
		"$@" >"$tmp/$name.$k" 2>"$tmp/$name.$k.err"
		echo "exit $?" >>"$tmp/$name.$k.err"
		[ -e "$tmp/$name.pcap" ] && mv "$tmp/$name.pcap" "$tmp/$name.$k.pcap"
	done
	unset SIPALG_HASH_SEED
	for k in 2 r; do
		for f in "$name.1" "$name.1.err" "$name.1.pcap"; do
			[ -e "$tmp/$f" ] || continue
			g=$name.$k${f#"$name.1"}
			if cmp -s "$tmp/$f" "$tmp/$g"; then
				ok
			else
				fail "$name: $f and $g differ (keys: 1 =" \
				    "SIPALG_HASH_SEED=1, 2 = 0x9e3779b97f4a7c15, r = random)"
			fi
		done
	done
	[ -s "$tmp/$name.1" ] || fail "$name: no output"
}

run load-json "$ANALYZE" -f json -a -m "$tmp/load.pcap"
run load-sim "$SIM" -f json --compare -w "$tmp/load-sim.pcap" "$tmp/load.pcap"
for c in overlap-alg-on-outside back-to-back-alg-on-server \
    capture-points-alg-on-merged; do
	run "$c" "$ANALYZE" -f json -a -m "$S/$c.pcap"
done
for c in overlap-alg-on-inside hold-resume-alg-on-inside \
    reject-invite-alg-on-inside; do
	run "$c-sim" "$SIM" -f json --compare -w "$tmp/$c-sim.pcap" "$S/$c.pcap"
done
run diff-linux "$ANALYZE" -f json --inside "$D/diff-linux-inside.pcap" \
    --outside "$D/diff-linux-outside.pcap"

echo "hashseed: $checks comparisons, $fails failures"
[ "$fails" -eq 0 ]
