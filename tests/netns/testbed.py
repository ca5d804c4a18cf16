#!/usr/bin/env python3
"""testbed.py - the widened real-kernel SIP ALG testbed (issues 15, 16, 21).

run-testbed.sh made the first 16 runs: one phone configuration, captures on
the router only. This runner makes the runs listed in runs.tsv, where what
varies in the field varies in the truth: packetisation, silence
suppression, when a phone starts or never starts its RTP, capture filters
and capture points, far ends that latch media, phones that know their
public address, B2BUAs and proxies, messages grown past the MTU, split TCP,
registrations and pinholes, the kernel's sip_direct_media. Every run goes
through the real kernel: nftables masquerade and, with the ALG on, the
`ct helper` "sip" (nf_conntrack_sip / nf_nat_sip).

    phone ns            router ns                 isp ns          server ns
   10.0.0.2 --- lan0 10.0.0.1 | wan0 198.51.100.1 -- br0 ---+-- 198.51.100.2
  (10.0.0.3)   inside capture   outside capture    drops    |   (+ .3 media)
                                                   10/8     |   server capture
                                                            +-- far ns
                                                                198.51.100.4

With transit= the isp namespace is also a router on the path (198.51.100.254
on br0, IP forwarding): the router and the server reach each other through
it (host routes), and it refuses one SIP method with an ICMP error written
from its own address (transit_router).

The isp namespace is a plain bridge whose nftables bridge filter drops
every IPv4 packet to or from 10.0.0.0/8, as a provider drops bogons: what a
far end sends to a phone's private address is on the wire at the far end
(the server capture shows it, sent and undeliverable) and never reaches the
router's WAN port (the outside capture does not). The server and far
namespaces route everything via the router's WAN address.

Captures (all at once, per run, see CAPTURES): tcpdump pcaps on the router
lan0 (inside) and wan0 (outside) and on the server's eth0 (server); dumpcap
pcapngs with a capture filter recorded in the interface description block
(SIP only, SIP+RTP, everything); a mirror port that sees both router legs
in one pcapng (dumpcap -i lan0 -i wan0); inside and outside merged by time
(mergecap). The endpoints' own records (SIPp message traces, the Python
endpoints' event lines) are summarised into the run's .log.

Only 10.0.0.0/24 and 198.51.100.0/24 are used, only inside namespaces this
program creates; nothing touches the root namespace. Only the processes it
started are ever signalled; the namespaces are deleted and the kernel's
sip_direct_media parameter restored on every exit path.

Usage: testbed.py --run NAME --out DIR [--keep]
       testbed.py --list
Exit: 0 captures written (the calls may fail by design), 1 testbed error,
2 usage, 77 a prerequisite is missing (not root, no sipp/tcpdump/...).
Python 3 standard library only.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCN = os.path.join(HERE, "scenarios")
RUNS_TSV = os.path.join(HERE, "runs.tsv")
DM_PARAM = "/sys/module/nf_conntrack_sip/parameters/sip_direct_media"

PHONE, PHONE_B, LAN_GW = "10.0.0.2", "10.0.0.3", "10.0.0.1"
WAN, SERVER, SERVER_MEDIA, FAR = "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"
TRANSIT = "198.51.100.254"     # the isp namespace's own address (option transit=)

# Capture points: name -> (namespace role, interfaces, tool, filter, file
# suffix). "ip" keeps the pcaps comparable with the first 16 runs (no ARP).
SIP_FILTER = "port 5060 or port 5070 or port 5080"
CAPTURES = {
    "inside": ("router", ["lan0"], "tcpdump", "ip", ".pcap"),
    "outside": ("router", ["wan0"], "tcpdump", "ip", ".pcap"),
    "server": ("server", ["eth0"], "tcpdump", "ip", ".pcap"),
    "far": ("far", ["eth0"], "tcpdump", "ip", ".pcap"),
    "inside-sip": ("router", ["lan0"], "dumpcap", SIP_FILTER, ".pcapng"),
    "outside-sip": ("router", ["wan0"], "dumpcap", SIP_FILTER, ".pcapng"),
    "server-sip": ("server", ["eth0"], "dumpcap", SIP_FILTER, ".pcapng"),
    "outside-siprtp": ("router", ["wan0"], "dumpcap",
                       SIP_FILTER + " or udp portrange 6000-6999", ".pcapng"),
    "server-all": ("server", ["eth0"], "dumpcap", "", ".pcapng"),
    # everything, with the filter recorded (if_filter "ip": IPv4, every
    # port), and SIP+RTP at the other points (issue 15.3)
    "inside-ip": ("router", ["lan0"], "dumpcap", "ip", ".pcapng"),
    "outside-ip": ("router", ["wan0"], "dumpcap", "ip", ".pcapng"),
    "server-ip": ("server", ["eth0"], "dumpcap", "ip", ".pcapng"),
    "inside-siprtp": ("router", ["lan0"], "dumpcap",
                      SIP_FILTER + " or udp portrange 6000-6999", ".pcapng"),
    "server-siprtp": ("server", ["eth0"], "dumpcap",
                      SIP_FILTER + " or udp portrange 6000-6999", ".pcapng"),
    "mirror": ("router", ["lan0", "wan0"], "dumpcap", "", ".pcapng"),
    # the phone namespace's loopback: what two phones behind the router
    # (phone_b=1) send each other's private addresses never leaves their
    # namespace; here it is on the wire (lan-proxy)
    "phones": ("phone", ["lo"], "tcpdump", "ip", ".pcap"),
}
DEFAULT_CAPTURES = "inside,outside,server"


class TestbedError(Exception):
    pass


class Skip(Exception):
    pass


def log(msg):
    sys.stderr.write("testbed.py: %s\n" % msg)


def load_runs():
    """runs.tsv: name, scenario, options (key=value, space separated),
    what varies. Returns {name: (scenario, {opt: value}, text)} in order."""
    runs = {}
    with open(RUNS_TSV) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 4:
                raise TestbedError("%s:%d: expected 4 tab-separated columns" % (RUNS_TSV, n))
            name, scen, opts, text = cols
            o = {}
            for kv in opts.split():
                if "=" not in kv:
                    raise TestbedError("%s:%d: option %r is not key=value" % (RUNS_TSV, n, kv))
                k, v = kv.split("=", 1)
                o[k] = v
            runs[name] = (scen, o, text)
    return runs


class Testbed:
    """One run: namespaces, ruleset, captures, endpoints, teardown."""

    def __init__(self, name, scen, opts, out, keep):
        self.name, self.scen, self.o, self.out, self.keep = name, scen, opts, out, keep
        self.alg = opts.get("alg", "on")
        sfx = str(os.getpid())
        self.ns = {r: "sipalg-%s-%s" % (r, sfx) for r in ("phone", "router", "isp", "server", "far")}
        self.made = []
        self.procs = []          # every Popen we started, nothing else is ever signalled
        self.caps = []
        self.dm_saved = None
        self.work = tempfile.mkdtemp(prefix="sipalg-tb-work.")
        self.logf = open(os.path.join(out, name + ".log"), "w")
        self.events = []

    # ---- plumbing -------------------------------------------------------

    def note(self, k, v):
        self.logf.write("%s=%s\n" % (k, v))
        self.logf.flush()

    def sh(self, *args, check=True):
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if check and r.returncode != 0:
            raise TestbedError("%s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def nsx(self, role, *args, check=True):
        return self.sh("ip", "netns", "exec", self.ns[role], *args, check=check)

    def start(self, role, args, tag, cwd=None):
        """Start args in the namespace of role, output to WORK/tag.out."""
        out = open(os.path.join(self.work, tag + ".out"), "w")
        p = subprocess.Popen(["ip", "netns", "exec", self.ns[role]] + args,
                             stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, cwd=cwd or self.work)
        p.tag = tag
        self.procs.append(p)
        return p

    def wait(self, p, limit):
        try:
            return p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            log("%s still running after %ds, stopping it" % (p.tag, limit))
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            return 124

    def wait_listen(self, role, proto, port, addr=None):
        for _ in range(100):
            out = self.nsx(role, "ss", "-Hln" + ("t" if proto == "tcp" else "u"),
                           "sport = :%d" % port, check=False)
            if out.strip() and (addr is None or addr in out):
                return
            time.sleep(0.05)
        raise TestbedError("nothing listening on %s/%d in %s" % (proto, port, role))

    # ---- topology ---------------------------------------------------------

    def make_ns(self, role):
        self.sh("ip", "netns", "add", self.ns[role])
        self.made.append(self.ns[role])
        self.nsx(role, "ip", "link", "set", "lo", "up")
        self.nsx(role, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        self.nsx(role, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")

    def build(self):
        for r in ("phone", "router", "isp", "server", "far"):
            self.make_ns(r)
        n = self.ns
        self.sh("ip", "link", "add", "lan0", "netns", n["router"], "type", "veth",
                "peer", "name", "eth0", "netns", n["phone"])
        self.sh("ip", "link", "add", "wan0", "netns", n["router"], "type", "veth",
                "peer", "name", "up0", "netns", n["isp"])
        self.sh("ip", "link", "add", "eth0", "netns", n["server"], "type", "veth",
                "peer", "name", "dn0", "netns", n["isp"])
        self.sh("ip", "link", "add", "eth0", "netns", n["far"], "type", "veth",
                "peer", "name", "fr0", "netns", n["isp"])
        # phone
        self.nsx("phone", "ip", "addr", "add", PHONE + "/24", "dev", "eth0")
        if self.o.get("phone_b") == "1":
            self.nsx("phone", "ip", "addr", "add", PHONE_B + "/24", "dev", "eth0")
        if self.o.get("phone_media_ip"):
            self.nsx("phone", "ip", "addr", "add", self.o["phone_media_ip"] + "/24", "dev", "eth0")
        self.nsx("phone", "ip", "link", "set", "eth0", "up")
        self.nsx("phone", "ip", "route", "add", "default", "via", LAN_GW)
        # router
        self.nsx("router", "ip", "addr", "add", LAN_GW + "/24", "dev", "lan0")
        self.nsx("router", "ip", "addr", "add", WAN + "/24", "dev", "wan0")
        mtu = self.o.get("wan_mtu")
        if mtu:
            self.nsx("router", "ip", "link", "set", "wan0", "mtu", mtu)
            self.nsx("isp", "ip", "link", "set", "up0", "mtu", mtu)
        for i in ("lan0", "wan0"):
            self.nsx("router", "ip", "link", "set", i, "up")
        self.nsx("router", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        # isp: a bridge that drops RFC 1918 10/8 both ways
        # no multicast snooping: it would put IGMP reports on the wire
        self.nsx("isp", "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
        for i in ("up0", "dn0", "fr0"):
            self.nsx("isp", "ip", "link", "set", i, "master", "br0")
            self.nsx("isp", "ip", "link", "set", i, "up")
        self.nsx("isp", "ip", "link", "set", "br0", "up")
        self.nsx("isp", "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0", check=False)
        self.nft("isp", "table bridge isp {\n chain forward {\n"
                 "  type filter hook forward priority filter; policy accept;\n"
                 "  ether type ip ip daddr 10.0.0.0/8 counter drop\n"
                 "  ether type ip ip saddr 10.0.0.0/8 counter drop\n%s }\n}\n"
                 % ("  ether type ip ip frag-off & 0x1fff != 0 counter drop\n"
                    if self.o.get("isp_drop") == "frags" else ""))
        self.isp_drop_method()
        self.isp_reject_method()
        self.transit_router()
        # server and far end
        self.nsx("server", "ip", "addr", "add", SERVER + "/24", "dev", "eth0")
        self.nsx("server", "ip", "addr", "add", SERVER_MEDIA + "/24", "dev", "eth0")
        self.nsx("far", "ip", "addr", "add", FAR + "/24", "dev", "eth0")
        for r in ("server", "far"):
            self.nsx(r, "ip", "link", "set", "eth0", "up")
            self.nsx(r, "ip", "route", "add", "default", "via", WAN)
        # RTP and signalling source addresses must be the primary ones
        self.nsx("server", "ip", "route", "replace", "198.51.100.0/24", "dev", "eth0",
                 "src", SERVER)
        self.transit_routes()

    def isp_drop_method(self):
        """isp_drop=invite (or register, bye, ...): the provider's bridge
        drops every UDP SIP request of that method, both ways, matched on
        the first bytes of the UDP payload ("INVITE "): a path beyond the
        router that loses the request whole, so the far end never answers
        it and the phone retransmits until it gives up. Its own table, so
        isp_drop=frags is unchanged."""
        m = self.o.get("isp_drop", "")
        if m in ("", "frags"):
            return
        if not re.fullmatch(r"[a-z]{3,9}", m):
            raise TestbedError("isp_drop=%s: frags or a SIP method name" % m)
        self.nft("isp", "table bridge ispdrop {\n chain forward {\n"
                 "  type filter hook forward priority filter; policy accept;\n"
                 "  ether type ip udp dport 5060 %s counter drop\n }\n}\n"
                 % self.method_match(m))

    @staticmethod
    def method_match(m):
        """The nft payload match of a UDP SIP request of method m (a-z):
        its first bytes, the method name in capitals and a space, after
        the 8-byte UDP header."""
        word = (m.upper() + " ").encode()
        return "@th,64,%d 0x%s" % (8 * len(word), word.hex())

    def method_reject(self, key, default_icmp):
        """The option key=METHOD[:ICMP-TYPE] of isp_reject= and transit=:
        None when it is not given, else (method_match of METHOD, the ICMP
        type: default_icmp unless it names one of ISP_REJECT_TYPES)."""
        v = self.o.get(key, "")
        if v == "":
            return None
        m, _, icmp = v.partition(":")
        icmp = icmp or default_icmp
        if not re.fullmatch(r"[a-z]{3,9}", m) or icmp not in self.ISP_REJECT_TYPES:
            raise TestbedError("%s=%s: METHOD[:%s]" % (key, v, "|".join(self.ISP_REJECT_TYPES)))
        return self.method_match(m), icmp

    # ICMP destination-unreachable codes nft's "reject with icmp type" takes
    ISP_REJECT_TYPES = ("admin-prohibited", "port-unreachable",
                        "host-unreachable", "net-unreachable",
                        "host-prohibited", "net-prohibited")

    def isp_reject_method(self):
        """isp_reject=METHOD[:ICMP-TYPE] (e.g. invite, invite:port-unreachable):
        the provider refuses every UDP SIP request of that method coming from
        the router (matched as isp_drop matches it) with an ICMP destination
        unreachable, admin-prohibited unless ICMP-TYPE names another code nft
        takes. A netdev-family reject on the ingress of the bridge port that
        faces the router (the kernel here has no bridge-family reject,
        CONFIG_NFT_BRIDGE_REJECT; nft_reject_netdev.c builds the same
        ICMP): it is written in the name of the refused packet's destination
        (source address = the request's destination, nf_reject_iphdr_put), as
        a transparent firewall on the path does, and sent back out of that
        port. The request never reaches the far end, and the phone is told so
        each time. Its own table."""
        r = self.method_reject("isp_reject", "admin-prohibited")
        if r is None:
            return
        self.nft("isp", "table netdev ispreject {\n chain up0_in {\n"
                 "  type filter hook ingress device \"up0\" priority filter; policy accept;\n"
                 "  ip protocol udp udp dport 5060 %s"
                 " counter reject with icmp type %s\n }\n}\n" % r)

    def transit_router(self):
        """transit=METHOD[:ICMP-TYPE] (e.g. invite:host-unreachable): a
        router on the path between the NAT and the server, with an address
        of its own (TRANSIT, on the isp bridge): the router reaches the
        server's addresses through it and the server the router's WAN
        address (host routes), so SIP between them is routed there, not
        bridged (TTL one less, no ICMP redirects). Its forward filter
        refuses every UDP SIP request of that method (matched as isp_drop
        matches it) with an ICMP destination unreachable of ICMP-TYPE
        (host-unreachable unless another code nft takes is named), which
        the kernel writes from the transit router's own address (icmp_send
        on a forwarded packet): the reporter is not the refused packet's
        destination. Other packets (the REGISTER, media, ICMP) pass. Its
        own table."""
        r = self.method_reject("transit", "host-unreachable")
        if r is None:
            return
        self.nsx("isp", "ip", "addr", "add", TRANSIT + "/24", "dev", "br0")
        self.nsx("isp", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        for k in ("all", "default", "br0"):
            self.nsx("isp", "sysctl", "-qw", "net.ipv4.conf.%s.send_redirects=0" % k)
        self.nft("isp", "table ip transit {\n chain forward {\n"
                 "  type filter hook forward priority filter; policy accept;\n"
                 "  udp dport 5060 %s counter reject with icmp type %s\n }\n}\n" % r)

    def transit_routes(self):
        """With transit=: the host routes through the transit router (after
        the addresses are up)."""
        if not self.o.get("transit"):
            return
        for a in (SERVER, SERVER_MEDIA):
            self.nsx("router", "ip", "route", "add", a + "/32", "via", TRANSIT, "dev", "wan0")
        self.nsx("server", "ip", "route", "add", WAN + "/32", "via", TRANSIT, "dev", "eth0",
                 "src", SERVER)

    def nft(self, role, text):
        path = os.path.join(self.work, "%s.nft" % role)
        with open(path, "w") as f:
            f.write(text)
        self.nsx(role, "nft", "-f", path)

    def ruleset(self):
        helper_objs = helper_rules = fwd = ""
        if self.alg == "on":
            helper_objs = ('\n\tct helper sip-udp { type "sip" protocol udp; l3proto ip; }'
                           '\n\tct helper sip-tcp { type "sip" protocol tcp; l3proto ip; }')
            helper_rules = ('\n\t\tudp dport 5060 ct helper set "sip-udp"'
                            '\n\t\ttcp dport 5060 ct helper set "sip-tcp"')
        if self.o.get("forward") == "on":
            fwd = ('\n\t\tiifname "wan0" udp dport 5060 dnat to %s'
                   '\n\t\tiifname "wan0" tcp dport 5060 dnat to %s' % (PHONE, PHONE))
        with open(os.path.join(HERE, "ruleset.nft.in")) as f:
            text = f.read()
        for k, v in (("HELPER_OBJS", helper_objs), ("HELPER_RULES", helper_rules), ("FWD_RULES", fwd)):
            text = text.replace("@%s@" % k, v)
        if self.o.get("icmp") == "drop":
            # an MTU black hole: the router still drops what does not fit
            # with DF set, but never says so
            text += ("\ntable ip blackhole {\n\tchain output {\n"
                     "\t\ttype filter hook output priority filter; policy accept;\n"
                     "\t\ticmp type destination-unreachable icmp code frag-needed counter drop\n"
                     "\t}\n}\n")
        if self.o.get("router_input") == "drop":
            # a router that drops what comes in on its WAN port for itself
            # unless it belongs to a connection (a consumer router's input
            # firewall): an inbound request no binding admits dies silently
            # instead of the kernel's port unreachable
            text += ("\ntable ip wanin {\n\tchain input {\n"
                     "\t\ttype filter hook input priority filter; policy accept;\n"
                     "\t\tiifname \"wan0\" ct state established,related accept\n"
                     "\t\tiifname \"wan0\" counter drop\n"
                     "\t}\n}\n")
        elif self.o.get("router_input", "accept") != "accept":
            raise TestbedError("router_input=%s: accept or drop" % self.o["router_input"])
        self.nft("router", text)
        with open(os.path.join(self.work, "ruleset.txt"), "w") as f:
            f.write(text)

    # ---- captures -----------------------------------------------------------

    def capture_list(self):
        return self.o.get("captures", DEFAULT_CAPTURES).split(",")

    def start_captures(self):
        for c in self.capture_list():
            if c == "merged":
                continue
            if c not in CAPTURES:
                raise TestbedError("unknown capture point %r" % c)
            role, ifs, tool, filt, sfx = CAPTURES[c]
            path = os.path.join(self.out, "%s-%s%s" % (self.name, c, sfx))
            if os.path.exists(path):
                os.unlink(path)
            if tool == "tcpdump":
                args = ["tcpdump", "-i", ifs[0], "-n", "-U", "-s", "0", "--immediate-mode",
                        "-w", path] + ([filt] if filt else [])
            else:
                args = ["dumpcap", "-q", "-s", "0"]
                for i in ifs:
                    args += ["-i", i] + (["-f", filt] if filt else [])
                args += ["-w", path]
            p = self.start(role, args, "cap-" + c)
            self.caps.append((p, c))
        # tcpdump says "listening on"; dumpcap prints nothing with -q:
        # wait until its output file has a section header
        for p, c in self.caps:
            for _ in range(100):
                with open(os.path.join(self.work, "cap-%s.out" % c)) as f:
                    t = f.read()
                role, ifs, tool, filt, sfx = CAPTURES[c]
                path = os.path.join(self.out, "%s-%s%s" % (self.name, c, sfx))
                if ("listening on" in t if tool == "tcpdump"
                        else os.path.exists(path) and os.path.getsize(path) > 0):
                    break
                if p.poll() is not None:
                    raise TestbedError("capture %s died: %s" % (c, t.strip()))
                time.sleep(0.1)
            else:
                raise TestbedError("capture %s did not start" % c)
        time.sleep(0.5)

    def stop_captures(self):
        time.sleep(1)
        for p, _ in self.caps:
            p.send_signal(signal.SIGINT)
        for p, c in self.caps:
            if self.wait(p, 10) == 124:
                log("capture %s had to be killed" % c)
        for c in self.capture_list():
            for sfx in (".pcap", ".pcapng"):
                path = os.path.join(self.out, "%s-%s%s" % (self.name, c, sfx))
                if os.path.exists(path):
                    os.chmod(path, 0o644)       # dumpcap writes 0600
        if "merged" in self.capture_list():
            ins = os.path.join(self.out, self.name + "-inside.pcap")
            outs = os.path.join(self.out, self.name + "-outside.pcap")
            self.sh("mergecap", "-F", "pcap", "-w",
                    os.path.join(self.out, self.name + "-merged.pcap"), ins, outs)

    # ---- endpoints ------------------------------------------------------------

    def sipp(self, role, tag, ip, port, xml, extra, target=None, m=1, transport="u1", mi=None):
        args = ["sipp", "-nostdin", "-m", str(m), "-t", transport, "-i", ip, "-mi", mi or ip,
                "-p", str(port),
                "-trace_msg", "-message_file", os.path.join(self.work, tag + "-messages.log"),
                "-trace_err", "-error_file", os.path.join(self.work, tag + "-errors.log"),
                "-trace_logs", "-log_file", os.path.join(self.work, tag + "-actions.log"),
                "-timeout", "120s", "-timeout_error", "-sf", xml] + extra
        if target:
            args.append(target)
        return self.start(role, args, tag)

    def template(self, src, dst, subst):
        with open(os.path.join(SCN, src)) as f:
            t = f.read()
        # the markers are named in the header comment too: leave it alone
        head, sep, t = t.partition("-->")
        for k, v in subst.items():
            t = t.replace("@%s@" % k, v)
        left = re.findall(r"@[A-Z_0-9]+@", t)
        if left:
            raise TestbedError("%s: markers left: %s" % (src, " ".join(sorted(set(left)))))
        t = head + sep + t
        path = os.path.join(self.work, dst)
        with open(path, "w") as f:
            f.write(t)
        return path

    def sdp(self, side):
        """(m= formats, a= lines) for side 'phone' or 'server'."""
        o = self.o
        pa = o.get(side + "_ptime_attr", o.get("ptime_attr", "20"))
        fmt = "8"
        attrs = ["a=rtpmap:8 PCMA/8000"]
        if o.get(side + "_cn") == "1" or o.get("cn") == side:
            fmt = "8 13"
            attrs.append("a=rtpmap:13 CN/8000")
        extra = int(o.get(side + "_codecs", "0"))
        if extra:
            # a phone that offers many codecs (the oversize runs): a real
            # list of static and dynamic payload types with their rtpmaps
            more = [("0", "PCMU/8000"), ("9", "G722/8000"), ("18", "G729/8000"),
                    ("3", "GSM/8000"), ("4", "G723/8000"), ("96", "opus/48000/2"),
                    ("97", "iLBC/8000"), ("98", "speex/16000"), ("99", "speex/8000"),
                    ("100", "AMR-WB/16000"), ("102", "AMR/8000"), ("103", "G726-32/8000"),
                    ("104", "G7221/16000"), ("105", "G7221/32000"), ("106", "SILK/24000"),
                    ("107", "SILK/16000"), ("108", "SILK/8000"), ("109", "L16/16000"),
                    ("110", "telephone-event/8000"), ("111", "telephone-event/48000")]
            more = more[:extra]
            fmt += " " + " ".join(p for p, _ in more)
            attrs += ["a=rtpmap:%s %s" % (p, n) for p, n in more]
            attrs += ["a=fmtp:96 maxplaybackrate=16000;sprop-maxcapturerate=16000;"
                      "maxaveragebitrate=20000;useinbandfec=1",
                      "a=fmtp:110 0-16", "a=fmtp:18 annexb=no"]
        if o.get("dtmf") and o.get("dtmf_side", "phone") == side:
            # RFC 4733 telephone events beside the audio
            fmt += " 101"
            attrs += ["a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"]
        if pa != "none":
            attrs.append("a=ptime:%s" % pa)
        attrs.append("a=sendrecv")
        return fmt, "\n".join("      " + a for a in attrs)

    def media_file(self, side, call_ms):
        """Write the RTP pcap side sends; returns its name (in WORK)."""
        o = self.o
        ptime = int(o.get(side + "_ptime", o.get("ptime", "20")))
        dtx = o.get(side + "_dtx") or (o.get("dtx") if o.get("cn") == side else None)
        ssrc = {"phone": "5ea1ab1e", "server": "0ddba11"}[side]
        name = "%s-rtp.pcap" % side
        args = [sys.executable, os.path.join(HERE, "rtpgen.py"), os.path.join(self.work, name),
                str(ptime), "%.3f" % (call_ms / 1000.0), "--ssrc", ssrc]
        if dtx:
            args += ["--dtx", dtx]
        dtmf = o.get("dtmf") if o.get("dtmf_side", "phone") == side else None
        if dtmf:
            args += ["--dtmf", dtmf]
        self.sh(*args)
        self.note("%s_rtp" % side, "ptime=%d%s%s ssrc=0x%s" % (ptime, " dtx=" + dtx if dtx else "",
                                                             " dtmf=" + dtmf if dtmf else "", ssrc))
        return name

    def trace_events(self, tag, who):
        """SIPp's message trace as event lines: who sent|recv first-line Call-ID."""
        path = os.path.join(self.work, tag + "-messages.log")
        if not os.path.exists(path):
            return
        with open(path, errors="replace") as f:
            text = f.read()
        for m in re.finditer(r"(UDP|TCP) message (sent|received) [^\n]*\n\n([^\r\n]+)(.*?)(?=\n-{10,}|\Z)",
                             text, re.S):
            cid = re.search(r"\nCall-ID:\s*(\S+)", m.group(4), re.I)
            self.note("ep", "%s %s %s | %s" % (who, "sent" if m.group(2) == "sent" else "recv",
                                               m.group(3).strip(), cid.group(1) if cid else "-"))

    # ---- scenarios -------------------------------------------------------------

    def run_call(self):
        """phone (SIPp UAC) calls server (SIPp UAS), or the reverse with
        direction=inbound; media as the options say."""
        o = self.o
        call_ms = int(o.get("call_ms", "3200"))
        calls = int(o.get("calls", "1"))
        inbound = o.get("direction") == "inbound"
        # caller side: media after ACK (+delay), or never
        caller, callee = ("server", "phone") if inbound else ("phone", "server")
        media_of = {caller: o.get(caller + "_media", "ack"), callee: o.get(callee + "_media", "200")}
        files = {}
        for side in ("phone", "server"):
            if media_of[side] not in ("never", "echo"):
                # the media lasts call_ms from its start (after any delay)
                files[side] = self.media_file(side, call_ms)
        for side, mode in media_of.items():
            self.note("%s_media" % side, mode)
        uas_fmt, uas_attrs = self.sdp(callee)
        uac_fmt, uac_attrs = self.sdp(caller)
        play = lambda side: ('      <exec play_pcap_audio="%s"/>' % files[side]) if side in files else ""
        uas_sub = {
            "SDP_PORT": "[media_port]" if media_of[callee] == "echo" else "[auto_media_port]",
            "SDP_M_FMT": uas_fmt, "SDP_ATTRS": uas_attrs,
            "SDP_C": o.get("server_sdp_c", "[media_ip]") if callee == "server" else "[media_ip]",
            "RING_MS": o.get("ring_ms", "0"),
            "MEDIA_AT_200": ("    <action>\n%s\n    </action>" % play(callee))
            if media_of[callee] == "200" and callee in files else "",
            "MEDIA_AT_ACK": play(callee) if media_of[callee] == "ack" else "",
        }
        if o.get("fixed_ports") == "1":
            # every call on the same media ports (and, from the pcaps, SSRC)
            uas_sub["SDP_PORT"] = "[media_port]"
        uac_sub = {
            "SDP_PORT": "[media_port]" if o.get("fixed_ports") == "1" else "[auto_media_port]",
            "SDP_M_FMT": uac_fmt, "SDP_ATTRS": uac_attrs, "EXTRA_HEADERS": self.extra_headers(),
            "MEDIA_DELAY_MS": o.get(caller + "_delay_ms", "0"),
            "MEDIA_ACTION": play(caller) if media_of[caller] != "never" else "",
            "CALL_MS": str(call_ms), "RING_WAIT": "40000",
        }
        uas_xml = self.template("uas-media.xml", "uas.xml", uas_sub)
        uac_xml = self.template("uac-media.xml", "uac.xml", uac_sub)
        tr = "t1" if o.get("transport") == "tcp" else "u1"
        srv_ip = SERVER
        srv_mi = o.get("server_media_ip", SERVER)
        ph_mi = o.get("phone_media_ip", PHONE)
        if inbound:
            uas_role, uas_ip, uas_mi, uac_role, uac_ip, uac_mi, target = \
                "phone", PHONE, ph_mi, "server", SERVER, srv_mi, "%s:5060" % WAN
        else:
            uas_role, uas_ip, uas_mi, uac_role, uac_ip, uac_mi, target = \
                "server", srv_ip, srv_mi, "phone", PHONE, ph_mi, "%s:5060" % SERVER
        extra_uas = ["-mp", "6000", "-key", "user", callee]
        if media_of[callee] == "echo":
            extra_uas += ["-rtp_echo"]
        uas = self.sipp(uas_role, callee + "-uas", uas_ip, 5060, uas_xml, extra_uas, m=calls,
                        transport=tr, mi=uas_mi)
        self.wait_listen(uas_role, "tcp" if tr == "t1" else "udp", 5060)
        extra_uac = ["-mp", "6000", "-key", "user", caller, "-key", "peer", callee]
        if calls > 1:
            # back to back (-l 1: the next call starts when one ends) or
            # overlapping (-l 2, one call per overlap_ms)
            if o.get("overlap_ms"):
                extra_uac += ["-l", str(calls), "-rp", o["overlap_ms"], "-r", "1"]
            else:
                extra_uac += ["-l", "1", "-r", "1", "-rp", o.get("gap_ms", "500")]
        uac = self.sipp(uac_role, caller + "-uac", uac_ip, 5060, uac_xml, extra_uac,
                        target=target, m=calls, transport=tr, mi=uac_mi)
        rc_uac = self.wait(uac, 130)
        rc_uas = self.wait(uas, 15)
        self.note("%s_uac_exit" % caller, rc_uac)
        self.note("%s_uas_exit" % callee, rc_uas)
        self.trace_events(caller + "-uac", caller)
        self.trace_events(callee + "-uas", callee)

    def py(self, where, tag, ua_role, **kw):
        """Start a sipua.py role in the namespace of `where`; its event
        lines go to WORK/tag.out."""
        args = [sys.executable, "-u", os.path.join(HERE, "sipua.py"), ua_role] + \
            ["%s=%s" % kv for kv in kw.items()]
        return self.start(where, args, tag)

    def py_events(self, tag):
        with open(os.path.join(self.work, tag + ".out"), errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                k, _, v = line.partition("=")
                if k in ("ep", "rtp", "result"):
                    self.note(k if k != "result" else tag + "_result", v)

    def uas_xml(self, media="200", fmt_side="server", c="[media_ip]", port="[auto_media_port]"):
        fmt, attrs = self.sdp(fmt_side)
        f = self.media_file(fmt_side, int(self.o.get("call_ms", "3200"))) if media != "never" else None
        play = '      <exec play_pcap_audio="%s"/>' % f if f else ""
        return self.template("uas-media.xml", "uas-%s.xml" % fmt_side, {
            "SDP_PORT": port, "SDP_M_FMT": fmt, "SDP_ATTRS": attrs, "SDP_C": c,
            "RING_MS": self.o.get("ring_ms", "0"),
            "MEDIA_AT_200": "    <action>\n%s\n    </action>" % play if media == "200" and f else "",
            "MEDIA_AT_ACK": play if media == "ack" else ""})

    def extra_headers(self):
        """Header lines a feature-rich phone sends (the oversize and
        fragment runs), and pad=N bytes of X-Testbed-Pad to put the INVITE
        at the size the run needs (said in runs.tsv)."""
        if not self.o.get("pad"):
            return ""
        lines = ["Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE, UPDATE, PRACK",
                 "Supported: replaces, timer, path, 100rel, norefersub",
                 "Allow-Events: talk, hold, conference, refer, check-sync, dialog, message-summary",
                 "Session-Expires: 1800", "Min-SE: 90",
                 "X-Testbed-Pad: " + "p" * int(self.o["pad"])]
        return "".join("\n      " + l for l in lines)

    def uac_xml(self, side="phone", extra_headers=""):
        fmt, attrs = self.sdp(side)
        call_ms = int(self.o.get("call_ms", "3200"))
        f = self.media_file(side, call_ms)
        return self.template("uac-media.xml", "uac-%s.xml" % side, {
            "SDP_PORT": "[auto_media_port]", "SDP_M_FMT": fmt, "SDP_ATTRS": attrs,
            "MEDIA_DELAY_MS": self.o.get(side + "_delay_ms", "0"),
            "MEDIA_ACTION": '      <exec play_pcap_audio="%s"/>' % f,
            "CALL_MS": str(call_ms), "RING_WAIT": "40000",
            "EXTRA_HEADERS": extra_headers or self.extra_headers()})

    def finish(self, pairs):
        """pairs: (Popen, limit, exit key, trace tag or None, who)."""
        for p, limit, key, tag, who in pairs:
            self.note(key, self.wait(p, limit))
        for p, limit, key, tag, who in pairs:
            if tag:
                self.trace_events(tag, who)

    def py_phone_call(self, ua_role, transport, **kw):
        """A Python phone (sipua.py ua_role) calls the SIPp server."""
        uas = self.sipp("server", "server-uas", SERVER, 5060, self.uas_xml(),
                        ["-mp", "6000", "-key", "user", "server"], transport=transport)
        self.wait_listen("server", "tcp" if transport == "t1" else "udp", 5060)
        ph = self.py("phone", "phone", ua_role, local=PHONE, server=SERVER,
                     media=str(int(self.o.get("call_ms", "3200")) / 1000.0),
                     delay=str(int(self.o.get("phone_delay_ms", "0")) / 1000.0), **kw)
        self.note("phone_media", "ack")
        self.note("server_media", "200")
        self.finish([(ph, 60, "phone_exit", None, "phone"),
                     (uas, 15, "server_uas_exit", "server-uas", "server")])
        self.py_events("phone")

    def run_stun(self):
        """A phone that writes the NAT's public address itself."""
        self.py_phone_call("stun-phone", "u1", public=WAN)

    def run_tcp_split(self):
        """SIP over TCP, the INVITE split over two segments by the phone
        (tcp_mode=crlf: whole, after a CRLF CRLF keepalive in the same
        segment)."""
        kw = {"mode": self.o["tcp_mode"]} if "tcp_mode" in self.o else {}
        self.py_phone_call("tcp-split-phone", "t1", **kw)

    def run_tcp_in(self):
        """SIP over TCP, the phone (sipua.py tcp-split-phone, every message
        whole) calls a Python UAS (sipua.py tcp-uas) whose segments the
        helper cannot cut: tcp_in=split (the 200 OK over two segments) or
        nocl (the 100 Trying without Content-Length), or whole; tcp_mode:
        the phone's segments (default whole); server_media=echo: the UAS
        returns the phone's RTP to its source instead of sending its own."""
        call_s = int(self.o.get("call_ms", "3200")) / 1000.0
        srv = self.py("server", "server", "tcp-uas", addr=SERVER,
                      mode=self.o.get("tcp_in", "split"), media=str(call_s), seconds=40,
                      media_mode=self.o.get("server_media", "send"))
        self.wait_listen("server", "tcp", 5060)
        ph = self.py("phone", "phone", "tcp-split-phone", local=PHONE, server=SERVER,
                     media=str(call_s), mode=self.o.get("tcp_mode", "whole"))
        self.note("phone_media", "ack")
        self.note("server_media", self.o.get("server_media", "ack"))
        self.finish([(ph, 60, "phone_exit", None, "phone"),
                     (srv, 30, "server_exit", None, "server")])
        self.py_events("phone")
        self.py_events("server")

    def phone_uac_via(self, peer, target):
        return self.sipp("phone", "phone-uac", PHONE, 5060, self.uac_xml("phone"),
                         ["-mp", "6000", "-key", "user", "phone", "-key", "peer", peer], target=target)

    def run_b2bua(self):
        """phone -> B2BUA (server, signalling only) -> callee (far end)."""
        uas = self.sipp("far", "callee-uas", FAR, 5060, self.uas_xml(),
                        ["-mp", "6000", "-key", "user", "callee"])
        self.wait_listen("far", "udp", 5060)
        b2b = self.py("server", "b2bua", "b2bua", addr=SERVER, callee="%s:5060" % FAR, seconds=40)
        self.wait_listen("server", "udp", 5060)
        uac = self.phone_uac_via("callee", "%s:5060" % SERVER)
        self.note("phone_media", "ack")
        self.note("callee_media", "200")
        self.finish([(uac, 60, "phone_uac_exit", "phone-uac", "phone"),
                     (uas, 15, "callee_uas_exit", "callee-uas", "callee")])
        b2b.terminate()
        self.wait(b2b, 5)
        self.py_events("b2bua")

    def proxied_call(self, peer, proxies):
        """The phone (SIPp) calls `peer` through the proxies (sipua.py proxy
        roles, (namespace, tag, options) each, the first at the server's
        5060) to the Python callee in the far namespace."""
        uas = self.py("far", "callee", "callee", addr=FAR, seconds=45,
                      media=str(int(self.o.get("call_ms", "3200")) / 1000.0))
        self.wait_listen("far", "udp", 5060)
        px = []
        for where, tag, kw in proxies:
            px.append((self.py(where, tag, "proxy", role=tag, seconds=40, **kw), tag))
            self.wait_listen(where, "udp", int(kw["port"]))
        uac = self.phone_uac_via(peer, "%s:5060" % SERVER)
        self.note("phone_media", "ack")
        self.note("callee_media", "200")
        self.finish([(uac, 60, "phone_uac_exit", "phone-uac", "phone"),
                     (uas, 15, "callee_exit", None, "callee")])
        for p, _ in px:
            p.terminate()
            self.wait(p, 5)
        self.py_events("callee")
        for _, tag in px:
            self.py_events(tag)

    def run_spiral(self):
        """phone -> proxy (server) -> forwarder (far:5070) -> proxy again
        (a spiral: same request, same Call-ID, twice through the proxy) ->
        callee (far end). Stateless, no Record-Route."""
        self.proxied_call("alias", [
            ("server", "proxy", dict(addr=SERVER, port=5060,
                                     routes="alias=%s:5070,bob=%s:5060" % (FAR, FAR))),
            ("far", "forwarder", dict(addr=FAR, port=5070, routes="alias=bob@%s:5060" % SERVER))])

    def run_natproxy(self):
        """phone -> NAT-aware proxy (server: fixes Contact and SDP from the
        source address) -> callee (far end)."""
        self.proxied_call("callee", [
            ("server", "proxy", dict(addr=SERVER, port=5060, routes="callee=%s:5060" % FAR, natfix=1))])

    def register_phone(self, contact, seconds):
        """The phone's REGISTER from its 5060 to a registrar at the
        server's 5060 that answers for `seconds` (its Contact as `contact`
        says), then the option idle's quiet time (default 1 s)."""
        reg = self.py("server", "registrar", "registrar", addr=SERVER,
                      contact=contact, seconds=seconds)
        self.wait_listen("server", "udp", 5060)
        r = self.sipp("phone", "phone-reg", PHONE, 5060, os.path.join(SCN, "uac-register.xml"),
                      ["-key", "user", "phone"], target="%s:5060" % SERVER)
        self.note("phone_uac_register_exit", self.wait(r, 40))
        self.trace_events("phone-reg", "phone")
        self.wait(reg, seconds + 5)
        self.py_events("registrar")
        time.sleep(float(self.o.get("idle", "1")))

    def inbound_call(self, server_port):
        """The server's SIPp (from server_port) calls the phone's SIPp at
        the router's public address, 5060; the phone answers 200, the
        server ACKs."""
        uas = self.sipp("phone", "phone-uas", PHONE, 5060, self.uas_xml("200", "phone"),
                        ["-mp", "6000", "-key", "user", "phone"])
        self.wait_listen("phone", "udp", 5060)
        uac = self.sipp("server", "server-uac", SERVER, server_port, self.uac_xml("server"),
                        ["-mp", "6000", "-key", "user", "server", "-key", "peer", "phone"],
                        target="%s:5060" % WAN)
        self.note("phone_media", "200")
        self.note("server_media", "ack")
        self.finish([(uac, 60, "server_uac_exit", "server-uac", "server"),
                     (uas, 5, "phone_uas_exit", "phone-uas", "phone")])

    def run_register(self):
        """REGISTER to a registrar that answers with or without the Contact,
        then an INVITE to the binding from another source port (5070) of
        the registrar's address."""
        self.register_phone(self.o.get("reg_contact", "echo"), 20)
        self.inbound_call(5070)

    def run_register_call(self):
        """The phone registers (small REGISTER from 5060, answered by a
        registrar at the server's 5060), then calls the SIPp server on the
        same 5-tuple: what a path that answers small requests does with
        a large INVITE (isp_drop=frags, icmp=drop, wan_mtu=)."""
        self.register_phone("echo", 10)
        self.run_call()

    def run_register_inbound(self):
        """The phone registers (REGISTER from its 5060 to the registrar at
        the server's 5060, answered; the registrar answers one REGISTER
        and stops, waiting at most reg_s seconds, default 5), nothing is sent for the option idle's seconds
        (default 1), then the server calls the phone's registered public
        address from that same 5060 (the 5-tuple of the registration, as a
        registrar-proxy does): the INVITE finds the router's UDP binding
        alive or gone (udp_timeout, the ALG's sip_timeout), the router's
        answer to an INVITE no binding admits (router_input=), or a path
        that refuses it (transit=)."""
        self.register_phone("echo", int(self.o.get("reg_s", "5")))
        self.inbound_call(5060)

    def run_legacy_inbound(self):
        """The first testbed's inbound call (uac-call.xml / uas-call.xml,
        rtp_stream at 20 ms, BYE from the callee after a lost ACK at 32 s)
        through this topology: used with other capture filters."""
        with open(os.path.join(self.work, "audio.pcma"), "wb") as f:
            f.write(b"\xd5" * 24000)
        uas = self.sipp("phone", "phone-uas", PHONE, 5060, os.path.join(SCN, "uas-call.xml"),
                        ["-key", "user", "phone"])
        self.wait_listen("phone", "udp", 5060)
        uac = self.sipp("server", "server-uac", SERVER, 5060, os.path.join(SCN, "uac-call.xml"),
                        ["-key", "user", "server", "-key", "peer", "phone"], target="%s:5060" % WAN)
        self.note("phone_media", "200")
        self.note("server_media", "ack")
        self.finish([(uac, 130, "server_uac_exit", "server-uac", "server"),
                     (uas, 15, "phone_uas_exit", "phone-uas", "phone")])

    def run_lan_proxy(self):
        """run-testbed.sh's lan-proxy through this topology (issue 15.2/15.3:
        the outside view of it with its capture filters recorded): two
        phones behind the router, A = 10.0.0.2:5060 and B = 10.0.0.3:5062
        (option phone_b=1), and relay.py at the server's 5060 (registrar
        and stateless relay, no media anchoring). B registers, then A calls
        B through the relay; A's ACK and BYE go to the relay as well (the
        caller template without its setdest line), so no SIP goes phone to
        phone. Each phone sends RTP to the SDP address it was given (A
        after the ACK, B from its 200 OK; B's RTP port 6100)."""
        if self.o.get("phone_b") != "1":
            raise TestbedError("scenario lan-proxy needs phone_b=1")
        relay = self.start("server", [sys.executable, "-u", os.path.join(HERE, "relay.py"),
                                      SERVER, "5060", "60"], "relay")
        self.wait_listen("server", "udp", 5060)
        r = self.sipp("phone", "b-reg", PHONE_B, 5062, os.path.join(SCN, "uac-register.xml"),
                      ["-key", "user", "b"], target="%s:5060" % SERVER)
        self.note("b_uac_register_exit", self.wait(r, 30))
        self.trace_events("b-reg", "b")
        # b_sdp_c=ADDR: B writes ADDR as its SDP c= (a phone that learned
        # the router's public address, by STUN or by hand); its RTP still
        # goes out from 10.0.0.3:6100
        uas = self.sipp("phone", "b-uas", PHONE_B, 5062,
                        self.uas_xml("200", "server", c=self.o.get("b_sdp_c", "[media_ip]")),
                        ["-mp", "6100", "-key", "user", "b"])
        self.wait_listen("phone", "udp", 5062)
        path = self.uac_xml("phone")
        with open(path) as f:
            text = "".join(l for l in f if "<setdest " not in l)
        # the Contact's host and port are then unused: SIPp refuses a
        # variable set and never read
        text = text.replace('assign_to="ct,ct_host,ct_port"', 'assign_to="ct"')
        with open(path, "w") as f:
            f.write(text)
        uac = self.sipp("phone", "a-uac", PHONE, 5060, path,
                        ["-mp", "6000", "-key", "user", "a", "-key", "peer", "b"],
                        target="%s:5060" % SERVER)
        self.note("phone_media", "ack")
        self.note("b_media", "200")
        self.finish([(uac, 130, "a_uac_exit", "a-uac", "a"),
                     (uas, 15, "b_uas_exit", "b-uas", "b")])
        relay.terminate()
        self.wait(relay, 5)
        with open(os.path.join(self.work, "relay.out"), errors="replace") as f:
            for line in f:
                self.note("relay", line.rstrip("\n"))

    def run(self):
        self.build()
        self.note("run", self.name)
        self.note("scenario", self.scen)
        self.note("alg", self.alg)
        self.note("options", " ".join("%s=%s" % kv for kv in sorted(self.o.items())))
        self.note("kernel", os.uname().release)
        v = subprocess.run(["sipp", "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True).stdout
        m = re.search(r"(SIPp v\S+)", v)
        self.note("sipp", m.group(1).rstrip(".") if m else "unknown")
        if "direct_media" in self.o:
            self.dm_saved = open(DM_PARAM).read().strip()
            with open(DM_PARAM, "w") as f:
                f.write(self.o["direct_media"])
        self.note("sip_direct_media", open(DM_PARAM).read().strip() if os.path.exists(DM_PARAM) else "unknown")
        for k in ("nf_conntrack_udp_timeout", "nf_conntrack_udp_timeout_stream"):
            v = self.o.get(k.replace("nf_conntrack_", ""))
            if v:
                self.nsx("router", "sysctl", "-qw", "net.netfilter.%s=%s" % (k, v))
            self.note("router_" + k, self.nsx("router", "sysctl", "-n", "net.netfilter." + k).strip())
        self.note("wan_mtu", self.nsx("router", "cat", "/sys/class/net/wan0/mtu").strip())
        self.note("forward", self.o.get("forward", "off"))
        if self.o.get("router_input"):
            self.note("router_input", self.o["router_input"])
        if self.o.get("transit"):
            self.note("transit", "%s refuses %s" % (TRANSIT, self.o["transit"]))
        self.note("captures", ",".join(self.capture_list()))
        self.note("command", "testbed.py --run %s" % self.name)
        self.ruleset()
        self.start_captures()
        getattr(self, "run_" + self.scen.replace("-", "_"))()
        self.stop_captures()
        log("wrote %s/%s-*" % (self.out, self.name))

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for ns in self.made:
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        if self.dm_saved is not None:
            try:
                with open(DM_PARAM, "w") as f:
                    f.write(self.dm_saved)
            except OSError:
                log("could not restore %s to %s" % (DM_PARAM, self.dm_saved))
        self.logf.close()
        if self.keep:
            log("work directory kept: %s" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def prerequisites():
    if os.geteuid() != 0:
        raise Skip("must run as root (network namespaces)")
    for t in ("ip", "nft", "tcpdump", "dumpcap", "mergecap", "sipp", "ss"):
        if not shutil.which(t):
            raise Skip("%s not installed" % t)
    v = subprocess.run(["sipp", "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True).stdout
    if "PCAP" not in v:
        raise Skip("sipp built without PCAP (play_pcap_audio)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 epilog="The runs are listed in tests/netns/runs.tsv.")
    ap.add_argument("--run")
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    try:
        runs = load_runs()
    except (OSError, TestbedError) as e:
        log(str(e))
        return 1
    if a.list:
        for k, (s, o, t) in runs.items():
            print("%s\t%s" % (k, t))
        return 0
    if not a.run or not a.out:
        ap.print_usage(sys.stderr)
        return 2
    if a.run not in runs:
        log("unknown run %r (see --list)" % a.run)
        return 2
    try:
        prerequisites()
    except Skip as e:
        log("SKIP: %s" % e)
        return 77
    os.makedirs(a.out, exist_ok=True)
    scen, opts, _ = runs[a.run]
    tb = Testbed(a.run, scen, opts, os.path.abspath(a.out), a.keep)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        tb.run()
        return 0
    except TestbedError as e:
        log("%s: %s" % (a.run, e))
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        tb.cleanup()


if __name__ == "__main__":
    sys.exit(main())
