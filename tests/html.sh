#!/bin/sh
# tests/html.sh - the HTML report (--html FILE, report_html.c).
#
# Renders the report of several captures and checks each with an HTML
# parser (tests/html/check.py: well-formed, self-contained, the script is
# the report's own, one card per call with findings, one arrow per
# message, one RTP row and plot per stream, the 32 s gap drawn as a
# break, packet text escaped):
#   - the 32 s drop (lan-proxy-sameport-alg-on-inside: ack_timeout_drop),
#   - a one-way call (b2bua-alg-on-inside: one_way_audio),
#   - a call put on hold and resumed that also has a finding
#     (hold-resume-alg-off-inside: the hold shaded in its RTP plot),
#   - the hostile-names capture (tests/adversarial/gen hostile: <script>,
#     "><svg onload=...>, ' and & in display names, Call-IDs, reason
#     phrases and an SDP codec name),
#   - a report from the store (--db FILE --report --html),
#   - the inside/outside comparison (--inside --outside --html: pairs,
#     changes with the rewritten part highlighted, NAT mappings, guess),
#   - the simulator's comparison (sipalg-sim --compare --html: ALG off and
#     on per call side by side, outcome, frame and rule as in -f json; the
#     hostile capture with one of its phones taken as inside),
# then --fix VENDOR's steps in the page, --html refusing to overwrite a
# capture, and, when Debian's chromium is installed, the page in real
# headless Chromium: --dump-dom shows the cards and ladders, and
# --screenshot gives a PNG that is not blank.
#
# check.py needs html5lib, which Debian packages for /usr/bin/python3
# (python3-html5lib), not for whatever python3 is first on PATH: without
# it the test skips.
. "${top_srcdir:-.}/tests/lib.sh"
PY=/usr/bin/python3
GEN="$top_builddir/tests/adversarial/gen"
S="$top_srcdir/samples/linux-alg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$ANALYZE" ] || [ ! -x "$GEN" ]; then
	echo "SKIP: $ANALYZE or $GEN not built"
	exit 77
fi
if ! "$PY" -c 'import html5lib' 2>/dev/null; then
	echo "SKIP: $PY has no html5lib (apt-get install python3-html5lib)"
	exit 77
fi
"$GEN" hostile >"$tmp/hostile.pcap" || { echo "FAIL: gen hostile"; exit 1; }

# render NAME CAPTURE [check.py options]
render() {
	name=$1 cap=$2
	shift 2
	"$ANALYZE" -q -f json -m --html "$tmp/$name.html" "$cap" \
	    >"$tmp/$name.json" 2>"$tmp/$name.err"
	rc=$?
	case $rc in
	0|1) ok ;;
	*) fail "$name: exit $rc: $(cat "$tmp/$name.err")"; return ;;
	esac
	if "$PY" "$top_srcdir/tests/html/check.py" "$tmp/$name.html" \
	    "$tmp/$name.json" "$@" >"$tmp/$name.check" 2>&1; then
		ok
	else
		fail "$name: $(cat "$tmp/$name.check")"
	fi
}

render drop "$S/lan-proxy-sameport-alg-on-inside.pcap" --gap 32
render oneway "$S/b2bua-alg-on-inside.pcap"
render hostile "$tmp/hostile.pcap" --hostile
render hold "$S/hold-resume-alg-off-inside.pcap"
grep -q 'ack_timeout_drop' "$tmp/drop.html" || fail "drop: no ack_timeout_drop card"
# A call put on hold (a sendonly re-INVITE, resumed by the next) that
# also has a finding: every RTP plot of its card shades the hold, from
# that re-INVITE to the next, on the plot's time axis (the dialog's).
"$PY" - "$tmp/hold.html" "$tmp/hold.json" <<'PYEOF' || fail "hold: shading"
import json, re, sys
from datetime import datetime
page = open(sys.argv[1]).read()
rep = json.load(open(sys.argv[2]))
t = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
d = [d for d in rep["dialogs"] if d["symptoms"]]
if len(d) != 1:
    sys.exit("%d dialogs with findings, expected 1" % len(d))
d = d[0]
reinv = [t(m["time"]) - t(d["start"]) for m in d["message_list"]
         if m["label"] == "INVITE"][1:]
