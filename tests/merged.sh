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
#      and one media leg per direction and segment, in the same state;
#      each way, the call line's packets those of the file that saw the
#      most (each packet once).  3b: one capture point where a re-INVITE
#      puts a direction's later stream on the other segment by its
#      address: the call line counts every packet (nothing seen twice).
#   4. The same for the simulator's two views of a call (sipalg-sim
#      --write-inside IN -w OUT) under every profile: IN and OUT merged
#      into one file (mergecap) give each Call-ID what IN and OUT given as
#      two files give.  Under a profile that rewrites the Call-ID
#      (fortigate, juniper: ALG-REFERENCE.md 2, rewrite_call_id) the
#      inside and outside copies of one call are two dialogs, each seen on
#      one view only: each must keep the media of its own translation, so
#      its symptoms and media legs equal those of its view alone (RTP
#      bound to the other copy's dialog made a false one_way_audio).
#      A representative set of runs, not all 77 x 8 (about 3 minutes at
#      -j2, too slow for a test that CI runs twice, once under ASan): a
#      one-way call with the ALG off, two calls back to back on the same
#      ports and SSRC, media from another host than the phone's
#      signalling, a phone that writes its public address itself (STUN:
#      the SDPs of both copies are equal, so signalling tells them
#      apart), and a registration with an inbound call (copies of one
#      message in one file show the Contact translated).  Each has RTP on the
#      segments it is judged on (part 5 covers calls without any).
#   5. Calls with no RTP anywhere, judged on the recorded capture filter
#      of the interface that carried them (capture.c's block walker):
#      the real silent-phone runs' inside capture filtered to SIP+RTP
#      (pcapng) merged with an outside one (pcap, no filter; pcapng
#      filtered to SIP), with mergecap -I none and in its default mode,
#      and the simulator's two views of the silent-phone runs merged with
#      -I none, give each call the symptoms and media legs of the two
#      files read apart.  mergecap's default mode folds the files'
#      interfaces into one when their link type, snap length and time
#      precision agree (the simulator's two views always do): the merged
#      file then keeps one description, the first file's, for every
#      packet and says less than the two files, so a folded merge is
#      named and not compared (the real pairs here differ in precision
#      and keep both).
#   6. Two phones behind one NAT calling each other through a proxy past
#      it (lan-proxy-*) with no RTP at the capture point, under the
#      simulator's profile off: the inside view (no filter recorded as
#      the empty one) alone and merged with the outside view (-I none)
#      give no no_audio, and the inside legs are not observable: the
#      media goes phone to phone behind the NAT and need not cross the
#      point that carries the signalling.  A phone talking to a far end
#      (phone-silent-alg-off) keeps its no_audio on the same view.
#   8. Findings once, per segment: a call whose media is judged on the
#      receiver's side of each direction, except where a direction cannot
#      be observed there.  Two phones behind one NAT through a proxy past
#      it, B having written a public address that is not its own as its
#      c= (v15-lanproxy-bfar-alg-off, real): A's RTP goes there, B's goes
#      to A's private address phone to phone.  The inside shows A's RTP
#      undeliverable and B's not observable; the outside shows both
#      phones signal from the NAT's address, A's RTP sent out of it to
#      B's c= (undeliverable: B is behind that address, and the host at
#      B's c= refused it) and B's not observable (phone to phone).  No
#      view can show B's RTP: no media symptom alone, merged (mergecap),
#      on the mirror port (dumpcap -i lan0 -i wan0) or the two files
#      given together; the same for the simulator's two views of
#      v15-lanproxy-bpublic-filters-alg-off under profile off (alone and
#      merged).  Where no segment shows both directions
#      (v15-lanproxy-bpublic-merged-alg-off: the outside carries none of
#      the media) no media symptom; where each direction's receiver side
#      shows it (v15-lanproxy-bfar-alg-on, the ALG giving B the NAT's own
#      address for A: both undeliverable inside; outside, A's RTP
#      undeliverable and B's absent, as it turns at the NAT) no_audio,
#      without a segment named, on the outside alone as merged.
. "${top_srcdir:-.}/tests/lib.sh"
need_tools python3 mergecap editcap capinfos
[ -x "$ANALYZE" ] || { echo "SKIP: $ANALYZE not built"; exit 77; }
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
	# The call line counts the call's packets each way once, not a sum
	# over the segments: here, where each file saw every packet of the
	# other (a NAT keeps the SSRC), those of the capture point (inside
	# file alone, outside file alone) that saw the most.  It used to add
	# the two ("rtp caller>callee 320" for 160 packets seen on both
	# sides).
	"$ANALYZE" -q -f json "$i" >"$tmp/in.json"
	"$ANALYZE" -q -f json "$o" >"$tmp/out.json"
	python3 - "$r" "$tmp/in.json" "$tmp/out.json" "$tmp/m.json" <<'PY' || fail "$r: merged: the call line's packets each way are not the call's"
