#!/bin/bash
#
# nat-ports.sh: which public source port the Linux kernel's masquerade
# (nf_nat) gives phones behind it, measured on a real router.
#
#     phones ns                   router ns (NAT)             server ns
#   +--------------+   veth   +----------------------+  veth  +-----------------+
#   | eth0         |----------| lan0          wan0   |--------| eth0            |
#   | 10.0.0.2..6  |          | 10.0.0.1  198.51.100.1|        | 198.51.100.2, .3 |
#   +--------------+          +----------------------+        +-----------------+
#                             ruleset.nft.in (ALG off):        a UDP listener on
#                             masquerade on wan0               5060 of both that
#                             tcpdump lan0, wan0               logs each source
#
# Each phone sends one SIP OPTIONS (UDP, its own Call-ID) from its own
# address and a chosen source port, one after the other, each while the
# flows before it are still alive:
#
#   A 10.0.0.2:5060 -> 198.51.100.2:5060   first on public port 5060
#   B 10.0.0.3:5060 -> 198.51.100.2:5060   same port, same server: the
#                                           tuple 198.51.100.1:5060 ->
#                                           .2:5060 is taken
#   C 10.0.0.4:5060 -> 198.51.100.3:5060   same port, another server: the
#                                           reply tuple differs
#   D 10.0.0.5:5062 -> 198.51.100.2:5060   a port nobody holds
#   E 10.0.0.6:5060 -> 198.51.100.2:5060   a third phone on 5060 to .2
#
# The server answers each with 200 OK to where it came from.  What the
# listener saw (the public source of each phone's request, by Call-ID)
# is the fact: NAME.ports, one line a phone, "phone PRIVATE:PORT -> SERVER
# public PUBLIC:PORT kept|changed".  No sipalg program is involved.
#
# Only 10.0.0.0/24 and 198.51.100.0/24, only in namespaces this script
# creates (names nat-ports-*-PID); an EXIT trap kills the PIDs it started
# and deletes the namespaces.  Needs root, iproute2, nftables, tcpdump,
# python3.
#
#   tests/netns/nat-ports.sh OUTDIR [NAME]
#     writes OUTDIR/NAME-inside.pcap, NAME-outside.pcap, NAME.ports and
#     NAME.log (what the runner did, as the other runs' .log: run, alg,
#     kernel, captures, command; one ep=server line a request the server
#     saw) (NAME: nat-ports-alg-off).  gen-samples.sh runs it and adds
#     NAME.facts (truth.py facts); the run's ground truth is
#     samples/linux-alg/NAME.truth, its ports NAME.ports.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: nat-ports.sh OUTDIR [NAME]}
NAME=${2:-nat-ports-alg-off}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
[ "$(id -u)" = 0 ] || { echo "nat-ports.sh: needs root" >&2; exit 77; }
mkdir -p "$OUT"

T=$(mktemp -d)
NP=nat-ports-ph-$$
NR=nat-ports-rt-$$
NS=nat-ports-sv-$$
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]:-}"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null || true
	done
	sleep 0.3
	for n in "$NP" "$NR" "$NS"; do
		ip netns del "$n" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT

for n in "$NP" "$NR" "$NS"; do
	ip netns add "$n"
	ip -n "$n" link set lo up
done
ip link add lan0 netns "$NR" type veth peer name eth0 netns "$NP"
ip link add wan0 netns "$NR" type veth peer name eth0 netns "$NS"
ip -n "$NR" addr add 10.0.0.1/24 dev lan0
ip -n "$NR" addr add 198.51.100.1/24 dev wan0
ip -n "$NR" link set lan0 up
ip -n "$NR" link set wan0 up
for a in 2 3 4 5 6; do
	ip -n "$NP" addr add 10.0.0.$a/24 dev eth0
done
ip -n "$NP" link set eth0 up
ip -n "$NP" route add default via 10.0.0.1
ip -n "$NS" addr add 198.51.100.2/24 dev eth0
ip -n "$NS" addr add 198.51.100.3/24 dev eth0
ip -n "$NS" link set eth0 up
ip netns exec "$NR" sysctl -qw net.ipv4.ip_forward=1
sed -e 's/@HELPER_OBJS@//' -e 's/@HELPER_RULES@//' -e 's/@FWD_RULES@//' \
    "$HERE/ruleset.nft.in" >"$T/ruleset.nft"
ip netns exec "$NR" nft -f "$T/ruleset.nft"

ip netns exec "$NR" tcpdump -U -s 0 -i lan0 -w "$T/inside.pcap" udp 2>/dev/null &
PIDS+=($!)
ip netns exec "$NR" tcpdump -U -s 0 -i wan0 -w "$T/outside.pcap" udp 2>/dev/null &
PIDS+=($!)

