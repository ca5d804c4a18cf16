#!/bin/sh
# tests/merged.sh - calls in company: several captures analysed together
# and captures merged into one file give each call what it gets alone
# (issue 15.4, "Done when").
#
# Real kernel runs (samples/linux-alg) whose calls reuse everything a
# later call can reuse: SIPp's signalling port 5060, RTP port 6000 and
# SSRC 0xca110000 on both directions of every call.
#   1. Several files given to one run (merged by time): each call's
#      symptom ids and summaries, media legs (direction, segment, state,
#      ptime) and stream packet counts equal those of its file alone.
#   2. The same files shifted back to back (editcap -t: each starts 2 s
#      after the previous one ends, so the same 5-tuple and SSRC carry the
#      next call's RTP at once) and merged into ONE file (mergecap): the
#      same equality, against each shifted file alone.
#   3. An inside and an outside capture of the same calls merged into one
#      file: each call once (one dialog per Call-ID, each symptom id once),
#      its findings those of the inside+outside pair given as two files,
#      and one media leg per direction and segment, in the same state.
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 needed"; exit 77; }
[ -x "$ANALYZE" ] || { echo "SKIP: $ANALYZE not built"; exit 77; }
for t in mergecap editcap capinfos; do
	command -v $t >/dev/null 2>&1 || { echo "SKIP: $t (Debian: tshark) needed"; exit 77; }
done
S="$top_srcdir/samples/linux-alg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# calls JSON...: one line per call of the reports: Call-ID, dialogs, its
# symptom ids and summaries, advisories, media legs, stream packets.
calls() {
	python3 - "$@" <<'PY'
import json, sys
out = {}
for path in sys.argv[1:]:
    for d in json.load(open(path)).get("dialogs", []):
        e = out.setdefault(d["call_id"], {"dialogs": 0, "symptoms": [], "advisories": [],
                                          "media": [], "streams": []})
        e["dialogs"] += 1
        e["symptoms"] += sorted("%s: %s" % (s["id"], s["summary"]) for s in d.get("symptoms", []))
        e["advisories"] += sorted(s["id"] for s in d.get("advisories", []))
        e["media"] += sorted("%s@%s %s %s" % (m.get("direction"), m.get("segment"), m.get("state"),
                                              m.get("ptime_ms")) for m in d.get("media", []))
        e["streams"] += sorted("%s@%s %s" % (s.get("direction"), s.get("segment"), s.get("packets"))
                               for s in d.get("streams", []))
for cid in sorted(out):
    print(cid, json.dumps(out[cid], sort_keys=True))
PY
}

# same WHAT ALONE TOGETHER: the per-call lines must be equal.
same() {
	if cmp -s "$2" "$3"; then
		ok
	else
		fail "$1: calls differ from the files analysed alone"
		diff "$2" "$3" | head -20 >&2
	fi
}

runs="outbound-alg-off outbound-alg-on inbound-alg-off hold-resume-alg-off back-to-back-alg-on"
files=""
for r in $runs; do
	files="$files $S/$r-outside.pcap"
done

# ---- 1. several files in one run ----
n=0
for f in $files; do
	n=$((n + 1))
	"$ANALYZE" -q -f json "$f" >"$tmp/alone$n.json"
done
# shellcheck disable=SC2086
"$ANALYZE" -q -f json $files >"$tmp/together.json"
# shellcheck disable=SC2046
calls $(ls "$tmp"/alone*.json) >"$tmp/alone.calls"
calls "$tmp/together.json" >"$tmp/together.calls"
check "files together: calls" "$(wc -l <"$tmp/alone.calls")" "$(wc -l <"$tmp/together.calls")"
same "several files in one run" "$tmp/alone.calls" "$tmp/together.calls"
grep -q 'one_way_audio' "$tmp/together.calls" || fail "files together: no one_way_audio at all (the test would prove nothing)"
grep -q 'ack_timeout_drop' "$tmp/together.calls" || fail "files together: no ack_timeout_drop at all"

