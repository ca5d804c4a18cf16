#!/usr/bin/env python3
"""truth.py - what really happened in one testbed run, and what an analyzer
that reads its captures should therefore report.

  truth.py facts DIR RUN      measured facts, one TSV line each (stdout)
  truth.py draft DIR RUN      a first draft of DIR/RUN.truth from the facts
                              and the rules below (stdout); review it, add
                              the reasons, commit it
  truth.py check TRUTH DIR RUN  re-measure DIR/RUN's captures and compare
                              the physical lines of the committed TRUTH
                              file (outcomes, per-direction media states,
                              packetisation, what the router dropped): for
                              a regenerated run (make check-netns), calls
                              are matched by order, not by Call-ID

Measured independently of sipalg: pcapread.py reads every capture of the
run (inside = router lan0, outside = router wan0, server = the server's
link, far = the far end's link, merged = inside+outside by mergecap,
mirror = one pcapng of both router legs; -sip/-siprtp/-all = the same
point through a capture filter), and the endpoints' own records in
RUN.log (SIPp message traces and the Python endpoints' lines) say what
each party sent and received.

Facts, per call (Call-ID) and per direction of its audio ("caller>callee",
"callee>caller") on every segment (inside, outside, server, far):
  pkts     audio RTP packets of that direction on the segment
  to       where they were addressed there
  state    delivered     sent to where the receiver is seen using there
                         (the source of its own RTP on that segment, else
                         its signalling address with its SDP port)
           undeliverable sent there, but to an address the receiver does
                         not use there (a private address on the public
                         side, a port the NAT gave to no one)
           absent        the segment carries media (nothing filtered it)
                         but none of this direction
           not_observable the capture cannot show media (a SIP-only filter)
  reached  packets that arrived on the receiver's own link addressed to its
           real address (the physical outcome)
and the measured packetisation of each audio direction (median RTP
timestamp step / 8 kHz, median inter-arrival of consecutive packets).

The expectation rules (class rules, never one file's quirks) are in
draft(); a run's .truth file may differ from the draft only with a reason
in its comment column.

Python 3 standard library only.
"""
import os
import re
import statistics
import struct
import sys

sys.dont_write_bytecode = True          # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapread  # noqa: E402

PRIVATE = re.compile(r"^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)")
WAN = "198.51.100.1"
# capture file suffix -> (segment or "by-address"/"by-interface", media visible)
FILES = {
    "inside": ("inside", True), "outside": ("outside", True), "server": ("server", True),
    "far": ("far", True), "merged": ("by-address", True), "mirror": ("by-interface", True),
    "inside-sip": ("inside", False), "outside-sip": ("outside", False),
    "server-sip": ("server", False), "outside-siprtp": ("outside", True),
    "server-all": ("server", True), "inside-ip": ("inside", True),
    "outside-ip": ("outside", True), "server-ip": ("server", True),
    "inside-siprtp": ("inside", True), "server-siprtp": ("server", True),
}
AUDIO_PTS = {0, 3, 4, 8, 9, 18}
# pcapngs whose recorded if_filter lets RTP through ("ip", SIP+RTP): such a
# file proves media would have been seen (issue 15.3). A pcap records no
# filter, and dumpcap records none when given none (server-all, mirror):
# there only the file's own RTP of the call shows that media is visible.
RECORDED_PASS = {"inside-ip", "outside-ip", "server-ip", "inside-siprtp",
                 "outside-siprtp", "server-siprtp"}


def run_files(d, run):
    """(suffix, path) of every capture of the run, in FILES order."""
    out = []
    for sfx in FILES:
        for ext in (".pcap", ".pcapng"):
            p = os.path.join(d, "%s-%s%s" % (run, sfx, ext))
            if os.path.exists(p):
                out.append((sfx, p))
    return out


def segment_of(kind, cap, p):
    seg, _ = FILES[kind]
    if seg == "by-address":
        return "inside" if PRIVATE.match(p.src) or PRIVATE.match(p.dst) else "outside"
    if seg == "by-interface":
        name = cap.ifaces[p.ifidx]["name"] if p.ifidx < len(cap.ifaces) else None
        return {"lan0": "inside", "wan0": "outside"}.get(name, "unknown")
    return seg


class Run:
    """All captures of one run, decoded, and the calls in them."""

    def __init__(self, d, run):
        self.d, self.run = d, run
        self.files = []                    # (suffix, path, Capture, [(segment, Packet)])
        for sfx, path in run_files(d, run):
            cap = pcapread.Capture(path)
            pk = [(segment_of(sfx, cap, p), p) for p in pcapread.packets(cap)]
            self.files.append((sfx, path, cap, pk))
        self.log = {}
        self.ep = []
        lp = os.path.join(d, run + ".log")
        if os.path.exists(lp):
            for line in open(lp, errors="replace"):
                k, _, v = line.rstrip("\n").partition("=")
                if k in ("ep", "rtp"):
                    self.ep.append((k, v))
                else:
                    self.log[k] = v
        # the primary file of each segment (unfiltered single-point capture)
        self.seg_file = {}
        for sfx, path, cap, pk in self.files:
            if sfx in ("inside", "outside", "server", "far"):
                self.seg_file[sfx] = pk
        self.calls = self._calls()

    @staticmethod
    def _sip(pk):
        segs = {id(p): s for s, p in pk}
        out = [(segs.get(id(p), None) or seg_lookup(pk, p), p, pcapread.sip_fields(m))
               for p, m in pcapread.sip_messages([p for _, p in pk])]
        # the first fragment of a UDP datagram that never completed here:
        # the start of a SIP request the segment saw only in part (cut)
        for seg, p in pk:
            if p.kind == "fragment" and p.proto == 17 and len(p.payload) > 8 and \
                    re.match(rb"[A-Z]+ \S+ SIP/2\.0\r\n", p.payload[8:]):
                f = pcapread.sip_fields(p.payload[8:])
                if not f.get("call_id"):
                    continue
                p.sport, p.dport = struct.unpack("!HH", p.payload[:4])
                f["cut"] = 20 + struct.unpack("!H", p.payload[4:6])[0]
                out.append((seg, p, f))
        return out

    def _calls(self):
        """Call-ID -> call facts, from the single-point captures."""
        calls = {}
        for seg, pk in self.seg_file.items():
            for _, p, f in self._sip(pk):
                c = calls.setdefault(f["call_id"], {"id": f["call_id"], "msgs": {}, "sdp": {}})
                c["msgs"].setdefault(seg, []).append((p, f))
        for cid, c in calls.items():
            inv = [(seg, p, f) for seg, lst in c["msgs"].items() for p, f in lst
                   if f["method"] == "INVITE"]
            reg = [1 for lst in c["msgs"].values() for p, f in lst if f["method"] == "REGISTER"]
            c["kind"] = "call" if inv else ("register" if reg else "other")
            for seg, lst in c["msgs"].items():
                offer = answer = None
                for p, f in lst:
                    if f["sdp_port"] is None:
                        continue
                    if f["method"] == "INVITE" and offer is None:
                        offer = (f["sdp_c"], f["sdp_port"], p.src, f["sdp_ptime"], f["sdp_fmts"])
                    elif f["status"] and 200 <= f["status"] < 300 and f["cseq_method"] == "INVITE" and answer is None:
                        answer = (f["sdp_c"], f["sdp_port"], p.src, f["sdp_ptime"], f["sdp_fmts"])
                c["sdp"][seg] = (offer, answer)
            # the window in which RTP belongs to this call
            ts = [p.ts for lst in c["msgs"].values() for p, f in lst]
            byes = [p.ts for lst in c["msgs"].values() for p, f in lst
                    if f["status"] == 200 and f["cseq_method"] == "BYE"]
            c["t0"] = min(ts)
            c["t1"] = (max(byes) if byes else max(ts) + 40) + 0.5
        return calls


