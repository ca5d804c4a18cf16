#!/usr/bin/env python3
"""sipua.py - the small SIP endpoints of the widened testbed that SIPp cannot
play: a phone that writes its public address itself (STUN or a configured
external address), a phone that splits its INVITE over two TCP segments, a
B2BUA, a stateless proxy (for a spiral), a NAT-aware proxy that fixes
Contact and SDP from the source address, and a registrar that answers with
or without the Contact. relay.py (the lan-proxy relay) is the model: one
role per process, one line on stdout per event, so the run's .log holds the
endpoint's own account of the call ("ep=ROLE sent|recv FIRST-LINE | CALL-ID"
and "rtp=ROLE call=CALL-ID sent=N recv=N first_recv=T").

Usage: sipua.py ROLE [key=value ...]   (roles and keys: see ROLES below)

Every role stops after its work or after `seconds` (default 60). Python 3
standard library only; IPv4 and UDP unless said otherwise.
"""
import os
import random
import re
import socket
import struct
import sys
import threading
import time

T0 = time.time()


def say(*a):
    print(" ".join(str(x) for x in a), flush=True)


def first_line(msg):
    return msg.split(b"\r\n", 1)[0].decode("latin-1")


def header(msg, name, compact=None):
    """Value of the first header `name` (or its compact form), or None."""
    head = msg.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        if k == name.lower() or (compact and k == compact):
            return v.strip()
    return None


def call_id(msg):
    return header(msg, "Call-ID", "i") or "-"


def log_msg(role, how, msg):
    say("ep=%s %s %s | %s" % (role, how, first_line(msg), call_id(msg)))


def build(start, headers, body=b""):
    """A SIP message; headers is a list of (name, value); Content-Length is
    always computed."""
    lines = [start] + ["%s: %s" % hv for hv in headers if hv[0].lower() != "content-length"]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def split_msg(msg):
    head, _, body = msg.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hs = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hs.append((k.strip(), v.strip()))
    return lines[0], hs, body


def response(req, code, reason, tag, contact=None, body=b""):
    """A response to req (RFC 3261 8.2.6): Via, From, Call-ID and CSeq
    copied, our tag added to To (not on 100), Contact and the SDP body when
    given."""
    _, hs, _ = split_msg(req)
    keep = [(k, v) for k, v in hs if k.lower() in ("via", "v", "from", "f", "call-id", "i", "cseq")]
    to = header(req, "To", "t")
    if ";tag=" not in to and code > 100:
        to += ";tag=" + tag
    keep.append(("To", to))
    if contact and code > 100:
        keep.append(("Contact", contact))
    if body:
        keep.append(("Content-Type", "application/sdp"))
    return build("SIP/2.0 %d %s" % (code, reason), keep, body)


def sdp(user, sess_ver, o_addr, c_addr, port, ptime=20):
    return ("v=0\r\no=%s %d %d IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:%d\r\n"
            "a=sendrecv\r\n" % (user, sess_ver, sess_ver, o_addr, c_addr, port, ptime)).encode()


def sdp_media(body):
    """(c= address, m=audio port) of an SDP body."""
    c = re.search(rb"\r?\nc=IN IP4 ([0-9.]+)", body)
    m = re.search(rb"\r?\nm=audio ([0-9]+)", body)
    return (c.group(1).decode() if c else None, int(m.group(1)) if m else None)


