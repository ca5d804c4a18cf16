#!/bin/sh
# tests/profiles.sh - every ALG profile, round trip: sipalg-sim writes the
# outside view of an inside capture under profile X (-w), and
# sipalg-analyze --inside/--outside must name X from the rewrites alone,
# or report the tie with the profiles this capture cannot tell from X
# and say in what they differ.
#
# The captures: the synthetic `knobs` one (tests/data/sim-gen.py), whose
# requests each trip one distinguishing knob (so every profile is named
# alone there, but linux-legacy), and the real Linux kernel captures of
# samples/linux-alg.  A round trip replaces only the outbound half: the
# inbound messages of the inside capture stay what the real router
# delivered.  So the ALG profiles run on the ALG-on captures and `off` on
# the ALG-off ones, and captures are left out where the recorded router
# did to inbound messages what profile X would not (named below).
#
# One python3 process drives it all (python3 starts slowly on a loaded
# machine).
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 needed"; exit 77; }
SIPALG_PROFILES="$top_srcdir/sim/profiles"
export SIPALG_PROFILES top_srcdir top_builddir
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 "$top_srcdir/tests/data/sim-gen.py" knobs "$tmp/knobs.pcap" || {
	echo "FAIL: sim-gen knobs"; exit 1; }
exec python3 - "$tmp" <<'PY'
import json, os, subprocess, sys

tmp = sys.argv[1]
src, build = os.environ["top_srcdir"], os.environ["top_builddir"]
SIM, ANALYZE = build + "/sipalg-sim", build + "/sipalg-analyze"
LA = src + "/samples/linux-alg"
SIMOPTS = ["--public-ip", "198.51.100.1", "--forward", "udp/5060",
           "--forward", "tcp/5060"]
ALGS = ["linux", "linux-legacy", "consumer", "fortigate", "juniper",
        "sonicwall", "cisco-asa"]
checks = fails = 0


def check(what, ok, p):
    global checks, fails
    checks += 1
    if not ok:
        fails += 1
        print("FAIL: %s: %s" % (what, json.dumps(p)), file=sys.stderr)