def seg_lookup(pk, p):
    for s, q in pk:
        if q is p:
            return s
    return None


def public_view(call):
    """The SDP view of the call on the public side (server, far or
    outside; no NAT lies between them)."""
    for seg in ("server", "far", "outside"):
        o, a = call["sdp"].get(seg, (None, None))
        if o or a:
            return o, a
    return None, None


def view(call, seg):
    """The SDP view on a segment: the inside copy there; elsewhere, or for
    a call whose SIP never crosses lan0 (a B2BUA's far leg), the public
    one (no NAT lies between the public segments)."""
    if seg == "inside" and "inside" in call["sdp"]:
        return call["sdp"]["inside"]
    return public_view(call)


def media_of(run, call, seg, pk):
    """Audio RTP packets of the call on one segment, split by direction:
    {"caller>callee": [pkts], "callee>caller": [pkts], "cn": n}."""
    offer, answer = view(call, seg)
    out = {"caller>callee": [], "callee>caller": [], "cn": {"caller>callee": 0, "callee>caller": 0}}
    if not offer and not answer:
        return out
    oa = (offer[0], offer[1]) if offer else None
    aa = (answer[0], answer[1]) if answer else None
    for _, p in pk:
        if p.kind != "rtp" or not (call["t0"] - 0.1 <= p.ts <= call["t1"]):
            continue
        src, dst = (p.src, p.sport), (p.dst, p.dport)
        if aa and dst == aa or oa and src == oa:
            d = "caller>callee"
        elif oa and dst == oa or aa and src == aa:
            d = "callee>caller"
        elif aa and dst[1] == aa[1] and dst[0] in (aa[0], WAN) and p.src != aa[0]:
            d = "caller>callee"
        elif oa and dst[1] == oa[1] and (dst[0] == oa[0] or dst[0] == WAN):
            d = "callee>caller"
        else:
            continue
        r = pcapread.rtp_fields(p)
        if r["pt"] == 13:
            out["cn"][d] += 1
        elif r["pt"] in AUDIO_PTS:
            out[d].append((p, r))
    return out


def packetisation(pkts):
    """(median timestamp step in ms, median inter-arrival in ms) of one
    direction's audio packets, over consecutive sequence numbers."""
    steps, gaps = [], []
    for (p1, r1), (p2, r2) in zip(pkts, pkts[1:]):
        if (r2["seq"] - r1["seq"]) & 0xFFFF == 1 and r1["ssrc"] == r2["ssrc"]:
            steps.append(((r2["ts"] - r1["ts"]) & 0xFFFFFFFF) / 8.0)
            gaps.append((p2.ts - p1.ts) * 1000)
    if not steps:
        return None, None
    return statistics.median(steps), statistics.median(gaps)


def direction_state(run, call, seg, d, pkts, all_media):
    """delivered / undeliverable for the packets of direction d on seg."""
    if not pkts:
        return "absent"
    # the receiver's own RTP on this segment (the other direction's source)
    other = "callee>caller" if d == "caller>callee" else "caller>callee"
    recv_src = {(p.src, p.sport) for p, _ in all_media[other]}
    offer, answer = view(call, seg)
    want = answer if d == "caller>callee" else offer
    sig = want[2] if want else None              # receiver's signalling source
    # both sides signal from one public address on this (public) segment:
    # two phones behind one router; media reaches either there only at
    # that address, and media sent out of it to another public address
    # (a c= the receiver wrote but is not at: lan-proxy bfar runs, where
    # that host answers port unreachable) reaches neither
    one_nat = seg != "inside" and offer and answer and offer[2] == answer[2] \
        and not PRIVATE.match(offer[2])
    ok = bad = 0
    for p, _ in pkts:
        dst = (p.dst, p.dport)
        if recv_src:
            good = dst in recv_src
        else:
            good = want is not None and p.dport == want[1] and p.dst in (sig, want[0]) and \
                not (PRIVATE.match(p.dst) and seg != "inside")
        if seg == "inside" and p.dst == WAN:
            # the router's own public address seen from inside: no
            # phone lives there and the ruleset has no hairpin rule
            # (the kernel answers port unreachable, lan-proxy runs)
            good = False
        if seg == "inside" and sig and PRIVATE.match(sig) and not PRIVATE.match(p.dst):
            # a receiver that signals from a private address inside sits
            # behind the router: a public address it wrote (the router's,
            # or another host's) is not where it is, and the ruleset
            # forwards no media back to it (lan-proxy b_sdp_c runs)
            good = False
        if one_nat and p.dst != sig:
            good = False
        if good:
            ok += 1
        else:
            bad += 1
    return "delivered" if ok >= bad else "undeliverable"