class Rtp:
    """Send PCMA every ptime ms from sock to dst for seconds; count what
    arrives on sock. dst may be changed while running (latching)."""

    def __init__(self, sock, dst, seconds, ptime=20, ssrc=0x57a57a57, role="phone", cid="-"):
        self.sock, self.dst, self.seconds, self.ptime = sock, dst, seconds, ptime
        self.ssrc, self.role, self.cid = ssrc, role, cid
        self.sent = self.recv = 0
        self.first_recv = None
        self.stop = self.halt = False
        self.rx = threading.Thread(target=self._rx, daemon=True)
        self.rx.start()

    def _rx(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                data, src = self.sock.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                continue
            if len(data) >= 12 and data[0] >> 6 == 2:
                self.recv += 1
                if self.first_recv is None:
                    self.first_recv = time.time() - T0

    def send(self):
        step = 8 * self.ptime
        n = int(self.seconds * 1000 / self.ptime)
        t = time.time()
        for i in range(n):
            if self.halt:
                break
            hdr = struct.pack("!BBHII", 0x80, 8 | (0x80 if i == 0 else 0), (i + 1) & 0xFFFF,
                              (i * step) & 0xFFFFFFFF, self.ssrc)
            try:
                self.sock.sendto(hdr + b"\xd5" * step, self.dst)
                self.sent += 1
            except OSError:
                pass        # ICMP port unreachable reported on a later send
            t += self.ptime / 1000.0
            d = t - time.time()
            if d > 0:
                time.sleep(d)

    def done(self):
        time.sleep(0.3)
        self.stop = True
        self.rx.join()
        say("rtp=%s call=%s sent=%d recv=%d first_recv=%s" % (
            self.role, self.cid, self.sent, self.recv,
            "%.3f" % self.first_recv if self.first_recv is not None else "none"))


def udp(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    return s


def messages(sock, seconds, role):
    """Yield (message, source) for what arrives on sock within seconds,
    each logged as received."""
    end = time.time() + seconds
    while time.time() < end:
        sock.settimeout(0.5)
        try:
            data, src = sock.recvfrom(65535)
        except (socket.timeout, OSError):
            continue
        log_msg(role, "recv", data)
        yield data, src


def transact(sock, msg, dst, want, role, timeout=32.0):
    """Send msg (UDP, Timer A/E retransmissions: 0.5 s doubling, 4 s cap)
    until a final response for it (>= 200, or >= want if want is 100) comes;
    returns it or None. Provisional responses are logged and skipped."""
    t1 = 0.5
    end = time.time() + timeout
    nxt = time.time()
    while time.time() < end:
        if time.time() >= nxt:
            sock.sendto(msg, dst)
            log_msg(role, "sent", msg)
            nxt = time.time() + t1
            t1 = min(t1 * 2, 4.0)
        sock.settimeout(max(0.01, min(nxt, end) - time.time()))
        try:
            data, src = sock.recvfrom(65535)
        except socket.timeout:
            continue
        except OSError:
            continue
        if not data.startswith(b"SIP/2.0 "):
            continue
        log_msg(role, "recv", data)
        code = int(data[8:11])
        if code >= want:
            return data
    return None


class Uac:
    """The caller's side of one dialog: writes its requests. `me` is the
    address the phone writes in Via, From and Contact (its own, or the
    public one it learned), `server` the callee's address."""

    def __init__(self, transport, me, server, tag, ua, local):
        self.tr, self.me, self.server, self.ua = transport, me, server, ua
        self.cid = "%08x@%s" % (random.getrandbits(32), local)   # private, as phones do
        self.tag = "%s%04x" % (tag, random.getrandbits(16))
        self.uri_tail = ";transport=tcp" if transport == "TCP" else ""
        self.to = "<sip:server@%s:5060>" % server

    def request(self, method, cseq, body=b""):
        hs = [("Via", "SIP/2.0/%s %s:5060;branch=z9hG4bK-%08x;rport" % (
                   self.tr, self.me, random.getrandbits(32))),
              ("Max-Forwards", "70"), ("From", "<sip:phone@%s:5060>;tag=%s" % (self.me, self.tag)),
              ("To", self.to), ("Call-ID", self.cid), ("CSeq", "%d %s" % (cseq, method)),
              ("Contact", "<sip:phone@%s:5060%s>" % (self.me, self.uri_tail))]
        if method == "INVITE":
            hs.append(("User-Agent", "sipalg-testbed " + self.ua))
        if body:
            hs.append(("Content-Type", "application/sdp"))
        return build("%s sip:server@%s:5060%s SIP/2.0" % (method, self.server, self.uri_tail), hs, body)

    def answered(self, resp):
        """Take the To tag and the answer's media address from a 2xx."""
        self.to = header(resp, "To", "t")
        return sdp_media(resp.split(b"\r\n\r\n", 1)[1])


# ---- a phone that knows its public address ---------------------------------

def stun_phone(o):
    """UAC: INVITE to server with Via, From, Contact, o= and c= = the NAT's
    public address and (preserved) ports, as a phone writes them after a
    STUN binding request or with a configured external address; the
    Call-ID carries the private address, as many phones' do. RTP `delay`
    seconds after the ACK, for `media` seconds, then BYE."""
    role = "phone"
    local, pub, server = o["local"], o["public"], o["server"]
    sip = udp(local, 5060)
    rtps = udp(local, 6000)
    d = Uac("UDP", pub, server, "stun", "stun-phone", local)
    inv = d.request("INVITE", 1, sdp("phone", 1, pub, pub, 6000))
    r = transact(sip, inv, (server, 5060), 200, role)
    if r is None or not r.startswith(b"SIP/2.0 2"):
        say("result=%s" % ("no answer" if r is None else first_line(r)))
        return
    c_addr, c_port = d.answered(r)
    ack = d.request("ACK", 1)
    sip.sendto(ack, (server, 5060))
    log_msg(role, "sent", ack)
    time.sleep(float(o.get("delay", "0")))
    rtp = Rtp(rtps, (c_addr, c_port), float(o.get("media", "3.2")), role=role, cid=d.cid)
    rtp.send()
    r = transact(sip, d.request("BYE", 2), (server, 5060), 200, role)
    rtp.done()
    say("result=%s" % ("BYE answered" if r is not None else "BYE unanswered"))


# ---- SIP over TCP -------------------------------------------------------------

def tcp_messages(buf):
    """The whole messages at the start of a TCP stream buffer, framed by
    Content-Length (a message without one ends at its blank line, as a
    reader that takes the missing header as 0 does)."""
    out = []
    while b"\r\n\r\n" in buf:
        head, _, rest = buf.partition(b"\r\n\r\n")
        m = re.search(rb"\r\n(?:Content-Length|l)[ \t]*:[ \t]*(\d+)", head + b"\r\n", re.I)
        cl = int(m.group(1)) if m else 0
        if len(rest) < cl:
            break
        out.append(head + b"\r\n\r\n" + rest[:cl])
        buf = rest[cl:]
    return out


def tcp_recv(sock, buf, role):
    """One recv on sock added to buf: (the messages now whole, each logged
    as received, and what is left of buf), or (None, buf) at the end of
    the stream or on a timeout."""
    try:
        data = sock.recv(65535)
    except (socket.timeout, OSError):
        return None, buf
    if not data:
        return None, buf
    buf += data
    msgs = tcp_messages(buf)
    for msg in msgs:
        buf = buf[len(msg):]
        log_msg(role, "recv", msg)
    return msgs, buf


def tcp_uas(o):
    """UAS over TCP on addr:5060 (the callee of the tcp-in runs): answers
    one INVITE 100 Trying and 200 OK (SDP c= addr, port 6000), sends RTP
    from port 6000 to the caller's SDP address once the ACK is in, and
    answers the BYE 200 OK, every message in its own segment (TCP_NODELAY)
    except as mode says (nf_conntrack_sip.c sip_help_tcp cannot cut these
    segments, so the kernel passes them as they are):
      split  the 200 OK in two segments: the first ends 40 bytes into its
             SDP body, the rest follows 200 ms later;
      nocl   the 100 Trying without a Content-Length header;
      whole  every message whole in its own segment.
    OPTIONS are answered 200 OK.  media=echo: no RTP of its own; returns
    every RTP packet to where it came from (a far end that latches,
    symmetric RTP), until the BYE."""
    role = "server"
    addr, mode = o["addr"], o.get("mode", "split")
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 5060))
    ls.listen(1)
    ls.settimeout(float(o.get("seconds", "40")))
    try:
        s, peer = ls.accept()
    except socket.timeout:
        say("result=no connection")
        return
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(15)
    rtps = udp(addr, 6000)
    tag = "uas%04x" % random.getrandbits(16)
    contact = "<sip:server@%s:5060;transport=tcp>" % addr
    buf, inv, rtp, done = b"", None, None, False
    echo = o.get("media_mode", "send") == "echo"
    echoed = [0, False]          # packets returned, stop flag

    def echo_rtp():
        rtps.settimeout(0.2)
        while not echoed[1]:
            try:
                data, src = rtps.recvfrom(2048)
            except (socket.timeout, OSError):
                continue
            rtps.sendto(data, src)
            echoed[0] += 1
    if echo:
        threading.Thread(target=echo_rtp, daemon=True).start()
    while not done:
        msgs, buf = tcp_recv(s, buf, role)
        if msgs is None:
            break
        for msg in msgs:
            if msg.startswith(b"OPTIONS "):
                out = response(msg, 200, "OK", tag)
                s.sendall(out)
                log_msg(role, "sent", out)
            elif msg.startswith(b"INVITE "):
                inv = msg
                trying = response(inv, 100, "Trying", tag)
                if mode == "nocl":
                    trying = re.sub(rb"Content-Length: 0\r\n", b"", trying)
                s.sendall(trying)
                say("ep=%s sent %s | %s%s" % (role, first_line(trying), call_id(trying),
                                              " (no Content-Length)" if mode == "nocl" else ""))
                time.sleep(0.1)
                ok = response(inv, 200, "OK", tag, contact, sdp("server", 1, addr, addr, 6000))
                if mode == "split":
                    cut = ok.index(b"\r\n\r\n") + 4 + 40
                    s.sendall(ok[:cut])
                    time.sleep(0.2)
                    s.sendall(ok[cut:])
                    say("ep=%s sent %s | %s (split at byte %d of %d)" % (
                        role, first_line(ok), call_id(ok), cut, len(ok)))
                else:
                    s.sendall(ok)
                    log_msg(role, "sent", ok)
            elif msg.startswith(b"ACK ") and inv is not None and rtp is None and not echo:
                c_addr, c_port = sdp_media(inv.split(b"\r\n\r\n", 1)[1])
                rtp = Rtp(rtps, (c_addr, c_port), float(o.get("media", "3.2")),
                          ssrc=0x5e7e5e7e, role=role, cid=call_id(inv))
                threading.Thread(target=rtp.send, daemon=True).start()
            elif msg.startswith(b"BYE "):
                if rtp is not None:
                    rtp.halt = True
                out = response(msg, 200, "OK", tag)
                s.sendall(out)
                log_msg(role, "sent", out)
                done = True
    if rtp is not None:
        rtp.done()
    if echo:
        time.sleep(0.3)
        echoed[1] = True
        say("rtp=%s echo returned=%d" % (role, echoed[0]))
    time.sleep(0.5)
    s.close()
    say("result=%s" % ("BYE answered" if done else "no BYE"))


