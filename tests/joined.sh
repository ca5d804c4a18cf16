#!/bin/sh
# tests/joined.sh - one call seen as two dialogs is joined (issue 15,
# "Done when": an inside and an outside capture of the same calls merged
# into one file give each call its findings once, per segment).
#
# Ground truth: the simulator's two written views of a kernel run
# (sipalg-sim --write-inside IN -w OUT) merged into one file.  Under a
# profile that rewrites the Call-ID (fortigate, juniper: ALG-REFERENCE.md
# 2, rewrite_call_id) each real call is two dialogs, one per segment; the
# simulator replaces the phone's private address in the Call-ID by the
# public one, so the truth pairs a Call-ID of IN with the Call-ID of OUT
# that has the same part before '@' (the analyzer does not use that: it
# pairs copies of one message at two translations).  Checked:
#   1. every dialog of a call names the other ("joined" in JSON: its id,
#      Call-ID and segment, inside vs outside), and no dialog joins one
#      of another call (two calls back to back on the same ports and
#      SSRC; two overlapping calls on one signalling flow);
#   2. each carries the Call-ID rewrite as alg_rewrite_evidence;
#   3. a symptom is counted once per call: the run's "affected" and
#      "by_symptom" equal those of the inside view alone (where each call
#      is one dialog); the text report's "Calls with findings" too;
#   4. CSV (joined_id, joined_call_id, joined_segment) and text
#      ("joined: same call as ...") show it;
#   5. no join where there is none: a profile that leaves the Call-ID
#      alone (linux); two independent calls of the same scenario started
#      at the same moment (IN of one run, OUT of another: the same
#      addresses, CSeq and methods); and the very copies of a call's
#      OUT shifted 3 s later (everything equal but the time: a replay,
#      not a copy).
#   6. Calls nobody answered (real kernel runs: the INVITE's fragments
#      dropped beyond the router, or grown past the MTU by the rewrite,
#      retransmitted on both segments) are joined on their INVITE's
#      copies, the real inside capture merged with the simulated outside
#      view; two such calls in flight at once on the same addresses and
#      ports each join their own; no join for two look-alike unanswered
#      calls (byte-identical SDP) at once, nor for the outside copies 3 s
#      late (the retransmissions then meet, the first copies do not).
#   7. Counted once under --symptom and --min-confidence: for every
#      filter the findings allow, the call is counted by the first of its
#      dialogs with a finding that passes (text, JSON, CSV), checked
#      against a count made from the unfiltered JSON.
#   8. At scale: 1,200 calls, more than 1,000 of them in flight at once
#      (gen-load's inside capture, the simulator's outside view of it,
#      merged): every call's two dialogs joined to each other and the
#      call counted once (the join's notes grow with the calls in
#      flight; a table of fixed size lost pairs and counted calls twice).
. "${top_srcdir:-.}/tests/lib.sh"
need_tools python3 mergecap editcap capinfos
[ -x "$ANALYZE" ] || { echo "SKIP: $ANALYZE not built"; exit 77; }
SIM="$top_builddir/sipalg-sim"
[ -x "$SIM" ] || { echo "SKIP: $SIM not built"; exit 77; }
S="$top_srcdir/samples/linux-alg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# once_per_call(report): the calls (joined pairs or lone dialogs) as the
# sets of their dialogs' symptom ids, and how many calls have each id.
export JOINLIB="$tmp"
cat >"$tmp/joinlib.py" <<'PY'
def once_per_call(m):
    byid = {d["id"]: d for d in m["dialogs"]}
    calls, seen, want = [], set(), {}
    for d in m["dialogs"]:
        if d["id"] in seen:
            continue
        o = byid.get((d.get("joined") or {}).get("id"))
        group = [d] + ([o] if o else [])
        seen.update(x["id"] for x in group)
        calls.append({s["id"] for x in group for s in x.get("symptoms", [])})
    for ids in calls:
        for k in ids:
            want[k] = want.get(k, 0) + 1
    return calls, want
PY

# views RUN PROFILE PREFIX: PREFIX-i.pcapng, PREFIX-o.pcap
views() {
	"$SIM" --profile "$2" -w "$3-o.pcap" --write-inside "$3-i.pcapng" \
	    "$S/$1-inside.pcap" >/dev/null
}

# joins JSON: "dialog-id call-id joined-id joined-call-id segment other"
joins() {
	python3 - "$1" <<'PY'
import json, sys
for d in json.load(open(sys.argv[1]))["dialogs"]:
    j = d.get("joined")
    if j:
        print(d["id"], d["call_id"], j["id"], j["call_id"], j["segment"], j["other_segment"])
PY
}

