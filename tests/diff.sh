#!/bin/sh
# tests/diff.sh - inside/outside comparison (analyzer/diff.h) through
# tests/diff-driver: synthetic pairs from tests/data/diff-gen.py (Linux-like
# ALG, NAT only, and a broken ALG with a wrong Contact port, a stale
# Content-Length, a dropped ACK, lost RTP and an injected OPTIONS), then the
# real Linux kernel ALG pairs in samples/linux-alg/ when present.
. "${top_srcdir:-.}/tests/lib.sh"
DRIVER="$top_builddir/tests/diff-driver"
DATA="$top_srcdir/tests/data"
ALG="$top_srcdir/samples/linux-alg"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# jcheck FILE.json PYTHON-EXPRESSION DESCRIPTION
# The expression sees d = the "diff" object and helpers:
#   pairs(cls=None)  every pair (optionally of one class)
#   ch(p, field)     the change of pair p named field, or None
jcheck() {
	checks=$((checks + 1))
	if ! python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["diff"]
def pairs(cls=None):
    return [p for g in d["dialogs"] for p in g["pairs"]
            if cls is None or p["class"] == cls]
def ch(p, field):
    for c in p["changes"]:
        if c["field"] == field:
            return c
    return None
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
PY
	then
		echo "FAIL: $3 ($(basename "$1"): $2)" >&2
		fails=$((fails + 1))
	fi
}

run() { # NAME INSIDE OUTSIDE -> $tmp/NAME.json and .txt
	"$DRIVER" --json "$2" "$3" >"$tmp/$1.json" 2>"$tmp/$1.err"
	check "$1 json exit" 0 $?
	"$DRIVER" "$2" "$3" >"$tmp/$1.txt" 2>>"$tmp/$1.err"
	check "$1 text exit" 0 $?
}

# ---- misuse and unreadable files: nothing on stdout, exit 3 ----
"$DRIVER" "$tmp/missing.pcap" "$DATA/diff-linux-outside.pcap" >"$tmp/o" 2>"$tmp/e"
check "missing file exit" 3 $?
grep -q "^diff-driver: $tmp/missing.pcap: " "$tmp/e" || fail "missing file message: $(cat "$tmp/e")"
[ -s "$tmp/o" ] && fail "output written for a missing file"
"$DRIVER" onlyone.pcap >/dev/null 2>&1
check "one file exit" 2 $?

# ---- synthetic: Linux-like ALG ----
run lin "$DATA/diff-linux-inside.pcap" "$DATA/diff-linux-outside.pcap"
J=$tmp/lin.json
jcheck $J 'abs(d["clock_offset_ns"] - 249700000) < 1000000' "offset estimated"
jcheck $J 'len(pairs()) == 7 and len(pairs("rewritten_consistent")) == 7' "all consistent"
jcheck $J 'ch(pairs()[0], "Via[0] sent-by")["after"] == "198.51.100.1:5060"' "Via rewritten"
jcheck $J 'ch(pairs()[0], "SDP c=")["explained"] and ch(pairs()[0], "SDP m[0] m=") is None' "c= rewritten, m= kept"
jcheck $J 'ch(pairs()[0], "SDP m[0] a=rtcp") is None' "a=rtcp untouched"
jcheck $J 'ch(pairs()[1], "Via[0] ;received")["after"] == "10.0.0.2"' "received restored"
jcheck $J 'd["profile"]["guess"] == "linux" and d["profile"]["match"] == "tie" and d["profile"]["tied"] == ["linux-legacy"]' "profile linux (tied with linux-legacy)"
jcheck $J 'd["profile"]["profiles"] == 8 and "received= the public address: restored (4) [not consumer" in d["profile"]["why"]' "profile: restored received= rules out consumer"
jcheck $J 'd["features"]["via_params_restored"] == 4 and d["features"]["sdp_private_residue"] == 1' "features"
jcheck $J 'd["summary"]["rtp_paired"] == 200 and d["summary"]["rtp_dropped"] == 0' "rtp paired"
jcheck $J 'd["nat_behaviour"]["port_preserved"] and d["nat_behaviour"]["endpoint_independent"]' "nat behaviour"
jcheck $J 'any(m["private"] == "10.0.0.2:40000" and m["public"] == "198.51.100.1:40000" and m["kind"] == "media" for m in d["mappings"])' "media mapping"
grep -q 'Via\[0\] sent-by: 10.0.0.2:5060 -> 198.51.100.1:5060' "$tmp/lin.txt" || fail "text: Via line"
grep -q '^ALG profile: linux' "$tmp/lin.txt" || fail "text: profile"