def facts(run):
    """Yield (call, what, value, note) facts."""
    yield ("*", "captures", ",".join(s for s, _, _, _ in run.files), "")
    for sfx, path, cap, pk in run.files:
        f = cap.ifaces[0].get("filter") if cap.ifaces else None
        yield ("*", "file:" + sfx, "%s %s%s" % (cap.format, os.path.basename(path),
                                                " filter=%r" % f if f else ""), "")
    # ICMP and fragments per segment
    for seg, pk in run.seg_file.items():
        ic = {}
        for _, p in pk:
            if p.kind == "icmp" and p.icmp["type"] == 3:
                inner = p.icmp["inner"] or {}
                what = "frag-needed mtu=%d" % p.icmp["mtu"] if p.icmp["code"] == 4 else \
                    "unreach code=%d" % p.icmp["code"]
                k = "%s %s>%s quoting %s:%s>%s:%s len=%s" % (
                    what, p.src, p.dst, inner.get("src"), inner.get("sport"), inner.get("dst"),
                    inner.get("dport"), inner.get("len"))
                ic[k] = ic.get(k, 0) + 1
        for k, n in sorted(ic.items()):
            yield ("*", "icmp@" + seg, "%d x %s" % (n, k), "")
        frags = sum(1 for _, p in pk if p.frags and p.frags > 1)
        lost = sum(1 for _, p in pk if p.kind == "fragment")
        if frags or lost:
            yield ("*", "fragmented@" + seg, "%d datagrams reassembled, %d fragments never completed" % (frags, lost), "")
    for cid, c in sorted(run.calls.items(), key=lambda kv: kv[1]["t0"]):
        yield (cid, "kind", c["kind"], "")
        for seg in ("inside", "outside", "server", "far"):
            if seg not in c["msgs"]:
                continue
            lst = c["msgs"][seg]
            seq = []
            for p, f in lst:
                lab = f["method"] or str(f["status"])
                if f["status"]:
                    lab += "/" + f["cseq_method"]
                seq.append(lab)
            yield (cid, "sip@" + seg, " ".join(compress(seq)), "")
            o, a = c["sdp"].get(seg, (None, None))
            if o:
                yield (cid, "offer@" + seg, "c=%s m=%s from %s ptime=%s" % o[:4], "")
            if a:
                yield (cid, "answer@" + seg, "c=%s m=%s from %s ptime=%s" % a[:4], "")
        if c["kind"] != "call":
            continue
        for seg, pk in run.seg_file.items():
            m = media_of(run, c, seg, pk)
            for d in ("caller>callee", "callee>caller"):
                st = direction_state(run, c, seg, d, m[d], m)
                to = sorted({"%s:%d" % (p.dst, p.dport) for p, _ in m[d]})
                yield (c["id"], "media:%s@%s" % (d, seg),
                       "%s pkts=%d cn=%d to=%s" % (st, len(m[d]), m["cn"][d], ",".join(to) or "-"), "")
        for d in ("caller>callee", "callee>caller"):
            best = None
            for seg, pk in run.seg_file.items():
                m = media_of(run, c, seg, pk)
                if m[d] and (best is None or len(m[d]) > len(best)):
                    best = m[d]
            if best:
                step, gap = packetisation(best)
                yield (c["id"], "ptime:" + d, "%g" % step, "inter-arrival median %.1f ms" % gap)
    for k, v in run.ep:
        if k == "rtp":
            yield ("*", "endpoint-rtp", v, "")


# ---- what really happened, per call ------------------------------------------

def link_of(addr):
    """The segment on which a party with this address lives."""
    if addr is None:
        return None
    if PRIVATE.match(addr) or addr == WAN:
        return "inside"
    if addr in ("198.51.100.2", "198.51.100.3"):
        return "server"
    if addr == "198.51.100.4":
        return "far"
    return None


NEAR = {"inside": ["inside"], "server": ["server", "outside", "far"],
        "far": ["far", "server", "outside"], None: []}


def nearest(run, link):
    """The captured segment closest to a party's own link (the old runs
    have no server capture: the outside one is next to the server)."""
    for s in NEAR.get(link, []):
        if s in run.seg_file:
            return s
    return None


def call_facts(run, c):
    """The physical story of one INVITE dialog (dict)."""
    r = {"answered": False, "acked": False, "ok_tx": 0, "bye_after_ok": None, "invite_icmp": None}
    allmsgs = [(seg, p, f) for seg, lst in c["msgs"].items() for p, f in lst]
    inv = sorted([(p.ts, seg, p, f) for seg, p, f in allmsgs if f["method"] == "INVITE" and f["cseq"] == min(
        x[2]["cseq"] for x in allmsgs if x[2]["method"] == "INVITE")], key=lambda x: x[0])
    caller_ip = inv[0][2].src
    r["caller_link"] = link_of(caller_ip)
    # the callee: where the INVITE went last (its destination on the last hop)
    last = inv[-1][2]
    r["callee_link"] = link_of(last.dst) if last.dst != WAN else "inside"
    # answered: a 2xx to the INVITE on the caller's link
    on_caller = c["msgs"].get(nearest(run, r["caller_link"]), [])
    oks = [p for p, f in on_caller if f["status"] and 200 <= f["status"] < 300 and f["cseq_method"] == "INVITE"]
    r["answered"] = bool(oks)
    on_callee = c["msgs"].get(nearest(run, r["callee_link"]), [])
    oks_callee = [p for p, f in on_callee if f["status"] and 200 <= f["status"] < 300 and f["cseq_method"] == "INVITE"]
    r["ok_tx"] = len(oks_callee)
    r["acked"] = any(f["method"] == "ACK" for p, f in on_callee)
    byes = [p for p, f in on_callee if f["method"] == "BYE"]
    if oks_callee and byes:
        r["bye_after_ok"] = byes[0].ts - oks_callee[0].ts
    # media per direction: sent on the sender's link, reached on the receiver's
    pub_o, pub_a = public_view(c)
    ins_o, ins_a = c["sdp"].get("inside", (None, None))
    rx = {"caller>callee": link_of((pub_a or ins_a or (None,))[0]) if (pub_a or ins_a) else None,
          "callee>caller": link_of((pub_o or ins_o or (None,))[0]) if (pub_o or ins_o) else None}
    if rx["callee>caller"] is None and ins_o:
        rx["callee>caller"] = "inside"
    tx = {"caller>callee": rx["callee>caller"], "callee>caller": rx["caller>callee"]}
    tx = {d: nearest(run, v) for d, v in tx.items()}
    rx = {d: nearest(run, v) for d, v in rx.items()}
    r["media"] = {}
    for d in ("caller>callee", "callee>caller"):
        sent = reached = None
        if tx[d] in run.seg_file:
            m = media_of(run, c, tx[d], run.seg_file[tx[d]])
            sent = len(m[d]) + m["cn"][d]
        if rx[d] in run.seg_file:
            m = media_of(run, c, rx[d], run.seg_file[rx[d]])
            st = direction_state(run, c, rx[d], d, m[d], m)
            reached = len(m[d]) + m["cn"][d] if st == "delivered" else 0
        r["media"][d] = (sent, reached, tx[d], rx[d])
    # outcome in the simulator's words: the signalling first, then media
    r["signal"] = "answered"
    if not r["answered"]:
        r["signal"] = "inbound_call_unanswered" if r["callee_link"] == "inside" else "call_failed"
    elif not r["acked"] and r["ok_tx"] > 3:
        r["signal"] = "ack_timeout_drop"
    # two phones behind one router told each other's private address:
    # their RTP never crosses the router (the kernel routes it inside the
    # phones' own network), so no capture point of this testbed sees it
    got = {}
    for p, f in c["msgs"].get("inside", []):
        # the SDP each phone received: the INVITE delivered to the callee
        # phone and the 2xx delivered to the caller phone
        if f["sdp_c"] and PRIVATE.match(p.dst) and (f["method"] == "INVITE" or (
                f["status"] and 200 <= f["status"] < 300 and f["cseq_method"] == "INVITE")):
            got.setdefault("offer" if f["method"] else "answer", f["sdp_c"])
    r["lan_media"] = bool(len(got) == 2 and all(PRIVATE.match(v) for v in got.values())
                          and got["offer"] != got["answer"])
    lan_dirs(run, c, r, got)
    if r["lan_media"]:
        r["dead"], r["audio"] = [], "two_way"
        r["outcome"] = r["signal"] if r["signal"] != "answered" else "completed"
        return r
    big = max([x[0] or 0 for x in r["media"].values()] + [1])
    r["dead"] = [d for d, (sent, reached, _, _) in sorted(r["media"].items())
                 if reached is not None and reached <= 0.05 * big]
    known = [d for d, x in r["media"].items() if x[1] is not None]
    if not r["answered"]:
        r["audio"] = None
    elif len(r["dead"]) == 2:
        r["audio"] = "no_audio"
    elif r["dead"]:
        r["audio"] = "one_way_audio"
    elif len(known) == 2:
        r["audio"] = "two_way"
    else:
        r["audio"] = None
    r["outcome"] = r["signal"] if r["signal"] != "answered" else \
        (r["audio"] if r["audio"] in ("no_audio", "one_way_audio") else "completed")
    return r


