#!/usr/bin/env python3
"""sim-gen.py - inside (phone side) captures for the sipalg-sim tests.

Writes classic pcaps (Ethernet, IPv4, UDP with valid checksums) of the
testbed topology: phone 10.0.0.2 behind a NAT, server 198.51.100.2.  Each
scenario is what the phone side of the router sees when the calls work
(so the simulator has every packet to move and must *predict* the
failures from its model):

  outbound   phone calls server: INVITE/100/200/ACK, 3 s RTP both ways, BYE/200
  inbound    server calls phone (port 5060): INVITE/180/200/ACK, RTP, BYE/200
  register   REGISTER/200 then, IDLE seconds later, the server INVITEs the
             phone (INVITE/180/200/ACK/BYE)
  refer      outbound call, then the phone sends REFER with a private Refer-To
  multipart  outbound INVITE whose body is multipart/mixed (SDP + text)
  fragmented outbound call whose INVITE (> 1500 bytes) leaves in IP fragments
  lan        two phones behind the router, 10.0.0.2 calls 10.0.0.3 through
             the server as a record-routing proxy that relays SDP without
             anchoring media: B registers, A's INVITE/ACK/BYE go through
             the proxy, 3 s of RTP flow directly between the phones
  knobs      requests only (no answers), each meant to show one knob of the
             ALG profiles in the outside view (tests/profiles.sh): REGISTER
             with a portless Contact, a 300-byte Request-URI, an unknown
             method, a 1,100-byte header line, an INVITE whose Call-ID,
             Record-Route, Contact (on another port), o=, c=, a=rtcp and a
             second c= (another LAN host) carry private addresses, and a
             MESSAGE in IP fragments

  rport      the phone registers from port 5062 with a Via naming port
             5060 and no ;rport; the registrar's 200 OK reaches port 5062
             (a far end that answers to the source)
  rport-leak the same, after phone 10.0.0.3 registers, with a MESSAGE
             from the server to 10.0.0.2 whose Contact is 10.0.0.3's
             private address (private addresses cross untranslated)

Usage: sim-gen.py SCENARIO OUT.pcap [IDLE]
"""
import struct
import sys

PHONE = "10.0.0.2"
PHONE_B = "10.0.0.3"
SERVER = "198.51.100.2"
T0 = 1700000000.0


def ip2b(a):
    return bytes(int(x) for x in a.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.ipid = 1

    def udp(self, t, src, sport, dst, dport, payload):
        ulen = 8 + len(payload)
        pseudo = ip2b(src) + ip2b(dst) + struct.pack("!BBH", 0, 17, ulen)
        uh = struct.pack("!HHHH", sport, dport, ulen, 0)
        ck = csum(pseudo + uh + payload) or 0xFFFF
        uh = struct.pack("!HHHH", sport, dport, ulen, ck)
        iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, self.ipid, 0x4000,
                          64, 17, 0, ip2b(src), ip2b(dst))
        iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
        self.ipid += 1
        frame = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + iph + uh + payload
        sec = int(t)
        usec = int(round((t - sec) * 1e6))
        self.f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
        self.f.write(frame)

    def udp_frag(self, t, src, sport, dst, dport, payload, mtu=1500):
        """One UDP datagram cut into IPv4 fragments of at most mtu bytes."""
        ulen = 8 + len(payload)
        pseudo = ip2b(src) + ip2b(dst) + struct.pack("!BBH", 0, 17, ulen)
        uh = struct.pack("!HHHH", sport, dport, ulen, 0)
        ck = csum(pseudo + uh + payload) or 0xFFFF
        data = struct.pack("!HHHH", sport, dport, ulen, ck) + payload
        step = (mtu - 20) // 8 * 8
        off = 0
        while off < len(data):
            chunk = data[off:off + step]
            more = 0x2000 if off + step < len(data) else 0
            iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), self.ipid,
                              more | (off // 8), 64, 17, 0, ip2b(src), ip2b(dst))
            iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
            frame = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + iph + chunk
            sec = int(t)
            usec = int(round((t - sec) * 1e6))
            self.f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)))
            self.f.write(frame)
            off += step
        self.ipid += 1

    def close(self):
        self.f.close()


