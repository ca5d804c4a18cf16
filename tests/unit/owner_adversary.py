#!/usr/bin/python3
# owner_adversary.py OUT.pcap SEED CALLS - an adversarial capture for
# the media owner cache (analysis.c owner_unchanged): few hosts and
# three RTP ports, so calls overlapping in time announce the same
# addresses; fixed SSRCs shared by calls; 30 % of calls with a copy of
# their offer/answer by a second dialog within a second (several
# candidates), half of those ended early by BYE; 30 % with a re-INVITE
# (its port drawn again); 20 % never ended.  Run a build configured with
# CPPFLAGS=-DSIPALG_CHECK_OWNER on it: every packet the cached owner is
# used for is checked against the full choice (the run aborts on a
# difference), and the normal build's output must equal that of the code
# before the cache.
import struct, random, sys
seed = int(sys.argv[2]); random.seed(seed)
out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
def ip(s): return bytes(int(x) for x in s.split('.'))
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
def udp(t, src, sp, dst, dp, pl):
    u = struct.pack('!HHHH', sp, dp, 8 + len(pl), 0) + pl
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, ip(src), ip(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    fr = b'\0\1\2\3\4\5' + b'\0\1\2\3\4\6' + b'\x08\x00' + h + u
    sec = int(t); us = int(round((t - sec) * 1e6))
    out.write(struct.pack('<IIII', sec, us, len(fr), len(fr)) + fr)
hosts = ['10.0.0.2', '10.0.0.3', '198.51.100.1', '198.51.100.7']
ports = [4000, 4002, 4004]
events = []
T = 1700000000.0
ncalls = int(sys.argv[3])
for c in range(ncalls):
    t0 = T + random.uniform(0, ncalls * 0.8)
    a = random.choice(hosts); b = random.choice(hosts)
    pa = random.choice(ports); pb = random.choice(ports)
    cid = 'c%d-%d@x' % (seed, c)
    ssrc_a = random.choice([1, 2, 3, 0x1000 + c]); ssrc_b = random.choice([7, 8, 0x2000 + c])
    dur = random.uniform(0.5, 6)
    copy = random.random() < 0.3   # another dialog announcing the same within 1 s
    events.append((t0, 'sip', (cid, a, b, pa, pb, 'INVITE', 1)))
    events.append((t0 + 0.05, 'sip', (cid, a, b, pa, pb, '200', 1)))
    if copy:
        c2 = cid + '-copy'
        pa2 = random.choice(ports)
        events.append((t0 + 0.02, 'sip', (c2, a, b, pa2, pb, 'INVITE', 1)))
        events.append((t0 + 0.06, 'sip', (c2, a, b, pa2, pb, '200', 1)))
        if random.random() < 0.5:
            events.append((t0 + dur * 0.7, 'sip', (c2, a, b, pa2, pb, 'BYE', 2)))
    if random.random() < 0.3:
        tr = t0 + dur * random.uniform(0.2, 0.8)
        pa3 = random.choice(ports)
        events.append((tr, 'sip', (cid, a, b, pa3, pb, 'INVITE', 3)))
        events.append((tr + 0.03, 'sip', (cid, a, b, pa3, pb, '200', 3)))
    if random.random() < 0.8:
        events.append((t0 + dur, 'sip', (cid, a, b, pa, pb, 'BYE', 4)))
    t = t0 + 0.07; seq = random.randint(0, 60000)
    while t < t0 + dur + random.uniform(-0.3, 0.5):
        events.append((t, 'rtp', (a, pa, b, pb, ssrc_a, seq)))
        if random.random() < 0.9:
            events.append((t + 0.001, 'rtp', (b, pb, a, pa, ssrc_b, seq)))
        t += 0.02; seq = (seq + 1) & 0xffff
events.sort(key=lambda e: e[0])
def sdp(h, p):
    return ('v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 0 101\r\n'
            'a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n' % (h, h, p))
for t, kind, d in events:
    if kind == 'rtp':
        a, pa, b, pb, ssrc, seq = d
        pl = struct.pack('!BBHII', 0x80, 0, seq, (seq * 160) & 0xffffffff, ssrc) + b'\xff' * 160
        udp(t, a, pa, b, pb, pl); continue
    cid, a, b, pa, pb, meth, cseq = d
    if meth == '200':
        body = sdp(b, pb)
        m = ('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s%d\r\nFrom: <sip:a@%s>;tag=fa\r\n'
             'To: <sip:b@%s>;tag=tb\r\nCall-ID: %s\r\nCSeq: %d INVITE\r\nContact: <sip:b@%s:5060>\r\n'
             'Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s' % (a, cid, cseq, a, b, cid, cseq, b, len(body), body))
        udp(t, b, 5060, a, 5060, m.encode()); continue
    body = sdp(a, pa) if meth == 'INVITE' else ''
    to = '<sip:b@%s>' % b + (';tag=tb' if cseq > 1 else '')
    m = ('%s sip:b@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s%d\r\nMax-Forwards: 70\r\nFrom: <sip:a@%s>;tag=fa\r\n'
         'To: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:a@%s:5060>\r\n%sContent-Length: %d\r\n\r\n%s'
         % (meth, b, a, cid, cseq, a, to, cid, cseq, meth, a,
            'Content-Type: application/sdp\r\n' if body else '', len(body), body))
    udp(t, a, 5060, b, 5060, m.encode())