for r in outbound-alg-off back-to-back-alg-on overlap-alg-off kern-phonemedia-alg-off tcp-alg-off; do
	for p in fortigate juniper; do
		views "$r" "$p" "$tmp/v" || { fail "$r $p: sipalg-sim failed"; continue; }
		mergecap -w "$tmp/m.pcapng" "$tmp/v-i.pcapng" "$tmp/v-o.pcap"
		"$ANALYZE" -q -f json "$tmp/v-i.pcapng" >"$tmp/vi.json"
		"$ANALYZE" -q -f json "$tmp/m.pcapng" >"$tmp/m.json"
		"$ANALYZE" -q -f csv "$tmp/m.pcapng" >"$tmp/m.csv"
		"$ANALYZE" -q "$tmp/m.pcapng" >"$tmp/m.txt"
		"$ANALYZE" -q "$tmp/v-i.pcapng" >"$tmp/vi.txt"
		python3 - "$r $p" "$tmp/vi.json" "$tmp/m.json" "$tmp/m.csv" "$tmp/m.txt" "$tmp/vi.txt" <<'PY' || fail "$r under $p: one joined call per real call"
import csv, json, re, sys
run, vi, m = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
rows = list(csv.DictReader(open(sys.argv[4])))
text, vitext = open(sys.argv[5]).read(), open(sys.argv[6]).read()
bad = []
calls = [d for d in vi["dialogs"] if d["kind"] == "call"]
if not calls:
    bad.append("no call in the inside view (the check would prove nothing)")
user = lambda cid: cid.split("@")[0]
byid = {d["id"]: d for d in m["dialogs"]}
mcalls = [d for d in m["dialogs"] if d["kind"] == "call"]
if len(mcalls) != 2 * len(calls):
    bad.append("%d call dialogs merged, %d calls inside" % (len(mcalls), len(calls)))
first = 0
for d in mcalls:
    j = d.get("joined")
    if j is None:
        bad.append("%s: not joined" % d["call_id"])
        continue
    o = byid.get(j["id"])
    if o is None or o["call_id"] != j["call_id"]:
        bad.append("%s: names dialog %s %s, not in the report" % (d["call_id"], j["id"], j["call_id"]))
        continue
    if user(o["call_id"]) != user(d["call_id"]) or o["call_id"] == d["call_id"]:
        bad.append("%s joined to %s: another call" % (d["call_id"], o["call_id"]))
    if (o.get("joined") or {}).get("id") != d["id"]:
        bad.append("%s: its other %s does not name it back" % (d["call_id"], o["call_id"]))
    seg = "inside" if "@10." in d["call_id"] else "outside"
    if j["segment"] != seg or j["other_segment"] == seg:
        bad.append("%s: segment %s / other %s" % (d["call_id"], j["segment"], j["other_segment"]))
    first += 0 if j["counted_with_other"] else 1
    alg = [s for s in d.get("symptoms", []) if s["id"] == "alg_rewrite_evidence"]
    if not alg or not any(e["field"] == "Call-ID" and o["call_id"] in e["value"]
                          for e in alg[0].get("evidence", [])):
        bad.append("%s: no alg_rewrite_evidence citing the Call-ID %s" % (d["call_id"], o["call_id"]))
if first != len(calls):
    bad.append("%d dialogs counted first, %d calls" % (first, len(calls)))
# Counted once per call: as in the inside view alone (plus the rewrite).
want = dict(vi["alg"]["by_symptom"])
want["alg_rewrite_evidence"] = len(calls)
if m["alg"]["by_symptom"] != want:
    bad.append("by_symptom %s, inside alone + rewrite %s" % (m["alg"]["by_symptom"], want))
if m["alg"]["affected"] != len(calls):
    bad.append("affected %d, calls %d" % (m["alg"]["affected"], len(calls)))
if m["alg"].get("joined") != len(calls):
    bad.append("alg.joined %s, calls %d" % (m["alg"].get("joined"), len(calls)))
# CSV and text show the same joins.
for row in rows:
    d = byid.get(int(row["id"]))
    j = (d or {}).get("joined")
    got = (row["joined_id"], row["joined_call_id"], row["joined_segment"])
    exp = (str(j["id"]), j["call_id"], j["other_segment"]) if j else ("", "", "")
    if got != exp:
        bad.append("CSV row %s: %s, JSON %s" % (row["id"], got, exp))
lines = re.findall(r"joined: same call as (\S+) \(dialog (\d+)\) on the (\w+) segment", text)
if sorted(lines) != sorted((d["joined"]["call_id"], str(d["joined"]["id"]), d["joined"]["other_segment"])
                           for d in mcalls if d.get("joined")):
    bad.append("text joined lines %s" % lines)
