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

finish
