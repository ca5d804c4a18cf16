#!/bin/bash
#
# gen-samples.sh: run every testbed scenario with the kernel SIP ALG on and
# off (run-testbed.sh) and write, per run, into one folder:
#   <scenario>-alg-<on|off>-inside.pcap    router lan0
#   <scenario>-alg-<on|off>-outside.pcap   router wan0
#   <scenario>-alg-<on|off>.log            what the runner did (command,
#                                          kernel, sysctls, SIPp exit codes)
#   <scenario>-alg-<on|off>.facts          facts.sh on the two captures
# and for lan-proxy also lan-proxy-dm0-alg-on (sip_direct_media=0) and
# lan-proxy-sameport-alg-on (both phones offer RTP port 6000);
# then every run of the widened testbed listed in runs.tsv (testbed.py:
# more capture points, see samples/linux-alg/README.md), each with its
# captures, its .log and RUN.facts (truth.py facts); and the run
# nat-ports-alg-off (nat-ports.sh: which public source port masquerade
# gives five phones), with its captures, .ports, .log and .facts.
#
# Usage: gen-samples.sh [--only NAME[,NAME...]] [DIR]
#   NAME is a run-testbed.sh scenario (both ALG settings), a run of
#   runs.tsv or nat-ports-alg-off. DIR defaults to a new temporary folder (printed at the end).
# Needs root (network namespaces); exits 77 (skip) when a tool is missing.
# Takes about 20 minutes: every run builds and removes five namespaces;
# the ACK-loss, oversize and unanswered-INVITE runs last ~35 s.
#

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ONLY=
DIR=

while [ $# -gt 0 ]; do
	case $1 in
	--only) [ $# -ge 2 ] || { echo "--only needs an argument" >&2; exit 2; }
		ONLY=$(echo "$2" | tr ',' ' '); shift 2 ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "${0##*/}: unknown option $1" >&2; exit 2 ;;
	*) DIR=$1; shift ;;
	esac
done

[ "$(id -u)" = 0 ] || { echo "${0##*/}: SKIP: must run as root" >&2; exit 77; }
for t in ip nft tcpdump sipp tshark dumpcap mergecap python3; do
	command -v "$t" >/dev/null 2>&1 || { echo "${0##*/}: SKIP: $t not installed" >&2; exit 77; }
done

[ -n "$DIR" ] || DIR=$(mktemp -d /tmp/sipalg-linux-alg.XXXXXX)
mkdir -p "$DIR"

old=$("$HERE/run-testbed.sh" --list)
new=$(python3 "$HERE/testbed.py" --list | cut -f1)
ports=nat-ports-alg-off
if [ -n "$ONLY" ]; then
	scenarios= wide= natports=
	for n in $ONLY; do
		if echo "$old" | grep -qx -- "$n"; then scenarios="$scenarios $n"
		elif echo "$new" | grep -qx -- "$n"; then wide="$wide $n"
		elif [ "$n" = "$ports" ]; then natports=$ports
		else echo "${0##*/}: unknown scenario or run: $n" >&2; exit 2
		fi
	done
else
	scenarios=$old wide=$new natports=$ports
fi
fail=0
# run NAME ARGS...: one testbed run and its facts.
run() {
	local name=$1 rc=0
	shift
	echo "== $name" >&2
	"$HERE/run-testbed.sh" "$@" --out "$DIR" || rc=$?
	if [ $rc -eq 77 ]; then exit 77; fi
	if [ $rc -ne 0 ]; then
		echo "${0##*/}: $name: run-testbed.sh failed ($rc)" >&2
		fail=1
		return
	fi
	"$HERE/facts.sh" "$DIR/$name-inside.pcap" "$DIR/$name-outside.pcap" >"$DIR/$name.facts"
}
for s in $scenarios; do
	for alg in on off; do
		run "$s-alg-$alg" --scenario "$s" --alg "$alg"
	done
	if [ "$s" = lan-proxy ]; then
		# the kernel's LAN shortcut (sip_direct_media=0), and both phones
		# offering the same RTP port (the second SDP is dropped)
		run lan-proxy-dm0-alg-on --scenario lan-proxy --alg on --direct-media 0
		run lan-proxy-sameport-alg-on --scenario lan-proxy --alg on --b-rtp-port 6000
	fi
done
# truth_run NAME TOOL CMD...: one run whose runner (TOOL) writes NAME's
# captures and .log, then its facts (truth.py facts).
truth_run() {
	local r=$1 tool=$2 rc=0
	shift 2
	echo "== $r" >&2
	"$@" || rc=$?
	if [ $rc -eq 77 ]; then exit 77; fi
	if [ $rc -ne 0 ]; then
		echo "${0##*/}: $r: $tool failed ($rc)" >&2
		fail=1
		return
	fi
	python3 "$HERE/truth.py" facts "$DIR" "$r" >"$DIR/$r.facts"
}
# The widened testbed (testbed.py), one run at a time.
for r in $wide; do
	truth_run "$r" testbed.py python3 "$HERE/testbed.py" --run "$r" --out "$DIR"
done
# Public source ports through masquerade (nat-ports.sh).
for r in $natports; do
	truth_run "$r" nat-ports.sh "$HERE/nat-ports.sh" "$DIR" "$r"
done
echo "${0##*/}: results in $DIR" >&2
exit $fail