# the server: answers each request 200 OK to its source, logs it
cat >"$T/server.py" <<'EOF'
import re, socket, sys
log = open(sys.argv[1], 'a', buffering=1)
socks = []
for a in ('198.51.100.2', '198.51.100.3'):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a, 5060))
    socks.append(s)
import select
while True:
    r, _, _ = select.select(socks, [], [])
    for s in r:
        data, src = s.recvfrom(65535)
        txt = data.decode('latin-1')
        cid = re.search(r'^Call-ID: *(\S+)', txt, re.M | re.I).group(1)
        log.write('%s %s:%d %s:%d\n' % (cid, src[0], src[1], *s.getsockname()))
        head, _, _ = txt.partition('\r\n\r\n')
        lines = head.split('\r\n')[1:]
        keep = [l for l in lines if re.match(r'(Via|From|To|Call-ID|CSeq):', l, re.I)]
        keep = [l + (';tag=sv1' if l.lower().startswith('to:') else '') for l in keep]
        resp = 'SIP/2.0 200 OK\r\n' + '\r\n'.join(keep) + '\r\nContent-Length: 0\r\n\r\n'
        s.sendto(resp.encode(), src)
EOF
ip netns exec "$NS" "$PY" "$T/server.py" "$T/server.log" &
PIDS+=($!)
sleep 1

# a phone: one OPTIONS from ip:port to server, waits for the answer
cat >"$T/phone.py" <<'EOF'
import socket, sys
ip, port, srv, cid = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ip, port))
s.settimeout(2)
msg = ('OPTIONS sip:%s:5060 SIP/2.0\r\n'
       'Via: SIP/2.0/UDP %s:%d;rport;branch=z9hG4bK-%s\r\n'
       'Max-Forwards: 70\r\n'
       'From: <sip:%s@%s>;tag=%s\r\n'
       'To: <sip:%s:5060>\r\n'
       'Call-ID: %s\r\n'
       'CSeq: 1 OPTIONS\r\n'
       'Contact: <sip:%s@%s:%d>\r\n'
       'Content-Length: 0\r\n\r\n') % (srv, ip, port, cid, cid, ip, cid,
                                       srv, cid, cid, ip, port)
s.sendto(msg.encode(), (srv, 5060))
data, _ = s.recvfrom(65535)
print(data.split(b'\r\n')[0].decode())
EOF
phones="A 10.0.0.2 5060 198.51.100.2
B 10.0.0.3 5060 198.51.100.2
C 10.0.0.4 5060 198.51.100.3
D 10.0.0.5 5062 198.51.100.2
E 10.0.0.6 5060 198.51.100.2"
echo "$phones" | while read -r who ip port srv; do
	r=$(ip netns exec "$NP" "$PY" "$T/phone.py" "$ip" "$port" "$srv" \
	    "natports-$who@$ip")
	[ "$r" = "SIP/2.0 200 OK" ] || { echo "nat-ports.sh: phone $who: '$r'" >&2; exit 1; }
	sleep 0.2
done
# the router's own record of the mappings, for the log
ip netns exec "$NR" cat /proc/net/nf_conntrack 2>/dev/null >"$T/conntrack.txt" || true
sleep 1

{
	echo "# $NAME: public source ports of UDP flows through Linux masquerade"
	echo "# (tests/netns/nat-ports.sh; kernel $(uname -r)); measured by the"
	echo "# server's listener: phone PRIVATE:PORT -> SERVER public PUBLIC:PORT kept|changed"
	echo "$phones" | while read -r who ip port srv; do
		seen=$(awk -v c="natports-$who@$ip" '$1 == c { print $2; exit }' "$T/server.log")
		[ -n "$seen" ] || { echo "nat-ports.sh: phone $who not seen" >&2; exit 1; }
		pport=${seen##*:}
		[ "$pport" = "$port" ] && how=kept || how=changed
		echo "phone $ip:$port -> $srv:5060 public $seen $how"
	done
} >"$T/facts"
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
PIDS=()
sleep 0.5
cp "$T/inside.pcap" "$OUT/$NAME-inside.pcap"
cp "$T/outside.pcap" "$OUT/$NAME-outside.pcap"
cp "$T/facts" "$OUT/$NAME.ports"
{
	echo "run=$NAME"
	echo "scenario=nat-ports"
	echo "alg=off"
	echo "kernel=$(uname -r)"
	echo "captures=inside,outside"
	echo "command=nat-ports.sh OUTDIR $NAME"
	while read -r cid src dst; do
		echo "ep=server recv OPTIONS from $src to $dst | $cid"
	done <"$T/server.log"
} >"$OUT/$NAME.log"
cat "$OUT/$NAME.ports"
