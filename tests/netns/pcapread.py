#!/usr/bin/env python3
"""pcapread.py - a small, independent reader of the testbed's captures.

The ground truth must not be measured by the program it judges, so the
facts of every run are taken from the pcaps by this reader (and checked
against tshark by facts.sh for the first 16 runs), never by sipalg. It
reads pcap (micro- and nanosecond, both byte orders) and pcapng (section,
interface with its name and capture filter, enhanced and simple packet
blocks), Ethernet and Linux cooked (SLL) links, IPv4 with fragment
reassembly, UDP, TCP (in-order payload per flow, enough for SIP over TCP)
and ICMP with the quoted datagram. It classifies UDP payloads as SIP, RTP
or RTCP by content. Python 3 standard library only; no packet is trusted:
every slice is length-checked and a short packet is counted, not fatal.
"""
import re
import struct

SIP_START = re.compile(rb"^(?:[A-Z]{3,10} [^ \r\n]+ SIP/2\.0|SIP/2\.0 \d{3})")


class Capture:
    """Everything one file holds: interfaces (name, filter, link type) and
    decoded records in file order."""

    def __init__(self, path):
        self.path = path
        self.format = None
        self.ifaces = []          # [{"name", "filter", "link"}]
        self.frames = []          # (ts, ifidx, linktype, bytes)
        self.short = 0
        with open(path, "rb") as f:
            data = f.read()
        magic = data[:4]
        if magic == b"\x0a\x0d\x0d\x0a":
            self._pcapng(data)
        else:
            self._pcap(data)

    def _pcap(self, d):
        m = struct.unpack("<I", d[:4])[0]
        if m in (0xA1B2C3D4, 0xA1B23C4D):
            e = "<"
        else:
            e = ">"
            m = struct.unpack(">I", d[:4])[0]
        if m not in (0xA1B2C3D4, 0xA1B23C4D):
            raise ValueError("%s: not a pcap or pcapng file" % self.path)
        div = 1e9 if m == 0xA1B23C4D else 1e6
        self.format = "pcap"
        link = struct.unpack(e + "I", d[20:24])[0]
        self.ifaces.append({"name": None, "filter": None, "link": link})
        off = 24
        while off + 16 <= len(d):
            s, frac, incl, orig = struct.unpack(e + "IIII", d[off:off + 16])
            off += 16
            if off + incl > len(d):
                self.short += 1
                break
            self.frames.append((s + frac / div, 0, link, d[off:off + incl]))
            off += incl

    def _pcapng(self, d):
        self.format = "pcapng"
        off = 0
        e = "<"
        tsres = []
        while off + 12 <= len(d):
            btype = struct.unpack(e + "I", d[off:off + 4])[0]
            if btype == 0x0A0D0D0A:
                bom = d[off + 8:off + 12]
                e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            blen = struct.unpack(e + "I", d[off + 4:off + 8])[0]
            if blen < 12 or off + blen > len(d):
                self.short += 1
                break
            body = d[off + 8:off + blen - 4]
            if btype == 1:                      # IDB
                link = struct.unpack(e + "H", body[:2])[0]
                name = filt = None
                res = 1e6
                o = 8
                while o + 4 <= len(body):
                    code, ln = struct.unpack(e + "HH", body[o:o + 4])
                    val = body[o + 4:o + 4 + ln]
                    if code == 0:
                        break
                    if code == 2:
                        name = val.decode("utf-8", "replace")
                    elif code == 11 and val:
                        filt = val[1:].decode("utf-8", "replace")   # byte 0: 0 = libpcap syntax
                    elif code == 9 and val:
                        r = val[0]
                        res = float(2 ** (r & 0x7F)) if r & 0x80 else float(10 ** r)
                    o += 4 + ((ln + 3) & ~3)
                self.ifaces.append({"name": name, "filter": filt, "link": link})
                tsres.append(res)
            elif btype == 6:                    # EPB
                ifid, hi, lo, incl, orig = struct.unpack(e + "IIIII", body[:20])
                if ifid < len(self.ifaces):
                    ts = ((hi << 32) | lo) / tsres[ifid]
                    self.frames.append((ts, ifid, self.ifaces[ifid]["link"], body[20:20 + incl]))
            elif btype == 3:                    # SPB
                orig = struct.unpack(e + "I", body[:4])[0]
                if self.ifaces:
                    self.frames.append((0.0, 0, self.ifaces[0]["link"], body[4:4 + orig]))
            off += blen