def lan_dirs(run, c, r, got):
    """Two phones behind the router (both links inside), one of which was
    given the other's private address (got: the SDP c= each phone
    received on the inside): that direction goes phone to phone and
    crosses no capture point of the router. r["lan_dirs"] lists such
    directions; when the run has RUN-phones.pcap (the phone namespace's
    loopback, lan-proxy), what reached the receiver is counted there,
    else the direction is not judged. Both directions so: lan_media."""
    r["lan_dirs"] = []
    if r["caller_link"] != "inside" or r["callee_link"] != "inside" or r.get("lan_media"):
        return
    for key, d in (("answer", "caller>callee"), ("offer", "callee>caller")):
        if key in got and PRIVATE.match(got[key]):
            r["lan_dirs"].append(d)
    path = os.path.join(run.d, run.run + "-phones.pcap")
    rtp = []
    if r["lan_dirs"] and os.path.exists(path):
        rtp = [p for p in pcapread.packets(pcapread.Capture(path))
               if p.kind == "rtp" and c["t0"] - 0.1 <= p.ts <= c["t1"]]
    for d in r["lan_dirs"]:
        to = got["answer" if d == "caller>callee" else "offer"]
        n = sum(1 for p in rtp if p.dst == to and p.src != to)
        sent = r["media"][d][0]
        r["media"][d] = (sent, n if rtp else None, r["media"][d][2], "phones" if rtp else None)


def mixed_behind(c):
    """Public view: one SDP names a private address, the other the
    router's own public address: both phones behind the router (one of
    them wrote that address itself); no RTP of theirs crosses the public
    side. (Both private: lan_media; both the router's: hairpin.)"""
    o, a = public_view(c)
    if not (o and a):
        return False
    kinds = {"private" if PRIVATE.match(x[0]) else "wan" if x[0] == WAN else "other" for x in (o, a)}
    return kinds == {"private", "wan"}


def rewritten(c):
    """Did the NAT rewrite anything above IP/UDP in this call's messages?
    Compares each inside message with its outside copy (same Call-ID,
    CSeq, first line and occurrence), addresses of the IP header aside."""
    ins, out = c["msgs"].get("inside", []), c["msgs"].get("outside", [])
    if not ins or not out:
        return None
    def key(f):
        return (f["first"].split(" ")[0] if f["method"] else f["first"][:12], f["cseq"], f["cseq_method"])
    seen = {}
    for p, f in ins:
        seen.setdefault(key(f), []).append(f)
    for p, f in out:
        lst = seen.get(key(f))
        if not lst:
            continue
        g = lst[0]
        if (g["via"], g["contact"], g["sdp_c"], g["sdp_o"], g["sdp_port"], g["headers"].get("from"),
                g["headers"].get("to"), g.get("ruri")) != \
                (f["via"], f["contact"], f["sdp_c"], f["sdp_o"], f["sdp_port"], f["headers"].get("from"),
                 f["headers"].get("to"), f.get("ruri")):
            return True
    return False


def inconsistent(c, seg):
    """On a public segment: messages from the phone's public address that
    carry its private address in Via/Contact beside others that carry the
    public one. Only a middlebox that rewrites some messages and not
    others leaves that (issue 16.1: strong ALG evidence, visible without
    the inside capture)."""
    priv = pub = False
    for p, f in c["msgs"].get(seg, []):
        if p.src != WAN or not f["method"]:
            continue
        for v in (f["via"], f["contact"]):
            if re.search(r"(^|[@ /:])10\.\d+\.\d+\.\d+", v):
                priv = True
            elif WAN in v:
                pub = True
    return priv and pub


def via_mismatch(c, seg):
    """A response whose top Via differs from its request's (same branch)
    on one segment: a UAS copies Via verbatim (RFC 3261 8.2.6.2), so a
    middlebox rewrote one of them on the way - here the kernel restoring
    a Via the phone never wrote (a phone that writes its public address)."""
    req = {}
    for p, f in c["msgs"].get(seg, []):
        b = re.search(r"branch=([^;,\s]+)", f["via"])
        if not b:
            continue
        if f["method"]:
            req.setdefault(b.group(1), f["via"])
        elif b.group(1) in req and req[b.group(1)].split(";")[0] != f["via"].split(";")[0]:
            return True
    return False


def quoted_growth(run, c):
    """An ICMP error on the inside quoting a SIP datagram of this call
    longer than any the phone sent: the router grew it (the ALG's
    rewrite), which the inside capture alone then shows."""
    sent = [p.ip_len for p, f in c["msgs"].get("inside", []) if PRIVATE.match(p.src)]
    for cid, seg, mtu, qlen in frag_needed(run, ["inside"]):
        if cid == c["id"] and sent and qlen > max(sent):
            return qlen - max(sent)
    return 0


