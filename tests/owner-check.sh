#!/bin/sh
# tests/owner-check.sh - the proof build of the media owner cache and the
# stream cache (analyzer/analysis.c, owner_unchanged and stream_find;
# CPPFLAGS=-DSIPALG_CHECK_OWNER),
# which `make check` does not otherwise build.
#
# analysis.c is compiled again with -DSIPALG_CHECK_OWNER into a private
# folder, with the build's own compiler and flags (read from its Makefile
# through a make fragment, tests/lib.sh proof_build: the compile rule of
# libsipalg_a-analysis.o and the link of sipalg-analyze, so a sanitizer
# build proves with its sanitizers), and linked with the build's
# sipalg-analyze objects and libsipalg.a (the new object comes first, so
# the library's is not pulled).  That binary then reads:
#   - the adversary's captures (tests/unit/owner_adversary.py, two seeds):
#     few hosts and ports shared by overlapping calls, copies of offers by
#     a second dialog, re-INVITEs, calls never ended;
#   - golden inputs whose streams change owner or are kept after an SDP
#     (samples/linux-alg: calls back to back on one 5-tuple and SSRC,
#     hold and resume, overlapping calls, inside+outside on one mirror).
# For every packet the cache keeps with its owner, the proof build makes
# the full choice as well, and for every stream the stream cache finds
# (stream_find) it looks the table up as well, and aborts on a
# difference; at the end it appends "CHECKED FULL KEPT HITS" to
# $SIPALG_CHECK_OWNER_LOG.  So each run must end normally (exit 0 or 1:
# findings), print no owner_check line, and add exactly one log line:
# zero mismatches.  The adversary runs must also have checked packets,
# made full choices again, kept choices without making them and found
# streams in the stream cache (else the proof proved nothing), and every
# run's JSON must equal the normal build's (the proof changes no output).
# Skips (77) without make, a C compiler or python3.
. "${top_srcdir:-.}/tests/lib.sh"
need_tools make python3
[ -x "$ANALYZE" ] || { echo "SKIP: $ANALYZE not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

proof_build SIPALG_CHECK_OWNER analyzer/analysis.c
LOG="$tmp/owner.log"
: >"$LOG"

# prove NAME FILE: one run of the proof build over FILE.
prove() {
	before=$(wc -l <"$LOG" 2>/dev/null || echo 0)
	SIPALG_CHECK_OWNER_LOG="$LOG" "$PROOF" -q -f json "$2" >"$tmp/proof.json" 2>"$tmp/proof.err"
	rc=$?
	after=$(wc -l <"$LOG" 2>/dev/null || echo 0)
	if [ $rc -gt 1 ] || grep -q "owner_check" "$tmp/proof.err"; then
		fail "$1: the proof build stopped (exit $rc): $(head -3 "$tmp/proof.err")"
		return 1
	fi
	check "$1: one line in the proof's log" 1 $((after - before))
	tail -1 "$LOG" | grep -Eq '^[0-9]+ [0-9]+ [0-9]+ [0-9]+$' ||
	    fail "$1: the proof's log line: '$(tail -1 "$LOG")'"
	"$ANALYZE" -q -f json "$2" >"$tmp/normal.json" 2>/dev/null
	cmp -s "$tmp/proof.json" "$tmp/normal.json" ||
	    fail "$1: the proof build's JSON differs from the normal build's"
	return 0
}

for seed in 1 2; do
	/usr/bin/env python3 "$top_srcdir/tests/unit/owner_adversary.py" \
	    "$tmp/adv$seed.pcap" $seed 150 ||
	    { fail "owner_adversary.py $seed did not write its capture"; continue; }
	if prove "adversary seed $seed" "$tmp/adv$seed.pcap"; then
		set -- $(tail -1 "$LOG")
		if [ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ] && [ "${3:-0}" -gt 0 ] && [ "${4:-0}" -gt 0 ]; then
			ok
		else
			fail "adversary seed $seed: the proof proved nothing (checked, made again, kept, cache hits: ${1:-?} ${2:-?} ${3:-?} ${4:-?})"
		fi
	fi
done

S="$top_srcdir/samples/linux-alg"
n=0
for f in back-to-back-alg-on-outside.pcap back-to-back-alg-off-server.pcap \
    hold-resume-alg-on-inside.pcap overlap-alg-on-outside.pcap \
    capture-points-alg-on-mirror.pcapng v15-lanproxy-bfar-alg-on-mirror.pcapng \
    capture-points-alg-on-merged.pcap; do
	[ -f "$S/$f" ] || continue
	prove "$f" "$S/$f" && n=$((n + 1))
done
[ $n -gt 0 ] || echo "note: $S absent, only the adversary's captures proved"
awk '{ c += $1; f += $2; k += $3; h += $4 } END { printf "proof: %d packets checked, %d choices made again, %d kept, %d stream cache hits\n", c, f, k, h }' "$LOG"
finish