def ipv4_of(frame, link):
    """The IPv4 bytes of a frame, or None (ARP, IPv6, other links)."""
    if link == 1:                        # Ethernet
        if len(frame) < 14:
            return None
        et = struct.unpack("!H", frame[12:14])[0]
        off = 14
        if et == 0x8100 and len(frame) >= 18:
            et = struct.unpack("!H", frame[16:18])[0]
            off = 18
        return frame[off:] if et == 0x0800 else None
    if link == 113:                      # Linux cooked
        if len(frame) < 16:
            return None
        return frame[16:] if struct.unpack("!H", frame[14:16])[0] == 0x0800 else None
    if link in (101, 228):               # raw IPv4
        return frame
    return None


def ip4(b):
    return "%d.%d.%d.%d" % tuple(b)


class Packet:
    """One IPv4 datagram after reassembly (or one fragment that never
    completed: kind "fragment")."""
    __slots__ = ("ts", "ifidx", "src", "dst", "proto", "ttl", "df", "ident", "frags",
                 "ip_len", "sport", "dport", "payload", "kind", "icmp", "tcp")

    def __repr__(self):
        return "<%s %.6f %s:%s > %s:%s %s>" % (self.kind, self.ts, self.src, self.sport,
                                               self.dst, self.dport, len(self.payload or b""))


def classify_udp(p):
    pl = p.payload
    if SIP_START.match(pl) or pl in (b"\r\n\r\n", b"\r\n"):
        return "sip"
    if len(pl) >= 12 and pl[0] >> 6 == 2 and p.sport >= 1024 and p.dport >= 1024 and \
            p.sport not in (5060, 5070, 5080) and p.dport not in (5060, 5070, 5080):
        if 200 <= pl[1] <= 204:
            return "rtcp"
        return "rtp"
    return "udp"


def packets(cap):
    """Decode every frame of a Capture into Packets, reassembling IPv4
    fragments (a datagram whose fragments never all arrive yields one
    "fragment" Packet per piece) and TCP payloads in sequence order."""
    out = []
    pend = {}
    for ts, ifidx, link, fr in cap.frames:
        ip = ipv4_of(fr, link)
        if ip is None or len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        if ihl < 20 or tot < ihl or len(ip) < ihl:
            continue
        ip = ip[:tot]
        ident = struct.unpack("!H", ip[4:6])[0]
        fl = struct.unpack("!H", ip[6:8])[0]
        df, mf, foff = bool(fl & 0x4000), bool(fl & 0x2000), (fl & 0x1FFF) * 8
        proto = ip[9]
        src, dst = ip4(ip[12:16]), ip4(ip[16:20])
        body = ip[ihl:]
        nfr = 1
        if mf or foff:
            key = (src, dst, ident, proto, ifidx)
            ent = pend.setdefault(key, {"parts": {}, "ts": ts, "last": False, "ttl": ip[8]})
            ent["parts"][foff] = body
            if not mf:
                ent["last"] = foff + len(body)
            if ent["last"] is False:
                continue
            # complete when the parts cover 0..last without holes
            have, o = b"", 0
            while o in ent["parts"]:
                have += ent["parts"][o]
                o += len(ent["parts"][o])
            if o != ent["last"]:
                continue
            del pend[key]
            body = have
            nfr = len(ent["parts"])
            ts = ent["ts"]
        p = Packet()
        p.ts, p.ifidx, p.src, p.dst, p.proto, p.ttl = ts, ifidx, src, dst, proto, ip[8]
        p.df, p.ident, p.frags, p.ip_len = df, ident, nfr, ihl + len(body)
        p.sport = p.dport = None
        p.payload, p.icmp, p.tcp = b"", None, None
        if proto == 17 and len(body) >= 8:
            p.sport, p.dport = struct.unpack("!HH", body[:4])
            p.payload = body[8:]
            p.kind = classify_udp(p)
        elif proto == 6 and len(body) >= 20:
            p.sport, p.dport = struct.unpack("!HH", body[:4])
            seq = struct.unpack("!I", body[4:8])[0]
            doff = (body[12] >> 4) * 4
            p.payload = body[doff:]
            p.tcp = {"seq": seq, "flags": body[13]}
            p.kind = "tcp"
        elif proto == 1 and len(body) >= 8:
            t, c = body[0], body[1]
            q = body[8:]
            inner = None
            if len(q) >= 20:
                qihl = (q[0] & 15) * 4
                inner = {"src": ip4(q[12:16]), "dst": ip4(q[16:20]), "proto": q[9],
                         "len": struct.unpack("!H", q[2:4])[0]}
                if len(q) >= qihl + 4:
                    inner["sport"], inner["dport"] = struct.unpack("!HH", q[qihl:qihl + 4])
                inner["data"] = q[qihl + 8:]
            p.icmp = {"type": t, "code": c, "mtu": struct.unpack("!H", body[6:8])[0], "inner": inner}
            p.kind = "icmp"
        else:
            p.kind = "other"
        out.append(p)
    for key, ent in pend.items():
        for foff, b in sorted(ent["parts"].items()):
            p = Packet()
            p.ts, p.ifidx, p.src, p.dst, p.proto, p.ttl = ent["ts"], key[4], key[0], key[1], key[3], ent["ttl"]
            p.df, p.ident, p.frags, p.ip_len = False, key[2], 0, len(b) + 20
            p.sport = p.dport = None
            p.payload, p.icmp, p.tcp, p.kind = b, None, None, "fragment"
            out.append(p)
    out.sort(key=lambda p: p.ts)
    return out