def dropped_by_router(c):
    """SIP transmissions of the call seen on one router side only."""
    ins, out = c["msgs"].get("inside", []), c["msgs"].get("outside", [])
    def keys(lst):
        n = {}
        for p, f in lst:
            k = (f["first"].split(" ")[0] if f["method"] else f["first"][:12], f["cseq"], f["cseq_method"],
                 f["via"].split("branch=")[-1].split(";")[0])
            n[k] = n.get(k, 0) + 1
        return n
    a, b = keys(ins), keys(out)
    return sum(abs(a.get(k, 0) - b.get(k, 0)) for k in set(a) | set(b))


def private_leak(c, seg):
    """Private Contact/Via/c= in a message on a public segment."""
    for p, f in c["msgs"].get(seg, []):
        for v in (f["contact"], f["via"], f["sdp_c"] or ""):
            if re.search(r"(^|[@ /:])(10\.\d+\.\d+\.\d+)", v) and not PRIVATE.match(p.src):
                return True
    return False


def hairpin(c):
    """Both SDPs, as the public side sees them, name the router's own
    public address: two phones behind the same NAT (lan-proxy)."""
    o, a = public_view(c)
    return bool(o and a and o[0] == WAN and a[0] == WAN)


def ok_seen(c, segs):
    """2xx responses to the INVITE in this file."""
    return sum(1 for s in segs for p, f in c["msgs"].get(s, [])
               if f["status"] and 200 <= f["status"] < 300 and f["cseq_method"] == "INVITE")


def tag_of(hdr):
    m = re.search(r";\s*tag=([^;\s>]+)", hdr or "")
    return m.group(1) if m else None


def callee_bye(c, segs):
    """The callee's BYE in this file (From tag not the INVITE's): the
    time from the INVITE to it, None when there is none."""
    lst = sorted(((p, f) for s in segs for p, f in c["msgs"].get(s, [])), key=lambda x: x[0].ts)
    inv = [(p, f) for p, f in lst if f["method"] == "INVITE"]
    if not inv:
        return None
    caller = tag_of((inv[0][1]["headers"].get("from") or [""])[0])
    for p, f in lst:
        if f["method"] == "BYE" and tag_of((f["headers"].get("from") or [""])[0]) != caller:
            return p.ts - inv[0][0].ts
    return None


def invites_seen(c, segs):
    return sum(1 for s in segs for p, f in c["msgs"].get(s, []) if f["method"] == "INVITE")


def frag_needed(run, segs):
    """(Call-ID, segment, MTU, quoted length) for each ICMP fragmentation
    needed quoting a SIP message on the given segments."""
    out = []
    for seg in segs:
        for _, p in run.seg_file.get(seg, []):
            if p.kind == "icmp" and p.icmp["type"] == 3 and p.icmp["code"] == 4 and p.icmp["inner"]:
                m = re.search(rb"\r\n(?:Call-ID|i)\s*:\s*(\S+)", p.icmp["inner"].get("data", b""), re.I)
                cid = m.group(1).decode("latin-1") if m else None
                if cid is None:
                    # the quote is short: match it to the only call that
                    # sent from the quoted source port at that time
                    cands = [c["id"] for c in run.calls.values() if c["kind"] == "call"]
                    cid = cands[0] if len(cands) == 1 else None
                out.append((cid, seg, p.icmp["mtu"], p.icmp["inner"]["len"]))
    return out


ICMP_UNREACH_CODES = {0: "net unreachable", 1: "host unreachable", 2: "protocol unreachable",
                      3: "port unreachable", 9: "net prohibited", 10: "host prohibited",
                      13: "administratively prohibited"}


def icmp_refusals(run, c, segs):
    """ICMP destination unreachable errors (any code but fragmentation
    needed) on the given segments quoting a SIP request of call c: its
    Call-ID in the quoted bytes, or, for a quote too short to hold it, the
    quoted 5-tuple of a request of c on that segment. Returns
    {"REPORTER type=3 code=C": (count, quoted destination)}."""
    out = {}
    for seg in segs:
        sent = {(p.src, p.sport, p.dst, p.dport) for p, f in c["msgs"].get(seg, []) if f["method"]}
        for _, p in run.seg_file.get(seg, []):
            if p.kind != "icmp" or p.icmp["type"] != 3 or p.icmp["code"] == 4 or not p.icmp["inner"]:
                continue
            q = p.icmp["inner"]
            m = re.search(rb"\r\n(?:Call-ID|i)\s*:\s*(\S+)", q.get("data", b""), re.I)
            if m:
                if m.group(1).decode("latin-1") != c["id"]:
                    continue
            elif (q.get("src"), q.get("sport"), q.get("dst"), q.get("dport")) not in sent:
                continue
            k = "%s type=3 code=%d" % (p.src, p.icmp["code"])
            n, _ = out.get(k, (0, None))
            out[k] = (n + 1, q.get("dst"))
    return out