# ---- synthetic: NAT only ----
run none "$DATA/diff-none-inside.pcap" "$DATA/diff-none-outside.pcap"
J=$tmp/none.json
jcheck $J 'len(pairs("identical")) == 7 and len(pairs()) == 7' "all identical"
jcheck $J 'all(c["field"].startswith("L3/L4") for p in pairs() for c in p["changes"])' "only L3/L4 changes"
jcheck $J 'd["profile"]["guess"] == "off" and d["profile"]["match"] == "match"' "profile off"

# ---- synthetic: broken ALG ----
run brk "$DATA/diff-broken-inside.pcap" "$DATA/diff-broken-outside.pcap"
J=$tmp/brk.json
jcheck $J 'len(pairs("rewritten_inconsistent")) == 1' "one inconsistent"
jcheck $J '[p for p in pairs("rewritten_inconsistent") if p["label"] == "INVITE" and p["outside"]["cl_stale"] and not ch(p, "Contact[0]")["explained"]]' "INVITE: wrong Contact port, stale CL"
jcheck $J '[p["label"] for p in pairs("dropped")] == ["ACK"] and pairs("dropped")[0]["dir"] == "outbound"' "ACK dropped"
jcheck $J '[p["label"] for p in pairs("injected")] == ["OPTIONS"]' "OPTIONS injected"
jcheck $J 'd["summary"]["rtp_dropped"] == 5 and d["summary"]["rtp_injected"] == 0' "5 RTP lost"
jcheck $J '[s["dropped"] for s in d["rtp"] if s["dir"] == "inbound"] == [5]' "inbound stream lost 5"
grep -q 'not explained by the NAT mapping' "$tmp/brk.txt" || fail "text: unexplained marker"
# Linux-like but with a stale Content-Length: no profile explains both
# the restored received= (consumer restores nothing) and the stale length
# (only consumer leaves it).
jcheck $J 'd["profile"]["guess"] == "no clear match" and {"linux", "consumer"} <= set(d["profile"]["tied"])' "profile: no clear match"
jcheck $J '"linux fails outbound Content-Length (SDP length changed): left stale (1)" in d["profile"]["why"]' "profile: why linux fails"

# ---- real Linux kernel ALG pairs ----
if [ ! -f "$ALG/outbound-alg-on-inside.pcap" ]; then
	echo "SKIP: $ALG not populated (make check-netns as root)"
	finish
	exit $?