card = re.findall(r'<article class="card".*?</article>', page, re.S)[0]
plots = re.findall(r'<svg class="rtpplot".*?</svg>', card, re.S)
if len(plots) != len(d["streams"]) or not plots:
    sys.exit("%d plots for %d streams" % (len(plots), len(d["streams"])))
for p in plots:
    spans = re.findall(r'<g class="holdspan"><title>on hold from \+([0-9.]+) '
                       r's to \+([0-9.]+) s</title><rect class="hold"', p)
    if len(spans) != 1:
        sys.exit("a plot with %d hold spans, expected 1" % len(spans))
    a, e = map(float, spans[0])
    if len(reinv) < 2 or abs(a - reinv[0]) > 0.06 or abs(e - reinv[1]) > 0.06:
        sys.exit("hold %.1f..%.1f s, re-INVITEs at %s" % (a, e, reinv))
PYEOF
grep -q 'class="dead">0 packets' "$tmp/oneway.html" ||
    fail "oneway: the dead direction is not marked"

# Only --html: nothing on stdout, the exit status still says "findings".
"$ANALYZE" -q --html "$tmp/only.html" "$S/b2bua-alg-on-inside.pcap" \
    >"$tmp/only.out"
check "--html alone: exit 1 (findings)" 1 $?
check "--html alone: stdout empty" 0 "$(wc -c <"$tmp/only.out")"
cmp -s "$tmp/only.html" "$tmp/oneway.html" ||
    fail "--html alone and with -f json give different pages"

# From the store: the same checks on the stored analysis.
"$ANALYZE" -q --db "$tmp/s.db" "$S/lan-proxy-sameport-alg-on-inside.pcap" \
    >/dev/null
"$ANALYZE" -q --db "$tmp/s.db" --report -f json -m --html "$tmp/db.html" \
    >"$tmp/db.json"
case $? in 0|1) ok ;; *) fail "--db --report --html failed" ;; esac
"$PY" "$top_srcdir/tests/html/check.py" "$tmp/db.html" "$tmp/db.json" \
    --gap 32 >"$tmp/db.check" 2>&1 || fail "db: $(cat "$tmp/db.check")"

# Pair mode: the comparison page against the JSON comparison.
"$ANALYZE" --inside "$S/outbound-alg-on-inside.pcap" \
    --outside "$S/outbound-alg-on-outside.pcap" -f json \
    --html "$tmp/pair.html" >"$tmp/pair.json"
check "--inside/--outside --html: exit" 0 $?
"$PY" "$top_srcdir/tests/html/check.py" --pair "$tmp/pair.html" \
    "$tmp/pair.json" >"$tmp/pair.check" 2>&1 ||
    fail "pair: $(cat "$tmp/pair.check")"
grep -q '1<del>0.0.0.2</del>:5060' "$tmp/pair.html" ||
    fail "pair: the rewritten part of an address is not highlighted"

# The simulator: ALG off and on side by side, against its JSON.
SIM="$top_builddir/sipalg-sim"
simpage() {
	name=$1
	shift
	"$SIM" --compare -f json --html "$tmp/$name.html" "$@" >"$tmp/$name.json"
	check "sipalg-sim --compare --html $name: exit" 0 $?
	"$PY" "$top_srcdir/tests/html/check.py" --sim "$tmp/$name.html" \
	    "$tmp/$name.json" --hostile >"$tmp/$name.check" 2>&1 ||
	    fail "$name: $(cat "$tmp/$name.check")"
}
simpage simlan "$S/lan-proxy-alg-off-inside.pcap"
simpage simout "$S/outbound-alg-off-inside.pcap"
simpage simhostile --inside-net 10.0.8.1/32 "$tmp/hostile.pcap"
grep -q 'class="dialog differs"' "$tmp/simlan.html" ||
    fail "simlan: no call marked as predicted differently"
grep -q '<code>&lt;script&gt;alert(1)&lt;/script&gt;@h</code>' \
    "$tmp/simhostile.html" || fail "simhostile: Call-ID not escaped as text"
# --html alone: nothing on standard output; never over the capture.
"$SIM" --compare --html "$tmp/simonly.html" "$S/outbound-alg-off-inside.pcap" \
    >"$tmp/simonly.out"
