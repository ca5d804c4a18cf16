#!/bin/sh
# tests/adversarial/escape.sh - output safety: SIP headers carrying
# ESC/CSI sequences, OSC titles, BEL, NUL bytes, C1 controls (raw 0x9b
# and U+009B) and invalid UTF-8 (gen escapes) must come out of every
# report format escaped:
#   - text and CSV: valid UTF-8, no C0 control but LF, no DEL, no C1
#     (U+0080..U+009F), so nothing reaches a terminal or a spreadsheet
#     as a control;
#   - JSON: parses with python3's json module from strict UTF-8, and no
#     raw control byte at all in the file.
# Run with --messages and --all, so every dialog and message label is
# printed, and the escaped text must still be there (not dropped).
#
# Then the Unicode controls, as valid UTF-8, in fields the reports do
# print: the Call-ID (text, CSV, JSON), a reason phrase (the message
# label: text and JSON with --messages) and an SDP i= line that becomes
# evidence of alg_rewrite_evidence (text and JSON).  They carry C1 CSI
# (U+009B) and NEL (U+0085), the bidi controls (U+202E RLO, U+2066 LRI,
# U+2069 PDI, U+200F RLM, U+061C ALM) and the line and paragraph
# separators (U+2028, U+2029).  None may come out raw: text and CSV show
# them as \uNNNN, JSON escapes them as \uNNNN (a JSON reader gets the
# character back).  The From display name and User-Agent carry them too;
# the reports print neither, so only the raw scan covers those.
. "${top_srcdir:-.}/tests/lib.sh"
GEN="$top_builddir/tests/adversarial/gen"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$GEN" ] || [ ! -x "$ANALYZE" ]; then
	echo "SKIP: $GEN or $ANALYZE not built"
	exit 77
fi
"$GEN" escapes >"$tmp/esc.pcap" || { echo "FAIL: gen escapes"; exit 1; }

for fmt in text csv json; do
	"$ANALYZE" -q -m -a -f "$fmt" "$tmp/esc.pcap" >"$tmp/out.$fmt" \
	    2>"$tmp/err.$fmt"
	rc=$?
	case $rc in
	0|1) ok ;;
	*) fail "$fmt: exit $rc: $(cat "$tmp/err.$fmt")" ;;
	esac
	python3 - "$tmp/out.$fmt" "$fmt" <<'EOF' || fail "$fmt output unsafe"
import json, sys
path, fmt = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
bad = []
try:
    text = raw.decode("utf-8", errors="strict")
except UnicodeDecodeError as e:
    sys.exit("%s: not valid UTF-8: %s" % (fmt, e))
for i, ch in enumerate(text):
    o = ord(ch)
    if (o < 0x20 and ch != "\n") or o == 0x7f or 0x80 <= o <= 0x9f:
        bad.append((i, hex(o), text[max(0, i - 30):i + 10]))
if bad:
    sys.exit("%s: %d raw control characters, first: %r" % (fmt, len(bad), bad[:3]))
if fmt == "json":
    j = json.loads(text)
    ids = [d["call_id"] for d in j["dialogs"]]
    # The escapes are kept as data: ESC decoded back from \u001b.
    if not any("\x1b[2J" in c for c in ids):
        sys.exit("json: Call-ID escape lost: %r" % ids)
    if len(j["dialogs"]) != 3:
        sys.exit("json: expected 3 dialogs, got %d" % len(j["dialogs"]))
    # The 488's label decodes back to the raw reason phrase (one escape).
    labels = [m["label"] for d in j["dialogs"] for m in d["message_list"]]
    if not any(l.startswith("488 Not\x1b[5m Here") for l in labels):
        sys.exit("json: 488 label not escaped exactly once: %r" % labels)
else:
    if "Call-ID" not in text and "esc" not in text:
        sys.exit("%s: the dialogs are missing" % fmt)
EOF
done
# The text form shows the escape visibly.
grep -q 'esc\\x1b\[2J0\\x07@x' "$tmp/out.text" ||
    fail "text: escaped Call-ID not shown: $(grep -i call-id "$tmp/out.text" | head -3)"
# A reason phrase (488 Not ESC[5m Here) is escaped exactly once: the label
# shows \x1b[5m (text) or \u001b[5m (JSON), never a doubled \\x1b.
grep -q '488 Not\\x1b\[5m Here' "$tmp/out.text" ||
    fail "text: 488 label not shown once-escaped: $(grep '488 ' "$tmp/out.text" | head -1)"
grep -q '488 Not\\u001b\[5m Here' "$tmp/out.json" ||
    fail "json: 488 label not shown once-escaped"
for fmt in text json; do
	if grep -q '\\\\x1b' "$tmp/out.$fmt"; then
		fail "$fmt: doubly escaped: $(grep -o '.\{10\}\\\\x1b.\{10\}' "$tmp/out.$fmt" | head -1)"
	fi
