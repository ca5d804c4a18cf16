#!/usr/bin/env python3
"""relay.py - the outside "proxy" of the lan-proxy testbed scenario.

A registrar and stateless relay for exactly two UAs, in the way of a hosted
PBX that forwards signalling without anchoring media: a REGISTER is
answered 200 OK and its source address:port becomes "B" (the registered
phone, reached where its REGISTER came from, as hosted PBXs do behind
NAT); any other message from B goes to the last address that is not B
("A"), and anything from elsewhere is A's and goes to B.  Bytes are
forwarded unchanged (no Via of its own: SIPp answers to the packet source),
so the SDP each phone gets is exactly what the router let out of the other
one.  Runs until killed or until --seconds pass; logs one line per message.

Usage: relay.py ADDR PORT [SECONDS]
"""
import socket
import sys
import time


def register_ok(req):
    """200 OK for a REGISTER: the request's dialog headers echoed."""
    head = req.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    keep = []
    for line in head[1:]:
        name = line.split(b":", 1)[0].strip().lower()
        if name in (b"via", b"v", b"from", b"f", b"call-id", b"i", b"cseq"):
            keep.append(line)
        elif name in (b"to", b"t"):
            keep.append(line + (b"" if b";tag=" in line else b";tag=relay1"))
        elif name in (b"contact", b"m"):
            keep.append(line + b";expires=3600")
    return b"SIP/2.0 200 OK\r\n" + b"\r\n".join(keep) + b"\r\nContent-Length: 0\r\n\r\n"


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    addr, port = sys.argv[1], int(sys.argv[2])
    end = time.time() + (float(sys.argv[3]) if len(sys.argv) > 3 else 300.0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.5)
    a = b = None
    while time.time() < end:
        try:
            data, src = s.recvfrom(65535)
        except socket.timeout:
            continue
        first = data.split(b"\r\n", 1)[0].decode("latin-1")
        if first.startswith("REGISTER "):
            b = src
            s.sendto(register_ok(data), src)
            print("REGISTER from %s:%d -> 200 OK, B = %s:%d" % (src + b), flush=True)
            continue
        if src == b:
            dst = a
        else:
            a = src
            dst = b
        if dst is None:
            print("%s from %s:%d: nowhere to send" % ((first,) + src), flush=True)
            continue
        s.sendto(data, dst)
        print("%s from %s:%d -> %s:%d" % ((first,) + src + dst), flush=True)


if __name__ == "__main__":
    main()
