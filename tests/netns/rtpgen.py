#!/usr/bin/env python3
"""rtpgen.py - write the RTP pcap one endpoint of the widened testbed sends.

SIPp's play_pcap_audio replays the UDP payloads of a pcap with the pcap's
own timing, from the call's media port to the peer's SDP address, so any
packetisation the field shows can be made: 20/30/40/60 ms of PCMA per
packet, and silence suppression (RFC 3389): a talkspurt of audio packets
(marker bit on its first packet), one comfort-noise packet (payload type
13, one byte of noise level) when the speaker falls silent, then nothing
for the rest of the silence (DTX). The RTP timestamp keeps running
through a silence, as RFC 3550 5.1 says, and the SSRC is fixed, so that
back-to-back calls from one phone reuse port and SSRC as real phones and
SIPp do. A DTMF digit (RFC 4733) replaces the audio for its duration with
telephone-event packets (payload type 101, 4 bytes: event 1, volume 10,
the duration so far; every packet of the digit carries the timestamp of
its start, the last one with the E bit, sent three times), sequence
numbers running on. The addresses and ports written into the pcap do not matter:
play_pcap_audio replaces them.

Usage: rtpgen.py OUT.pcap PTIME_MS SECONDS [--ssrc HEX] [--pt N]
                 [--dtx TALK_MS,SILENCE_MS] [--dtmf START_MS,LENGTH_MS]

Python 3 standard library only.
"""
import argparse
import struct


def packets(ptime, seconds, pt, dtx, dtmf=None):
    """(time, marker, payload type, timestamp, payload) for each packet."""
    step = 8 * ptime                       # 8 kHz clock: samples per packet
    total = int(round(seconds * 1000 / ptime))
    talk, silence = dtx if dtx else (0, 0)
    out = []
    in_talk = True
    for i in range(total):
        t_ms = i * ptime
        if dtmf and dtmf[0] <= t_ms < dtmf[0] + dtmf[1]:
            start = dtmf[0] // ptime * step
            dur = (t_ms - dtmf[0]) * 8 + step
            last = t_ms + ptime >= dtmf[0] + dtmf[1]
            ev = struct.pack("!BBH", 1, (0x80 if last else 0) | 10, dur)
            for _ in range(3 if last else 1):
                out.append((t_ms, 1 if t_ms == dtmf[0] else 0, 101, start, ev))
            continue
        if dtx:
            phase = t_ms % (talk + silence)
            now_talk = phase < talk
            if not now_talk:
                if in_talk:
                    # first packet time of the silence: one CN packet,
                    # noise level 64 dBov attenuation (RFC 3389 3.1)
                    out.append((t_ms, 0, 13, i * step, bytes([64])))
                in_talk = False
                continue
            marker = 1 if (not in_talk or i == 0) else 0
            in_talk = True
        else:
            marker = 1 if i == 0 else 0
        out.append((t_ms, marker, pt, i * step, b"\xd5" * step))
    return out


def write(path, pkts, ssrc):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for seq, (t_ms, marker, pt, ts, payload) in enumerate(pkts, 1):
            rtp = struct.pack("!BBHII", 0x80, pt | (0x80 if marker else 0),
                              seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload
            udp = struct.pack("!HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64,
                             17, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])) + udp
            eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip
            f.write(struct.pack("<IIII", t_ms // 1000, (t_ms % 1000) * 1000,
                                len(eth), len(eth)) + eth)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("ptime", type=int, choices=(10, 20, 30, 40, 60))
    ap.add_argument("seconds", type=float)
    ap.add_argument("--ssrc", default="5ea1ab1e")
    ap.add_argument("--pt", type=int, default=8)
    ap.add_argument("--dtx", default=None, help="TALK_MS,SILENCE_MS")
    ap.add_argument("--dtmf", default=None, help="START_MS,LENGTH_MS")
    a = ap.parse_args()
    dtx = tuple(int(x) for x in a.dtx.split(",")) if a.dtx else None
    dtmf = tuple(int(x) for x in a.dtmf.split(",")) if a.dtmf else None
    write(a.out, packets(a.ptime, a.seconds, a.pt, dtx, dtmf), int(a.ssrc, 16))


if __name__ == "__main__":
    main()