def sip_messages(pkts):
    """(Packet, message bytes) for every SIP message: each UDP one, and the
    messages of each TCP flow's byte stream (in sequence order, framed by
    Content-Length; a message split over segments is one message, stamped
    with the time of its last segment, and p.frags = segments used)."""
    out = []
    flows = {}
    for p in pkts:
        if p.kind == "sip" and p.payload.strip():
            out.append((p, p.payload))
        elif p.kind == "tcp" and p.payload:
            k = (p.src, p.sport, p.dst, p.dport, p.ifidx)
            flows.setdefault(k, []).append(p)
    for k, segs in flows.items():
        seen = set()
        buf, first = b"", None
        nseg = 0
        for p in sorted(segs, key=lambda q: (q.tcp["seq"] - segs[0].tcp["seq"]) & 0xFFFFFFFF):
            if p.tcp["seq"] in seen:
                continue
            seen.add(p.tcp["seq"])
            buf += p.payload
            nseg += 1
            while b"\r\n\r\n" in buf:
                head, _, rest = buf.partition(b"\r\n\r\n")
                m = re.search(rb"\r\n(?:Content-Length|l)\s*:\s*(\d+)", head + b"\r\n", re.I)
                cl = int(m.group(1)) if m else 0
                if len(rest) < cl:
                    break
                msg = head + b"\r\n\r\n" + rest[:cl]
                buf = rest[cl:]
                if SIP_START.match(msg):
                    q = Packet()
                    for a in Packet.__slots__:
                        setattr(q, a, getattr(p, a))
                    q.kind, q.frags, q.payload = "sip", nseg, msg
                    out.append((q, msg))
                nseg = 0
    out.sort(key=lambda x: x[0].ts)
    return out


def sip_fields(msg):
    """A dict of what the truth needs from one SIP message."""
    head, _, body = msg.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    f = {"first": lines[0], "method": None, "status": None, "headers": {}, "body": body}
    m = re.match(r"([A-Z]+) (\S+) SIP/2\.0", lines[0])
    if m:
        f["method"], f["ruri"] = m.group(1), m.group(2)
    else:
        f["status"] = int(lines[0][8:11])
    compact = {"i": "call-id", "v": "via", "f": "from", "t": "to", "m": "contact", "l": "content-length"}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = compact.get(k.strip().lower(), k.strip().lower())
        f["headers"].setdefault(k, []).append(v.strip())
    h = f["headers"]
    f["call_id"] = (h.get("call-id") or ["-"])[0]
    cs = (h.get("cseq") or ["0 -"])[0].split()
    f["cseq"], f["cseq_method"] = int(cs[0]) if cs and cs[0].isdigit() else 0, cs[1] if len(cs) > 1 else "-"
    f["via"] = (h.get("via") or [""])[0].split(",")[0]
    f["contact"] = (h.get("contact") or [""])[0]
    sdp = body.decode("latin-1")
    c = re.search(r"^c=IN IP4 ([0-9.]+)", sdp, re.M)
    o = re.search(r"^o=\S+ \S+ \S+ IN IP4 ([0-9.]+)", sdp, re.M)
    mm = re.search(r"^m=audio (\d+) RTP/AVP ([0-9 ]+)", sdp, re.M)
    pt = re.search(r"^a=ptime:(\d+)", sdp, re.M)
    f["sdp_c"] = c.group(1) if c else None
    f["sdp_o"] = o.group(1) if o else None
    f["sdp_port"] = int(mm.group(1)) if mm else None
    f["sdp_fmts"] = mm.group(2).split() if mm else []
    f["sdp_ptime"] = int(pt.group(1)) if pt else None
    f["sdp_dir"] = next((d for d in ("sendonly", "recvonly", "inactive") if "a=" + d in sdp), "sendrecv")
    return f


def rtp_fields(p):
    pl = p.payload
    b1 = pl[1]
    return {"pt": b1 & 0x7F, "marker": bool(b1 & 0x80),
            "seq": struct.unpack("!H", pl[2:4])[0], "ts": struct.unpack("!I", pl[4:8])[0],
            "ssrc": struct.unpack("!I", pl[8:12])[0], "len": len(pl) - 12}
