#!/bin/sh
# tests/adversarial/csv-formula.sh - CSV formula injection (OWASP "CSV
# Injection"): a capture whose From user is =HYPERLINK("http://evil/x",
# "click"), whose To user is +15551234567 and whose Call-IDs start with
# - and with =HYPERLINK(...) (gen formula) must come out of `-f csv`, and
# of `--db --report -f csv`, with every such text cell prefixed by ' so a
# spreadsheet reads it as text; the numeric columns stay numbers; JSON
# keeps the values as they were sent.  The browser's export goes through
# the same writer (tests/unit/test_tui_view and tests/tui.sh).
. "${top_srcdir:-.}/tests/lib.sh"
GEN="$top_builddir/tests/adversarial/gen"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$GEN" ] || [ ! -x "$ANALYZE" ]; then
	echo "SKIP: $GEN or $ANALYZE not built"
	exit 77
fi
"$GEN" formula >"$tmp/f.pcap" || { echo "FAIL: gen formula"; exit 1; }

# check_csv FILE: the cells of the three dialogs, exactly.
check_csv() {
	python3 - "$1" <<'PY' || fail "$1: CSV cells not neutralised"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
want = {
    "1": ("'=HYPERLINK(%22http:%2F%2Fevil%2Fx%22,%22click%22)@10.0.7.1",
          "bob@10.0.7.2", "f1@x"),
    "2": ("alice@10.0.7.1", "'+15551234567@10.0.7.2", "'-2+3@x"),
    "3": ("carol@10.0.7.1", "dave@10.0.7.2",
          "'=HYPERLINK(\"http://evil/x\",\"click\")"),
}
got = {r["id"]: (r["from"], r["to"], r["call_id"]) for r in rows}
if got != want:
    sys.exit("cells: got %r" % got)
numeric = ("id", "duration", "messages", "retransmissions", "streams",
           "rtp_packets_fwd", "rtp_packets_rev")
for r in rows:
    for k, v in r.items():
        if k in numeric:
            float(v)          # a number, not text
        elif v[:1] in ("=", "+", "-", "@", "\t", "\r"):
            sys.exit("column %s starts like a formula: %r" % (k, v))
PY
}

"$ANALYZE" -q -f csv "$tmp/f.pcap" >"$tmp/a.csv" 2>"$tmp/e"
check "-f csv exit" 0 $?
check_csv "$tmp/a.csv"

# The report from a database is written by the same writer.
"$ANALYZE" -q --db "$tmp/f.db" "$tmp/f.pcap" >/dev/null 2>"$tmp/e"
check "--db import exit" 0 $?
"$ANALYZE" -q --db "$tmp/f.db" --report -f csv >"$tmp/r.csv" 2>"$tmp/e"
check "--report -f csv exit" 0 $?
check_csv "$tmp/r.csv"

# JSON is data, not a spreadsheet: the values stay as sent.
"$ANALYZE" -q -f json "$tmp/f.pcap" >"$tmp/a.json" 2>"$tmp/e"
check "call_id in JSON" '=HYPERLINK("http://evil/x","click")' \
    "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["dialogs"][2]["call_id"])' "$tmp/a.json")"

finish