# ---- a phone whose INVITE goes out in two TCP segments ----------------------

def tcp_split_phone(o):
    """UAC over TCP from local:5060: the INVITE's first `first` bytes in one
    segment, the rest 200 ms later (TCP_NODELAY, so two segments); ACK and
    BYE whole. The kernel helper handles only complete messages in one
    segment, so the split INVITE crosses the NAT untranslated.  mode=crlf:
    the INVITE whole, after a CRLF CRLF keepalive in the same segment.
    The modes of the tcp- runs (nf_conntrack_sip.c sip_help_tcp's framing
    of one segment), each otherwise a whole INVITE:
      trail  the INVITE and a CRLF CRLF keepalive after it, one segment;
      multi  the ACK held back until the media is done, then ACK and BYE
             in one segment;
      tail   as multi, but the BYE carries a short text body and the
             segment ends inside that body (the rest 200 ms later);
      tailcl as tail, but the BYE's body (600 bytes) is longer than all
             of the BYE the segment holds: the segment ends 20 bytes
             into the body (the rest 200 ms later);
      nocl   the ACK without a Content-Length header;
      whole  every message whole in its own segment (the tcp-in runs,
             where the far end's segments are the ones to look at);
      lead   as whole, but an OPTIONS (its own Call-ID) and the INVITE go
             in one segment, the OPTIONS first."""
    role = "phone"
    local, server = o["local"], o["server"]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((local, 5060))
    s.connect((server, 5060))
    rtps = udp(local, 6000)
    d = Uac("TCP", local, server, "split", "tcp-split-phone", local)
    cid = d.cid
    inv = d.request("INVITE", 1, sdp("phone", 1, local, local, 6000))
    mode = o.get("mode", "split")
    if mode == "crlf":
        # an RFC 5626 keepalive (CRLF CRLF) and the INVITE in one segment
        s.sendall(b"\r\n\r\n" + inv)
        say("ep=%s sent %s | %s (after CRLF CRLF in one segment)" % (role, first_line(inv), cid))
    elif mode == "trail":
        s.sendall(inv + b"\r\n\r\n")
        say("ep=%s sent %s | %s (CRLF CRLF after it in one segment)" % (role, first_line(inv), cid))
    elif mode == "lead":
        opt = Uac("TCP", local, server, "opt", "tcp-split-phone", local).request("OPTIONS", 1)
        s.sendall(opt + inv)
        say("ep=%s sent %s and %s | %s (one segment, the OPTIONS first)"
            % (role, first_line(opt), first_line(inv), cid))
    elif mode in ("multi", "tail", "tailcl", "nocl", "whole"):
        s.sendall(inv)
        log_msg(role, "sent", inv)
    else:
        cut = int(o.get("first", "0")) or inv.index(b"\r\n\r\n") + 40
        s.sendall(inv[:cut])
        time.sleep(0.2)
        s.sendall(inv[cut:])
        say("ep=%s sent %s | %s (split at byte %d of %d)" % (role, first_line(inv), cid, cut, len(inv)))
    buf = b""
    final = None
    s.settimeout(10)
    while final is None:
        msgs, buf = tcp_recv(s, buf, role)
        if msgs is None:
            break
        for msg in msgs:
            if msg.startswith(b"SIP/2.0 2") and header(msg, "CSeq").endswith("INVITE"):
                final = msg
    if final is None:
        say("result=no answer")
        return
    c_addr, c_port = d.answered(final)
    ack = d.request("ACK", 1)
    if mode == "nocl":
        ack = ack.replace(b"Content-Length: 0\r\n", b"")
    if mode not in ("multi", "tail", "tailcl"):
        s.sendall(ack)
        log_msg(role, "sent", ack + (b" (no Content-Length)" if mode == "nocl" else b""))
    rtp = Rtp(rtps, (c_addr, c_port), float(o.get("media", "3.2")), role=role, cid=cid)
    rtp.send()
    if mode in ("tail", "tailcl"):
        # RFC 3261 allows a body in BYE; tail: the segment ends 20 bytes
        # before its end, inside that body; tailcl: 20 bytes into a body
        # longer than the BYE's part in the segment
        start, hs, _ = split_msg(d.request("BYE", 2))
        hs = [hv for hv in hs if hv[0].lower() != "content-length"] + [("Content-Type", "text/plain")]
        body = b"call ended by the sipalg testbed\r\n"
        if mode == "tailcl":
            body = (body * 18)[:598] + b"\r\n"
        bye = build(start, hs, body)
        cut = len(bye) - 20 if mode == "tail" else len(bye) - len(body) + 20
        s.sendall(ack + bye[:cut])
        say("ep=%s sent ACK and %s | %s (one segment, ending %d bytes before the BYE's end)"
            % (role, first_line(bye), cid, len(bye) - cut))
        time.sleep(0.2)
        s.sendall(bye[cut:])
    elif mode == "multi":
        bye = d.request("BYE", 2)
        s.sendall(ack + bye)
        say("ep=%s sent ACK and %s | %s (one segment)" % (role, first_line(bye), cid))
    else:
        bye = d.request("BYE", 2)
        s.sendall(bye)
        log_msg(role, "sent", bye)
    s.settimeout(5)
    try:
        data = s.recv(65535)
        if data:
            log_msg(role, "recv", data)
    except socket.timeout:
        pass
    rtp.done()
    s.close()
    say("result=done")


