#!/usr/bin/env python3
"""sim-fields.py - compare the SIP of two captures field by field.

Usage:
  sim-fields.py dump CAPTURE            print the fields of every SIP message
  sim-fields.py compare SIM REAL [INSIDE]
      pair the SIP messages of SIM (the simulated outside view) and REAL
      (the router's real outside capture) by Call-ID, CSeq, method/status
      and occurrence, and compare Request-URI, Via, Contact, From, To,
      Call-ID, SDP o=/c=/m= and Content-Length.  Every message of SIM must
      match its partner in REAL exactly; a REAL message without a SIM
      partner is only allowed when INSIDE (the inside capture the
      simulation read) does not have that message either (the phone never
      saw it, so no replay can show it).  Exit 0 when all match, 1 with a
      report otherwise.

Reads classic pcap (micro- or nanosecond), Ethernet or raw IPv4, UDP and
TCP (TCP streams reassembled per direction by sequence number and cut
into messages by Content-Length).
"""
import struct
import sys

FIELDS = ("ruri", "via", "contact", "from", "to", "call-id", "o", "c", "m",
          "content-length")
COMPACT = {"v": "via", "m": "contact", "f": "from", "t": "to", "i": "call-id",
           "l": "content-length"}


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    else:
        e = ">"
    linktype = struct.unpack(e + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(e + "IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if linktype == 1:
            if len(frame) < 14 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
        elif linktype in (101, 228):
            ip = frame
        elif linktype == 113:
            ip = frame[16:]
        else:
            continue
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        ip = ip[:tot]
        proto = ip[9]
        src = ".".join(str(b) for b in ip[12:16])
        dst = ".".join(str(b) for b in ip[16:20])
        l4 = ip[ihl:]
        if proto == 17 and len(l4) >= 8:
            sp, dp = struct.unpack("!HH", l4[:4])
            yield ("udp", src, sp, dst, dp, 0, l4[8:])
        elif proto == 6 and len(l4) >= 20:
            sp, dp, seq = struct.unpack("!HHI", l4[:8])
            doff = (l4[12] >> 4) * 4
            yield ("tcp", src, sp, dst, dp, seq, l4[doff:])


def split_stream(buf):
    out = []
    while True:
        while buf.startswith(b"\r\n"):
            buf = buf[2:]
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        head = buf[:end + 4]
        cl = 0
        for line in head.split(b"\r\n"):
            k, _, v = line.partition(b":")
            if k.strip().lower() in (b"content-length", b"l"):
                try:
                    cl = int(v.strip())
                except ValueError:
                    cl = 0
        if len(buf) < end + 4 + cl:
            break
        out.append(buf[:end + 4 + cl])
        buf = buf[end + 4 + cl:]
    return out


def sip_messages(path):
    msgs = []
    streams = {}
    for kind, src, sp, dst, dp, seq, pl in packets(path):
        if not pl:
            continue
        if kind == "udp":
            if pl[:8] == b"SIP/2.0 " or b" SIP/2.0\r\n" in pl[:300]:
                msgs.append(pl)
        else:
            streams.setdefault((src, sp, dst, dp), []).append((seq, pl))
    for segs in streams.values():
        segs.sort(key=lambda x: x[0])
        buf = b""
        nxt = None
        for seq, pl in segs:
            if nxt is not None and seq < nxt:
                pl = pl[nxt - seq:] if nxt - seq < len(pl) else b""
            buf += pl
            nxt = seq + len(pl) if nxt is None or seq >= nxt else nxt + len(pl)
        for m in split_stream(buf):
            if m[:8] == b"SIP/2.0 " or b" SIP/2.0\r\n" in m[:300]:
                msgs.append(m)
    return [fields(m) for m in msgs]


def fields(m):
    text = m.decode("latin-1")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    f = {k: [] for k in FIELDS}
    first = lines[0]
    if first.startswith("SIP/2.0 "):
        f["ruri"] = []
        label = first.split(" ")[1]
    else:
        label = first.split(" ")[0]
        f["ruri"] = [first.split(" ")[1]]
    cseq = ""
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        k = COMPACT.get(k, k)
        v = v.strip()
        if k in f:
            f[k].append(v)
        if k == "cseq":
            cseq = v
    for line in body.split("\r\n"):
        if len(line) > 2 and line[1] == "=" and line[0] in "ocm":
            f[line[0]].append(line[2:])
    callid = f["call-id"][0] if f["call-id"] else ""
    return (callid, cseq, label, f)


def keyed(msgs):
    out = {}
    seen = {}
    for callid, cseq, label, f in msgs:
        base = (callid, cseq, label)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out[base + (n,)] = f
    return out


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "dump":
        for callid, cseq, label, f in sip_messages(sys.argv[2]):
            print("%s | %s | %s" % (label, cseq, callid))
            for k in FIELDS:
                for v in f[k]:
                    print("    %s: %s" % (k, v))
        return 0
    if len(sys.argv) < 4 or sys.argv[1] != "compare":
        sys.stderr.write(__doc__)
        return 2
    sim = keyed(sip_messages(sys.argv[2]))
    real = keyed(sip_messages(sys.argv[3]))
    inside = keyed(sip_messages(sys.argv[4])) if len(sys.argv) > 4 else {}
    inside_base = set(k[:3] for k in inside)
    bad = 0
    compared = 0
    for k, f in sorted(sim.items()):
        if k not in real:
            print("only in the simulation: %s" % (k,))
            bad += 1
            continue
        compared += 1
        for name in FIELDS:
            if f[name] != real[k][name]:
                print("%s %s: simulated %r, real %r" % (k, name, f[name], real[k][name]))
                bad += 1
    for k in sorted(real):
        if k not in sim:
            if k[:3] in inside_base:
                print("real message missing from the simulation: %s" % (k,))
                bad += 1
    print("%d messages compared, %d differences" % (compared, bad))
    return 1 if bad or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
