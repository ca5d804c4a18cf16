#!/bin/bash
#
# run-testbed.sh: play one SIP scenario through a real Linux NAT router (with
# or without the kernel's nf_conntrack_sip/nf_nat_sip ALG) and record the
# router's inside (lan0) and outside (wan0) views as two pcaps.
#
# Why: the analyzer's ALG detectors must be checked against captures that no
# model of ours wrote. Three network namespaces make a tiny Internet:
#
#     phone ns                 router ns (NAT)                 server ns
#   +-----------+   veth   +---------------------+   veth   +----------------+
#   | eth0      |----------| lan0        wan0    |----------| eth0           |
#   | 10.0.0.2  |          | 10.0.0.1    198.51. |          | 198.51.100.2   |
#   | gw .1     |          |             100.1   |          | sink0: 10/8    |
#   +-----------+          +---------------------+          | goes nowhere   |
#      SIPp                 nftables masquerade,            +----------------+
#                           [sip ct helper], [dnat 5060]       SIPp
#                           tcpdump lan0 -> inside.pcap
#                           tcpdump wan0 -> outside.pcap
#
# The server routes 10.0.0.0/8 into a dead-end veth, so anything it sends
# to the phone's private address disappears silently, as on the Internet
# (a private destination never reaches the router's WAN port).
#
# Only 10.0.0.0/24 and 198.51.100.0/24 (RFC 5737 documentation range) are
# used, only inside namespaces this script creates; nothing touches the root
# namespace's interfaces, routes or rulesets. An EXIT trap kills only the PIDs
# this script started and deletes the namespaces, also on errors and Ctrl-C.
#
# Needs root, iproute2 (ip netns), nftables, tcpdump, sipp (built with
# RTPSTREAM; checked), a kernel with nf_conntrack_sip (CONFIG_NF_CONNTRACK_SIP).
#

set -euo pipefail

PROG=${0##*/}
HERE=$(cd "$(dirname "$0")" && pwd)
SCN_DIR=$HERE/scenarios
SCENARIOS="outbound inbound register-idle-inbound tcp hold-resume other-port lan-proxy"

usage() {
	cat <<EOF
Usage: $PROG --scenario NAME [options]

Build a phone / NAT router / server namespace testbed, play one SIPp
scenario through the router and write <scenario>-alg-<on|off>-inside.pcap
(router lan0) and ...-outside.pcap (router wan0) into --out.

Scenarios:
  outbound               phone calls server (UDP 5060): INVITE/200/ACK, ~3 s
                         RTP both ways, BYE.
  inbound                server calls the phone through the router's
                         port forward 198.51.100.1:5060 -> 10.0.0.2:5060;
                         ACK/BYE routed by the 200 OK Contact.
  register-idle-inbound  phone REGISTERs (Expires 3600) to the server, idles
                         past the conntrack UDP timeout (default 5 s here),
                         then the server INVITEs the public binding
                         (source addr:port of the REGISTER). No port forward.
  tcp                    like outbound, over TCP.
  hold-resume            outbound call, re-INVITE a=sendonly (server answers
                         recvonly and stops its RTP), re-INVITE a=sendrecv.
  other-port             like outbound, but signalling on port 5080, which
                         the helper does not watch.
  lan-proxy              two phones behind the router (10.0.0.2 = A and
                         10.0.0.3:5062 = B, one namespace) and a relaying
                         registrar outside (relay.py, no media anchoring):
                         B registers, A calls B through the relay (ACK and
                         BYE too), each sends RTP to the SDP it was given.
                         With --direct-media 0 the kernel's LAN shortcut
                         gives each phone the other's private address and
                         RTP stays in the phone namespace (not on lan0).

Options:
  --scenario NAME        one of the above (required)
  --alg on|off           attach the conntrack "sip" helper for udp+tcp 5060
                         (default: on). off = same ruleset without helper.
  --out DIR              output directory (default: a new mktemp dir, printed)
  --udp-timeout S        router net.netfilter.nf_conntrack_udp_timeout
                         (default: kernel default 30; register-idle-inbound: 5)
  --udp-stream-timeout S router net.netfilter.nf_conntrack_udp_timeout_stream
                         (default: kernel default 120)
  --idle S               register-idle-inbound: seconds between the 200 OK to
                         REGISTER and the INVITE (default: udp-timeout + 5)
  --forward on|off       dnat udp/tcp 5060 on wan0 to 10.0.0.2 (default: on
                         for inbound, off otherwise)
  --direct-media 0|1     set the kernel's nf_conntrack_sip sip_direct_media
                         (a global module parameter) for the run and put
                         it back afterwards; 0 adds "-dm0" to the names
  --b-rtp-port N         lan-proxy: phone B's RTP port (default 6100; A uses
                         6000; 6000 makes both phones offer the same port,
                         and "-sameport" is added to the names)
  --keep                 keep the work directory (SIPp logs, message traces,
                         nft ruleset) and print its path; namespaces are
                         always deleted
  --list                 print the scenario names and exit
  -h, --help             this text

Exit status: 0 when the captures were written (the calls themselves may fail,
that is often the point: see <out>/<scenario>-alg-<on|off>.log), 1 on a
testbed error, 2 on bad usage, 77 when a prerequisite is missing.
EOF
}

