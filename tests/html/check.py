"""tests/html/check.py - checks one HTML report of sipalg-analyze against
the JSON report of the same input (tests/html.sh runs it with Debian's
/usr/bin/python3, which has html5lib).

    check.py REPORT.html REPORT.json [--gap SECONDS] [--hostile]
    check.py --pair PAGE.html COMPARISON.json

- well-formed: html5lib's strict parser finds no parse error;
- self-contained: no src attribute, every href a #fragment that exists,
  no http(s) URL but the SVG namespace, no url() but url(#...), no
  @import, no <link>, <iframe>, <object>, <embed>, <img>;
- the one <script> is the report's own (no packet text in it) and no
  element has an on* attribute;
- one card per dialog with findings, each with a ladder holding one
  arrow (g.m) per message and one dashed row (g.rtp) per RTP stream, and
  one RTP plot per stream (counts from the JSON report with --messages);
- dialogs without findings: one table row each;
- with --gap S: some card's ladder shows a break of about S seconds;
- with --hostile: the page text holds every Call-ID of the JSON report
  exactly as sent (escaped, not interpreted).
With --pair (an --inside/--outside page): the same safety checks with no
script at all, then one dialog section per compared dialog, one row per
message pair, one row per changed field, one per NAT mapping and the
profile guess named as in the JSON comparison.
"""
import json
import re
import sys

import html5lib

NS = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    sys.exit("FAIL: %s" % msg)


def cls(e):
    return (e.get("class") or "").split()


def parse_safe(path, want_scripts):
    """Parses path strictly and checks it is self-contained and inert."""
    raw = open(path, "rb").read()
    text = raw.decode("utf-8")
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    try:
        doc = parser.parse(raw)
    except Exception as e:  # html5lib.html5parser.ParseError
        fail("%s: not well-formed: %s" % (path, e))

    ids = set()
    for e in doc.iter():
        if e.get("id"):
            if e.get("id") in ids:
                fail("duplicate id %r" % e.get("id"))
            ids.add(e.get("id"))
    scripts = 0
    for e in doc.iter():
        tag = e.tag.split("}")[-1]
        if tag in ("link", "iframe", "object", "embed", "img", "base",
                   "frame", "applet", "audio", "video", "source"):
            fail("element <%s> in the page" % tag)
        if tag == "script":
            scripts += 1
            if "alert" in (e.text or ""):
                fail("packet text inside <script>")
        for k, v in e.attrib.items():
            k = k.split("}")[-1]
            if k.lower().startswith("on"):
                fail("event handler attribute %s=%r on <%s>" % (k, v, tag))
            if k in ("src", "srcset", "action", "formaction", "background"):
                fail("attribute %s on <%s>" % (k, tag))
            if k == "href":
                if not v.startswith("#") or v[1:] not in ids:
                    fail("href %r is not a fragment of this page" % v)
    if scripts != want_scripts:
        fail("%d <script> elements, expected %d" % (scripts, want_scripts))
    for m in re.finditer(r"https?://[^\s\"'<>)]*", text):
        if m.group(0) != "http://www.w3.org/2000/svg":
            fail("external URL %r" % m.group(0))
    for m in re.finditer(r"url\(([^)]*)\)", text):
        if not m.group(1).startswith("#"):
            fail("url(%s)" % m.group(1))
    if "@import" in text:
        fail("@import in the page")
    return doc


def by_class(doc, tag, c):
    return [e for e in doc.iter(NS + tag) if c in cls(e)]


def pair_main(path, jpath):
    doc = parse_safe(path, 0)
    d = json.load(open(jpath))["diff"]
    pairs = [p for x in d["dialogs"] for p in x["pairs"]]
    changes = [c for p in pairs for c in p["changes"]]
    for what, tag, c, want in (("dialogs", "section", "dialog", len(d["dialogs"])),
                               ("pairs", "tr", "pair", len(pairs)),
                               ("changes", "tr", "change", len(changes)),
                               ("mappings", "tr", "mapping", len(d["mappings"]))):
        got = len(by_class(doc, tag, c))
        if got != want:
            fail("%s: %d %s in the page, %d in the JSON" % (path, got, what, want))
    guess = "".join(list(doc.iter(NS + "section"))[0].itertext())
    if d["profile"]["guess"] not in guess:
        fail("profile guess %r not shown first" % d["profile"]["guess"])
    print("ok: %s: %d pairs, %d changes" % (path, len(pairs), len(changes)))


def main():
    if sys.argv[1] == "--pair":
        pair_main(sys.argv[2], sys.argv[3])
        return
    path, jpath = sys.argv[1], sys.argv[2]
    gap = None
    hostile = "--hostile" in sys.argv
    if "--gap" in sys.argv:
        gap = float(sys.argv[sys.argv.index("--gap") + 1])
    report = json.load(open(jpath))
    doc = parse_safe(path, 1)

    cards = [e for e in doc.iter(NS + "article") if "card" in cls(e)]
    dialogs = {d["id"]: d for d in report["dialogs"]}
    affected = [d for d in report["dialogs"] if d["symptoms"]]
    if len(cards) != len(affected):
        fail("%d cards for %d dialogs with findings" % (len(cards), len(affected)))
    gaps = []
    for c in cards:
        did = int(c.get("data-dialog"))
        d = dialogs[did]
        ladders = [s for s in c.iter(SVG + "svg") if "ladder" in cls(s)]
        if len(ladders) != 1:
            fail("card %d: %d ladders" % (did, len(ladders)))
        arrows = [g for g in ladders[0].iter(SVG + "g") if "m" in cls(g)]
        rtp = [g for g in ladders[0].iter(SVG + "g") if "rtp" in cls(g)]
        plots = [s for s in c.iter(SVG + "svg") if "rtpplot" in cls(s)]
        if len(arrows) != len(d["message_list"]):
            fail("card %d: %d arrows for %d messages" %
                 (did, len(arrows), len(d["message_list"])))
        frames = sorted(int(g.get("data-frame")) for g in arrows)
        if frames != sorted(m["frame"] for m in d["message_list"]):
            fail("card %d: arrow frames %r" % (did, frames))
        if len(rtp) != len(d["streams"]) or len(plots) != len(d["streams"]):
            fail("card %d: %d RTP rows, %d plots for %d streams" %
                 (did, len(rtp), len(plots), len(d["streams"])))
        for g in ladders[0].iter(SVG + "g"):
            if "brk" in cls(g):
                t = "".join(g.itertext())
                gaps.append(float(re.search(r"([0-9.]+) s", t).group(1)))
        retrans = sum(m["retransmissions"] for m in d["message_list"])
        folded = [g for g in arrows if "rt" in cls(g)]
        if retrans and not folded:
            fail("card %d: retransmissions not folded" % did)
    rows = 0
    for t in doc.iter(NS + "table"):
        if "sort" in cls(t):
            rows += len(list(t.iter(NS + "tbody"))[0].findall(NS + "tr"))
    if rows != len(report["dialogs"]) - len(affected):
        fail("%d table rows for %d dialogs without findings" %
             (rows, len(report["dialogs"]) - len(affected)))
    if gap is not None and not any(abs(g - gap) < 1.0 for g in gaps):
        fail("no break of about %.1f s in the ladders (breaks: %r)" % (gap, gaps))
    if hostile:
        page = "".join(doc.itertext())
        for d in report["dialogs"]:
            if d["call_id"] not in page:
                fail("Call-ID %r not shown as text" % d["call_id"])
    print("ok: %s: %d cards, %d table rows, breaks %r" %
          (path, len(cards), rows, gaps))


main()