# ---- proxies -----------------------------------------------------------------

def via_top(msg):
    """(sent-by host, port, params dict) of the top Via."""
    v = (header(msg, "Via", "v") or "").split(",")[0]
    m = re.match(r"SIP/2\.0/\w+\s+([^;:\s]+)(?::(\d+))?(.*)", v or "")
    if not m:
        return None, None, {}
    params = {}
    for p in m.group(3).split(";")[1:]:
        k, _, val = p.partition("=")
        params[k.strip().lower()] = val.strip()
    return m.group(1), int(m.group(2) or 5060), params


def proxy(o):
    """Stateless proxy (RFC 3261 16.11) on addr:port. Requests: top Via
    gets received=/rport= (RFC 3581) when they differ from the source, a
    Via of our own goes on top, Max-Forwards is decremented, and the
    request goes to routes[user of the Request-URI] = "host:port" (with the
    Request-URI rewritten to "user@host:port" when the route says
    "user@host:port"). Responses: our Via comes off, the response goes to
    the next Via's received/rport or sent-by. With natfix=1 (a NAT-aware
    proxy, as OpenSIPS/Kamailio nathelper's fix_nated_contact and
    fix_nated_sdp do) a request whose source differs from its Via gets
    its Contact and SDP c=/o= rewritten to the source address and port;
    responses from such a UA likewise. Record-Route is not added, so
    ACK/BYE for a 2xx go directly to the Contact."""
    role = o.get("role", "proxy")
    addr, port = o["addr"], int(o["port"])
    routes = {}
    for r in o.get("routes", "").split(","):
        if r:
            u, _, dst = r.partition("=")
            routes[u] = dst
    natfix = o.get("natfix") == "1"
    s = udp(addr, port)
    n = 0
    for data, src in messages(s, float(o.get("seconds", "60")), role):
        start, hs, body = split_msg(data)
        if data.startswith(b"SIP/2.0 "):
            # our Via on top: pop it, route by the next one
            vi = [i for i, (k, _) in enumerate(hs) if k.lower() in ("via", "v")]
            if not vi:
                continue
            # our Via is the first value; a UAS may have joined the whole
            # Via stack into one comma-separated header (SIPp does)
            k, v = hs[vi[0]]
            rest = v.split(",", 1)
            if len(rest) == 2:
                hs[vi[0]] = (k, rest[1].strip())
            else:
                hs.pop(vi[0])
            nxt = build(start, hs, body)
            h, p, params = via_top(nxt)
            if h is None:
                continue
            dst = (params.get("received") or h, int(params.get("rport") or p))
            if natfix and src[0] != addr:
                nxt = fix_nated(nxt, src)
            s.sendto(nxt, dst)
            log_msg(role, "sent", nxt)
            continue
        m = re.match(r"(\w+) sip:([^@\s]+)@([^\s;>]+)(\S*) SIP/2\.0", start)
        if not m:
            continue
        method, user = m.group(1), m.group(2)
        dst = routes.get(user)
        if dst is None:
            say("%s: no route for %s" % (role, user))
            continue
        if "@" in dst:
            nuser, _, dst = dst.partition("@")
            start = "%s sip:%s@%s SIP/2.0" % (method, nuser, dst)
        h, p, params = via_top(data)
        vi = [i for i, (k, _) in enumerate(hs) if k.lower() in ("via", "v")]
        if vi and (h != src[0] or p != src[1]):
            v = hs[vi[0]][1]
            v = re.sub(r";rport(?=;|$)", ";rport=%d" % src[1], v)
            if h != src[0]:
                v += ";received=%s" % src[0]
            hs[vi[0]] = (hs[vi[0]][0], v)
        for i, (k, v) in enumerate(hs):
            if k.lower() == "max-forwards":
                hs[i] = (k, str(int(v) - 1))
        n += 1
        br = "z9hG4bK-%s-%d-%s" % (role, n, re.sub(r"\W", "", call_id(data))[:12])
        hs.insert(0, ("Via", "SIP/2.0/UDP %s:%d;branch=%s" % (addr, port, br)))
        out = build(start, hs, body)
        if natfix and vi and h != src[0]:
            out = fix_nated(out, src)
        host, _, dport = dst.partition(":")
        s.sendto(out, (host, int(dport or 5060)))
        log_msg(role, "sent", out)


