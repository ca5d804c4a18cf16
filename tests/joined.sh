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
. "${top_srcdir:-.}/tests/lib.sh"
need_tools python3 mergecap editcap capinfos
[ -x "$ANALYZE" ] || { echo "SKIP: $ANALYZE not built"; exit 77; }
SIM="$top_builddir/sipalg-sim"
[ -x "$SIM" ] || { echo "SKIP: $SIM not built"; exit 77; }
S="$top_srcdir/samples/linux-alg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

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

finish