def size_loss(run, c, segs):
    """Why the INVITE of a failed call c was lost for its size, measured
    without ICMP fragmentation needed: (reason, mandatory) or None.
    Physically lost for its size when some segment saw it only as first
    fragments (the rest dropped on the way), when its receiver answered
    "fragment reassembly time exceeded" quoting it, or when it is larger
    than the router's WAN MTU and never left the router.  A file shows it
    (mandatory) when the file has the INVITE retransmitted and either the
    cut copies, the reassembly timeout, or a smaller request on the same
    path answered; with the INVITE retransmitted but none of these, the
    file cannot tell a size loss from a dead server (optional)."""
    invs = [(seg, p, f) for seg, lst in c["msgs"].items() for p, f in lst if f["method"] == "INVITE"]
    here = [(seg, p, f) for seg, p, f in invs if seg in segs]
    if len(here) < 2:
        return None
    size = max(f.get("cut") or p.ip_len for _, p, f in invs)
    cut = sorted({seg for seg, p, f in invs if f.get("cut")})
    reasm = [(seg, q) for seg, pk in run.seg_file.items() for _, q in pk
             if q.kind == "icmp" and q.icmp["type"] == 11 and q.icmp["code"] == 1 and q.icmp["inner"]
             and c["id"].encode() in q.icmp["inner"].get("data", b"")]
    mtu = int(run.log.get("wan_mtu", "1500") or 1500)
    left = any(seg in ("outside", "server", "far") for seg, p, f in invs)
    # what leaves the router: with the ALG on, each occurrence of the
    # phone's private address outside the Call-ID (which nf_nat_sip never
    # touches) becomes the WAN address
    p0 = min(((p.ts, p) for seg, p, f in invs if seg == "inside"), default=(0, None))[1]
    out_size = size
    if p0 is not None and run.log.get("alg") == "on" and PRIVATE.match(p0.src):
        text = re.sub(rb"(?im)^(call-id|i)\s*:.*$", b"", p0.payload)
        out_size = size + (len(WAN) - len(p0.src)) * text.count(p0.src.encode())
    if cut or reasm:
        why = "the %d-byte INVITE %s; %d transmissions in this file" % (
            size, ("reached %s only as first fragments" % ",".join(cut)) if cut else
            "was never reassembled by its receiver (ICMP reassembly time exceeded)", len(here))
    elif out_size > mtu and not left:
        why = ("the %d-byte INVITE (%d bytes as the router would send it) exceeds the %d-byte WAN "
               "MTU and never left the router, no ICMP (a black hole); %d transmissions in this "
               "file" % (size, out_size, mtu, len(here)))
    else:
        return None
    shows = any(f.get("cut") for seg, p, f in here) or any(seg in segs for seg, _ in reasm)
    if not shows:
        src = here[0][1]
        for cc in run.calls.values():
            for seg, lst in cc["msgs"].items():
                if seg not in segs:
                    continue
                for p, f in lst:
                    if f["method"] and f["method"] != "ACK" and p.src == src.src and \
                            p.sport == src.sport and p.dst == src.dst and p.dport == src.dport and \
                            p.ip_len < size and any(
                                g["status"] and g["cseq_method"] == f["method"] and q.dst == p.src
                                for q, g in lst):
                        shows = True
        why += "; a smaller request on the same path was answered" if shows else \
            "; nothing smaller on the path was answered in this file"
    return why, shows
def oks_any(c, segs):
    return ok_seen(c, segs) > 0


def predicted(c, segs):
    """Issue 15/16 advisory: on a public segment of this file, one side's
    SDP announces a private address from a public source (nothing
    rewrote it) and the other side's SDP is public: that side's audio
    cannot arrive (a prediction from the SDP, for files that cannot show
    media). Sides: requests from the INVITE's source are the caller's,
    2xx responses the callee's; a relay passing the SDP on fixed (a
    public copy of the same side) means no prediction."""
    priv, pub = {}, {}
    for seg in segs:
        if seg == "inside":
            continue
        lst = c["msgs"].get(seg, [])
        inv = [p.src for p, f in lst if f["method"] == "INVITE"]
        for p, f in lst:
            if f["sdp_c"] is None or f["sdp_port"] in (None, 0):
                continue
            side = "caller" if (f["method"] and p.src in inv[:1]) or f["method"] == "INVITE" else \
                "callee" if f["status"] and 200 <= f["status"] < 300 else None
            if side is None:
                continue
            if PRIVATE.match(f["sdp_c"]) and not PRIVATE.match(p.src):
                priv.setdefault(side, (f["sdp_c"], p.src))
            elif not PRIVATE.match(f["sdp_c"]):
                pub.setdefault(side, f["sdp_c"])
    for side, other in (("caller", "callee"), ("callee", "caller")):
        if side in priv and other in pub and side not in pub and other not in priv:
            return "one-way audio predicted from the SDP: the %s's c=%s sent from public %s, the %s's c=%s public" % (
                side, priv[side][0], priv[side][1], other, pub[other])
    return None


def register_risk(c, segs):
    """A REGISTER from behind NAT (a private source or private Contact)
    granted a long expiry, with no keepalive from that binding: a risk,
    i.e. an advisory (issue 16.2), not an observed failure."""
    for seg in segs:
        for p, f in c["msgs"].get(seg, []):
            if f["method"] != "REGISTER":
                continue
            exp = re.search(r"(\d+)", (f["headers"].get("expires") or ["0"])[0])
            exp = int(exp.group(1)) if exp else 0
            behind = PRIVATE.match(p.src) or re.search(r"@10\.", f["contact"])
            if behind and exp >= 300:
                return "REGISTER Expires %d from behind NAT (%s), no keepalive: a risk, not a failure (16.2)" % (
                    exp, "private source" if PRIVATE.match(p.src) else "private Contact")
    return None


def register_unanswered(c):
    """The most transmissions of c's REGISTER on one segment when at least
    two were sent and no response to a REGISTER is on any segment (the
    registrar never answered: the registration failed), else 0."""
    most = 0
    for lst in c["msgs"].values():
        if any(f["status"] and f["cseq_method"] == "REGISTER" for p, f in lst):
            return 0
        most = max(most, sum(1 for p, f in lst if f["method"] == "REGISTER"))
    return most if most >= 2 else 0