check "sipalg-sim --html alone: stdout empty" 0 "$(wc -c <"$tmp/simonly.out")"
cp "$S/outbound-alg-off-inside.pcap" "$tmp/simin.pcap"
"$SIM" --compare --html "$tmp/simin.pcap" "$tmp/simin.pcap" 2>/dev/null
check "sipalg-sim --html onto the capture: exit 2" 2 $?
cmp -s "$tmp/simin.pcap" "$S/outbound-alg-off-inside.pcap" ||
    fail "sipalg-sim --html overwrote its capture"

# --fix VENDOR puts that vendor's steps in the page; unknown vendor: 2.
"$ANALYZE" -q --fix fortigate --html "$tmp/fix.html" \
    "$S/b2bua-alg-on-inside.pcap"
grep -q 'set sip-helper disable' "$tmp/fix.html" &&
    grep -q 'delete &lt;that number&gt;' "$tmp/fix.html" ||
    fail "--fix fortigate: the steps are missing or unescaped"
grep -q 'set sip-helper disable' "$tmp/only.html" &&
    fail "without --fix the page holds one vendor's steps"
"$ANALYZE" -q --fix nosuchvendor --html "$tmp/x.html" \
    "$S/b2bua-alg-on-inside.pcap" 2>/dev/null
check "--fix unknown with --html: exit 2" 2 $?

# Never over a capture.
cp "$S/b2bua-alg-on-inside.pcap" "$tmp/in.pcap"
"$ANALYZE" -q --html "$tmp/in.pcap" "$tmp/in.pcap" 2>/dev/null
check "--html onto the capture: exit 3" 3 $?
cmp -s "$tmp/in.pcap" "$S/b2bua-alg-on-inside.pcap" || fail "capture overwritten"

# A 1,000-call capture (gen-load: 15 % one-way, 15 % with the ACK lost)
# gives a page under 5 MB with one card per call with findings.  The
# time it takes to open is measured below, in real Chromium.
LOAD="$top_builddir/tests/bench/gen-load"
if [ -x "$LOAD" ]; then
	"$LOAD" -w "$tmp/k.pcap" --calls 1000 --concurrency 50 --duration 5 \
	    --one-way 15 --lost-ack 15 --seed 7 2>/dev/null
	"$ANALYZE" -q -f json --html "$tmp/k.html" "$tmp/k.pcap" >"$tmp/k.json"
	rm -f "$tmp/k.pcap"
	size=$(wc -c <"$tmp/k.html")
	echo "1,000 calls: the page is $size bytes"
	[ "$size" -le 5000000 ] && ok ||
	    fail "1,000 calls: the page is $size bytes (more than 5 MB)"
	"$PY" - "$tmp/k.html" "$tmp/k.json" <<'PYEOF' || fail "1,000 calls: cards"
import json, sys
rep = json.load(open(sys.argv[2]))
want = sum(1 for d in rep["dialogs"] if d["symptoms"])
got = open(sys.argv[1]).read().count('<article class="card"')
if len(rep["dialogs"]) < 1000 or want < 100 or got != want:
    sys.exit("%d dialogs, %d cards for %d with findings" %
             (len(rep["dialogs"]), got, want))
PYEOF
else
	echo "note: tests/bench/gen-load not built; the 1,000-call size check skipped"
fi

# Real Chromium, when installed.  Not in a sanitizer build: there the
# C code that writes the pages (every page above) has already run under
# ASan/UBSan and been checked by check.py; Chromium reading the same
# bytes adds nothing the ordinary build's run of this test does not
# (tests/run-all.sh runs both), and it costs nine Chromium launches,
# one of them loading the 1,000-call page three times.
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROMIUM" ] && grep -q __asan_init "$ANALYZE" 2>/dev/null; then
	echo "note: sanitizer build: the Chromium checks run in the ordinary build only"
elif [ -n "$CHROMIUM" ]; then
	for n in drop hostile simlan hold; do
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		    --user-data-dir="$tmp/chr" --dump-dom "file://$tmp/$n.html" \
		    >"$tmp/$n.dom" 2>/dev/null
		"$PY" - "$tmp/$n.dom" "$tmp/$n.json" <<'PYEOF' || fail "$n: chromium DOM"
