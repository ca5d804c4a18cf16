#!/bin/sh
# tests/detmem-check.sh - the proof build of the detectors' per-message
# memo (analyzer/detect/detect.c, detect_msg_memo and the side_memo bits
# of detect_int.h; CPPFLAGS=-DSIPALG_CHECK_DETECT_MEMO), which `make
# check` does not otherwise build.
#
# detect.c is compiled again with -DSIPALG_CHECK_DETECT_MEMO into a
# private folder, with the build's own compiler and flags, and linked
# with the build's sipalg-analyze objects and libsipalg.a (tests/lib.sh
# proof_build, as tests/owner-check.sh does).  That binary
# reads every capture of the corpus (../shared/corpus) and of samples/:
# for every message of every dialog judged, detect_dialog works each
# memo bit out again from the message (who sent it, its addresses'
# privacy, its Via received=, its Content-Length) and aborts on a
# difference; at exit it appends "CHECKED NOTED" to
# $SIPALG_CHECK_DETECT_MEMO_LOG.  So each run must end normally (exit 0
# or 1: findings), print no detect_memo_check line, and add one log line;
# over all runs messages must have been checked and noted as they
# arrived (else the proof proved nothing), and every run's JSON must
# equal the normal build's (the proof changes no output).
# Skips (77) without make or a C compiler.
. "${top_srcdir:-.}/tests/lib.sh"
need_tools make
[ -x "$ANALYZE" ] || { echo "SKIP: $ANALYZE not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

proof_build SIPALG_CHECK_DETECT_MEMO analyzer/detect/detect.c
LOG="$tmp/memo.log"
: >"$LOG"

# prove FILE: one run of the proof build over FILE (skipped when the
# normal build does not read it).
prove() {
	"$ANALYZE" -q -f json "$1" >"$tmp/normal.json" 2>/dev/null
	[ $? -gt 1 ] && return 1
	before=$(wc -l <"$LOG")
	SIPALG_CHECK_DETECT_MEMO_LOG="$LOG" "$PROOF" -q -f json "$1" >"$tmp/proof.json" 2>"$tmp/proof.err"
	rc=$?
	after=$(wc -l <"$LOG")
	if [ $rc -gt 1 ] || grep -q "detect_memo_check" "$tmp/proof.err"; then
		fail "$1: the proof build stopped (exit $rc): $(head -3 "$tmp/proof.err")"
		return 1
	fi
	check "$1: one line in the proof's log" 1 $((after - before))
	cmp -s "$tmp/proof.json" "$tmp/normal.json" ||
	    fail "$1: the proof build's JSON differs from the normal build's"
	return 0
}

n=0
for dir in "$top_srcdir/../shared/corpus" "$top_srcdir/samples"; do
	[ -d "$dir" ] || { echo "note: $dir absent"; continue; }
	for f in $(find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' \
	    -o -name '*.cap' \) | sort); do
		prove "$f" && n=$((n + 1))
	done
done
[ $n -gt 0 ] || fail "no capture proved"
set -- $(awk '{ c += $1; m += $2 } END { print c + 0, m + 0 }' "$LOG")
echo "proof: $n captures, $1 messages checked, $2 noted as they arrived"
if [ "$1" -gt 0 ] && [ "$2" -gt 0 ]; then
	ok
else
	fail "the proof proved nothing (checked $1, noted $2)"
fi
finish
