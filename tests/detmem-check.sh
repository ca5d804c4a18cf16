#!/bin/sh
# tests/detmem-check.sh - the proof build of the detectors' per-message
# memo (analyzer/detect/detect.c, detect_msg_memo and the side_memo bits
# of detect_int.h; CPPFLAGS=-DSIPALG_CHECK_DETECT_MEMO), which `make
# check` does not otherwise build.
#
# detect.c is compiled again with -DSIPALG_CHECK_DETECT_MEMO into a
# private folder, with the build's own compiler and flags (read from its
# Makefile through a make fragment, as tests/owner-check.sh does), and
# linked with the build's sipalg-analyze objects and libsipalg.a (the new
# detect.o comes first, so the library's is not pulled).  That binary
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
[ -f "$top_builddir/Makefile" ] && [ -f "$top_builddir/libsipalg.a" ] ||
    { echo "SKIP: no configured build in $top_builddir (Makefile, libsipalg.a)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

cat >"$tmp/memo.mk" <<'MK'
memo-cc:
	@echo '$(firstword $(CC))'
memo-proof:
	$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) $(libsipalg_a_CPPFLAGS) $(CPPFLAGS) -DSIPALG_CHECK_DETECT_MEMO $(AM_CFLAGS) $(CFLAGS) -c -o $(MEMO_DIR)/detect.o $(srcdir)/analyzer/detect/detect.c
	$(CCLD) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $(MEMO_DIR)/sipalg-analyze $(MEMO_DIR)/detect.o $(sipalg_analyze_OBJECTS) $(sipalg_analyze_LDADD) $(LIBS)
MK
# Not the jobserver of a `make -j check` above us.
mmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" \
	    -f Makefile -f "$tmp/memo.mk" MEMO_DIR="$tmp" "$@"
}
cc=$(mmake memo-cc 2>/dev/null)
need_tools "${cc:-cc}"
if ! mmake memo-proof >"$tmp/build.log" 2>&1; then
	fail "the proof build (-DSIPALG_CHECK_DETECT_MEMO) does not build:"
	cat "$tmp/build.log" >&2
	finish
	exit 1
fi
PROOF="$tmp/sipalg-analyze"
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