def rt(prof, cap):
    """The round trip's profile guess (the JSON "profile" object)."""
    out = os.path.join(tmp, "out.pcap")
    if os.path.exists(out):
        os.remove(out)
    r = subprocess.run([SIM, "--profile", prof] + SIMOPTS + ["-w", out, cap],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        check("sim %s %s: %s" % (prof, cap, r.stderr.decode()), False, {})
        return None
    r = subprocess.run([ANALYZE, "-q", "-f", "json", "--inside", cap,
                        "--outside", out], capture_output=True)
    # 1: the router dropped or injected messages (a finding, not an error)
    if r.returncode not in (0, 1):
        check("analyze %s %s: %s" % (prof, cap, r.stderr.decode()), False, {})
        return None
    return json.loads(r.stdout)["diff"]["profile"]


def named(prof, cap, why=None):
    """The guess is prof, alone (and why says so)."""
    p = rt(prof, cap)
    if p is None:
        return None
    what = "%s %s" % (prof, os.path.basename(cap))
    check(what + " named", p["guess"] == prof and p["match"] == "match"
          and p["tied"] == [], p)
    if why is not None:
        check(what + " decided by '%s'" % why, why in p["why"], p)
    return p


def tie(prof, cap, guess):
    """guess is named, prof is guess or tied with it, every tied profile
    with the knobs it differs in."""
    p = rt(prof, cap)
    if p is None:
        return None
    what = "%s %s" % (prof, os.path.basename(cap))
    check(what + " tie named " + guess, p["guess"] == guess and
          p["match"] == "tie" and (prof == guess or prof in p["tied"]), p)
    check(what + " tie explained", all(t + " (differs in " in p["why"]
                                       for t in p["tied"]), p)
    return p


# ---- the knobs capture: each profile's own knobs fire ----------------
K = os.path.join(tmp, "knobs.pcap")
named("off", K, "outbound top Via with the private address: left (6) [not")
named("consumer", K, "outbound SDP c= of another private host: rewritten (1) [not")
named("fortigate", K, "outbound MESSAGE dropped: 1100-byte line [not")
named("juniper", K, "outbound FROB dropped: unknown method [not")
named("sonicwall", K, "outbound MESSAGE dropped: in 2 IP fragments [not")
named("cisco-asa", K, "outbound REGISTER dropped: Contact without a port [not")
# linux and linux-legacy differ only in conntrack timers, which no
# rewrite shows (sim/profiles/linux-legacy.conf): always a tie.
for prof in ("linux", "linux-legacy"):
    p = tie(prof, K, "linux")
    if p is not None:
        check(prof + " knobs: port knob", "Contact with the private address on "
              "another port with Record-Route: left (1) [not" in p["why"], p)
        check(prof + " knobs: Call-ID", "outbound Call-ID holding the private "
              "address: left (6) [not juniper, fortigate]" in p["why"], p)
        check(prof + " knobs: legacy's timers", "linux-legacy (differs in "
              "udp_stream_timeout, udp_stream_2s_rule)" in p["why"], p)

# ---- the real kernel captures -----------------------------------------
if not os.path.exists(LA + "/outbound-alg-on-inside.pcap"):
    print("SKIP (part): %s not populated" % LA)
else:
    def cap(s):
        return "%s/%s-inside.pcap" % (LA, s)

    # Calls out (also with hold/resume re-INVITEs) and a registration
    # followed by a call in: every ALG profile is told apart (the Call-ID
    # holds the phone's address, the SDP grows, the phone opens the NAT
    # binding with its own requests).
    for s in ("outbound", "hold-resume", "register-idle-inbound"):
        for prof in ("consumer", "fortigate", "juniper", "sonicwall",
                     "cisco-asa"):
            named(prof, cap(s + "-alg-on"))
        for prof in ("linux", "linux-legacy"):
            tie(prof, cap(s + "-alg-on"), "linux")
    # Over TCP the stream is framed by the Content-Length, so the one
    # consumer leaves stale is not seen: consumer ties with linux.
    for prof in ("fortigate", "juniper", "sonicwall", "cisco-asa"):
        named(prof, cap("tcp-alg-on"))
    for prof in ("linux", "linux-legacy", "consumer"):
        tie(prof, cap("tcp-alg-on"), "linux")
    # A call in: the Call-ID carries the caller's (server's) address and
    # the phone sends no request of its own, so Call-ID hiding (juniper)
    # and the NAT's port choice (sonicwall) never show.
    for prof in ("consumer", "fortigate", "cisco-asa"):
        named(prof, cap("inbound-alg-on"))
    for prof in ("linux", "linux-legacy", "juniper", "sonicwall"):
        tie(prof, cap("inbound-alg-on"), "linux")
    # Two phones behind the router through a proxy outside: the recorded
    # kernel left inbound Contact and From on another port alone, which
    # the profiles without require_port_match would have rewritten, so
    # only the Linux profiles run here.  (lan-proxy-dm0 was recorded with
    # sip_direct_media=0, no shipped profile: linux is only the closest.)
    for s in ("lan-proxy", "lan-proxy-sameport"):
        for prof in ("linux", "linux-legacy"):
            tie(prof, cap(s + "-alg-on"), "linux")
    # No ALG: the ALG-off captures, whose inbound messages no ALG touched.
    for s in ("outbound", "inbound", "tcp", "hold-resume",
              "register-idle-inbound", "lan-proxy"):
        named("off", cap(s + "-alg-off"))
    named("off", src + "/tests/data/diff-none-inside.pcap")
    # Signalling on UDP 5080, a port no profile's ALG inspects: every
    # profile explains it as well as no ALG, which is named; sonicwall
    # alone shows itself, by the NAT (a new public port for the phone).
    for prof in ["off"] + ALGS:
        if prof == "sonicwall":
            continue
        p = tie(prof, cap("other-port-alg-on"), "off")
        if p is not None:
            check(prof + " other-port: why", "SIP on udp/5080, which no "
                  "profile's ALG inspects" in p["why"], p)
    named("sonicwall", cap("other-port-alg-on"),
          "NAT port of a phone's first request: changed (1) [not")

print("%d checks, %d failed" % (checks, fails))
sys.exit(1 if fails else 0)
PY