import json, sys
def rtp(p):
    return {d["call_id"]: (d["rtp_packets_fwd"], d["rtp_packets_rev"])
            for d in json.load(open(p))["dialogs"] if d["kind"] == "call"}
run, ins, outs, merged = sys.argv[1], rtp(sys.argv[2]), rtp(sys.argv[3]), rtp(sys.argv[4])
bad = []
for cid, m in sorted(merged.items()):
    a, b = ins.get(cid, (0, 0)), outs.get(cid, (0, 0))
    want = (max(a[0], b[0]), max(a[1], b[1]))
    if m != want:
        bad.append("%s: caller>callee, callee>caller %s; inside alone %s, outside alone %s" % (cid, m, a, b))
for x in bad:
    print("%s: %s" % (run, x), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
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

# ---- 3b. one capture point, a direction's streams on both segments ----
# A stream's segment comes from address privacy (detect_audio.c), not
# from where it was captured: a public caller calls 10.0.0.5 and sends 50
# packets there ("inside": the callee signals from that address); a
# re-INVITE moves the callee's media to 10.0.0.6, which never sends, and
# the caller's next 100 packets (same SSRC, sequence 50-149) go there
# ("outside").  Nothing was seen twice: the call line counts all 150 (the
# rule that took the larger segment's said 100).
python3 - "$tmp/segsplit.pcap" <<'PY'
import struct, sys
def pcap(path, pkts):
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for ts, data in pkts:
            us = int(round(ts * 1e6))
            f.write(struct.pack('<IIII', us // 1000000, us % 1000000, len(data), len(data)))
            f.write(data)
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return (~s) & 0xffff
def ip(a):
    return bytes(int(x) for x in a.split('.'))
def udp(src, sport, dst, dport, payload):
    u = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(u), 1, 0, 64, 17, 0, ip(src), ip(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return b'\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00' + h + u
def rtp(seq, ssrc):
    return struct.pack('!BBHII', 0x80, 0, seq, seq * 160, ssrc) + b'\xff' * 160
C, A, B = '198.51.100.20', '10.0.0.5', '10.0.0.6'
def sdp(c, port):
    return ('v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n'
            'm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' % (c, c, port)).encode()
def msg(first, via, frm, to, cseq, body=b''):
    h = [first, 'Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s' % (via, cseq.replace(' ', '') + first[:3]),
         'From: ' + frm, 'To: ' + to, 'Call-ID: segsplit@x', 'CSeq: ' + cseq,
         'Contact: <sip:x@%s:5060>' % via]
    if body:
        h.append('Content-Type: application/sdp')
    h.append('Content-Length: %d' % len(body))
    return ('\r\n'.join(h) + '\r\n\r\n').encode() + body
F, T = '<sip:c@%s>;tag=c1' % C, '<sip:a@%s>' % A
Tt = T + ';tag=a1'
pk = [(100.0, udp(C, 5060, A, 5060, msg('INVITE sip:a@%s SIP/2.0' % A, C, F, T, '1 INVITE', sdp(C, 7000)))),
      (100.5, udp(A, 5060, C, 5060, msg('SIP/2.0 200 OK', C, F, Tt, '1 INVITE', sdp(A, 5000)))),
      (100.6, udp(C, 5060, A, 5060, msg('ACK sip:a@%s SIP/2.0' % A, C, F, Tt, '1 ACK')))]
for i in range(50):
    pk.append((101 + i * 0.02, udp(C, 7000, A, 5000, rtp(i, 0x1111))))
    pk.append((101.01 + i * 0.02, udp(A, 5000, C, 7000, rtp(i, 0x2222))))
pk += [(103.0, udp(A, 5060, C, 5060, msg('INVITE sip:c@%s SIP/2.0' % C, A, Tt, F, '1 INVITE', sdp(B, 5002)))),
       (103.1, udp(C, 5060, A, 5060, msg('SIP/2.0 200 OK', A, Tt, F, '1 INVITE', sdp(C, 7000)))),
       (103.2, udp(A, 5060, C, 5060, msg('ACK sip:c@%s SIP/2.0' % C, A, Tt, F, '1 ACK')))]
for i in range(100):
    pk.append((103.3 + i * 0.02, udp(C, 7000, B, 5002, rtp(50 + i, 0x1111))))
pk += [(106.0, udp(C, 5060, A, 5060, msg('BYE sip:a@%s SIP/2.0' % A, C, F, Tt, '2 BYE'))),
       (106.1, udp(A, 5060, C, 5060, msg('SIP/2.0 200 OK', C, F, Tt, '2 BYE')))]
pcap(sys.argv[1], sorted(pk, key=lambda x: x[0]))
PY
"$ANALYZE" -q -f json "$tmp/segsplit.pcap" >"$tmp/segsplit.json"
python3 - "$tmp/segsplit.json" <<'PY' || fail "segsplit: the call line does not count each distinct packet"
import json, sys
ds = [d for d in json.load(open(sys.argv[1]))["dialogs"] if d["kind"] == "call"]
segs = sorted({s.get("segment") for d in ds for s in d["streams"] if s.get("direction") == "caller>callee"})
got = [(d["rtp_packets_fwd"], d["rtp_packets_rev"]) for d in ds]
bad = []
if segs != ["inside", "outside"]:
    bad.append("caller>callee streams on %s, not on both segments (the check would prove nothing)" % segs)
if got != [(150, 50)]:
    bad.append("packets each way %s, want [(150, 50)]" % got)
for b in bad:
    print("segsplit: %s" % b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
ok

# ---- 4. the simulator's inside and outside views merged into one file ----
SIM="$top_builddir/sipalg-sim"
[ -x "$SIM" ] || { echo "SKIP (part 4): $SIM not built"; finish; exit $?; }
profiles=$(ls "$top_srcdir"/sim/profiles/*.conf | sed 's|.*/||; s|\.conf$||')
for r in outbound-alg-off back-to-back-alg-on kern-phonemedia-alg-off stun-alg-off \
    register-echo-alg-on; do
	for p in $profiles; do
		rm -f "$tmp/o.pcap" "$tmp/i.pcapng"
		"$SIM" --profile "$p" -w "$tmp/o.pcap" --write-inside "$tmp/i.pcapng" \
		    "$S/$r-inside.pcap" >/dev/null || { fail "$r $p: sipalg-sim failed"; continue; }
		mergecap -w "$tmp/m.pcapng" "$tmp/i.pcapng" "$tmp/o.pcap"
		"$ANALYZE" -q -f json "$tmp/i.pcapng" >"$tmp/vi.json"
		"$ANALYZE" -q -f json "$tmp/o.pcap" >"$tmp/vo.json"
		"$ANALYZE" -q -f json "$tmp/i.pcapng" "$tmp/o.pcap" >"$tmp/pair.json"
		"$ANALYZE" -q -f json "$tmp/m.pcapng" >"$tmp/m.json"
		calls "$tmp/vi.json" >"$tmp/vi.calls"
		calls "$tmp/vo.json" >"$tmp/vo.calls"
		calls "$tmp/pair.json" >"$tmp/pair.calls"
		calls "$tmp/m.json" >"$tmp/m.calls"
		python3 - "$r $p" "$tmp/pair.calls" "$tmp/m.calls" "$tmp/vi.calls" "$tmp/vo.calls" <<'PY' || fail "$r under $p: the simulator's views merged into one file"
import json, sys
def load(p):
    return {l.split(" ", 1)[0]: json.loads(l.split(" ", 1)[1]) for l in open(p)}
run, pair, merged, vi, vo = sys.argv[1], load(sys.argv[2]), load(sys.argv[3]), \
    load(sys.argv[4]), load(sys.argv[5])
ids = lambda c: sorted(s.split(":")[0] for s in c["symptoms"])
bad = []
if not merged:
    bad.append("no call at all (the check would prove nothing)")
if set(pair) != set(merged):
    bad.append("calls %s vs %s" % (sorted(pair), sorted(merged)))
for cid in sorted(set(pair) & set(merged)):
    p, m = pair[cid], merged[cid]
    if m["dialogs"] != 1:
        bad.append("%s: %d dialogs in one file" % (cid, m["dialogs"]))
    if len(ids(m)) != len(set(ids(m))):
        bad.append("%s: a finding reported twice: %s" % (cid, ids(m)))
    if ids(m) != ids(p):
        bad.append("%s: symptoms %s, as two files %s" % (cid, ids(m), ids(p)))
    if m["media"] != p["media"]:
        bad.append("%s: media legs %s, as two files %s" % (cid, m["media"], p["media"]))
    # A Call-ID on one view only while the other has calls (rewritten):
    # what that view gives alone.
    # Beyond what the view alone shows: the Call-ID rewrite itself, once
    # the two dialogs are joined (tests/joined.sh), is alg_rewrite_evidence.
    alone = [v[cid] for v in (vi, vo) if cid in v]
    if len(alone) == 1 and vi and vo:
        a = alone[0]
        mi = [i for i in ids(m) if i != "alg_rewrite_evidence" or i in ids(a)]
        if mi != ids(a) or m["media"] != a["media"] or m["streams"] != a["streams"]:
            bad.append("%s (one view only): symptoms %s legs %s streams %s, alone %s %s %s"
                       % (cid, ids(m), m["media"], m["streams"], ids(a), a["media"], a["streams"]))
for b in bad:
    print("%s: %s" % (run, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
		ok
	done
done

# ---- 5. calls without RTP: the filter of the interface that carried them ----
# cmp_media RUN PAIR MERGED: same Call-IDs, symptom ids and media legs.
cmp_media() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
def load(p):
    return {l.split(" ", 1)[0]: json.loads(l.split(" ", 1)[1]) for l in open(p)}
run, pair, merged = sys.argv[1], load(sys.argv[2]), load(sys.argv[3])
ids = lambda c: sorted(s.split(":")[0] for s in c["symptoms"])
bad = []
if not merged or set(pair) != set(merged):
    bad.append("calls %s vs %s" % (sorted(pair), sorted(merged)))
for cid in sorted(set(pair) & set(merged)):
    p, m = pair[cid], merged[cid]
    if ids(m) != ids(p):
        bad.append("%s: symptoms %s, as two files %s" % (cid, ids(m), ids(p)))
    if m["media"] != p["media"]:
        bad.append("%s: media legs %s, as two files %s" % (cid, m["media"], p["media"]))
for b in bad:
    print("%s: %s" % (run, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
for r in v15-silent-filters-alg-off v15-silent-filters-alg-on; do
	i="$S/$r-inside-siprtp.pcapng"
	[ -f "$i" ] || { fail "$r: $i missing"; continue; }
	for o in "$S/$r-outside.pcap" "$S/$r-outside-sip.pcapng"; do
		"$ANALYZE" -q -f json "$i" "$o" >"$tmp/pair.json"
		calls "$tmp/pair.json" >"$tmp/pair.calls"
		for mode in none default; do
			if [ $mode = none ]; then
				mergecap -I none -w "$tmp/m.pcapng" "$o" "$i"
			else
				mergecap -w "$tmp/m.pcapng" "$o" "$i"
			fi
			"$ANALYZE" -q -f json "$tmp/m.pcapng" >"$tmp/m.json"
			calls "$tmp/m.json" >"$tmp/m.calls"
			nif=$(capinfos -I "$tmp/m.pcapng" 2>/dev/null | grep -c 'Interface #')
			if [ "$nif" -lt 2 ]; then
				echo "  ($r ${o##*/} -I $mode: interfaces folded, not compared)"
				continue
			fi
			cmp_media "$r ${o##*/} mergecap -I $mode" "$tmp/pair.calls" "$tmp/m.calls" \
			    || fail "$r ${o##*/}: merged (-I $mode) differs from the two files"
			ok
		done
	done
done
# the checks above must see a no_audio judged on the inside filter
"$ANALYZE" -q -f json "$S/v15-silent-filters-alg-off-inside-siprtp.pcapng" \
    "$S/v15-silent-filters-alg-off-outside.pcap" | grep -q '"no_audio"' ||
    fail "v15-silent-filters-alg-off: no no_audio as two files (the check would prove nothing)"
for r in phone-silent-alg-off v15-silent-filters-alg-on; do
	for p in off consumer linux; do
		rm -f "$tmp/o.pcap" "$tmp/i.pcapng"
		"$SIM" --profile "$p" -w "$tmp/o.pcap" --write-inside "$tmp/i.pcapng" \
		    "$S/$r-inside.pcap" >/dev/null || { fail "$r $p: sipalg-sim failed"; continue; }
		mergecap -I none -w "$tmp/m.pcapng" "$tmp/o.pcap" "$tmp/i.pcapng"
		"$ANALYZE" -q -f json "$tmp/i.pcapng" "$tmp/o.pcap" >"$tmp/pair.json"
		"$ANALYZE" -q -f json "$tmp/m.pcapng" >"$tmp/m.json"
		calls "$tmp/pair.json" >"$tmp/pair.calls"
		calls "$tmp/m.json" >"$tmp/m.calls"
		cmp_media "$r $p simulator views, mergecap -I none" "$tmp/pair.calls" "$tmp/m.calls" \
		    || fail "$r under $p: the simulator's views merged (-I none) differ"
		ok
	done
done

# ---- 6. media between two phones behind one NAT need not cross here ----
# lan_check WHAT JSON WANT: WANT "hidden": the run's call has no no_audio
# and its inside legs are not observable; "no_audio": it has no_audio.
lan_check() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
what, want = sys.argv[1], sys.argv[3]
calls = [d for d in json.load(open(sys.argv[2]))["dialogs"] if d["kind"] == "call"]
bad = [] if calls else ["no call"]
for d in calls:
    ids = [s["id"] for s in d["symptoms"]]
    ins = [m for m in d["media"] if m["segment"] == "inside"]
    if want == "no_audio":
        if "no_audio" not in ids:
            bad.append("%s: symptoms %s, want no_audio" % (d["call_id"], ids))
        continue
    if "no_audio" in ids:
        bad.append("%s: no_audio, media behind one NAT" % d["call_id"])
    if not ins or any(m["state"] != "not_observable" or
                      "behind one NAT" not in m["visibility_reason"] for m in ins):
        bad.append("%s: inside legs %s" % (d["call_id"], ins))
for b in bad:
    print("%s: %s" % (what, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
for r in lan-proxy-alg-off lan-proxy-dm0-alg-on phone-silent-alg-off; do
	want=hidden
	[ $r = phone-silent-alg-off ] && want=no_audio
	rm -f "$tmp/o.pcap" "$tmp/i.pcapng"
	"$SIM" --profile off -w "$tmp/o.pcap" --write-inside "$tmp/i.pcapng" \
	    "$S/$r-inside.pcap" >/dev/null || { fail "$r off: sipalg-sim failed"; continue; }
	"$ANALYZE" -q -f json "$tmp/i.pcapng" >"$tmp/i.json"
	lan_check "$r inside view" "$tmp/i.json" $want || fail "$r: inside view alone"
	ok
	[ $want = hidden ] || continue
	mergecap -I none -w "$tmp/m.pcapng" "$tmp/o.pcap" "$tmp/i.pcapng"
	"$ANALYZE" -q -f json "$tmp/m.pcapng" >"$tmp/m.json"
	lan_check "$r views merged" "$tmp/m.json" $want || fail "$r: views merged (-I none)"
	ok
done

# ---- 7. the outside view of two phones behind one NAT, filters recorded ----
# Real runs (v15-lanproxy-*, tests/netns/testbed.py scenario lan-proxy):
# phones A and B behind the router call each other through a relay
# outside; the outside (wan0) captured by dumpcap with its filter
# recorded: SIP+RTP and "ip" (both pass RTP: media would be seen) and SIP
# only.  Whatever the SDPs say outside (both private with the ALG off,
# both the router's public address with it on, one of each when B writes
# that address itself), the media stays behind the NAT or turns at it
# and never crosses wan0 (RUN-phones.pcap, the phones' loopback, shows
# where it went).  Each outside view alone and merged with the inside
# view (mergecap -I none) gives the call no no_audio and no one_way_audio
# from the outside, its outside legs not observable, and with a filter
# that passes RTP for a reason about the NAT, not the filter.  The
# merged file's symptoms are the inside view's alone (the ALG-on run with
# sip_direct_media 1 really had no audio, visible inside).  A call whose
# media should have crossed the outside and did not (a silent phone with
# the ALG off, the far end's RTP to its private address: nothing on wan0)
# keeps its no_audio through the same SIP+RTP filter.
# out_check WHAT JSON WANT [INSIDE_JSON]: WANT "hidden": no no_audio or
# one_way_audio beyond those of INSIDE_JSON's call (none when not
# given), outside legs not_observable (with "NAT" in the reason when
# the filter passes RTP: "rtp"); "no_audio": the call has no_audio.
out_check() {
	python3 - "$@" <<'PY'
import json, sys
what, path, want = sys.argv[1], sys.argv[2], sys.argv[3]
inside = sys.argv[4] if len(sys.argv) > 4 else None
media = {"no_audio", "one_way_audio"}
def calls(p):
    return [d for d in json.load(open(p))["dialogs"] if d["kind"] == "call"]
allowed = set()
if inside:
    for d in calls(inside):
        allowed |= media & {s["id"] for s in d["symptoms"]}
cs = calls(path)
bad = [] if cs else ["no call"]
for d in cs:
    ids = {s["id"] for s in d["symptoms"]}
    out = [m for m in d["media"] if m["segment"] == "outside"]
    if want == "no_audio":
        if "no_audio" not in ids:
            bad.append("%s: symptoms %s, want no_audio" % (d["call_id"], sorted(ids)))
        continue
    if (ids & media) != allowed:
        bad.append("%s: media symptoms %s, want %s" % (d["call_id"], sorted(ids & media),
                                                      sorted(allowed)))
    if len(out) != 2 or any(m["state"] != "not_observable" for m in out):
        bad.append("%s: outside legs %s" % (d["call_id"], out))
    elif want == "rtp" and any("NAT" not in m["visibility_reason"] for m in out):
        bad.append("%s: outside legs judged on the filter: %s" % (
            d["call_id"], [m["visibility_reason"] for m in out]))
for b in bad:
    print("%s: %s" % (what, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
for r in v15-lanproxy-filters-alg-off v15-lanproxy-filters-alg-on \
    v15-lanproxy-filters-dm0-alg-on v15-lanproxy-bpublic-filters-alg-off; do
	i="$S/$r-inside-siprtp.pcapng"
	[ -f "$i" ] || { fail "$r: $i missing"; continue; }
	"$ANALYZE" -q -f json "$i" >"$tmp/in.json"
	for o in outside-siprtp outside-ip outside-sip; do
		f="$S/$r-$o.pcapng"
		want=rtp
		[ $o = outside-sip ] && want=hidden
		"$ANALYZE" -q -f json "$f" >"$tmp/o.json"
		out_check "$r $o" "$tmp/o.json" $want || fail "$r: $o view alone"
		ok
		mergecap -I none -w "$tmp/m.pcapng" "$f" "$i"
		"$ANALYZE" -q -f json "$tmp/m.pcapng" >"$tmp/m.json"
		out_check "$r $o + inside-siprtp" "$tmp/m.json" $want "$tmp/in.json" ||
		    fail "$r: $o merged with the inside view (-I none)"
		ok
	done
done
# the control: the same filter, media that should have crossed wan0
for o in outside-siprtp outside-ip; do
	"$ANALYZE" -q -f json "$S/v15-silent-filters-alg-off-$o.pcapng" >"$tmp/o.json"
	out_check "v15-silent-filters-alg-off $o" "$tmp/o.json" no_audio ||
	    fail "v15-silent-filters-alg-off: $o lost its no_audio"
	ok
done

# ---- 8. findings once, per segment ----
# seg_check WHAT JSON ALONE_JSON WANT: the calls of JSON (kind call) have
# the media symptoms WANT ("one_way_audio@outside": one_way_audio once,
# its summary that of ALONE_JSON's call plus ", on the outside segment";
# "no_audio": no_audio once, no segment named; "-": none).
seg_check() {
	python3 - "$@" <<'PY'
import json, sys
what, path, alone, want = sys.argv[1:5]
media = {"no_audio", "one_way_audio"}
def calls(p):
    return [d for d in json.load(open(p))["dialogs"] if d["kind"] == "call"]
ref = {}
if alone != "-":
    for d in calls(alone):
        for s in d["symptoms"]:
            ref[(d["call_id"], s["id"])] = s["summary"]
cs = calls(path)
bad = [] if cs else ["no call"]
for d in cs:
    got = [s for s in d["symptoms"] if s["id"] in media]
    ids = sorted(s["id"] for s in got)
    if want == "-":
        if got:
            bad.append("%s: %s, want none" % (d["call_id"], ids))
        continue
    sid, _, seg = want.partition("@")
    if ids != [sid]:
        bad.append("%s: %s, want %s once" % (d["call_id"], ids, sid))
        continue
    summ = got[0]["summary"]
    if seg:
        r = ref.get((d["call_id"], sid))
        if r is None:
            bad.append("%s: the file alone has no %s to compare" % (d["call_id"], sid))
        elif summ != r + ", on the %s segment" % seg:
            bad.append("%s: summary %r, alone %r" % (d["call_id"], summ, r))
        if not any(e["field"] == "judged on segment" and e["value"].startswith(seg + " ")
                   for e in got[0]["evidence"]):
            bad.append("%s: no evidence naming the %s segment" % (d["call_id"], seg))
    elif " segment" in summ:
        bad.append("%s: a segment named: %r" % (d["call_id"], summ))
for b in bad:
    print("%s: %s" % (what, b), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
r=v15-lanproxy-bfar-alg-off
for f in "$S/$r-outside.pcap" "$S/$r-inside.pcap" "$S/$r-merged.pcap" "$S/$r-mirror.pcapng" "$S/$r-inside.pcap $S/$r-outside.pcap"; do
	# shellcheck disable=SC2086
	"$ANALYZE" -q -f json $f >"$tmp/m.json"
	seg_check "$r ${f##*/}" "$tmp/m.json" - - ||
	    fail "$r: ${f##*/}: a media symptom where no view shows B's RTP"
	ok
done
r=v15-lanproxy-bpublic-filters-alg-off
rm -f "$tmp/o.pcap" "$tmp/i.pcapng"
"$SIM" --profile off -w "$tmp/o.pcap" --write-inside "$tmp/i.pcapng" \
    "$S/$r-inside.pcap" >/dev/null || fail "$r off: sipalg-sim failed"
"$ANALYZE" -q -f json "$tmp/o.pcap" >"$tmp/o.json"
seg_check "$r off outside view" "$tmp/o.json" - - || fail "$r off: outside view"
ok
mergecap -I none -w "$tmp/m.pcapng" "$tmp/o.pcap" "$tmp/i.pcapng"
"$ANALYZE" -q -f json "$tmp/m.pcapng" >"$tmp/m.json"
seg_check "$r off views merged" "$tmp/m.json" - - ||
    fail "$r off: views merged: a media symptom where no view shows B's RTP"
ok
for f in v15-lanproxy-bpublic-merged-alg-off-merged.pcap v15-lanproxy-bpublic-merged-alg-off-mirror.pcapng; do
	"$ANALYZE" -q -f json "$S/$f" >"$tmp/m.json"
	seg_check "$f" "$tmp/m.json" - - || fail "$f: a media symptom where no segment shows both directions"
	ok
done

for f in v15-lanproxy-bfar-alg-on-merged.pcap v15-lanproxy-bfar-alg-on-mirror.pcapng \
    v15-lanproxy-bfar-alg-on-outside.pcap v15-lanproxy-bfar-alg-on-outside-siprtp.pcapng; do
	"$ANALYZE" -q -f json "$S/$f" >"$tmp/m.json"
	seg_check "$f" "$tmp/m.json" - no_audio || fail "$f: not the receivers' sides' no_audio"
	ok
done

finish
