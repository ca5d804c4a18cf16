#!/usr/bin/env python3
"""tests/sim_fidelity.py - the simulated outside view against the real
kernel's, at the IP layer (issue 21, "outside-view fidelity").

For every kernel run of samples/linux-alg with an inside and an outside
capture, sipalg-sim replays the inside capture under the run's own
configuration (profile linux with the ALG on, off without; the options
tests/netns/truth_score.py derives from the run's log) and writes -w.
Every IPv4 UDP packet (or fragment) the router sent out from its public
address in the kernel's outside capture is looked up in the simulated
view by (IP identification, fragment offset): a NAT keeps the
identification, so the same packet has the same one.  The two must agree
on TTL (the phone's less one), Don't Fragment, More Fragments and the
fragment offset, and (a fragment) its length.

Prints per run the packets matched and the differences; exits 1 when a
matched packet differs or when fewer than MIN_MATCHED of the kernel's
packets are found at all (the model drops or adds some by design; the
identification ties them when it does not).
"""
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "netns"))
from truth_score import sim_options  # noqa: E402

MIN_MATCHED = 0.9
PUBLIC = bytes([198, 51, 100, 1])


def frames(path):
    f = open(path, "rb").read()
    magic = f[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        lt, off = struct.unpack("<I", f[20:24])[0], 24
        while off + 16 <= len(f):
            cl = struct.unpack("<I", f[off + 8:off + 12])[0]
            yield lt, f[off + 16:off + 16 + cl]
            off += 16 + cl


def ipv4_out(path):
    """(id, offset) -> (ttl, df, mf, length) of UDP leaving the public address."""
    out = {}
    for lt, d in frames(path):
        o = {1: 14, 113: 16}.get(lt)
        if o is None or d[o - 2:o] != b"\x08\x00" or len(d) < o + 20:
            continue
        h = d[o:]
        if h[9] != 17 or h[12:16] != PUBLIC:
            continue
        ipid, fl = struct.unpack(">HH", h[4:8])
        tot = struct.unpack(">H", h[2:4])[0]
        out.setdefault((ipid, (fl & 0x1fff) * 8),
                       (h[8], bool(fl & 0x4000), bool(fl & 0x2000), tot))
    return out


def main():
    sim, samples = sys.argv[1], sys.argv[2]
    runs = sorted(f[:-len("-inside.pcap")] for f in os.listdir(samples)
                  if f.endswith("-inside.pcap") and
                  os.path.exists(os.path.join(samples, f[:-len("-inside.pcap")] + "-outside.pcap")) and
                  os.path.exists(os.path.join(samples, f[:-len("-inside.pcap")] + ".log")))
    bad = kern_total = matched_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        w = os.path.join(tmp, "w.pcap")
        for run in runs:
            alg, opts = sim_options(samples, run)
            prof = "linux" if alg == "on" else "off"
            subprocess.run([sim, "--profile", prof, "-w", w] + opts +
                           [os.path.join(samples, run + "-inside.pcap")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kern = ipv4_out(os.path.join(samples, run + "-outside.pcap"))
            got = ipv4_out(w) if os.path.exists(w) else {}
            m = diff = 0
            for k, v in kern.items():
                if k not in got:
                    continue
                m += 1
                g = got[k]
                frag = v[2] or k[1] > 0
                if v[:3] != g[:3] or (frag and v[3] != g[3]):
                    diff += 1
                    if diff <= 3:
                        print("  %s: id %d offset %d: kernel ttl %d df %d mf %d len %d, "
                              "sim ttl %d df %d mf %d len %d" % ((run,) + k + v + g))
            kern_total += len(kern)
            matched_total += m
            bad += diff
            print("%-34s %4d of %4d kernel packets matched, %d differ" % (run, m, len(kern), diff))
    print("fidelity: %d of %d kernel outbound UDP packets found in the simulated "
          "view by IP identification, %d differ in TTL, DF, MF, offset or "
          "fragment length" % (matched_total, kern_total, bad))
    if bad or matched_total < MIN_MATCHED * kern_total:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
