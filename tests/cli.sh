#!/bin/sh
# tests/cli.sh - the sipalg-analyze command line: options, exit codes,
# error messages, formats, multi-file merging and output escaping.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --help and --version go to stdout and exit 0.
"$ANALYZE" --help >"$tmp/help" 2>&1
check "--help exit" 0 $?
grep -q -- '--format' "$tmp/help" || fail "--help does not list --format"
"$ANALYZE" --version >"$tmp/v"
check "--version exit" 0 $?
grep -q '^sipalg-analyze [0-9]' "$tmp/v" || fail "--version output: $(cat "$tmp/v")"

# Misuse: a hint on stderr and exit 2.
"$ANALYZE" >/dev/null 2>"$tmp/e"
check "no file exit" 2 $?
grep -q "Try 'sipalg-analyze --help'" "$tmp/e" || fail "no hint: $(cat "$tmp/e")"
"$ANALYZE" --bogus x >/dev/null 2>"$tmp/e"
check "unknown option exit" 2 $?
"$ANALYZE" --format xml x >/dev/null 2>"$tmp/e"
check "bad format exit" 2 $?
grep -q "unknown format 'xml'" "$tmp/e" || fail "bad format message: $(cat "$tmp/e")"

# Unreadable inputs: "sipalg-analyze: FILE: reason", exit 3.
"$ANALYZE" -q "$tmp/missing.pcap" >/dev/null 2>"$tmp/e"
check "missing file exit" 3 $?
grep -q "^sipalg-analyze: $tmp/missing.pcap: No such file or directory" "$tmp/e" ||
    fail "missing file message: $(cat "$tmp/e")"
printf 'this is not a capture at all' >"$tmp/text.pcap"
"$ANALYZE" -q "$tmp/text.pcap" >/dev/null 2>"$tmp/e"
check "not a pcap exit" 3 $?
grep -q "^sipalg-analyze: $tmp/text.pcap: not a pcap or pcapng file" "$tmp/e" ||
    fail "bad magic message: $(cat "$tmp/e")"
: >"$tmp/empty.pcap"
"$ANALYZE" -q "$tmp/empty.pcap" >/dev/null 2>"$tmp/e"
check "empty file exit" 3 $?
grep -q "empty" "$tmp/e" || fail "empty file message: $(cat "$tmp/e")"

# A capture built here: one INVITE whose From display name and Call-ID
# carry a terminal escape sequence, followed by a record cut short.
python3 - "$tmp/esc.pcap" "$tmp/trunc.pcap" <<'PY'
import struct, sys
sip = (b"INVITE sip:bob@192.0.2.2 SIP/2.0\r\n"
       b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKx1\r\n"
       b"From: \"\x1b[2Jevil\" <sip:alice@192.0.2.1>;tag=a1\r\n"
       b"To: <sip:bob@192.0.2.2>\r\n"
       b"Call-ID: esc-\x1b[2J1@192.0.2.1\r\nCSeq: 1 INVITE\r\n"
       b"Content-Length: 0\r\n\r\n")
def ip_udp(payload):
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                      bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    return b"\x00" * 12 + b"\x08\x00" + hdr + udp
frame = ip_udp(sip)
gh = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
rec = struct.pack("<IIII", 1700000000, 0, len(frame), len(frame)) + frame
open(sys.argv[1], "wb").write(gh + rec)
open(sys.argv[2], "wb").write(gh + rec + rec[:30])
PY
"$ANALYZE" -q "$tmp/esc.pcap" >"$tmp/out" 2>&1
check "escape capture exit" 0 $?
if grep -q "$(printf '\033')" "$tmp/out"; then
	fail "raw ESC byte reached the text output"
fi
grep -q 'Call-ID: esc-\\x1b\[2J1@192.0.2.1' "$tmp/out" || fail "escaped Call-ID not shown"
"$ANALYZE" -q -f json -m "$tmp/esc.pcap" >"$tmp/out.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out.json" ||
    fail "JSON with an escape sequence is not valid"
"$ANALYZE" -q -f csv "$tmp/esc.pcap" >"$tmp/out.csv"
check "csv rows" 2 "$(wc -l <"$tmp/out.csv")"
grep -q '"esc-\\x1b\[2J1@192.0.2.1"' "$tmp/out.csv" || fail "csv Call-ID cell"

# A truncated last record is an anomaly, not an error: exit 0.
"$ANALYZE" -q -f json "$tmp/trunc.pcap" >"$tmp/t.json" 2>"$tmp/e"
check "truncated capture exit" 0 $?
check "truncated anomaly" 1 "$(json_get "$tmp/t.json" captures.0.anomalies.pcap_truncated)"
check "truncated capture still has its message" 1 \
    "$(json_get "$tmp/t.json" captures.0.sip_messages)"