def fix_nated(msg, src):
    """Contact host:port and SDP c=/o= addresses := the source address."""
    start, hs, body = split_msg(msg)
    for i, (k, v) in enumerate(hs):
        if k.lower() in ("contact", "m"):
            hs[i] = (k, re.sub(r"@[0-9.]+(:\d+)?", "@%s:%d" % src, v, count=1))
    if body:
        body = re.sub(rb"(\r\nc=IN IP4 )[0-9.]+", rb"\g<1>" + src[0].encode(), body)
        body = re.sub(rb"(\r\no=\S+ \S+ \S+ IN IP4 )[0-9.]+", rb"\g<1>" + src[0].encode(), body)
    return build(start, hs, body)


# ---- B2BUA ---------------------------------------------------------------------

def b2bua(o):
    """A signalling-only B2BUA (a hosted PBX that does not anchor media) on
    addr:5060: an INVITE from leg A (the phone) becomes a new INVITE with
    its own Call-ID, tags and CSeq to callee (leg B), with A's SDP body
    unchanged; B's responses go back to A with B's SDP unchanged; ACK and
    BYE are passed across; each leg's in-dialog requests go to where that
    leg's messages come from (the B2BUA is NAT-aware for signalling)."""
    role = "b2bua"
    addr = o["addr"]
    callee = o["callee"].split(":")
    callee = (callee[0], int(callee[1]) if len(callee) > 1 else 5060)
    s = udp(addr, 5060)
    a_src = a_inv = None
    b_cid = "b2b-%08x@%s" % (random.getrandbits(32), addr)
    b_tag = "b2b%04x" % random.getrandbits(16)
    a_tag = "b2ba%04x" % random.getrandbits(16)
    b_to = None
    b_contact = None
    cseq = 1
    me = "<sip:b2bua@%s:5060>" % addr

    def leg_b(method, cseq_n, body=b"", ctype=True):
        hs = [("Via", "SIP/2.0/UDP %s:5060;branch=z9hG4bK-b2b-%08x;rport" % (addr, random.getrandbits(32))),
              ("Max-Forwards", "70"), ("From", "<sip:b2bua@%s:5060>;tag=%s" % (addr, b_tag)),
              ("To", b_to or "<sip:callee@%s:%d>" % callee), ("Call-ID", b_cid),
              ("CSeq", "%d %s" % (cseq_n, method)), ("Contact", me)]
        if body and ctype:
            hs.append(("Content-Type", "application/sdp"))
        uri = b_contact or "sip:callee@%s:%d" % callee
        return build("%s %s SIP/2.0" % (method, uri), hs, body)

    def answer_a(req, code, reason, body=b""):
        return response(req, code, reason, a_tag, me, body)

    for data, src in messages(s, float(o.get("seconds", "60")), role):
        body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
        from_b = src == callee or call_id(data) == b_cid
        if not from_b and data.startswith(b"INVITE "):
            if a_inv is not None and call_id(data) == call_id(a_inv):
                # retransmission of A's INVITE: 100 again
                out = answer_a(data, 100, "Trying")
                s.sendto(out, src)
                continue
            a_src, a_inv = src, data
            out = answer_a(data, 100, "Trying")
            s.sendto(out, src)
            log_msg(role, "sent", out)
            out = leg_b("INVITE", cseq, body)
            s.sendto(out, callee)
            log_msg(role, "sent", out)
        elif from_b and data.startswith(b"SIP/2.0 "):
            code = int(data[8:11])
            cs = header(data, "CSeq")
            if code >= 101 and "INVITE" in cs:
                b_to = header(data, "To", "t")
                ct = re.search(r"<(sip:[^>]+)>", header(data, "Contact", "m") or "")
                if ct:
                    b_contact = ct.group(1)
                out = answer_a(a_inv, code, data[12:].split(b"\r\n", 1)[0].decode(), body)
                s.sendto(out, a_src)
                log_msg(role, "sent", out)
            elif "BYE" in cs and code == 200 and a_src is not None and getattr(b2bua, "a_bye", None):
                out = answer_a(b2bua.a_bye, 200, "OK")
                s.sendto(out, a_src)
                log_msg(role, "sent", out)
        elif not from_b and data.startswith(b"ACK "):
            out = leg_b("ACK", cseq)
            s.sendto(out, callee)
            log_msg(role, "sent", out)
        elif not from_b and data.startswith(b"BYE "):
            b2bua.a_bye = data
            out = leg_b("BYE", cseq + 1)
            s.sendto(out, callee)
            log_msg(role, "sent", out)
        elif from_b and data.startswith(b"BYE "):
            out = answer_a(data, 200, "OK")
            _, hs, _ = split_msg(data)
            s.sendto(build("SIP/2.0 200 OK", [(k, v) for k, v in hs if k.lower() in
                                              ("via", "from", "to", "call-id", "cseq")]), src)