done


# ---- Unicode controls in valid UTF-8 ----
python3 - "$tmp/uni.pcap" <<'PY'
import struct, sys
RLO, LRI, PDI, RLM, ALM = "\u202e", "\u2066", "\u2069", "\u200f", "\u061c"
CSI, NEL, LS, PS = "\u009b", "\u0085", "\u2028", "\u2029"
def ip(s): return bytes(int(x) for x in s.split("."))
def frame(src, dst, payload):
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                      0, ip(src), ip(dst))
    return b"\x00" * 12 + b"\x08\x00" + hdr + udp
A, B = "203.0.113.5", "198.51.100.9"
cid = ("uni-" + CSI + "31m-" + RLO + "evil" + LRI + "x" + PDI + RLM + ALM +
       LS + "l" + PS + "p" + NEL + "@x")
# From a public address with a public c= and a private address in i=:
# alg_rewrite_evidence quotes the i= line.
sdp = ("v=0\r\no=- 1 1 IN IP4 203.0.113.5\r\ns=-\r\ni=10.0.0.7 " + RLO +
       "gnp.exe" + CSI + "31m" + LS + "end\r\nc=IN IP4 203.0.113.5\r\n"
       "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n").encode()
inv = ("INVITE sip:bob@198.51.100.9 SIP/2.0\r\n"
       "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKuni1\r\n"
       "From: \"" + RLO + "evil" + CSI + "2J\" <sip:alice@203.0.113.5>;tag=u1\r\n"
       "To: <sip:bob@198.51.100.9>\r\nCall-ID: " + cid + "\r\n"
       "CSeq: 1 INVITE\r\nContact: <sip:alice@203.0.113.5:5060>\r\n"
       "User-Agent: agent" + CSI + "31m" + RLO + "x" + LS + "\r\n"
       "Content-Type: application/sdp\r\n").encode() + \
    b"Content-Length: %d\r\n\r\n" % len(sdp) + sdp
rsp = ("SIP/2.0 486 Busy " + RLO + "ereh" + CSI + "5m\r\n"
       "Via: SIP/2.0/UDP 203.0.113.5:5060;branch=z9hG4bKuni1\r\n"
       "From: <sip:alice@203.0.113.5>;tag=u1\r\n"
       "To: <sip:bob@198.51.100.9>;tag=u2\r\nCall-ID: " + cid + "\r\n"
       "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").encode()
out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
for i, f in enumerate((frame(A, B, inv), frame(B, A, rsp))):
    out += struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f
open(sys.argv[1], "wb").write(out)
PY
for fmt in text csv json; do
	"$ANALYZE" -q -m -a -f "$fmt" "$tmp/uni.pcap" >"$tmp/uni.$fmt" 2>"$tmp/err.$fmt"
	check "unicode controls, $fmt: exit (a finding)" 1 $?
	python3 - "$tmp/uni.$fmt" "$fmt" <<'PY' || fail "unicode controls: $fmt output unsafe"
import json, sys
path, fmt = sys.argv[1], sys.argv[2]
text = open(path, "rb").read().decode("utf-8", errors="strict")
def control(o):
    return (o < 0x20 and o != 0x0a) or 0x7f <= o <= 0x9f or o in (
        0x061c, 0x200e, 0x200f) or 0x2028 <= o <= 0x202e or 0x2066 <= o <= 0x2069
bad = [(i, hex(ord(c))) for i, c in enumerate(text) if control(ord(c))]
if bad:
    sys.exit("%s: %d raw controls, first %r" % (fmt, len(bad), bad[:3]))
cid = ("uni-\u009b31m-\u202eevil\u2066x\u2069\u200f\u061c\u2028l\u2029p"
       "\u0085@x")
# How the Call-ID must read once escaped: each control as \uNNNN.
shown = "".join("\\u%04x" % ord(c) if control(ord(c)) else c for c in cid)
if shown not in text:
    sys.exit("%s: Call-ID not shown escaped (want %s)" % (fmt, shown))
if fmt == "json":
    d = json.loads(text)["dialogs"][0]
    if d["call_id"] != cid:
        sys.exit("json: Call-ID not kept as data: %r" % d["call_id"])
    labels = [m["label"] for m in d["message_list"]]
    if "486 Busy \u202eereh\u009b5m" not in labels:
        sys.exit("json: reason phrase not kept: %r" % labels)
    ev = [e["value"] for s in d["symptoms"] for e in s["evidence"]]
    if not any("\u202egnp.exe\u009b31m\u2028end" in v for v in ev):
        sys.exit("json: i= evidence not kept: %r" % ev)
elif fmt == "text":
    for want in ("486 Busy \\u202eereh\\u009b5m",
                 "i=: 10.0.0.7 \\u202egnp.exe\\u009b31m\\u2028end"):
        if want not in text:
            sys.exit("text: %s not shown" % want)
PY
done

finish