# Two files in one run: both listed, merged; one unreadable file among
# readable ones gives exit 3 but the others are analysed.
"$ANALYZE" -q -f json "$tmp/esc.pcap" "$tmp/missing.pcap" "$tmp/trunc.pcap" \
    >"$tmp/m.json" 2>"$tmp/e"
check "mixed files exit" 3 $?
check "captures listed" 2 "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["captures"]))' "$tmp/m.json")"
# Inside/outside comparison through the command line.
S="$top_srcdir/samples/linux-alg"
"$ANALYZE" --inside "$S/outbound-alg-on-inside.pcap" \
    --outside "$S/outbound-alg-on-outside.pcap" -f json >"$tmp/d.json"
check "--inside/--outside exit" 0 $?
check "profile of the kernel ALG" linux "$(json_get "$tmp/d.json" diff.profile.guess)"
"$ANALYZE" --inside "$S/outbound-alg-on-inside.pcap" >/dev/null 2>"$tmp/e"
check "--inside alone" 2 $?
"$ANALYZE" --inside "$tmp/missing.pcap" --outside "$S/outbound-alg-on-outside.pcap" \
    >"$tmp/d.out" 2>"$tmp/e"
check "--inside unreadable" 3 $?
check "nothing printed on error" 0 "$(wc -c <"$tmp/d.out")"
# "-" reads the capture from standard input, pcap and pcapng, as
# tcpdump -r - does; the report equals the one of the file itself
# (but for the name), and --db stores a pipe once (hashed while copied).
for f in outbound-alg-on-inside.pcap capture-points-alg-off-inside-sip.pcapng; do
	"$ANALYZE" -q -f json "$S/$f" >"$tmp/file.json" 2>/dev/null
	cat "$S/$f" | "$ANALYZE" -q -f json - >"$tmp/pipe.json" 2>"$tmp/e"
	rc=$?
	[ -s "$tmp/e" ] && fail "stdin $f: stderr: $(cat "$tmp/e")"
	check "stdin $f: same dialogs as the file" \
	    "$(grep -o '"call_id":"[^"]*"' "$tmp/file.json" | sort | tr '\n' ' ')" \
	    "$(grep -o '"call_id":"[^"]*"' "$tmp/pipe.json" | sort | tr '\n' ' ')"
	[ "$rc" -le 1 ] || fail "stdin $f: exit $rc"
done
# pcapng through a pipe is read as the file is (capture.c's stream
# reader: the interfaces and their filters, each frame's interface, the
# packet blocks): byte for byte the same JSON but for the name and the
# size, for captures of one and of two interfaces (mirror), whole and
# cut short inside a block (the same warning, in bytes of the stream).
nosize() { sed 's/"file":"[^"]*","size":[0-9]*,//' "$1"; }
head -c 50001 "$S/capture-points-alg-on-mirror.pcapng" >"$tmp/cut.pcapng"
for f in "$S/capture-points-alg-off-inside-sip.pcapng" \
    "$S/capture-points-alg-on-mirror.pcapng" \
    "$S/v15-lanproxy-bfar-alg-off-mirror.pcapng" "$tmp/cut.pcapng"; do
	"$ANALYZE" -q -f json "$f" >"$tmp/file.json" 2>"$tmp/fe"
	cat "$f" | "$ANALYZE" -q -f json - >"$tmp/pipe.json" 2>"$tmp/pe"
	nosize "$tmp/file.json" >"$tmp/file.n"
	nosize "$tmp/pipe.json" >"$tmp/pipe.n"
	cmp -s "$tmp/file.n" "$tmp/pipe.n" ||
	    fail "pcapng pipe $f: JSON differs from the file's: $(diff "$tmp/file.n" "$tmp/pipe.n" | head -5)"
	grep -q '"call_id"' "$tmp/pipe.json" || fail "pcapng pipe $f: no dialog"
	check "pcapng pipe $f: the same warnings" \
	    "$(sed 's/^sipalg-analyze: [^:]*: //; s/ of [0-9]*)/)/; s/ of the stream)/)/' "$tmp/fe")" \
	    "$(sed 's/^sipalg-analyze: [^:]*: //; s/ of [0-9]*)/)/; s/ of the stream)/)/' "$tmp/pe")"
done
grep -q "^sipalg-analyze: -: truncated after packet [0-9]* (byte 50001 of the stream); results cover the part read" \
    "$tmp/pe" || fail "truncated pcapng stream warning: $(cat "$tmp/pe")"
cat "$S/v15-silent-filters-alg-on-server-sip.pcapng" |
    "$ANALYZE" -q -f json - >"$tmp/pipe.json" 2>/dev/null
grep -q 'the capture filter \\"port 5060' "$tmp/pipe.json" ||
    fail "pcapng pipe: the interface's capture filter was not read"