# ---- a callee that answers where requests come from ------------------------

def callee(o):
    """UAS on addr:5060 (RTP from port 6000): 100, 180, 200 OK with SDP
    for an INVITE, RTP at 20 ms to the offer's c=/m= from the 200 OK on,
    the 200 retransmitted (T1 doubling, T2 cap) until the ACK comes or for
    32 s; every response goes to the source of its request (SIPp answers
    at the INVITE's source, which loses the 200 for a BYE that came
    straight from the caller past a proxy). One call."""
    role = o.get("role", "callee")
    addr = o["addr"]
    s = udp(addr, 5060)
    rtps = udp(addr, 6000)
    end = time.time() + float(o.get("seconds", "60"))
    tag = "callee%04x" % random.getrandbits(16)
    inv = ok = rtp = sender = None
    acked = False
    t1, nxt = 0.5, None

    def resp(req, code, reason, body=b""):
        return response(req, code, reason, tag, "<sip:callee@%s:5060>" % addr
                        if req.startswith(b"INVITE") else None, body)

    while time.time() < end:
        s.settimeout(0.05)
        try:
            data, src = s.recvfrom(65535)
        except (socket.timeout, OSError):
            data = None
        if data is None:
            if ok is not None and not acked and nxt is not None and time.time() >= nxt:
                if time.time() - ok_t > 32:
                    say("%s: no ACK within 32 s" % role)
                    break
                s.sendto(ok, inv_src)
                log_msg(role, "sent", ok)
                t1 = min(t1 * 2, 4.0)
                nxt = time.time() + t1
            continue
        log_msg(role, "recv", data)
        if data.startswith(b"INVITE "):
            if inv is not None:
                if ok is not None:
                    s.sendto(ok, src)
                continue
            inv, inv_src = data, src
            for code, reason in ((100, "Trying"), (180, "Ringing")):
                out = resp(data, code, reason)
                s.sendto(out, src)
                log_msg(role, "sent", out)
            c_addr, c_port = sdp_media(data.split(b"\r\n\r\n", 1)[1])
            ok = resp(data, 200, "OK", sdp("callee", 2, addr, addr, 6000))
            s.sendto(ok, src)
            log_msg(role, "sent", ok)
            ok_t = time.time()
            nxt = ok_t + t1
            rtp = Rtp(rtps, (c_addr, c_port), float(o.get("media", "3.2")) + 1.0, role=role,
                      cid=call_id(data))
            sender = threading.Thread(target=rtp.send, daemon=True)
            sender.start()
        elif data.startswith(b"ACK "):
            acked = True
        elif data.startswith(b"BYE "):
            out = resp(data, 200, "OK")
            s.sendto(out, src)
            log_msg(role, "sent", out)
            if rtp:
                rtp.halt = True
                sender.join()
                rtp.done()
            say("result=BYE answered")
            return
    if rtp:
        rtp.done()
    say("result=%s" % ("no BYE" if inv else "no INVITE"))


