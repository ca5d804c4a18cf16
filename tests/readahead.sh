#!/bin/sh
# tests/readahead.sh - no output depends on the read-ahead thread.
#
# capture.c reads each capture ahead in a thread of its own (readahead.c)
# when SIPALG_READAHEAD says so or by its own choice (two CPUs, a stream
# or a file of 4 MB and more).  This runs sipalg-analyze with the thread
# (SIPALG_READAHEAD=1, every file) and without (=0) and compares stdout,
# stderr and the exit status byte for byte:
#   1. every capture of samples/ and of the shared corpus (JSON, -a -m);
#   2. a generated load capture of several MB (300 calls with RTP: many
#      windows, records across their ends), whole and cut inside a
#      record and inside a record header, from the file and through a
#      pipe (standard input), and with the automatic choice;
#   3. several files in one run, and -j 2 (one process each);
#   4. an output pipe closed early (head -c): the run ends within a
#      time limit; a pipe whose writer stays open and silent for a while
#      after the capture (the thread waits in poll) gives what standard
#      input gives.  (A set freed while the writer is silent for good:
#      test_capture's "read ahead as without".)
. "${top_srcdir:-.}/tests/lib.sh"
GEN="$top_builddir/tests/bench/gen-load"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S="$top_srcdir/samples/linux-alg"

# same NAME CMD...: CMD (a shell command line, run by sh -c) with and
# without the thread gives the same stdout, stderr and exit status.
same() {
	name=$1
	shift
	SIPALG_READAHEAD=0 sh -c "$*" >"$tmp/off.out" 2>"$tmp/off.err"
	off=$?
	SIPALG_READAHEAD=1 sh -c "$*" >"$tmp/on.out" 2>"$tmp/on.err"
	on=$?
	check "$name: exit status" "$off" "$on"
	cmp -s "$tmp/off.out" "$tmp/on.out" ||
	    fail "$name: stdout differs with the read-ahead thread"
	cmp -s "$tmp/off.err" "$tmp/on.err" ||
	    fail "$name: stderr differs with the read-ahead thread"
}

# 1. samples and corpus
n=0
for f in "$S"/*.pcap "$S"/*.pcapng "$CORPUS"/*; do
	[ -f "$f" ] || continue
	same "$(basename "$f")" "'$ANALYZE' -q -a -m --format json '$f'"
	n=$((n + 1))
done
[ "$n" -gt 100 ] || fail "only $n captures found"

# 2. a load capture of many windows, whole, cut, piped
"$GEN" -n 300 -c 60 -o 10 -a 10 -d 1 -w "$tmp/load.pcap" 2>"$tmp/gen.err" ||
    { cat "$tmp/gen.err" >&2; exit 1; }
size=$(wc -c <"$tmp/load.pcap")
[ "$size" -gt 4194304 ] || fail "load capture of $size bytes: not above 4 MB"
L="$ANALYZE -q -a --format json"
same "load" "$L '$tmp/load.pcap'"
same "load, piped" "cat '$tmp/load.pcap' | $L -"
# the automatic choice (a thread on two CPUs: the file is above 4 MB)
SIPALG_READAHEAD= $L "$tmp/load.pcap" >"$tmp/auto.out" 2>&1
cmp -s "$tmp/auto.out" "$tmp/on.out" 2>/dev/null || {
	SIPALG_READAHEAD=1 $L "$tmp/load.pcap" >"$tmp/on1.out" 2>&1
	cmp -s "$tmp/auto.out" "$tmp/on1.out" ||
	    fail "load: the automatic choice gives another output"
}
# cut inside a record (odd sizes) and inside a record header (the
# records of the generator are at least 60 bytes: 16 of header in 100)
for cut in 70001 1048589 3000017; do
	head -c "$cut" "$tmp/load.pcap" >"$tmp/cut.pcap"
	same "cut at $cut" "$L '$tmp/cut.pcap'"
	same "cut at $cut, piped" "cat '$tmp/cut.pcap' | $L -"
	grep -q "truncated" "$tmp/on.err" ||
	    fail "cut at $cut: no truncation reported: $(cat "$tmp/on.err")"
done

# 3. several files, and -j
same "three files" "$L '$tmp/load.pcap' '$tmp/cut.pcap' '$S/b2bua-alg-on-inside.pcap'"
same "-j 2" "$L -j 2 '$tmp/load.pcap' '$tmp/cut.pcap' '$S/b2bua-alg-on-inside.pcap'"

# 4. stopping: the output closed early; a silent writer after the end
# of the capture (the thread waits for it in poll until the run ends)
SIPALG_READAHEAD=1 timeout 60 sh -c \
    "$ANALYZE --format json -a -m '$tmp/load.pcap' | head -c 100 >/dev/null"
check "output closed early: the run ends" 0 $?
(cat "$tmp/load.pcap"; sleep 2) | SIPALG_READAHEAD=1 timeout 60 \
    $L - >"$tmp/silent.out" 2>&1
silent=$?
cat "$tmp/load.pcap" | SIPALG_READAHEAD=0 $L - >"$tmp/stdin.out" 2>&1
check "silent writer: exit status" $? $silent
cmp -s "$tmp/silent.out" "$tmp/stdin.out" ||
    fail "silent writer: another output than a pipe without the thread"

echo "readahead: $checks checks, $fails failures"
[ "$fails" -eq 0 ]