die() { echo "$PROG: $*" >&2; exit 1; }
skip() { echo "$PROG: SKIP: $*" >&2; exit 77; }
log() { echo "$PROG: $*" >&2; }

SCENARIO=
ALG=on
OUT=
UDP_TIMEOUT=
UDP_STREAM_TIMEOUT=
IDLE=
FORWARD=auto
KEEP=0
DIRECT_MEDIA=
B_RTP_PORT=6100
DM_PARAM=/sys/module/nf_conntrack_sip/parameters/sip_direct_media
DM_SAVED=

need_arg() { [ $# -ge 2 ] || { echo "$PROG: $1 needs an argument" >&2; usage >&2; exit 2; }; }
while [ $# -gt 0 ]; do
	case $1 in
	--scenario) need_arg "$@"; SCENARIO=$2; shift 2 ;;
	--alg) need_arg "$@"; ALG=$2; shift 2 ;;
	--out) need_arg "$@"; OUT=$2; shift 2 ;;
	--udp-timeout) need_arg "$@"; UDP_TIMEOUT=$2; shift 2 ;;
	--udp-stream-timeout) need_arg "$@"; UDP_STREAM_TIMEOUT=$2; shift 2 ;;
	--idle) need_arg "$@"; IDLE=$2; shift 2 ;;
	--forward) need_arg "$@"; FORWARD=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--direct-media) need_arg "$@"; DIRECT_MEDIA=$2; shift 2 ;;
	--b-rtp-port) need_arg "$@"; B_RTP_PORT=$2; shift 2 ;;
	--list) echo "$SCENARIOS" | tr ' ' '\n'; exit 0 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "$PROG: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done

[ -n "$SCENARIO" ] || { echo "$PROG: --scenario is required" >&2; usage >&2; exit 2; }
case " $SCENARIOS " in *" $SCENARIO "*) ;; *) echo "$PROG: unknown scenario: $SCENARIO" >&2; exit 2 ;; esac
case $ALG in on|off) ;; *) echo "$PROG: --alg must be on or off" >&2; exit 2 ;; esac
case $FORWARD in on|off|auto) ;; *) echo "$PROG: --forward must be on or off" >&2; exit 2 ;; esac
case $DIRECT_MEDIA in ''|0|1) ;; *) echo "$PROG: --direct-media must be 0 or 1" >&2; exit 2 ;; esac
for v in "$UDP_TIMEOUT" "$UDP_STREAM_TIMEOUT" "$IDLE" "$B_RTP_PORT"; do
	case $v in ''|*[!0-9]*) [ -z "$v" ] || { echo "$PROG: timeouts must be whole seconds" >&2; exit 2; } ;; esac
done

# Prerequisites: SKIP (77), not fail, so `make check-netns` can run anywhere.
[ "$(id -u)" = 0 ] || skip "must run as root (network namespaces)"
for t in ip nft tcpdump sipp; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
ip netns list >/dev/null 2>&1 || skip "ip netns not usable"
SIPP_VERSION=$(sipp -v 2>&1 || true)
case $SIPP_VERSION in *RTPSTREAM*) ;; *) skip "sipp built without RTPSTREAM (rtp_stream)" ;; esac
if [ "$SCENARIO" = lan-proxy ]; then
	command -v python3 >/dev/null 2>&1 || skip "python3 not installed (relay.py)"