cat "$S/outbound-alg-on-inside.pcap" | "$ANALYZE" -q --db "$tmp/in.db" - >/dev/null 2>"$tmp/e"
[ $? -le 1 ] || fail "--db from stdin: $(cat "$tmp/e")"
"$ANALYZE" --db "$tmp/in.db" --report -f json >"$tmp/r.json" 2>/dev/null
grep -q '"call_id"' "$tmp/r.json" || fail "--db from stdin stored no dialog"

# A capture cut short is said on stderr (the report covers the part
# read), and so is a capture without any SIP, with the likely reason.
head -c 3000 "$S/outbound-alg-on-inside.pcap" >"$tmp/cut.pcap"
"$ANALYZE" -q "$tmp/cut.pcap" >/dev/null 2>"$tmp/e"
grep -q "^sipalg-analyze: $tmp/cut.pcap: truncated after packet [0-9]* (byte [0-9]* of 3000); results cover the part read" \
    "$tmp/e" || fail "truncated capture warning: $(cat "$tmp/e")"
# the same through a pipe (read by capture.c's stream reader): where it
# ended, in bytes of the stream, which has no size
cat "$tmp/cut.pcap" | "$ANALYZE" -q - >/dev/null 2>"$tmp/e" || true
grep -q "^sipalg-analyze: -: truncated after packet [0-9]* (byte 3000 of the stream); results cover the part read" \
    "$tmp/e" || fail "truncated stream warning: $(cat "$tmp/e")"
"$ANALYZE" -q "$S/outbound-alg-on-inside.pcap" >/dev/null 2>"$tmp/e"
[ -s "$tmp/e" ] && fail "a whole capture warned: $(cat "$tmp/e")"
if command -v tshark >/dev/null 2>&1; then
	tshark -r "$S/outbound-alg-on-inside.pcap" -Y 'not sip' \
	    -w "$tmp/nosip.pcap" 2>/dev/null
	"$ANALYZE" -q "$tmp/nosip.pcap" >/dev/null 2>"$tmp/e"
	grep -q "^sipalg-analyze: $tmp/nosip.pcap: no SIP found, only RTP ([0-9]* packets): did a capture filter drop the signalling?" \
	    "$tmp/e" || fail "no-SIP warning: $(cat "$tmp/e")"
fi

# --progress (on at a terminal, script(1) gives one): a stream has no
# size, so its line says how much was read, not "N of 0 MB"; a file's
# says "N of M MB".  70,000 packets: a progress line every 65,536.
LOAD="$top_builddir/tests/bench/gen-load"
if command -v script >/dev/null 2>&1 && [ -x "$LOAD" ]; then
	"$LOAD" -w "$tmp/load.pcap" -n 100 -p 70000 >/dev/null 2>&1 ||
	    fail "gen-load failed"
	script -qec "cat '$tmp/load.pcap' | '$ANALYZE' - >/dev/null" \
	    /dev/null 2>&1 | tr '\r' '\n' >"$tmp/prog"
	grep -aq "^sipalg-analyze: [1-9][0-9]*\.[0-9] MB read, 65536 packets, " \
	    "$tmp/prog" || fail "stream progress: $(cat -v "$tmp/prog")"
	grep -aq " of 0 MB" "$tmp/prog" &&
	    fail "stream progress claims a size: $(cat -v "$tmp/prog")"
	script -qec "'$ANALYZE' '$tmp/load.pcap' >/dev/null" \
	    /dev/null 2>&1 | tr '\r' '\n' >"$tmp/prog"
	grep -aq "^sipalg-analyze: [0-9]* of [1-9][0-9]* MB, 65536 packets, " \
	    "$tmp/prog" || fail "file progress: $(cat -v "$tmp/prog")"
fi
# Standard input that is a regular file (`- < file.pcapng`) is read from
# that descriptor, also by the pcapng reader's own walk: never from a
# file that happens to be named "-" in the current directory.
a="$S/v15-lanproxy-bfar-alg-off-mirror.pcapng"
b="$S/capture-points-alg-off-mirror.pcapng"
if [ -f "$a" ] && [ -f "$b" ]; then
	mkdir -p "$tmp/dash"
	cp "$b" "$tmp/dash/-"
	want=$("$ANALYZE" -f csv "$a" 2>/dev/null | cut -d, -f7 | sort | tr '\n' ' ')
	got=$(cd "$tmp/dash" && "$ANALYZE" -f csv - <"$a" 2>/dev/null | cut -d, -f7 | sort | tr '\n' ' ')
	check "stdin pcapng with a file named '-' beside: the same dialogs" "$want" "$got"
	[ -n "$want" ] || fail "stdin pcapng: no dialogs read (the check proves nothing)"
fi
finish