# ---- registrar ---------------------------------------------------------------------

def registrar(o):
    """Answers each REGISTER 200 OK: with contact=echo the Contact as
    received with ;expires=, with contact=none no Contact at all (an
    Expires header only), as some registrars and SBCs answer."""
    role = "registrar"
    s = udp(o["addr"], int(o.get("port", "5060")))
    echo = o.get("contact", "echo") == "echo"
    n = int(o.get("count", "1"))
    for data, src in messages(s, float(o.get("seconds", "30")), role):
        if not data.startswith(b"REGISTER "):
            continue
        _, hs, _ = split_msg(data)
        keep = []
        for k, v in hs:
            kl = k.lower()
            if kl in ("via", "v", "from", "f", "call-id", "i", "cseq"):
                keep.append((k, v))
            elif kl in ("to", "t"):
                keep.append((k, v if ";tag=" in v else v + ";tag=reg1"))
            elif kl in ("contact", "m") and echo:
                keep.append((k, v + ";expires=3600"))
        if not echo:
            keep.append(("Expires", "3600"))
        out = build("SIP/2.0 200 OK", keep)
        s.sendto(out, src)
        log_msg(role, "sent", out)
        n -= 1
        if n == 0:
            break
    say("result=registrar done")


ROLES = {
    "stun-phone": stun_phone,       # local= public= server= [media=]
    "tcp-split-phone": tcp_split_phone,   # local= server= [first=] [media=]
    "tcp-uas": tcp_uas,             # addr= mode=split|nocl [media=] [seconds=]
    "proxy": proxy,                 # addr= port= routes=user=host:port,... [natfix=1] [role=]
    "b2bua": b2bua,                 # addr= callee=host[:port]
    "registrar": registrar,         # addr= [port=] contact=echo|none [count=]
    "callee": callee,               # addr= [media=] [role=]
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ROLES:
        sys.stderr.write(__doc__)
        sys.stderr.write("roles: %s\n" % ", ".join(ROLES))
        return 2
    o = dict(a.split("=", 1) for a in sys.argv[2:])
    ROLES[sys.argv[1]](o)
    return 0


if __name__ == "__main__":
    sys.exit(main())