def sdp(ip, port, user):
    return ("v=0\r\no=%s 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n"
            "a=sendrecv\r\n" % (user, ip, ip, port)).encode()


def msg(first, headers, body=b"", ctype="application/sdp"):
    h = first + "\r\n" + "".join(x + "\r\n" for x in headers)
    if body:
        h += "Content-Type: %s\r\n" % ctype
    h += "Content-Length: %d\r\n\r\n" % len(body)
    return h.encode() + body


def rtp(seq, ts, ssrc):
    return struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + b"\xd5" * 160


def call(p, t, caller, cport, callee, kport, cid, cmedia, kmedia, extra=None,
         body_override=None, ctype="application/sdp"):
    """A complete call from caller to callee; returns the end time."""
    ctag = "c%s" % cid[:6]
    ktag = "k%s" % cid[:6]
    via = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s-1;rport" % (caller, cport, cid[:8])
    frm = "From: <sip:caller@%s:%d>;tag=%s" % (caller, cport, ctag)
    to = "To: <sip:callee@%s:%d>" % (callee, kport)
    contact_c = "Contact: <sip:caller@%s:%d;transport=UDP>" % (caller, cport)
    contact_k = "Contact: <sip:callee@%s:%d;transport=UDP>" % (callee, kport)
    body = body_override if body_override is not None else sdp(caller, cmedia, "caller")
    inv = msg("INVITE sip:callee@%s:%d SIP/2.0" % (callee, kport),
              [via, frm, to, "Call-ID: %s" % cid, "CSeq: 1 INVITE", contact_c,
               "Max-Forwards: 70"], body, ctype)
    if len(inv) > 1472:
        p.udp_frag(t, caller, cport, callee, kport, inv)
    else:
        p.udp(t, caller, cport, callee, kport, inv)
    # the callee answers with received/rport (RFC 3581), as an inside
    # capture behind a restoring ALG shows them: the caller's own values
    rvia = via.replace(";rport", ";received=%s;rport=%d" % (caller, cport))
    resp_h = [rvia, frm, to + ";tag=" + ktag, "Call-ID: %s" % cid, "CSeq: 1 INVITE"]
    p.udp(t + 0.01, callee, kport, caller, cport,
          msg("SIP/2.0 180 Ringing", resp_h + [contact_k]))
    p.udp(t + 0.5, callee, kport, caller, cport,
          msg("SIP/2.0 200 OK", resp_h + [contact_k], sdp(callee, kmedia, "callee")))
    ackvia = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s-2;rport" % (caller, cport, cid[:8])
    p.udp(t + 0.51, caller, cport, callee, kport,
          msg("ACK sip:callee@%s:%d;transport=UDP SIP/2.0" % (callee, kport),
              [ackvia, frm, to + ";tag=" + ktag, "Call-ID: %s" % cid, "CSeq: 1 ACK",
               contact_c, "Max-Forwards: 70"]))
    # 3 s of RTP both ways, 20 ms apart
    for i in range(150):
        tt = t + 0.6 + i * 0.02
        p.udp(tt, caller, cmedia, callee, kmedia, rtp(i, i * 160, 0x1111))
        p.udp(tt + 0.001, callee, kmedia, caller, cmedia, rtp(i, i * 160, 0x2222))
    te = t + 3.8
    if extra:
        te = extra(p, te, via, frm, to + ";tag=" + ktag, cid, contact_c)
    byevia = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s-3;rport" % (caller, cport, cid[:8])
    byeh = [byevia, frm, to + ";tag=" + ktag, "Call-ID: %s" % cid, "CSeq: 2 BYE"]
    p.udp(te, caller, cport, callee, kport,
          msg("BYE sip:callee@%s:%d;transport=UDP SIP/2.0" % (callee, kport),
              byeh + [contact_c, "Max-Forwards: 70"]))
    p.udp(te + 0.01, callee, kport, caller, cport, msg("SIP/2.0 200 OK", byeh))
    return te + 0.02