# ---- 2. back to back in one file: same ports and SSRC at once ----
start=""
n=0
for f in $files; do
	n=$((n + 1))
	first=$(capinfos -T -r -a -S "$f" | awk -F"$(printf '\t')" '{print $2; exit}')
	last=$(capinfos -T -r -e -S "$f" | awk -F"$(printf '\t')" '{print $2; exit}')
	if [ -z "$start" ]; then
		shift=0
	else
		shift=$(python3 -c "print('%.6f' % ($start - $first))")
	fi
	editcap -t "$shift" "$f" "$tmp/shifted$n.pcap" >/dev/null
	start=$(python3 -c "print('%.6f' % ($last + $shift + 2))")
	"$ANALYZE" -q -f json "$tmp/shifted$n.pcap" >"$tmp/salone$n.json"
done
mergecap -F pcap -w "$tmp/b2b.pcap" "$tmp"/shifted*.pcap
"$ANALYZE" -q -f json "$tmp/b2b.pcap" >"$tmp/b2b.json"
# shellcheck disable=SC2046
calls $(ls "$tmp"/salone*.json) >"$tmp/salone.calls"
calls "$tmp/b2b.json" >"$tmp/b2b.calls"
check "back to back in one file: calls" "$(wc -l <"$tmp/salone.calls")" "$(wc -l <"$tmp/b2b.calls")"
same "back to back in one file (same ports and SSRC)" "$tmp/salone.calls" "$tmp/b2b.calls"

# ---- 3. inside and outside merged into one file ----
for r in outbound-alg-off inbound-alg-off hold-resume-alg-on lan-proxy-sameport-alg-on back-to-back-alg-off; do
	i="$S/$r-inside.pcap"
	o="$S/$r-outside.pcap"
	mergecap -F pcap -w "$tmp/m.pcap" "$i" "$o"
	"$ANALYZE" -q -f json "$i" "$o" >"$tmp/pair.json"
	"$ANALYZE" -q -f json "$tmp/m.pcap" >"$tmp/m.json"
	calls "$tmp/pair.json" >"$tmp/pair.calls"
	calls "$tmp/m.json" >"$tmp/m.calls"
	python3 - "$r" "$tmp/pair.calls" "$tmp/m.calls" <<'PY' || fail "$r: inside+outside merged into one file"
import json, sys
def load(p):
    return {l.split(" ", 1)[0]: json.loads(l.split(" ", 1)[1]) for l in open(p)}
run, pair, merged = sys.argv[1], load(sys.argv[2]), load(sys.argv[3])
bad = []
if set(pair) != set(merged):
    bad.append("calls %s vs %s" % (sorted(pair), sorted(merged)))
for cid in sorted(set(pair) & set(merged)):
    p, m = pair[cid], merged[cid]
    ids = [s.split(":")[0] for s in m["symptoms"]]
    if m["dialogs"] != 1:
        bad.append("%s: %d dialogs in one file" % (cid, m["dialogs"]))
    if len(ids) != len(set(ids)):
        bad.append("%s: a finding reported twice: %s" % (cid, ids))
    pids = [s.split(":")[0] for s in p["symptoms"]]
    if len(pids) != len(set(pids)):
        bad.append("%s: a finding reported twice (two files): %s" % (cid, pids))
    if sorted(ids) != sorted(s.split(":")[0] for s in p["symptoms"]):
        bad.append("%s: symptoms %s, as two files %s" % (cid, ids, p["symptoms"]))
    legs = [x.split(" ")[0] for x in m["media"]]
    if len(legs) != len(set(legs)):
        bad.append("%s: a media leg twice: %s" % (cid, m["media"]))
    if m["media"] != p["media"]:
        bad.append("%s: media legs %s, as two files %s" % (cid, m["media"], p["media"]))
    if m["media"] and {x.split(" ")[0].split("@")[1] for x in m["media"]} != {"inside", "outside"}:
        bad.append("%s: legs not on both segments: %s" % (cid, m["media"]))
for b in bad:
    print("%s: %s" % (run, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
	ok
done

finish