def draft(run):
    """Yield (file, call, what, expected, why) lines of a first draft."""
    alg = run.log.get("alg", "?")
    calls = sorted(run.calls.values(), key=lambda c: c["t0"])
    phys = {c["id"]: call_facts(run, c) for c in calls if c["kind"] == "call"}
    rw = {c["id"]: rewritten(c) or bool(quoted_growth(run, c)) for c in calls}
    any_rw = any(rw.values())
    for c in calls:
        if c["kind"] == "register" and register_unanswered(c):
            yield ("run", c["id"], "outcome", "registration_failure",
                   "the REGISTER sent %d times, no response on any segment" % register_unanswered(c))
            continue
        if c["kind"] != "call":
            yield ("run", c["id"], "outcome", c["kind"], "not an INVITE dialog")
            continue
        r = phys[c["id"]]
        why = "answered=%s acked=%s 2xx transmissions=%d" % (r["answered"], r["acked"], r["ok_tx"])
        for d, (sent, reached, txl, rxl) in r["media"].items():
            why += "; %s sent %s on %s, reached %s on %s" % (d, sent, txl, reached, rxl)
        yield ("run", c["id"], "outcome", r["outcome"], why)
    kinds = [s for s, _, _, _ in run.files]
    files = kinds + (["pair"] if "inside" in kinds and "outside" in kinds else [])
    for fk in files:
        if fk == "pair":
            segs, vis = ["inside", "outside"], True
        else:
            seg, vis = FILES[fk]
            segs = ["inside", "outside"] if seg in ("by-address", "by-interface") else [seg]
        both = "inside" in segs and "outside" in segs
        present = [c for c in calls if any(s in c["msgs"] for s in segs)]
        fvis = vis
        # capture-level verdict
        incon = [c for c in present for sg in segs if sg != "inside" and inconsistent(c, sg)]
        grown = [c for c in present if "inside" in segs and quoted_growth(run, c)]
        if not present:
            v, w = "unknown", "no call of the run is in this file"
        elif alg == "on" and incon:
            v, w = "likely", ("one dialog carries both translated and untranslated messages from the "
                              "same public address: only an ALG does that (16.1)")
        elif alg == "on" and any(via_mismatch(c, sg) for c in present for sg in segs):
            v, w = "likely", ("a response's top Via differs from its request's in this file: a "
                              "middlebox rewrote SIP between the phone and the server")
        elif alg == "on" and grown and not any(rewritten(c) for c in present):
            v, w = "likely|unknown", ("the ICMP fragmentation-needed quotes the INVITE %d bytes longer "
                                      "than the phone sent it: the router rewrote it" % quoted_growth(run, grown[0]))
        elif alg == "off":
            if any(private_leak(c, s) for c in present for s in segs if s != "inside"):
                v, w = "unlikely", "ALG off; private addresses cross the NAT untranslated in this file"
            else:
                v, w = "unknown|unlikely", "ALG off; this file shows no untranslated private field crossing a NAT"
        elif not any_rw:
            v, w = "unlikely|unknown", "helper attached but it rewrote nothing in these calls"
        elif both:
            v, w = "likely", "ALG on; both sides of the router in one file show the rewrite"
        elif segs == ["inside"]:
            v, w = "unknown|likely", "ALG on, but an inside capture alone cannot show what left the router"
        else:
            v, w = "likely|unknown", "ALG on; a public-side file alone cannot tell the ALG's rewrite from a phone that writes its public address (issue 16.1)"
        yield (fk, "*", "verdict", v, w)
        for c in present:
            ids, why = [], []
            refusal = None
            vis = fvis
            shown = None
            if c["kind"] == "call" and vis and fk not in RECORDED_PASS:
                # no filter recorded: the file shows media can be seen
                # only by carrying some of this call's RTP
                shown = any(m for seg in segs if seg in run.seg_file
                            for d, m in media_of(run, c, seg, run.seg_file[seg]).items()
                            if d != "cn")
                vis = shown
            if c["kind"] == "call":
                r = phys[c["id"]]
                o = r["audio"]
                oks = ok_seen(c, segs)
                pub_only = "inside" not in segs and hairpin(c)
                if o in ("one_way_audio", "no_audio"):
                    if pub_only:
                        ids.append("?" + o)
                        why.append("%s physically, but both SDPs name the router's public address: the "
                                   "phones' media would not cross this segment either way" % o)
                    elif vis and oks:
                        ids.append(o)
                        why.append("%s physically (%s dead)" % (o, ", ".join(r["dead"])))
                    elif oks and shown is False:
                        ids.append("?" + o)
                        why.append("%s physically, but this file records no capture filter and carries "
                                   "no RTP of the call: media not observable in it (15.3)" % o)
                    elif oks:
                        ids.append("?" + o)
                        why.append("%s physically, media not observable in this file" % o)
                    else:
                        ids.append("?" + o)
                        why.append("%s physically, but no 2xx of the call is in this file" % o)
                if r["signal"] == "ack_timeout_drop":
                    if oks >= 3:
                        ids.append("ack_timeout_drop")
                        why.append("2xx retransmitted %d times, no ACK reached the callee" % r["ok_tx"])
                    elif not oks and invites_seen(c, segs) and callee_bye(c, segs) is not None:
                        ids.append("ack_timeout_drop")
                        why.append("the 2xx retransmissions never crossed to this side, and the callee's BYE "
                                   "at +%.1f s is here: its answer was lost before this point" % callee_bye(c, segs))
                    elif not oks and invites_seen(c, segs):
                        ids.append("?inbound_call_unanswered")
                        why.append("the 2xx retransmissions never crossed to this side: here the INVITE looks unanswered")
                if r["signal"] == "inbound_call_unanswered":
                    ids.append("inbound_call_unanswered")
                    why.append("the INVITE to the phone never reached it")
                    # an ICMP refusal of it in this file is the evidence
                    # of why: who refused it, and how
                    ref = icmp_refusals(run, c, segs)
                    if ref:
                        refusal = (",".join(sorted(ref)), "; ".join(
                            "%d x ICMP %s from %s, %s" % (
                                n, ICMP_UNREACH_CODES.get(int(k.rsplit("=", 1)[1]), "code " + k.rsplit("=", 1)[1]),
                                k.split(" ")[0], (
                                    "the NAT's own public address the INVITE was sent to: no binding "
                                    "admitted it, the router's own stack refused it" if dst == WAN else
                                    "the refused INVITE's own destination (%s)" % dst)
                                if k.split(" ")[0] == dst else
                                "a router on the path, not the INVITE's destination %s" % dst)
                            for k, (n, dst) in sorted(ref.items())))
                if r["signal"] == "call_failed":
                    fn = [k for k in frag_needed(run, segs) if k[0] == c["id"]]
                    sl = size_loss(run, c, segs) if not fn else None
                    if fn:
                        ids.append("oversize_drop")
                        why.append("ICMP fragmentation needed (MTU %s) quoting the %d-byte INVITE, %d times" % (
                            fn[0][2], fn[0][3], len(fn)))
                    elif sl:
                        ids.append(("" if sl[1] else "?") + "oversize_drop")
                        why.append(sl[0])
            if c["kind"] == "register":
                adv = register_risk(c, segs)
                if register_unanswered(c) and any(c["msgs"].get(sg) for sg in segs):
                    ids.append("registration_failure")
                    why.append("the REGISTER was sent %d times and never answered: the registration failed"
                               % register_unanswered(c))
                    yield (fk, c["id"], "advisories", "?registration_failure" if adv else "-",
                           adv + "; optional, the registration failed outright" if adv else "")
                elif adv:
                    yield (fk, c["id"], "advisories", ("?" if alg == "on" else "") + "registration_failure", adv +
                           ("; with the ALG on the kernel holds the signalling conntrack for sip_timeout (3600 s), so the risk is smaller: optional" if alg == "on" else ""))
                else:
                    yield (fk, c["id"], "advisories", "-", "")
            if alg == "on" and rw.get(c["id"]):
                if any(via_mismatch(c, sg) for sg in segs):
                    ids.append("alg_rewrite_evidence")
                    why.append("a response's Via differs from its request's: rewritten on the way")
                elif any(inconsistent(c, sg) for sg in segs if sg != "inside"):
                    ids.append("alg_rewrite_evidence")
                    why.append("translated and untranslated messages from one public address in one dialog")
                elif both and rewritten(c):
                    ids.append("alg_rewrite_evidence")
                    why.append("inside and outside copies differ above IP/UDP")
                else:
                    ids.append("?alg_rewrite_evidence")
                    why.append("rewritten, but one side of the router alone cannot prove it")
            yield (fk, c["id"], "symptoms", ",".join(ids) or "-", "; ".join(why))
            if refusal:
                yield (fk, c["id"], "icmp_refusal", refusal[0], refusal[1])
            if c["kind"] == "call" and not vis and oks_any(c, segs):
                adv = predicted(c, segs)
                if adv:
                    # with the 2xx's ACK lost in this file the analyzer
                    # may report it as a symptom instead (15.3)
                    req = phys[c["id"]]["audio"] == "one_way_audio" and not (
                        r["signal"] == "ack_timeout_drop" and ok_seen(c, segs) >= 3)
                    yield (fk, c["id"], "advisories", ("" if req else "?") + "one_way_audio",
                           adv + ("" if req else "; optional: physically %s" % phys[c["id"]]["audio"]
                                  if phys[c["id"]]["audio"] != "one_way_audio" else
                                  "; optional: with its ACK lost in this file it may be a symptom instead"))
                else:
                    yield (fk, c["id"], "advisories", "-",
                           "media not observable here and no private SDP address crossing untranslated")
            if c["kind"] != "call":
                continue
            for seg in segs:
                if seg not in run.seg_file:
                    continue
                m = media_of(run, c, seg, run.seg_file[seg])
                lan = phys[c["id"]]["lan_media"]
                if seg != "inside" and hairpin(c):
                    for d in ("caller>callee", "callee>caller"):
                        yield (fk, c["id"], "media:%s@%s" % (d, seg), "not_observable",
                               "both SDPs name the router's own public address: two phones behind it, "
                               "whose RTP never crosses this segment, working or not")
                    continue
                if seg != "inside" and mixed_behind(c):
                    for d in ("caller>callee", "callee>caller"):
                        yield (fk, c["id"], "media:%s@%s" % (d, seg), "not_observable",
                               "one SDP names a private address, the other the router's own public "
                               "address: two phones behind it, whose RTP never crosses this segment")
                    continue
                for d in ("caller>callee", "callee>caller"):
                    st = direction_state(run, c, seg, d, m[d], m) if vis else "not_observable"
                    if not m[d] and d in phys[c["id"]].get("lan_dirs", ()):
                        yield (fk, c["id"], "media:%s@%s" % (d, seg), "not_observable",
                               "its sender was given the receiver's private address, both behind "
                               "the router: this direction goes phone to phone and crosses no "
                               "capture point")
                        continue
                    if lan and not m[d]:
                        yield (fk, c["id"], "media:%s@%s" % (d, seg), "not_observable",
                               "both phones were given each other's private address: their RTP stays "
                               "on the phones' own network and crosses no capture point")
                        continue
                    yield (fk, c["id"], "media:%s@%s" % (d, seg), st,
                           "%d audio packets, to %s" % (len(m[d]), ",".join(
                               sorted({"%s:%d" % (p.dst, p.dport) for p, _ in m[d]})) or "-")
                           if vis else "the capture filter passes SIP only" if shown is None else
                           "no capture filter recorded and no RTP of this call in this file (15.3)")
            if vis:
                for d in ("caller>callee", "callee>caller"):
                    best = []
                    for seg in segs:
                        if seg in run.seg_file:
                            m = media_of(run, c, seg, run.seg_file[seg])
                            if len(m[d]) > len(best):
                                best = m[d]
                    if len(best) >= 3:
                        step, gap = packetisation(best)
                        yield (fk, c["id"], "ptime:" + d, "%g" % step,
                               "RTP timestamp step %g ms, inter-arrival median %.1f ms" % (step, gap))
    if "inside" in kinds and "outside" in kinds:
        yield ("diff", "*", "rewrites", "yes" if any_rw else "no",
               "SIP or SDP fields differ between the inside and outside copies" if any_rw else
               "only IP/UDP addresses differ")
        for c in calls:
            if "inside" in c["msgs"] or "outside" in c["msgs"]:
                n = dropped_by_router(c)
                yield ("diff", c["id"], "dropped", str(n),
                       "SIP transmissions seen on one side of the router only")