def reg_pair(p, t, host, sport, user, via_extra, resp_via_extra):
    """REGISTER from host:sport (Via naming port 5060) and its 200 OK."""
    h = ["Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-r%s-1%s" % (host, user, via_extra),
         "From: <sip:%s@%s>;tag=r%s" % (user, SERVER, user),
         "To: <sip:%s@%s>" % (user, SERVER),
         "Call-ID: reg%s-abcdef" % user, "CSeq: 1 REGISTER"]
    p.udp(t, host, sport, SERVER, 5060,
          msg("REGISTER sip:%s SIP/2.0" % SERVER,
              h + ["Contact: <sip:%s@%s:5060>" % (user, host), "Expires: 3600"]))
    p.udp(t + 0.01, SERVER, 5060, host, sport,
          msg("SIP/2.0 200 OK", [h[0] + resp_via_extra] + h[1:2] +
              [h[2] + ";tag=s%s" % user] + h[3:]))


def lan_call(p, t):
    """A calls B through the proxy; media directly between the phones."""
    a, b, px = PHONE, PHONE_B, SERVER
    # B registers first (the proxy learns where B is)
    rvia = "Via: SIP/2.0/UDP %s:5062;branch=z9hG4bK-regb-1;rport" % b
    rh = [rvia, "From: <sip:b@%s>;tag=rb" % px, "To: <sip:b@%s>" % px,
          "Call-ID: lanreg-b", "CSeq: 1 REGISTER"]
    p.udp(t, b, 5062, px, 5060,
          msg("REGISTER sip:%s SIP/2.0" % px,
              rh + ["Contact: <sip:b@%s:5062>" % b, "Expires: 3600",
                    "Max-Forwards: 70"]))
    p.udp(t + 0.01, px, 5060, b, 5062,
          msg("SIP/2.0 200 OK", rh[:1] + [rh[1], rh[2] + ";tag=s1"] + rh[3:] +
              ["Contact: <sip:b@%s:5062>;expires=3600" % b]))
    t += 1.0
    cid = "lan1-abcdef"
    va = "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-lana-1;rport" % a
    vp = "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-lanp-1" % px
    frm = "From: <sip:a@%s>;tag=ta" % px
    to = "To: <sip:b@%s>" % px
    rr = "Record-Route: <sip:%s:5060;lr>" % px
    ca = "Contact: <sip:a@%s:5060>" % a
    cb = "Contact: <sip:b@%s:5062>" % b
    offer = sdp(a, 6000, "a")
    answer = sdp(b, 6100, "b")
    inv_h = [frm, to, "Call-ID: %s" % cid, "CSeq: 1 INVITE"]
    p.udp(t, a, 5060, px, 5060,
          msg("INVITE sip:b@%s SIP/2.0" % px, [va] + inv_h + [ca, "Max-Forwards: 70"], offer))
    va_r = va.replace(";rport", ";received=%s;rport=5060" % a)
    p.udp(t + 0.005, px, 5060, a, 5060, msg("SIP/2.0 100 Trying", [va_r] + inv_h))
    p.udp(t + 0.01, px, 5060, b, 5062,
          msg("INVITE sip:b@%s:5062 SIP/2.0" % b,
              [vp, va_r] + inv_h + [rr, ca, "Max-Forwards: 69"], offer))
    tot = to + ";tag=tb"
    rh = [frm, tot, "Call-ID: %s" % cid, "CSeq: 1 INVITE", rr, cb]
    p.udp(t + 0.02, b, 5062, px, 5060, msg("SIP/2.0 180 Ringing", [vp, va_r] + rh))
    p.udp(t + 0.025, px, 5060, a, 5060, msg("SIP/2.0 180 Ringing", [va_r] + rh))
    p.udp(t + 0.5, b, 5062, px, 5060, msg("SIP/2.0 200 OK", [vp, va_r] + rh, answer))
    p.udp(t + 0.505, px, 5060, a, 5060, msg("SIP/2.0 200 OK", [va_r] + rh, answer))
    # ACK and BYE follow the Record-Route through the proxy
    def indialog(tt, method, cseq, n):
        v1 = "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-lana-%d;rport" % (a, n)
        v2 = "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-lanp-%d" % (px, n)
        h = [frm, tot, "Call-ID: %s" % cid, "CSeq: %d %s" % (cseq, method)]
        p.udp(tt, a, 5060, px, 5060,
              msg("%s sip:b@%s:5062 SIP/2.0" % (method, b),
                  [v1] + h + ["Route: <sip:%s:5060;lr>" % px, ca, "Max-Forwards: 70"]))
        p.udp(tt + 0.005, px, 5060, b, 5062,
              msg("%s sip:b@%s:5062 SIP/2.0" % (method, b),
                  [v2, v1.replace(";rport", ";received=%s;rport=5060" % a)] + h +
                  [ca, "Max-Forwards: 69"]))
        if method != "ACK":
            v1r = v1.replace(";rport", ";received=%s;rport=5060" % a)
            p.udp(tt + 0.01, b, 5062, px, 5060, msg("SIP/2.0 200 OK", [v2, v1r] + h))
            p.udp(tt + 0.015, px, 5060, a, 5060, msg("SIP/2.0 200 OK", [v1r] + h))
    indialog(t + 0.51, "ACK", 1, 2)
    for i in range(150):
        tt = t + 0.6 + i * 0.02
        p.udp(tt, a, 6000, b, 6100, rtp(i, i * 160, 0x1111))
        p.udp(tt + 0.001, b, 6100, a, 6000, rtp(i, i * 160, 0x2222))
    indialog(t + 3.8, "BYE", 2, 3)