n = re.search(r"Calls with findings: (\d+) of", text)
if n is None or int(n.group(1)) != len(calls):
    bad.append("text: %s calls with findings, %d calls" % (n and n.group(1), len(calls)))
for b in bad:
    print("%s: %s" % (run, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
		ok
	done
done

# ---- calls nobody answered ----
# A real kernel run's inside capture merged with the simulator's outside
# view of it (-w): the INVITE retransmitted on both segments, no response
# on either (its fragments dropped beyond the router, v16-fragdrop; grown
# past the MTU by the rewrite, oversize-alg-on with ICMP and
# v16-blackhole without).  One call is one call: the two dialogs are
# joined on their copies of the INVITE.
# unanswered LABEL JSON CSV TEXT: every call dialog holds only its
# INVITE (the check would prove nothing otherwise) and is joined to the
# dialog of the same call (Call-ID user part) on the other segment, both
# ways, with the rewrite cited; a call is counted once (the union of its
# two dialogs' symptom ids).
unanswered() {
	python3 - "$@" <<'PY' || fail "$1: an unanswered call joined once"
import csv, json, os, re, sys
label, m = sys.argv[1], json.load(open(sys.argv[2]))
rows = list(csv.DictReader(open(sys.argv[3])))
text = open(sys.argv[4]).read()
bad = []
user = lambda cid: cid.split("@")[0]
byid = {d["id"]: d for d in m["dialogs"]}
mcalls = [d for d in m["dialogs"] if d["kind"] == "call"]
if len(mcalls) != 2:
    bad.append("%d call dialogs, 2 expected" % len(mcalls))
for d in mcalls:
    if d["messages"] != 1 or d["final_status"] != 0 or d["retransmissions"] < 1:
        bad.append("%s: %d messages, final %d, %d retransmissions: not an INVITE nobody answered"
                   % (d["call_id"], d["messages"], d["final_status"], d["retransmissions"]))
    j = d.get("joined")
    o = byid.get(j["id"]) if j else None
    if o is None:
        bad.append("%s: not joined" % d["call_id"])
        continue
    if o["call_id"] != j["call_id"] or user(o["call_id"]) != user(d["call_id"]) or o["call_id"] == d["call_id"]:
        bad.append("%s joined to %s: another call" % (d["call_id"], o["call_id"]))
    if (o.get("joined") or {}).get("id") != d["id"]:
        bad.append("%s: %s does not name it back" % (d["call_id"], o["call_id"]))
    seg = "inside" if "@10." in d["call_id"] else "outside"
    if j["segment"] != seg:
        bad.append("%s: segment %s" % (d["call_id"], j["segment"]))
    alg = [s for s in d.get("symptoms", []) if s["id"] == "alg_rewrite_evidence"]
    ev = [e["value"] for e in (alg[0].get("evidence", []) if alg else []) if e["field"] == "Call-ID"]
    if not any(v.startswith(d["call_id"] + " in this INVITE ") for v in ev) or \
            not any(v.startswith(o["call_id"] + " in its copy ") for v in ev):
        bad.append("%s: no alg_rewrite_evidence citing its INVITE and the copy under %s" % (d["call_id"], o["call_id"]))
# Once per call: each joined pair (or lone dialog) its symptom ids once.
sys.path.insert(0, os.environ["JOINLIB"])
from joinlib import once_per_call
calls, want = once_per_call(m)
if m["alg"]["by_symptom"] != want:
    bad.append("by_symptom %s, once per call %s" % (m["alg"]["by_symptom"], want))
if m["alg"]["affected"] != sum(1 for c in calls if c):
    bad.append("affected %d, calls with findings %d" % (m["alg"]["affected"], sum(1 for c in calls if c)))
for row in rows:
    j = byid[int(row["id"])].get("joined")
    if (row["joined_id"], row["joined_segment"]) != ((str(j["id"]), j["other_segment"]) if j else ("", "")):
        bad.append("CSV row %s joined %s" % (row["id"], row["joined_id"]))
n = re.search(r"Calls with findings: (\d+) of", text)
if n is None or int(n.group(1)) != m["alg"]["affected"]:
    bad.append("text: %s calls with findings" % (n and n.group(1)))
for b in bad:
    print("%s: %s" % (label, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	ok
}

for r in v16-fragdrop-alg-off oversize-alg-on v16-blackhole-alg-on; do
	for p in fortigate juniper; do
		views "$r" "$p" "$tmp/u" || { fail "$r $p: sipalg-sim failed"; continue; }
		mergecap -w "$tmp/u.pcapng" "$S/$r-inside.pcap" "$tmp/u-o.pcap"
		"$ANALYZE" -q -f json "$tmp/u.pcapng" >"$tmp/u.json"
		"$ANALYZE" -q -f csv "$tmp/u.pcapng" >"$tmp/u.csv"
		"$ANALYZE" -q "$tmp/u.pcapng" >"$tmp/u.txt"
		unanswered "$r under $p (real inside + simulated outside)" "$tmp/u.json" "$tmp/u.csv" "$tmp/u.txt"
	done
done

# call_start FILE: the epoch time of the first call dialog's start.
call_start() {
	"$ANALYZE" -q -f json "$1" | python3 -c '
import datetime, json, sys
d = [d for d in json.load(sys.stdin)["dialogs"] if d["kind"] == "call"][0]
t = datetime.datetime.strptime(d["start"], "%Y-%m-%dT%H:%M:%S.%fZ")
print("%.6f" % t.replace(tzinfo=datetime.timezone.utc).timestamp())'
}
# shifted FILE OUT FROM TO: FILE shifted by TO - FROM seconds.
shifted() {
	editcap -t "$(python3 -c "print('%.6f' % ($4 - $3))")" "$1" "$2" >/dev/null
}

# Two unanswered calls in flight at once, from and to the same addresses
# and ports (SIPp's 5060), with byte-identical SDP bodies: oversize-alg-on
# and v16-blackhole-alg-on (real inside, simulated outside each), the
# second shifted so that its INVITE comes 1 s after the first's, while
# that one is still retransmitted.  Each call joins its own copy.
views oversize-alg-on fortigate "$tmp/x"
views v16-blackhole-alg-on fortigate "$tmp/y"
tx=$(call_start "$S/oversize-alg-on-inside.pcap")
ty=$(call_start "$S/v16-blackhole-alg-on-inside.pcap")
shifted "$S/v16-blackhole-alg-on-inside.pcap" "$tmp/y-is.pcap" "$ty" "$(python3 -c "print($tx + 1)")"
shifted "$tmp/y-o.pcap" "$tmp/y-os.pcap" "$ty" "$(python3 -c "print($tx + 1)")"
mergecap -w "$tmp/xy.pcapng" "$S/oversize-alg-on-inside.pcap" "$tmp/x-o.pcap" "$tmp/y-is.pcap" "$tmp/y-os.pcap"
"$ANALYZE" -q -f json "$tmp/xy.pcapng" >"$tmp/xy.json"
python3 - "$tmp/xy.json" <<'PY' || fail "two unanswered calls in flight at once: each joins its own"
import json, sys
m = json.load(open(sys.argv[1]))
byid = {d["id"]: d for d in m["dialogs"]}
calls = [d for d in m["dialogs"] if d["kind"] == "call"]
bad = [] if len(calls) == 4 else ["%d call dialogs, 4 expected" % len(calls)]
for d in calls:
    o = byid.get((d.get("joined") or {}).get("id"))
    if o is None or o["call_id"].split("@")[0] != d["call_id"].split("@")[0] or o["call_id"] == d["call_id"]:
        bad.append("%s joined to %s" % (d["call_id"], o and o["call_id"]))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
ok

# ---- counted once under a filter ----
# filtered LABEL MERGED: under every filter the file's findings allow
# (each --symptom, --min-confidence at and just above each confidence,
# both together), a call is counted once by the first of its dialogs in
# report order with a finding that passes: the summary's affected calls
# and per-symptom counts (JSON alg, text "Calls with findings" and the
# counts under it, each group's heading), JSON counted_with_other and
# alg.joined, the text's "the same call as" lines, and the calls a CSV
# reader counts (rows with symptoms, a row whose joined dialog came
# earlier with symptoms being the same call), all computed here from
# the unfiltered JSON.  A pair where only one dialog's finding passes is
# counted once, a pair where none passes not at all.
filtered() {
	python3 - "$ANALYZE" "$1" "$2" <<'PY' || fail "$1: counted once under a filter"
import csv, io, json, re, subprocess, sys
an, label, path = sys.argv[1:4]
def run(args):
    p = subprocess.run([an, "-q"] + args + [path], stdout=subprocess.PIPE, universal_newlines=True)
    return p.stdout
full = json.loads(run(["-f", "json"]))
dl = full["dialogs"]
order = {d["id"]: i for i, d in enumerate(dl)}
byid = {d["id"]: d for d in dl}
ids = sorted({s["id"] for d in dl for s in d.get("symptoms", [])})
confs = sorted({s["confidence"] for d in dl for s in d.get("symptoms", [])})
filters = [[]] + [["--symptom", k] for k in ids]
for c in confs:
    for t in (c, c + 0.05):
        filters.append(["--min-confidence", "%.2f" % t])
        filters += [["--symptom", k, "--min-confidence", "%.2f" % t] for k in ids]
bad = []
if not any(d.get("joined") for d in dl):
    bad.append("no joined dialog (the check would prove nothing)")
for f in filters:
    sym = f[f.index("--symptom") + 1] if "--symptom" in f else None
    minc = float(f[f.index("--min-confidence") + 1]) if "--min-confidence" in f else 0.0
    shown = {d["id"]: {s["id"] for s in d.get("symptoms", [])
                       if (sym is None or s["id"] == sym) and s["confidence"] + 1e-9 >= minc}
             for d in dl}
    other = {}
    for d in dl:
        o = byid.get((d.get("joined") or {}).get("id"))
        mutual = o is not None and (o.get("joined") or {}).get("id") == d["id"]
        other[d["id"]] = shown[o["id"]] if mutual and order[o["id"]] < order[d["id"]] else set()
    with_other = {i: bool(other[i]) for i in shown}
    affected = sum(1 for i in shown if shown[i] and not with_other[i])
    by = {}
    for i in shown:
        for k in shown[i] - other[i]:
            by[k] = by.get(k, 0) + 1
    joined = sum(1 for i in shown if with_other[i])
    tag = "%s %s" % (label, " ".join(f) or "(no filter)")
    j = json.loads(run(["-f", "json"] + f))
    got = (j["alg"]["affected"], j["alg"]["by_symptom"], j["alg"].get("joined", 0))
    if got != (affected, by, joined):
        bad.append("%s: JSON affected, by_symptom, joined %s; expected %s" % (tag, got, (affected, by, joined)))
    for d in j["dialogs"]:
        if {s["id"] for s in d.get("symptoms", [])} != shown[d["id"]]:
            bad.append("%s: JSON dialog %s shows %s" % (tag, d["id"], d.get("symptoms")))
        if d.get("joined") and d["joined"]["counted_with_other"] != with_other[d["id"]]:
            bad.append("%s: dialog %s counted_with_other %s" % (tag, d["id"], d["joined"]["counted_with_other"]))
    rows = list(csv.DictReader(io.StringIO(run(["-f", "csv"] + f))))
    seen, n = set(), 0
    for r in rows:
        rs = {x.split(":")[0] for x in r["symptoms"].split(";") if x}
        if rs != shown[int(r["id"])]:
            bad.append("%s: CSV row %s symptoms %s" % (tag, r["id"], r["symptoms"]))
        if rs:
            n += 0 if r["joined_id"] in seen else 1
            seen.add(r["id"])
    if n != affected:
        bad.append("%s: CSV rows count %d calls with symptoms, expected %d" % (tag, n, affected))
    t = run(f)
    m = re.search(r"Calls with findings: (\d+) of \d+ dialogs(?: \((\d+) of them)?", t)
    if m is None or (int(m.group(1)), int(m.group(2) or 0)) != (affected, joined):
        bad.append("%s: text %s, expected %d (%d joined)" % (tag, m and m.group(0), affected, joined))
    tby = dict((k, int(v)) for k, v in re.findall(r"^  ([a-z_]+) +(\d+)$", t, re.M))
    if tby != by:
        bad.append("%s: text counts %s, expected %s" % (tag, tby, by))
    heads = dict((k, int(v)) for k, v in re.findall(r"^! ([a-z_]+): (\d+) calls? - ", t, re.M))
    if heads != by:
        bad.append("%s: text group headings %s, expected %s" % (tag, heads, by))
    for k, body in re.findall(r"^! ([a-z_]+): .*?\n(.*?)(?=^[!~] |\Z)", t, re.M | re.S):
        for line in re.findall(r"^(?:  #\d+ +\d\d:\d\d:\d\d\.\d+ |    #\d+ +the same call as #).*$", body, re.M):
            i = int(re.match(r" +#(\d+)", line).group(1))
            under = line.startswith("    ")
            if under != (k in other[i]):
                bad.append("%s: text under %s: %s" % (tag, k, line.strip()))
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	ok
}

# One-way audio seen on both segments at 0.8 and 0.9: merged with either
# view first, so that the dialog reported first has the lower confidence
# in one of the two.
views kern-phonemedia-alg-off fortigate "$tmp/f"
mergecap -w "$tmp/f-io.pcapng" "$tmp/f-i.pcapng" "$tmp/f-o.pcap"
mergecap -w "$tmp/f-oi.pcapng" "$tmp/f-o.pcap" "$tmp/f-i.pcapng"
filtered "kern-phonemedia-alg-off, inside view first" "$tmp/f-io.pcapng"
filtered "kern-phonemedia-alg-off, outside view first" "$tmp/f-oi.pcapng"
# Other symptoms on each segment of an unanswered call (oversize_drop
# inside, inbound_call_unanswered outside), and a joined registration.
mergecap -w "$tmp/fx.pcapng" "$S/oversize-alg-on-inside.pcap" "$tmp/x-o.pcap"
filtered "oversize-alg-on (real inside + simulated outside)" "$tmp/fx.pcapng"
views v16-fragdrop-alg-off fortigate "$tmp/g"
mergecap -w "$tmp/fr.pcapng" "$S/v16-fragdrop-alg-off-inside.pcap" "$tmp/g-o.pcap"
filtered "v16-fragdrop-alg-off (real inside + simulated outside)" "$tmp/fr.pcapng"

# ---- no join where there is none ----
nojoin() {
	"$ANALYZE" -q -f json "$2" >"$tmp/n.json"
	"$ANALYZE" -q -f csv "$2" >"$tmp/n.csv"
	python3 - "$tmp/n.json" "$tmp/n.csv" "$3" <<'PY' || fail "$1: joined what is not one call"
import csv, json, sys
j = json.load(open(sys.argv[1]))
calls = [d for d in j["dialogs"] if d["kind"] == "call"]
bad = []
if len(calls) < int(sys.argv[3]):
    bad.append("%d calls, %s expected (the check would prove nothing)" % (len(calls), sys.argv[3]))
bad += ["%s joined to %s" % (d["call_id"], d["joined"]["call_id"]) for d in j["dialogs"] if "joined" in d]
if "joined" in j["alg"]:
    bad.append("alg.joined %s" % j["alg"]["joined"])
bad += ["CSV row %s joined %s" % (r["id"], r["joined_id"]) for r in csv.DictReader(open(sys.argv[2])) if r["joined_id"]]
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	ok
}

# A profile that leaves the Call-ID alone: each call one dialog.
views outbound-alg-off linux "$tmp/l"
mergecap -w "$tmp/l.pcapng" "$tmp/l-i.pcapng" "$tmp/l-o.pcap"
nojoin "linux profile (Call-ID kept)" "$tmp/l.pcapng" 1

# Two independent calls of one scenario at the same moment: IN of one
# run and OUT of another, shifted so that their INVITEs coincide.
views outbound-alg-off fortigate "$tmp/a"
views outbound-alg-on fortigate "$tmp/b"
ta=$(capinfos -T -r -a -S "$tmp/a-i.pcapng" | awk -F"$(printf '\t')" '{print $2; exit}')
tb=$(capinfos -T -r -a -S "$tmp/b-o.pcap" | awk -F"$(printf '\t')" '{print $2; exit}')
editcap -t "$(python3 -c "print('%.6f' % ($ta - $tb))")" "$tmp/b-o.pcap" "$tmp/b-shift.pcap" >/dev/null
mergecap -w "$tmp/ab.pcapng" "$tmp/a-i.pcapng" "$tmp/b-shift.pcap"
nojoin "two independent look-alike calls at once" "$tmp/ab.pcapng" 2

# The copies of a call, 3 s apart: the same branch, tags, CSeq and
# translation, but a replay, not one message seen twice.
editcap -t 3 "$tmp/a-o.pcap" "$tmp/a-late.pcap" >/dev/null
mergecap -w "$tmp/late.pcapng" "$tmp/a-i.pcapng" "$tmp/a-late.pcap"
nojoin "a call's outside copies 3 s late" "$tmp/late.pcapng" 2


# The same for calls nobody answered.  Two look-alike calls at once: the
# inside of oversize-alg-on and the outside of v16-blackhole-alg-on (the
# same addresses, ports, CSeq, method and SDP body, byte for byte; only
# Call-ID, branch and From tag differ), shifted so that their INVITEs
# coincide.
shifted "$tmp/y-o.pcap" "$tmp/y-oa.pcap" "$ty" "$tx"
mergecap -w "$tmp/xya.pcapng" "$S/oversize-alg-on-inside.pcap" "$tmp/y-oa.pcap"
nojoin "two unanswered look-alike calls at once" "$tmp/xya.pcapng" 2

# A call's outside copies 3 s late: the INVITE's retransmissions (T1 =
# 0.5 s, doubling) then meet the other segment's at the same instants,
# but its first copies are 3 s apart: a replay, not one message seen
# twice.
editcap -t 3 "$tmp/x-o.pcap" "$tmp/x-late.pcap" >/dev/null
mergecap -w "$tmp/xlate.pcapng" "$S/oversize-alg-on-inside.pcap" "$tmp/x-late.pcap"
nojoin "an unanswered call's outside copies 3 s late" "$tmp/xlate.pcapng" 2

# ---- messages the join could not note: a named anomaly ----
# One INVITE under 40 Call-IDs at one instant (the same Via branch, tags
# and CSeq, 40 source ports: no call does that, a flood): the join keeps
# DETECT_COPY_SCAN notes of one key (caps.h) and drops the rest, each
# counted as join_copies_dropped for the capture, and shown as every
# anomaly is: text, JSON, HTML, and the store's read-back.  A capture
# whose notes all fit (a merged inside+outside run) names none.
python3 - "$tmp/flood.pcap" <<'PY'
import struct, sys
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
for i in range(40):
    sip = ("INVITE sip:server@203.0.113.10 SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 10.0.0.2:%d;branch=z9hG4bKflood\r\n"
           "From: <sip:phone@10.0.0.2>;tag=f\r\nTo: <sip:server@203.0.113.10>\r\n"
           "Call-ID: flood%d@10.0.0.2\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
           "Content-Length: 0\r\n\r\n" % (1024 + i, i)).encode()
    udp = struct.pack("!HHHH", 1024 + i, 5060, 8 + len(sip), 0) + sip
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     bytes([10, 0, 0, 2]), bytes([203, 0, 113, 10]))
    fr = b"\x00" * 12 + b"\x08\x00" + ip + udp
    out.append(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)
open(sys.argv[1], "wb").write(b"".join(out))
PY
"$ANALYZE" -q -f json "$tmp/flood.pcap" >"$tmp/flood.json"
nd=$(json_get "$tmp/flood.json" captures.0.anomalies.join_copies_dropped)
case $nd in
''|*[!0-9]*|0) fail "flood: join_copies_dropped '$nd', 40 - 17 at least" ;;
*) [ "$nd" -ge 23 ] && [ "$nd" -le 40 ] && ok ||
	fail "flood: join_copies_dropped $nd, 23..40 expected" ;;
esac
"$ANALYZE" -q "$tmp/flood.pcap" >"$tmp/flood.txt"
grep -q "join_copies_dropped.*$nd" "$tmp/flood.txt" && ok ||
    fail "flood: the text report does not name join_copies_dropped $nd"
"$ANALYZE" -q --html "$tmp/flood.html" "$tmp/flood.pcap" >/dev/null
grep -q "join_copies_dropped" "$tmp/flood.html" && ok ||
    fail "flood: the HTML report does not name join_copies_dropped"
rm -f "$tmp/flood.db"
"$ANALYZE" -q --db "$tmp/flood.db" -f json "$tmp/flood.pcap" >/dev/null
"$ANALYZE" --db "$tmp/flood.db" --report -f json >"$tmp/flood-rb.json"
check "flood: join_copies_dropped read back from the store" "$nd" \
    "$(json_get "$tmp/flood-rb.json" captures.0.anomalies.join_copies_dropped)"
# (the views, the merge and the analysis must work, or this proves nothing)
# (exit 1 of the analysis means findings: its JSON is what is checked)
rm -f "$tmp/fm.json"
views outbound-alg-off fortigate "$tmp/f" &&
    mergecap -w "$tmp/fm.pcapng" "$tmp/f-i.pcapng" "$tmp/f-o.pcap" &&
    { "$ANALYZE" -q -f json "$tmp/fm.pcapng" >"$tmp/fm.json"; true; }
if grep -q '"dialogs"' "$tmp/fm.json" 2>/dev/null; then
	grep -q join_copies_dropped "$tmp/fm.json" &&
	    fail "a merged run whose notes fit names join_copies_dropped" || ok
else
	fail "a merged run whose notes fit: views, mergecap or the analysis failed"
fi
# A call through a proxy between two phones behind one Linux kernel ALG
# (which keeps the Call-ID), its inside and outside captures merged:
# each message of the INVITE transaction four times under one Call-ID
# (two legs, two capture points), more than the dialog's notes
# (DETECT_COPY_PER_DIALOG), and no copy under another Call-ID that a
# message not noted could have paired with.  Nothing was at stake for
# the join: no join_copies_dropped.
for r in lan-proxy-alg-off lan-proxy-alg-on; do
	mergecap -w "$tmp/lp.pcapng" "$S/$r-inside.pcap" "$S/$r-outside.pcap"
	"$ANALYZE" -q -f json "$tmp/lp.pcapng" >"$tmp/lp.json"
	python3 - "$tmp/lp.json" <<'PY' || fail "$r merged: join_copies_dropped where no join was at stake"
import json, sys
m = json.load(open(sys.argv[1]))
bad = []
calls = [d for d in m["dialogs"] if d["kind"] == "call"]
if len(calls) != 1 or calls[0]["messages"] < 16:
    bad.append("%s: not one call dialog of 16 messages or more (the check would prove nothing)"
               % [(d["call_id"], d["messages"]) for d in calls])
bad += ["capture %d: join_copies_dropped %d" % (i, c["anomalies"]["join_copies_dropped"])
        for i, c in enumerate(m["captures"]) if "join_copies_dropped" in c.get("anomalies", {})]
bad += ["%s joined" % d["call_id"] for d in m["dialogs"] if "joined" in d]
for b in bad:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	ok
done

# ---- at scale: more than 1,000 calls in flight ----
# gen-load writes the phones' side (10.0.0.0/8 phones, a public server),
# the simulator its outside view under each profile that rewrites the
# Call-ID; merged, 2,400 dialogs are in flight at once (a dialog stays
# 40 s after its end, the capture lasts 6 s).
GEN="$top_builddir/tests/bench/gen-load"
if [ -x "$GEN" ]; then
	"$GEN" -w "$tmp/load-i.pcap" --no-rtp --calls 1200 --concurrency 1200 \
	    -d 0.5 --seed 1 2>/dev/null
	for p in fortigate juniper; do
		"$SIM" --profile "$p" -w "$tmp/load-o.pcap" "$tmp/load-i.pcap" >/dev/null ||
		    { fail "load under $p: sipalg-sim failed"; continue; }
		# one snapshot length for both: a pcap (libpcap refuses a pcapng
		# whose interfaces differ in it)
		mergecap -F pcap -w "$tmp/load.pcap" "$tmp/load-i.pcap" "$tmp/load-o.pcap"
		"$ANALYZE" -q -f json "$tmp/load.pcap" >"$tmp/load.json"
		python3 - "load under $p" "$tmp/load.json" <<'PY' || fail "load under $p: every call joined once"
import json, os, sys
label, m = sys.argv[1], json.load(open(sys.argv[2]))
bad = []
user = lambda cid: cid.split("@")[0]
byid = {d["id"]: d for d in m["dialogs"]}
calls = [d for d in m["dialogs"] if d["kind"] == "call"]
inside = [d for d in calls if "@10." in d["call_id"]]
if len(inside) != 1200 or len(calls) != 2400:
    bad.append("%d call dialogs, %d inside: 1200 calls expected on each segment" % (len(calls), len(inside)))
# calls in flight at once, from the inside dialogs' start and end
ev = sorted([(d["start"], 1) for d in inside] + [(d["end"] or d["start"], -1) for d in inside],
            key=lambda e: (e[0], -e[1]))
run = peak = 0
for _, k in ev:
    run += k
    peak = max(peak, run)
if peak < 1000:
    bad.append("only %d calls in flight at once (the check needs 1000)" % peak)
named = {}
for d in calls:
    j = d.get("joined")
    o = byid.get(j["id"]) if j else None
    if o is None:
        bad.append("%s: not joined" % d["call_id"])
        continue
    named[o["id"]] = named.get(o["id"], 0) + 1
    if user(o["call_id"]) != user(d["call_id"]) or o["call_id"] == d["call_id"]:
        bad.append("%s joined to %s: another call" % (d["call_id"], o["call_id"]))
    if (o.get("joined") or {}).get("id") != d["id"]:
        bad.append("%s: %s does not name it back" % (d["call_id"], o["call_id"]))
bad += ["dialog %d named by %d dialogs" % (k, v) for k, v in named.items() if v > 1]
# counted once: each joined pair the union of its symptom ids
sys.path.insert(0, os.environ["JOINLIB"])
from joinlib import once_per_call
groups, want = once_per_call(m)
if m["alg"].get("joined") != 1200:
    bad.append("alg.joined %s, 1200 calls" % m["alg"].get("joined"))
if len(groups) != 1200 or m["alg"]["affected"] != sum(1 for g in groups if g):
    bad.append("affected %d; %d calls, %d with findings" % (m["alg"]["affected"], len(groups), sum(1 for g in groups if g)))
if m["alg"]["by_symptom"] != want:
    bad.append("by_symptom %s, once per call %s" % (m["alg"]["by_symptom"], want))
for b in bad[:10]:
    print("%s: %s" % (label, b), file=sys.stderr)
if len(bad) > 10:
    print("%s: ... %d more" % (label, len(bad) - 10), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
		ok
	done
else
	fail "$GEN not built (make check builds it)"
fi

finish