fi
for s in outbound inbound tcp hold-resume register-idle-inbound other-port; do
	for a in on off; do
		[ -f "$ALG/$s-alg-$a-inside.pcap" ] || { fail "$s-alg-$a missing"; continue; }
		run "$s-$a" "$ALG/$s-alg-$a-inside.pcap" "$ALG/$s-alg-$a-outside.pcap"
		J=$tmp/$s-$a.json
		jcheck $J 'abs(d["clock_offset_ns"]) < 100000000' "$s-$a offset small"
		jcheck $J 'not pairs("rewritten_inconsistent") and not pairs("injected")' "$s-$a nothing inconsistent or injected"
		if [ $s = other-port ]; then
			# A port the helper does not watch: no profile's ALG
			# inspects it either, so they all tie; no ALG is named.
			jcheck $J 'd["profile"]["guess"] == "off" and d["profile"]["match"] == "tie" and len(d["profile"]["tied"]) >= 6 and "SIP on udp/5080, which no profile" in d["profile"]["why"]' "$s-$a profile off, tie"
		fi
		if [ $a = off ] || [ $s = other-port ]; then
			# No helper (or a port it does not watch): NAT only.
			jcheck $J 'd["profile"]["guess"] == "off" and not pairs("rewritten_consistent")' "$s-$a profile off"
			jcheck $J 'all(c["field"].startswith("L3/L4") for p in pairs() for c in p["changes"])' "$s-$a only L3/L4 changes"
		else
			jcheck $J 'd["profile"]["guess"] == "linux"' "$s-$a profile linux"
			jcheck $J 'd["features"]["call_id_rewritten"] == 0 and d["features"]["sdp_rtcp_rewritten"] == 0' "$s-$a Call-ID/a=rtcp untouched"
			jcheck $J 'not pairs("identical") and not pairs("dropped")' "$s-$a every message rewritten"
		fi
	done
done
# ALG on, phone calls out: every rewrite listed 10.0.0.2 -> 198.51.100.1.
J=$tmp/outbound-on.json
jcheck $J 'len(pairs("rewritten_consistent")) == 7' "outbound-on 7 consistent"
jcheck $J '[ch(p, f)["after"] for p in pairs() if p["label"] == "INVITE" for f in ("Via[0] sent-by",)] == ["198.51.100.1:5060"]' "outbound-on INVITE Via"
jcheck $J 'all(ch([p for p in pairs() if p["label"] == "INVITE"][0], f) and "198.51.100.1" in ch([p for p in pairs() if p["label"] == "INVITE"][0], f)["after"] and ch([p for p in pairs() if p["label"] == "INVITE"][0], f)["explained"] for f in ("Contact[0]", "SDP o=", "SDP c="))' "outbound-on INVITE Contact/o=/c="
jcheck $J 'd["features"]["sdp_m_port_kept"] >= 1 and d["features"]["sdp_m_port_changed"] == 0' "outbound-on m= port kept"
jcheck $J 'd["summary"]["rtp_paired"] >= 250 and d["summary"]["rtp_dropped"] == 0' "outbound-on RTP both ways"
jcheck $J 'any(m["private"] == "10.0.0.2:5060" and m["public"] == "198.51.100.1:5060" for m in d["mappings"])' "outbound-on SIP mapping"
# ALG off, phone calls out: the INVITE leaves with c= and Contact 10.0.0.2.
J=$tmp/outbound-off.json
jcheck $J '[p for p in pairs() if p["label"] == "INVITE" and "Contact[0]" in p["private_leak"] and "SDP c=" in p["private_leak"]]' "outbound-off private leak"
jcheck $J 'len(d["rtp"]) == 1 and d["rtp"][0]["dir"] == "outbound"' "outbound-off RTP one way"
# ALG off, server calls in: the 200 OK keeps Contact 10.0.0.2 (ACK lost
# beyond the router) and is retransmitted; RTP only from the phone.
J=$tmp/inbound-off.json
jcheck $J 'len([p for p in pairs() if p["label"] == "200 OK" and p["dir"] == "outbound" and "Contact[0]" in p["private_leak"]]) >= 10' "inbound-off 200 retransmissions leak"
jcheck $J 'not [p for p in pairs() if p["label"] == "ACK"]' "inbound-off no ACK on either side"
jcheck $J 'len(d["rtp"]) == 1 and d["rtp"][0]["dir"] == "outbound"' "inbound-off RTP one way"
# ALG off, REGISTER then idle past the UDP timeout: the INVITEs to the
# public binding are dropped by the router.
J=$tmp/register-idle-inbound-off.json
jcheck $J '5 <= len([p for p in pairs("dropped") if p["label"] == "INVITE" and p["dir"] == "inbound"]) <= 7' "register-idle-off INVITEs dropped"
jcheck $J 'len(pairs("identical")) == 2' "register-idle-off REGISTER/200 identical"
finish