def knobs(p, t):
    """Requests from 10.0.0.2:5060, one per distinguishing ALG knob."""
    def req(i, first, extra, body=b"", ctype="application/sdp"):
        h = ["Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-knob-%d;rport" % (PHONE, i),
             "From: <sip:phone@%s:5060>;tag=k%d" % (PHONE, i),
             "To: <sip:peer@%s>" % SERVER,
             "Call-ID: knob-%d@%s" % (i, PHONE),
             "CSeq: %d %s" % (i, first.split(" ")[0]),
             "Max-Forwards: 70"] + extra
        return msg(first, h, body, ctype)

    contact = "Contact: <sip:phone@%s:5060>" % PHONE
    # register_requires_contact_port: the Contact names no port
    p.udp(t, PHONE, 5060, SERVER, 5060,
          req(1, "REGISTER sip:%s SIP/2.0" % SERVER,
              ["Contact: <sip:phone@%s>" % PHONE, "Expires: 3600"]))
    # max_ruri_len: a 300-byte Request-URI
    p.udp(t + 1, PHONE, 5060, SERVER, 5060,
          req(2, "OPTIONS sip:%s@%s SIP/2.0" % ("u" * 280, SERVER), [contact]))
    # block_unknown_methods
    p.udp(t + 2, PHONE, 5060, SERVER, 5060,
          req(3, "FROB sip:peer@%s SIP/2.0" % SERVER, [contact]))
    # max_line_length: a 1,100-byte header line
    p.udp(t + 3, PHONE, 5060, SERVER, 5060,
          req(4, "MESSAGE sip:peer@%s SIP/2.0" % SERVER,
              [contact, "Subject: " + "s" * 1091], b"hi", "text/plain"))
    # the rewrite knobs: Call-ID, Record-Route, Contact on another port,
    # o=, c=, a=rtcp, a second c= of another LAN host, i= and
    # Content-Length after the SDP grows
    sd = ("v=0\r\no=phone 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
          "m=audio 6000 RTP/AVP 8\r\na=rtcp:6001 IN IP4 %s\r\n"
          "a=sendrecv\r\nm=video 6002 RTP/AVP 96\r\nc=IN IP4 10.0.0.9\r\n"
          "a=rtpmap:96 H264/90000\r\n" % (PHONE, PHONE, PHONE)).encode()
    p.udp(t + 4, PHONE, 5060, SERVER, 5060,
          req(5, "INVITE sip:peer@%s SIP/2.0" % SERVER,
              ["Record-Route: <sip:%s:5060;lr>" % PHONE,
               "Contact: <sip:phone@%s:5062>" % PHONE], sd))
    # udp_fragments: a MESSAGE over the MTU
    p.udp_frag(t + 5, PHONE, 5060, SERVER, 5060,
               req(6, "MESSAGE sip:peer@%s SIP/2.0" % SERVER, [contact],
                   b"x" * 2000 + b"\r\n", "text/plain"))


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    scen, out = sys.argv[1], sys.argv[2]
    idle = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    p = Pcap(out)
    if scen == "outbound":
        call(p, T0, PHONE, 5060, SERVER, 5060, "out1-abcdef", 6000, 6002)
    elif scen == "inbound":
        call(p, T0, SERVER, 5060, PHONE, 5060, "in1-abcdefg", 6002, 6000)
    elif scen == "register":
        cid = "reg1-abcdef"
        via = "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-reg-1;rport" % PHONE
        hdr = [via, "From: <sip:phone@%s>;tag=r1" % SERVER,
               "To: <sip:phone@%s>" % SERVER, "Call-ID: %s" % cid, "CSeq: 1 REGISTER"]
        p.udp(T0, PHONE, 5060, SERVER, 5060,
              msg("REGISTER sip:%s SIP/2.0" % SERVER,
                  hdr + ["Contact: <sip:phone@%s>" % PHONE, "Expires: 3600",
                         "Max-Forwards: 70"]))
        p.udp(T0 + 0.01, SERVER, 5060, PHONE, 5060,
              msg("SIP/2.0 200 OK", hdr[:2] + [hdr[2] + ";tag=s1"] + hdr[3:] +
                  ["Contact: <sip:phone@%s:5060>;expires=3600" % PHONE]))
        call(p, T0 + 0.02 + idle, SERVER, 5060, PHONE, 5060, "in2-abcdefg", 6002, 6000)
    elif scen == "refer":
        def refer(p, t, via, frm, to, cid, contact):
            rv = via.replace("-1;", "-9;")
            h = [rv, frm, to, "Call-ID: %s" % cid, "CSeq: 5 REFER"]
            p.udp(t, PHONE, 5060, SERVER, 5060,
                  msg("REFER sip:callee@%s:5060 SIP/2.0" % SERVER,
                      h + [contact, "Refer-To: <sip:third@10.0.0.3:5060>",
                           "Max-Forwards: 70"]))
            p.udp(t + 0.01, SERVER, 5060, PHONE, 5060, msg("SIP/2.0 202 Accepted", h))
            return t + 0.1
        call(p, T0, PHONE, 5060, SERVER, 5060, "ref1-abcdef", 6000, 6002, extra=refer)
    elif scen == "fragmented":
        # an INVITE over the MTU (3261 18.1.1 says TCP; phones still send it)
        sd = sdp(PHONE, 6000, "caller") + b"".join(
            b"a=fmtp:%d padding-to-exceed-the-mtu-%s\r\n" % (i, b"x" * 40)
            for i in range(96, 120))
        call(p, T0, PHONE, 5060, SERVER, 5060, "frag1-abcdef", 6000, 6002,
             body_override=sd)
    elif scen == "multipart":
        sd = sdp(PHONE, 6000, "caller")
        body = (b"--b1\r\nContent-Type: application/sdp\r\n\r\n" + sd +
                b"\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1--\r\n")
        call(p, T0, PHONE, 5060, SERVER, 5060, "mp1-abcdef", 6000, 6002,
             body_override=body, ctype="multipart/mixed;boundary=b1")
    elif scen in ("rport", "rport-leak"):
        t = T0
        if scen == "rport-leak":
            reg_pair(p, t, PHONE_B, 5060, "b", ";rport", "")
            t += 0.1
        reg_pair(p, t, PHONE, 5062, "a", "", ";received=%s" % PHONE)
        if scen == "rport-leak":
            p.udp(t + 1, SERVER, 5060, PHONE, 5062,
                  msg("MESSAGE sip:a@%s:5060 SIP/2.0" % PHONE,
                      ["Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-m-1" % SERVER,
                       "From: <sip:b@%s>;tag=mb" % SERVER, "To: <sip:a@%s>" % SERVER,
                       "Call-ID: msg-abcdef", "CSeq: 1 MESSAGE",
                       "Contact: <sip:b@%s:5060>" % PHONE_B], b"hi", "text/plain"))
    elif scen == "lan":
        lan_call(p, T0)
    elif scen == "knobs":
        knobs(p, T0)
    else:
        sys.stderr.write("unknown scenario %s\n" % scen)
        sys.exit(2)
    p.close()


if __name__ == "__main__":
    main()