PHYSICAL = re.compile(r"^(outcome|media:.*|ptime:.*|dropped|rewrites|icmp_refusal)$")
SINGLE = ("run", "inside", "outside", "server", "far", "diff")


def check(truth_path, d, run):
    """Mismatches between the committed physical lines and a re-measure."""
    def rows_of(lines):
        out, order = [], []
        for f, call, what, val in lines:
            if f in SINGLE and PHYSICAL.match(what):
                out.append((f, call, what, val))
                if call != "*" and call not in order:
                    order.append(call)
        return out, order
    old = []
    for line in open(truth_path):
        if line.startswith("#") or not line.strip():
            continue
        c = line.rstrip("\n").split("\t")
        old.append(tuple(c[:4]))
    new = [tuple(x[:4]) for x in draft(Run(d, run))]
    a, ao = rows_of(old)
    b, bo = rows_of(new)
    ren = dict(zip(bo, ao))
    got = {(f, ren.get(call, call), what): val for f, call, what, val in b}
    bad = []
    for f, call, what, val in a:
        g = got.get((f, call, what))
        if g is None:
            bad.append("%s %s %s: expected %s, not measured" % (f, call, what, val))
        elif g != val and not (what == "dropped" and abs(int(g) - int(val)) <= 1):
            bad.append("%s %s %s: expected %s, measured %s" % (f, call, what, val, g))
    if len(ao) != len(bo):
        bad.append("%d calls expected, %d measured" % (len(ao), len(bo)))
    return bad


def compress(seq):
    out = []
    for s in seq:
        if out and out[-1][0] == s:
            out[-1][1] += 1
        else:
            out.append([s, 1])
    return ["%s%s" % (s, "x%d" % n if n > 1 else "") for s, n in out]


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        bad = check(sys.argv[2], sys.argv[3], sys.argv[4])
        for b in bad:
            print("FAIL %s: %s" % (sys.argv[4], b))
        if not bad:
            print("ok   %s" % sys.argv[4])
        return 1 if bad else 0
    if len(sys.argv) != 4 or sys.argv[1] not in ("facts", "draft"):
        sys.stderr.write(__doc__)
        return 2
    run = Run(sys.argv[2], sys.argv[3])
    if sys.argv[1] == "facts":
        for call, what, value, note in facts(run):
            print("\t".join((call, what, value, note)))
    else:
        print("# file\tcall\twhat\texpected\twhy")
        for line in draft(run):
            print("\t".join(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
