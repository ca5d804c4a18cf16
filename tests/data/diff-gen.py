#!/usr/bin/env python3
# diff-gen.py - writes a synthetic inside/outside capture pair of one call
# through a NAT router, for tests/diff.sh (the real kernel pairs live in
# samples/linux-alg/).  Phone 10.0.0.2 behind 10.0.0.1/198.51.100.1,
# server 198.51.100.2.  Outside clock runs OFFSET seconds ahead.
#
# usage: diff-gen.py MODE OUTDIR     MODE: linux | none | broken
#   linux   nf_nat_sip-like: top Via, Contact, o=, c= rewritten, m= kept,
#           a=rtcp left private, received/rport restored in responses
#   none    NAT only (ALG off): payload identical
#   broken  like linux but Contact port wrong, Content-Length stale,
#           the ACK dropped by the router and an injected OPTIONS
import os, struct, sys

OFFSET = 0.250
PH, RT_IN, RT_PUB, SRV = "10.0.0.2", "10.0.0.1", "198.51.100.1", "198.51.100.2"


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, sport, dst, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                      0, ip4(src), ip4(dst))
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + iph + udp


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))

    def add(self, t, data):
        sec = int(t)
        self.f.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)),
                                 len(data), len(data)))
        self.f.write(data)


def sip(start, headers, body=b"", cl=None):
    if cl is None:
        cl = len(body)
    h = start + "\r\n" + "".join(x + "\r\n" for x in headers)
    h += "Content-Length: %d\r\n\r\n" % cl
    return h.encode() + body


def sdp(addr, port):
    return ("v=0\r\no=- 1000 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtcp:%d IN IP4 %s\r\n" %
            (addr, addr, port, port + 1, addr)).encode()


def rtp(ssrc, seq):
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc) + b"\xd5" * 160