fi
if [ -n "$DIRECT_MEDIA" ]; then
	[ -w "$DM_PARAM" ] || skip "$DM_PARAM not writable"
fi

if [ "$FORWARD" = auto ]; then
	if [ "$SCENARIO" = inbound ]; then FORWARD=on; else FORWARD=off; fi
fi
if [ "$SCENARIO" = register-idle-inbound ] && [ -z "$UDP_TIMEOUT" ]; then
	UDP_TIMEOUT=5
fi

NAME=$SCENARIO-alg-$ALG
if [ "$SCENARIO" = lan-proxy ]; then
	base=$SCENARIO
	[ "$B_RTP_PORT" = 6000 ] && base=$base-sameport
	[ "$DIRECT_MEDIA" = 0 ] && base=$base-dm0
	NAME=$base-alg-$ALG
fi
NS_P=sipalg-phone-$$
NS_R=sipalg-nat-$$
NS_S=sipalg-srv-$$
PHONE=10.0.0.2
PHONE_B=10.0.0.3
LAN_GW=10.0.0.1
WAN_IP=198.51.100.1
SERVER=198.51.100.2
SIP_PORT=5060
[ "$SCENARIO" = other-port ] && SIP_PORT=5080
TRANSPORT=u1
[ "$SCENARIO" = tcp ] && TRANSPORT=t1

if [ -z "$OUT" ]; then
	OUT=$(mktemp -d /tmp/sipalg-netns-out.XXXXXX)
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/sipalg-netns-work.XXXXXX)
RUNLOG=$OUT/$NAME.log
: >"$RUNLOG"

PIDS=()		# every background PID we started, nothing else is ever killed
NS_MADE=()