import json, sys, html5lib
dom = html5lib.parse(open(sys.argv[1], "rb").read(), namespaceHTMLElements=False)
rep = json.load(open(sys.argv[2]))
if "runs" in rep:
    # the simulator's page: one row per dialog, one cell per run, no script
    rows = [e for e in dom.iter("tr") if "dialog" in (e.get("class") or "")]
    if len(rows) != len(rep["runs"][0]["dialogs"]):
        sys.exit("chromium DOM: %d dialog rows" % len(rows))
    if any(len([c for c in r.iter("td") if "pred" in (c.get("class") or "")])
           != len(rep["runs"]) for r in rows):
        sys.exit("chromium DOM: a row without one cell per run")
    if list(dom.iter("script")):
        sys.exit("chromium DOM: a script in the simulator's page")
    sys.exit(0)
cards = [e for e in dom.iter("article") if "card" in (e.get("class") or "")]
want = sum(1 for d in rep["dialogs"] if d["symptoms"])
if len(cards) != want:
    sys.exit("chromium DOM: %d cards, expected %d" % (len(cards), want))
if len([s for s in dom.iter() if str(s.tag).endswith("svg") and
        "ladder" in (s.get("class") or "")]) != want:
    sys.exit("chromium DOM: ladders missing")
# The report's script ran (it marks the root) and nothing else did.
if dom.get("class") != "js":
    sys.exit("chromium DOM: the report's script did not run")
if len(list(dom.iter("script"))) != 1:
    sys.exit("chromium DOM: an extra script element")
PYEOF
		[ "$n" = hold ] && ! grep -q '<g class="holdspan">' \
		    "$tmp/$n.dom" && fail "hold: no hold span in Chromium's DOM"
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		    --user-data-dir="$tmp/chr" --window-size=1200,1400 \
		    --screenshot="$tmp/$n.png" "file://$tmp/$n.html" \
		    >/dev/null 2>&1
		"$PY" - "$tmp/$n.png" <<'PYEOF' || fail "$n: screenshot"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
if b[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit("not a PNG")
i, idat, w, h = 8, b"", 0, 0
while i < len(b):
    n, t = struct.unpack(">I4s", b[i:i + 8])
    if t == b"IHDR":
        w, h = struct.unpack(">II", b[i + 8:i + 16])
    if t == b"IDAT":
        idat += b[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
if w < 800 or h < 800:
    sys.exit("screenshot %dx%d" % (w, h))
# A blank page decodes to a handful of byte values; a drawn one to many.
if len(set(raw)) < 64:
    sys.exit("screenshot looks blank: %d distinct byte values" % len(set(raw)))
PYEOF
	done
	# What the 1,000-call page costs to open (tests/html/loadtime.py:
	# Chromium's own navigation -> load event and first frame, the
	# renderer's CPU time, the DOM size), printed with the load average
	# of the moment.  The bound is wide on purpose, so that a loaded
	# machine does not fail an honest page: 10 s to the load event
	# (README, Performance, has the figures of a quiet run).
	if [ -f "$tmp/k.html" ]; then
		"$PY" "$top_srcdir/tests/html/loadtime.py" "$CHROMIUM" \
		    "$tmp/k.html" --runs 3 --json >"$tmp/k.load" 2>"$tmp/k.lerr"
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "1,000 calls: loadtime.py exit $rc: $(cat "$tmp/k.lerr")"
		else
			"$PY" - "$tmp/k.load" <<'PYEOF' || fail "1,000 calls: load time"
import json, sys
m = json.load(open(sys.argv[1]))["min"]
print("1,000 calls in Chromium: load event %.2f s, first frame %.2f s, "
      "main thread CPU %.2f s, layout %.2f s; %d DOM nodes (%d elements); "
      "load average %.2f" % (m["load"], m["frame"], m["thread"], m["layout"],
      m["nodes"], m["elements"], m["loadavg"]))
if m["load"] >= 10:
    sys.exit("the 1,000-call page took %.1f s to load" % m["load"])
if m["elements"] < 10000:
    sys.exit("only %d elements: the page did not load whole" % m["elements"])
PYEOF
		fi
	fi
else
	echo "note: chromium not installed; the browser checks were skipped"
fi
finish