def main():
    mode, out = sys.argv[1], sys.argv[2]
    alg = mode in ("linux", "broken")
    name = "diff-%s" % mode
    pin = Pcap(os.path.join(out, name + "-inside.pcap"))
    pout = Pcap(os.path.join(out, name + "-outside.pcap"))
    t0 = 1700000000.0
    cid = "a84b4c76e66710@%s" % PH
    br = "z9hG4bK776asdhds"
    frm = "From: <sip:alice@%s>;tag=1928301774" % SRV
    to = "To: <sip:bob@%s>" % SRV
    tot = to + ";tag=a6c85cf"

    def pub(s):
        # what the ALG writes on the way out
        return s.replace(PH, RT_PUB) if alg else s

    def out_(t, s_in, s_out, sport=5060, dport=5060):
        # outbound: phone -> server
        if s_in is not None:
            pin.add(t0 + t, frame(PH, sport, SRV, dport, s_in))
        if s_out is not None:
            pout.add(t0 + t + 0.0003 + OFFSET, frame(RT_PUB, sport, SRV, dport, s_out))

    def in_(t, s_out, s_in, sport=5060, dport=5060):
        if s_out is not None:
            pout.add(t0 + t + OFFSET, frame(SRV, sport, RT_PUB, dport, s_out))
        if s_in is not None:
            pin.add(t0 + t + 0.0003, frame(SRV, sport, PH, dport, s_in))

    via_in = "Via: SIP/2.0/UDP %s:5060;branch=%s;rport" % (PH, br)
    via_out = "Via: SIP/2.0/UDP %s:5060;branch=%s;rport" % (pub(PH), br)
    common = ["Max-Forwards: 70", frm, to, "Call-ID: " + cid, "CSeq: 1 INVITE"]
    body_in = sdp(PH, 40000)
    body_out = sdp(pub(PH), 40000).replace(
        ("a=rtcp:40001 IN IP4 %s" % RT_PUB).encode(),
        ("a=rtcp:40001 IN IP4 %s" % PH).encode())
    contact_in = "Contact: <sip:alice@%s:5060>" % PH
    contact_out = "Contact: <sip:alice@%s:%d>" % (pub(PH), 5062 if mode == "broken" else 5060)
    inv_in = sip("INVITE sip:bob@%s SIP/2.0" % SRV, [via_in] + common + [contact_in, "Content-Type: application/sdp"], body_in)
    stale = len(body_in) if mode == "broken" else None
    inv_out = sip("INVITE sip:bob@%s SIP/2.0" % SRV, [via_out] + common + [contact_out, "Content-Type: application/sdp"], body_out, cl=stale)
    out_(0.0, inv_in, inv_out)

    # Responses: the server adds received/rport; nf_nat_sip restores them.
    rvia_out = "Via: SIP/2.0/UDP %s:5060;branch=%s;rport=5060;received=%s" % (pub(PH), br, RT_PUB)
    rvia_in = ("Via: SIP/2.0/UDP %s:5060;branch=%s;rport=5060;received=%s" % (PH, br, PH)
               if alg else rvia_out)
    rc = [frm, tot, "Call-ID: " + cid, "CSeq: 1 INVITE"]
    in_(0.01, sip("SIP/2.0 100 Trying", [rvia_out] + rc[:1] + [to] + rc[2:]),
        sip("SIP/2.0 100 Trying", [rvia_in] + rc[:1] + [to] + rc[2:]))
    in_(0.05, sip("SIP/2.0 180 Ringing", [rvia_out] + rc), sip("SIP/2.0 180 Ringing", [rvia_in] + rc))
    ok_body = sdp(SRV, 30000)
    scon = "Contact: <sip:bob@%s:5060>" % SRV
    in_(0.5, sip("SIP/2.0 200 OK", [rvia_out] + rc + [scon, "Content-Type: application/sdp"], ok_body),
        sip("SIP/2.0 200 OK", [rvia_in] + rc + [scon, "Content-Type: application/sdp"], ok_body))
    ack_in = sip("ACK sip:bob@%s:5060 SIP/2.0" % SRV,
                 ["Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKack1;rport" % PH, "Max-Forwards: 70", frm, tot,
                  "Call-ID: " + cid, "CSeq: 1 ACK"])
    ack_out = ack_in.replace(("UDP %s" % PH).encode(), ("UDP %s" % pub(PH)).encode())
    out_(0.51, ack_in, None if mode == "broken" else ack_out)
    # RTP 2 s each way, 50 pps; broken: 5 inbound packets lost by the router.
    for i in range(100):
        t = 0.6 + i * 0.02
        pin.add(t0 + t, frame(PH, 40000, SRV, 30000, rtp(0x11111111, 1000 + i)))
        pout.add(t0 + t + 0.0002 + OFFSET, frame(RT_PUB, 40000, SRV, 30000, rtp(0x11111111, 1000 + i)))
        pout.add(t0 + t + 0.005 + OFFSET, frame(SRV, 30000, RT_PUB, 40000, rtp(0x22222222, 500 + i)))
        if not (mode == "broken" and 50 <= i < 55):
            pin.add(t0 + t + 0.0052, frame(SRV, 30000, PH, 40000, rtp(0x22222222, 500 + i)))
    if mode == "broken":
        # the router answers an OPTIONS nobody inside sent
        pout.add(t0 + 2.7 + OFFSET, frame(RT_PUB, 5060, SRV, 5060, sip(
            "OPTIONS sip:%s SIP/2.0" % SRV,
            ["Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKinj" % RT_PUB, "Max-Forwards: 70",
             "From: <sip:keepalive@%s>;tag=99" % RT_PUB, "To: <sip:%s>" % SRV,
             "Call-ID: inject1@%s" % RT_PUB, "CSeq: 7 OPTIONS"])))
    bye_in = sip("BYE sip:bob@%s:5060 SIP/2.0" % SRV,
                 ["Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKbye1;rport" % PH, "Max-Forwards: 70", frm, tot,
                  "Call-ID: " + cid, "CSeq: 2 BYE"])
    bye_out = bye_in.replace(("UDP %s" % PH).encode(), ("UDP %s" % pub(PH)).encode())
    out_(3.0, bye_in, bye_out)
    bvia_out = "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKbye1;rport=5060;received=%s" % (pub(PH), RT_PUB)
    bvia_in = ("Via: SIP/2.0/UDP %s:5060;branch=z9hG4bKbye1;rport=5060;received=%s" % (PH, PH)
               if alg else bvia_out)
    br_ = [frm, tot, "Call-ID: " + cid, "CSeq: 2 BYE"]
    in_(3.02, sip("SIP/2.0 200 OK", [bvia_out] + br_), sip("SIP/2.0 200 OK", [bvia_in] + br_))


main()
