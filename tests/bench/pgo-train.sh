#!/bin/sh
# tests/bench/pgo-train.sh - the training workload of the profile-guided
# build (configure's --enable-pgo, on by default; Makefile.am, section
# "profile-guided optimisation").  `make` runs it once, between the
# instrumented build of sipalg-analyze and sipalg-sim (-fprofile-generate)
# and their final build (-fprofile-use); what it runs decides which code
# GCC lays out as hot, so it is what users run, not the benchmark:
#
#   - every capture of samples/ (real Linux-kernel ALG runs, several hundred
#     small files), analysed on its own in the default text report and in
#     --format json;
#   - a few of them the other ways users read them: -v -a -m, --format csv,
#     --html, -j, --inside/--outside pairs (text and json), --db into an
#     SQLite file then --report;
#   - two load captures written here by gen-load with other parameters than
#     `make bench` uses (tests/bench/bench.sh: 40,000 calls / 2,000 in
#     flight, and 2,000,000 RTP packets): a signalling-only one (file and
#     standard input) and an RTP-heavy one, each in text and json;
#   - sipalg-sim on a few inside captures and on the signalling load:
#     --profile linux, --compare, --profiles, -w, --write-inside, json.
#
# About 13 s of processor time with the instrumented programs (printed at
# the end of pgo-data/train.log).  The hash key and the read-ahead thread
# are fixed (SIPALG_HASH_SEED, SIPALG_READAHEAD=0): the counts do not
# depend on the key, and one thread updates them.  Exit status 0 when every run ended
# as the programs end on good input (0, or 1 "findings reported"), else 1
# with the failing command on standard output; the Makefile then builds
# without a profile rather than failing.
#
# Usage: pgo-train.sh SRCDIR BUILDDIR (absolute paths); works in
# BUILDDIR/pgo-data/train, removed at the end.
set -u
src=$1
build=$2
analyze="$build/sipalg-analyze"
sim="$build/sipalg-sim"
gen="$build/tests/bench/gen-load"
work="$build/pgo-data/train"
rm -rf "$work"
mkdir -p "$work" || exit 1
SIPALG_HASH_SEED=1
SIPALG_READAHEAD=0
SIPALG_PROFILES="$src/sim/profiles"
export SIPALG_HASH_SEED SIPALG_READAHEAD SIPALG_PROFILES
failed=0

# run CMD...: one run, its output discarded; a status other than 0 or 1
# (usage, unreadable file, a crash) fails the training.
run() {
	rc=0
	"$@" >/dev/null 2>"$work/err" </dev/null || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "pgo-train: exit $rc: $*"
		cat "$work/err"
		failed=1
	fi
}

samples=$(ls "$src"/samples/*/*.pcap "$src"/samples/*/*.pcapng 2>/dev/null)
[ -n "$samples" ] || { echo "pgo-train: no captures in $src/samples"; exit 1; }
n=0
for f in $samples; do
	run "$analyze" -q "$f"
	run "$analyze" -q --format json "$f"
	n=$((n + 1))
done
echo "pgo-train: $n sample captures, text and json"

# A few captures of each kind, the other ways of reading them.
some=$(ls "$src"/samples/*/*-alg-on-inside.pcap | head -n 12)
for f in $some; do
	run "$analyze" -q -v -a -m "$f"
	run "$analyze" -q --format csv "$f"
	out=${f%-inside.pcap}-outside.pcap
	[ -f "$out" ] || continue
	run "$analyze" -q --inside "$f" --outside "$out"
	run "$analyze" -q --format json --inside "$f" --outside "$out"
done
# shellcheck disable=SC2086 # one argument per capture
run "$analyze" -q --html "$work/report.html" $some
# shellcheck disable=SC2086
run "$analyze" -q -j 2 $some
# shellcheck disable=SC2086
run "$analyze" -q --db "$work/sites.db" --site train $some
run "$analyze" -q --db "$work/sites.db" --report
run "$analyze" -q --db "$work/sites.db" --report --format json
echo "pgo-train: options on $(echo "$some" | wc -l) captures"

# The generated loads (bench.sh uses --calls 40000 --concurrency 2000
# --lost-ack 8 --seed 1/2 and 2,000,000 RTP packets).
"$gen" --no-rtp --calls 3000 --concurrency 300 --lost-ack 10 --seed 7 \
    -w "$work/sig.pcap" 2>"$work/err" || { cat "$work/err"; exit 1; }
"$gen" --packets 150000 --calls 80 --concurrency 20 --one-way 10 \
    --lost-ack 10 --seed 7 -w "$work/rtp.pcap" 2>"$work/err" ||
    { cat "$work/err"; exit 1; }
for f in "$work/sig.pcap" "$work/rtp.pcap"; do
	run "$analyze" -q "$f"
	run "$analyze" -q --format json "$f"
done
# standard input: the stream reader
rc=0
"$gen" --no-rtp --calls 1000 --concurrency 100 --lost-ack 5 --seed 8 -w - \
    2>/dev/null | "$analyze" -q --format json - >/dev/null 2>"$work/err" || rc=$?
[ "$rc" -le 1 ] || { echo "pgo-train: exit $rc: gen-load | sipalg-analyze -"; failed=1; }
echo "pgo-train: generated loads"

# The simulator.
for f in $(echo "$some" | head -n 6); do
	run "$sim" "$f"
	run "$sim" --compare --format json "$f"
	run "$sim" --profiles consumer,fortigate,cisco-asa "$f"
	run "$sim" -w "$work/out.pcap" --write-inside "$work/in.pcapng" "$f"
done
run "$sim" --profile linux "$work/sig.pcap"
run "$sim" --profile linux --format json "$work/rtp.pcap"
echo "pgo-train: sipalg-sim"

times >"$work/times"
echo "pgo-train: processor time of the runs (user, system): $(tail -n 1 "$work/times")"
rm -rf "$work"
[ "$failed" = 0 ] || { echo "pgo-train: FAILED"; exit 1; }
echo "pgo-train: done"