cleanup() {
	local rc=$? pid ns
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${NS_MADE[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "$DM_SAVED" ]; then
		echo "$DM_SAVED" >"$DM_PARAM" 2>/dev/null ||
		    log "could not restore $DM_PARAM to $DM_SAVED"
	fi
	if [ "$KEEP" = 1 ]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT
trap 'log terminated; exit 143' TERM

note() { echo "$*" >>"$RUNLOG"; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- topology -------------------------------------------------------------

make_ns() {
	ip netns add "$1"
	NS_MADE+=("$1")
	nsx "$1" ip link set lo up
	# No IPv6: keeps router solicitations and MLD out of the captures.
	nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
}

build_topology() {
	make_ns "$NS_P"
	make_ns "$NS_R"
	make_ns "$NS_S"
	# Both veth ends are created directly inside the namespaces: no name is
	# ever visible in the root namespace, so parallel runs cannot collide.
	ip link add lan0 netns "$NS_R" type veth peer name eth0 netns "$NS_P"
	ip link add wan0 netns "$NS_R" type veth peer name eth0 netns "$NS_S"

	nsx "$NS_P" ip addr add $PHONE/24 dev eth0
	[ "$SCENARIO" = lan-proxy ] && nsx "$NS_P" ip addr add $PHONE_B/24 dev eth0
	nsx "$NS_P" ip link set eth0 up
	nsx "$NS_P" ip route add default via $LAN_GW

	nsx "$NS_R" ip addr add $LAN_GW/24 dev lan0
	nsx "$NS_R" ip addr add $WAN_IP/24 dev wan0
	nsx "$NS_R" ip link set lan0 up
	nsx "$NS_R" ip link set wan0 up
	nsx "$NS_R" sysctl -qw net.ipv4.ip_forward=1

	nsx "$NS_S" ip addr add $SERVER/24 dev eth0
	nsx "$NS_S" ip link set eth0 up
	# The sink: a veth pair with both ends in the server namespace, ARP off,
	# no addresses (the kernel here has no CONFIG_DUMMY; a blackhole route
	# would make sendto() fail with EINVAL, which a real UA never sees).
	nsx "$NS_S" ip link add sink0 type veth peer name sink1
	nsx "$NS_S" ip link set sink0 arp off up
	nsx "$NS_S" ip link set sink1 arp off up
	nsx "$NS_S" ip route add 10.0.0.0/8 dev sink0
}

set_timeouts() {
	local key val
	for key in nf_conntrack_udp_timeout nf_conntrack_udp_timeout_stream; do
		if [ $key = nf_conntrack_udp_timeout ]; then val=$UDP_TIMEOUT; else val=$UDP_STREAM_TIMEOUT; fi
		if [ -n "$val" ]; then
			# These sysctls are per network namespace (struct nf_udp_net);
			# a failure here means this kernel does not make them so.
			nsx "$NS_R" sysctl -qw net.netfilter.$key="$val" ||
			    die "cannot set net.netfilter.$key in the router namespace"
		fi
		note "router_$key=$(nsx "$NS_R" sysctl -n net.netfilter.$key)"
	done
}

ruleset() {
	local helper_rules='' helper_objs=''
	if [ "$ALG" = on ]; then
		helper_objs='
	ct helper sip-udp { type "sip" protocol udp; l3proto ip; }
	ct helper sip-tcp { type "sip" protocol tcp; l3proto ip; }'
		helper_rules='
		udp dport 5060 ct helper set "sip-udp"
		tcp dport 5060 ct helper set "sip-tcp"'
	fi
	local fwd_rules=''
	if [ "$FORWARD" = on ]; then
		fwd_rules="
		iifname \"wan0\" udp dport 5060 dnat to $PHONE
		iifname \"wan0\" tcp dport 5060 dnat to $PHONE"
	fi
	local t
	t=$(cat "$HERE/ruleset.nft.in")
	t=${t//@HELPER_OBJS@/$helper_objs}
	t=${t//@HELPER_RULES@/$helper_rules}
	t=${t//@FWD_RULES@/$fwd_rules}
	printf '%s\n' "$t"
}

# ---- processes ------------------------------------------------------------

# start_bg LOGFILE NS CMD...: run CMD inside NS in the background; its PID
# (ip netns exec execs the command, so it is the command's own PID) is kept
# in PIDS and in LAST_PID.
start_bg() {
	local logf=$1 ns=$2
	shift 2
	(cd "$WORK" && exec ip netns exec "$ns" "$@") >"$logf" 2>&1 </dev/null &
	LAST_PID=$!
	PIDS+=("$LAST_PID")
}

# wait_pid PID SECONDS: wait for PID to exit, at most SECONDS; returns its
# status, or 124 (and kills it) on timeout.
wait_pid() {
	local pid=$1 limit=$2 i=0 rc
	while kill -0 "$pid" 2>/dev/null; do
		if [ $i -ge $((limit * 10)) ]; then
			log "pid $pid still running after ${limit}s, stopping it"
			kill -TERM "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			return 124
		fi
		sleep 0.1
		i=$((i + 1))
	done
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	return $rc
}

TCPDUMP_PIDS=()
start_capture() {
	local ifc view
	for ifc in lan0 wan0; do
		if [ $ifc = lan0 ]; then view=inside; else view=outside; fi
		rm -f "$OUT/$NAME-$view.pcap"
		start_bg "$WORK/tcpdump-$view.err" "$NS_R" \
		    tcpdump -i $ifc -n -U -s 0 --immediate-mode -w "$OUT/$NAME-$view.pcap" ip
		TCPDUMP_PIDS+=("$LAST_PID")
	done
	# tcpdump prints "listening on" once the capture is active.
	local i
	for view in inside outside; do
		for i in $(seq 1 100); do
			grep -q "listening on" "$WORK/tcpdump-$view.err" 2>/dev/null && break
			sleep 0.1
		done
		grep -q "listening on" "$WORK/tcpdump-$view.err" ||
		    die "tcpdump ($view) did not start: $(cat "$WORK/tcpdump-$view.err")"
	done
}

stop_capture() {
	local pid
	# Let the last packets reach the capture. --immediate-mode matters here:
	# without it libpcap hands packets over in TPACKET_V3 blocks, and the
	# last partly filled block is lost when tcpdump is interrupted.
	sleep 1
	for pid in "${TCPDUMP_PIDS[@]}"; do
		kill -INT "$pid" 2>/dev/null || true
	done
	for pid in "${TCPDUMP_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	TCPDUMP_PIDS=()
}

# wait_listen NS PROTO PORT: wait until something listens on PORT in NS.
wait_listen() {
	local ns=$1 proto=$2 port=$3 i
	for i in $(seq 1 50); do
		if [ "$proto" = tcp ]; then
			nsx "$ns" ss -Hltn "sport = :$port" | grep -q . && return 0
		else
			nsx "$ns" ss -Hlun "sport = :$port" | grep -q . && return 0
		fi
		sleep 0.1
	done
	die "nothing listening on $proto/$port in $ns"
}

# 3 s of PCMA silence (0xd5), 150 frames of 160 bytes, for rtp_stream.
make_audio() {
	head -c 24000 /dev/zero | tr '\0' '\325' >"$WORK/audio.pcma"
}

# sipp_common ROLE-NAME LOCAL-IP [PORT]: common SIPp options. Message traces and
# error logs land in WORK (kept with --keep).
sipp_common() {
	local tag=$1 ip=$2 port=${3:-$SIP_PORT}
	echo -nostdin -m 1 -t $TRANSPORT -i "$ip" -mi "$ip" -p "$port" \
	    -trace_msg -message_file "$WORK/$tag-messages.log" \
	    -trace_err -error_file "$WORK/$tag-errors.log" \
	    -trace_logs -log_file "$WORK/$tag-actions.log" \
	    -timeout 120s -timeout_error
}

# run_pair UAS-NS UAS-IP UAS-XML UAS-USER UAC-NS UAC-IP UAC-XML UAC-USER TARGET
run_pair() {
	local uas_ns=$1 uas_ip=$2 uas_xml=$3 uas_user=$4
	local uac_ns=$5 uac_ip=$6 uac_xml=$7 uac_user=$8 target=$9
	local uas_pid uac_rc uas_rc proto=udp
	[ $TRANSPORT = t1 ] && proto=tcp

	# shellcheck disable=SC2046
	start_bg "$WORK/$uas_user-uas.out" "$uas_ns" sipp $(sipp_common "$uas_user-uas" "$uas_ip") \
	    -sf "$SCN_DIR/$uas_xml" -key user "$uas_user"
	uas_pid=$LAST_PID
	wait_listen "$uas_ns" $proto "$SIP_PORT"

	# SIPp 3.6.1 refuses <setdest> on TCP in t1 mode ("requires multisocket
	# mode"). Over TCP the in-dialog requests simply stay on the one
	# connection (to the server, which is also the 2xx Contact there), so the
	# caller's scenario is used without its setdest lines.
	local uac_sf=$SCN_DIR/$uac_xml
	if [ $TRANSPORT = t1 ]; then
		uac_sf=$WORK/tcp-$uac_xml
		sed '/<setdest /d' "$SCN_DIR/$uac_xml" >"$uac_sf"
	fi
	# shellcheck disable=SC2046
	start_bg "$WORK/$uac_user-uac.out" "$uac_ns" sipp $(sipp_common "$uac_user-uac" "$uac_ip") \
	    -sf "$uac_sf" -key user "$uac_user" -key peer "$uas_user" "$target"
	uac_rc=0
	wait_pid "$LAST_PID" 130 || uac_rc=$?
	uas_rc=0
	wait_pid "$uas_pid" 10 || uas_rc=$?
	note "${uac_user}_uac_${uac_xml%.xml}_exit=$uac_rc"
	note "${uas_user}_uas_${uas_xml%.xml}_exit=$uas_rc"
}

# ---- scenarios --------------------------------------------------------------

play() {
	case $SCENARIO in
	outbound|tcp|other-port)
		run_pair "$NS_S" $SERVER uas-call.xml server \
		    "$NS_P" $PHONE uac-call.xml phone "$SERVER:$SIP_PORT"
		;;
	hold-resume)
		run_pair "$NS_S" $SERVER uas-hold.xml server \
		    "$NS_P" $PHONE uac-hold.xml phone "$SERVER:$SIP_PORT"
		;;
	inbound)
		run_pair "$NS_P" $PHONE uas-call.xml phone \
		    "$NS_S" $SERVER uac-call.xml server "$WAN_IP:$SIP_PORT"
		;;
	register-idle-inbound)
		run_pair "$NS_S" $SERVER uas-register.xml server \
		    "$NS_P" $PHONE uac-register.xml phone "$SERVER:$SIP_PORT"
		# The registrar's view of the phone: source addr:port of REGISTER.
		local binding
		binding=$(sed -n 's/^.*UDP message received .* from \([0-9.]*\):\([0-9]*\).*$/\1:\2/p' \
		    "$WORK/server-uas-messages.log" | head -n 1)
		[ -n "$binding" ] || binding=$WAN_IP:$SIP_PORT
		note "register_binding=$binding"
		local idle=${IDLE:-$((UDP_TIMEOUT + 5))}
		note "idle_seconds=$idle"
		log "idling ${idle}s (udp timeout ${UDP_TIMEOUT}s)"
		sleep "$idle"
		run_pair "$NS_P" $PHONE uas-call.xml phone \
		    "$NS_S" $SERVER uac-call.xml server "$binding"
		;;
	lan-proxy)
		# The relay outside, B registering through the router, B waiting
		# for the call, A calling B through the relay.  A's ACK and BYE go
		# to the relay as well (uac-call.xml without its setdest lines).
		start_bg "$WORK/relay.out" "$NS_S" python3 "$HERE/relay.py" $SERVER 5060 120
		local relay_pid=$LAST_PID b_pid rc
		wait_listen "$NS_S" udp 5060
		# shellcheck disable=SC2046
		start_bg "$WORK/b-reg.out" "$NS_P" sipp $(sipp_common b-reg $PHONE_B 5062) \
		    -sf "$SCN_DIR/uac-register.xml" -key user b "$SERVER:5060"
		rc=0
		wait_pid "$LAST_PID" 30 || rc=$?
		note "b_uac_register_exit=$rc"
		# shellcheck disable=SC2046
		start_bg "$WORK/b-uas.out" "$NS_P" sipp $(sipp_common b-uas $PHONE_B 5062) \
		    -mp "$B_RTP_PORT" -sf "$SCN_DIR/uas-call.xml" -key user b
		b_pid=$LAST_PID
		wait_listen "$NS_P" udp 5062
		sed '/<setdest /d' "$SCN_DIR/uac-call.xml" >"$WORK/uac-call-relay.xml"
		# shellcheck disable=SC2046
		start_bg "$WORK/a-uac.out" "$NS_P" sipp $(sipp_common a-uac $PHONE) \
		    -sf "$WORK/uac-call-relay.xml" -key user a -key peer b "$SERVER:5060"
		rc=0
		wait_pid "$LAST_PID" 130 || rc=$?
		note "a_uac_call_exit=$rc"
		rc=0
		wait_pid "$b_pid" 10 || rc=$?
		note "b_uas_call_exit=$rc"
		kill -TERM "$relay_pid" 2>/dev/null || true
		wait "$relay_pid" 2>/dev/null || true
		sed 's/^/relay: /' "$WORK/relay.out" >>"$RUNLOG" 2>/dev/null || true
		;;
	esac
}

# ---- main -------------------------------------------------------------------

build_topology
set_timeouts
if [ -n "$DIRECT_MEDIA" ]; then
	DM_SAVED=$(cat "$DM_PARAM")
	echo "$DIRECT_MEDIA" >"$DM_PARAM" || die "cannot write $DM_PARAM"
fi
note "sip_direct_media=$(cat "$DM_PARAM" 2>/dev/null || echo unknown)"
ruleset >"$WORK/ruleset.nft"
nsx "$NS_R" nft -f "$WORK/ruleset.nft" || die "nft ruleset rejected (see $WORK/ruleset.nft)"
make_audio

note "scenario=$SCENARIO"
note "alg=$ALG"
note "forward=$FORWARD"
note "kernel=$(uname -r)"
note "sipp=$(echo "$SIPP_VERSION" | sed -n 's/^ *\(SIPp v[^ ]*\).*$/\1/p' | head -n 1)"
note "b_rtp_port=$B_RTP_PORT"
B_OPT=
[ "$SCENARIO" = lan-proxy ] && [ "$B_RTP_PORT" != 6100 ] && B_OPT=" --b-rtp-port $B_RTP_PORT"
note "command=$PROG --scenario $SCENARIO --alg $ALG${DIRECT_MEDIA:+ --direct-media $DIRECT_MEDIA}$B_OPT${UDP_TIMEOUT:+ --udp-timeout $UDP_TIMEOUT}${UDP_STREAM_TIMEOUT:+ --udp-stream-timeout $UDP_STREAM_TIMEOUT}${IDLE:+ --idle $IDLE}"

start_capture
play
stop_capture

# The helper leaves traces in the router's conntrack table; keep a copy.
if command -v conntrack >/dev/null 2>&1; then
	nsx "$NS_R" conntrack -L >"$WORK/conntrack.txt" 2>/dev/null || true
fi
log "wrote $OUT/$NAME-inside.pcap $OUT/$NAME-outside.pcap ($RUNLOG)"
