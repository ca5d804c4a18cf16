#!/bin/bash
#
# facts.sh: derive plain facts about one testbed run from its two captures,
# with tshark only, as key=value lines on stdout (sorted, stable).
#
# Why: the captures in samples/linux-alg were made by a real kernel ALG; the
# facts say in a machine-checkable way what happened in them (who was
# rewritten, what got lost, how often the 2xx was retransmitted), so that
# check-facts.sh can tell whether a regenerated run still behaves the same
# and the README table is backed by numbers, not by memory.
#
# Usage: facts.sh INSIDE.pcap OUTSIDE.pcap
#
# Addresses are the testbed's (run-testbed.sh): the phone is 10.0.0.2 inside
# and 198.51.100.1 (the router's WAN address) outside; the server is
# 198.51.100.2. "rtp" means every UDP packet that is neither SIP nor ICMP.
# Times are seconds, one decimal; "none" when the event did not happen.
#
# Keys, for V in inside and outside:
#   V_sip_msgs            SIP messages in the capture
#   V_first_invite_from   phone|server|none (sender of the first INVITE)
#   V_invite_tx           transmissions of the initial INVITE (CSeq 1)
#   V_invite_answered     yes|no: any response to that INVITE seen
#   V_invite_via|contact|c|o  top Via host, Contact host, SDP c= and o=
#                         address of the first initial INVITE
#   V_200_contact|c       Contact host and c= of the first 200 to CSeq 1 INVITE
#   V_200_tx              transmissions of that 200 OK (1 = no retransmission)
#   V_200_retrans_times   offsets of the 200 retransmissions from the first
#   V_ack                 ACKs for CSeq 1
#   V_bye, V_bye_from     BYE transmissions; sender of the first one
#   V_bye_after_200       first BYE minus first 200 OK (CSeq 1 INVITE)
#   V_bye_answered        yes|no: a 200 OK to a BYE seen
#   V_register_contact    Contact host of the REGISTER (none if no REGISTER)
#   V_register_ok         200 OKs to REGISTER
#   V_invite_after_register_ok  idle time: first INVITE minus first 200 OK
#                         to REGISTER
#   V_reinvite_modes      SDP direction attributes of re-INVITEs, in order
#   V_callid_host         host part of the Call-ID of the first INVITE
#   V_rtp_from_phone, V_rtp_to_phone   RTP packets per direction
#   V_rtp_to_phone_on_hold  RTP to the phone between the 200 OKs of the
#                         re-INVITEs with CSeq 2 and 3 (hold-resume only)
#   V_icmp_unreach        ICMP destination-unreachable messages
#   V_invite_to_b_c       SDP c= of the first INVITE to port 5062 (phone B
#                         of lan-proxy; none elsewhere)
#   V_200_to_a_c          SDP c= of the first 200 OK to an INVITE that the
#                         server (relay) sends to port 5060 (to phone A)
#   V_rtp_to_wan_ip       RTP from an inside address to the router's own
#                         WAN address 198.51.100.1 (a hairpin attempt)
#

set -euo pipefail

[ $# -eq 2 ] || { echo "usage: ${0##*/} INSIDE.pcap OUTSIDE.pcap" >&2; exit 2; }
command -v tshark >/dev/null 2>&1 || { echo "${0##*/}: tshark not installed" >&2; exit 77; }

facts_for() {
	local view=$1 pcap=$2 phone
	[ -r "$pcap" ] || { echo "${0##*/}: cannot read $pcap" >&2; exit 1; }
	if [ "$view" = inside ]; then phone=10.0.0.2; else phone=198.51.100.1; fi

	# One line per SIP message: time|src|method|status|cseq|cseqmethod|
	# contact host|c=|o=|media attrs|via host|call-id. Several values of a
	# field (e.g. two a= lines) come comma-separated.
	tshark -n -r "$pcap" -Y 'sip && !icmp' -T fields -E separator='|' -E occurrence=a \
	    -E aggregator='^' \
	    -e frame.time_relative -e ip.src -e sip.Method -e sip.Status-Code \
	    -e sip.CSeq.seq -e sip.CSeq.method -e sip.contact.host \
	    -e sdp.connection_info.address -e sdp.owner.address \
	    -e sdp.media_attr -e sip.Via.sent-by.address -e sip.Call-ID \
	    2> >(grep -v '^Running as user' >&2) |
	awk -F'|' -v V="$view" -v P="$phone" '
	function who(ip) { return ip == P ? "phone" : (ip == "198.51.100.2" ? "server" : ip) }
	function dir(attrs,   n, a, i) {
		n = split(attrs, a, "^")
		for (i = 1; i <= n; i++)
			if (a[i] ~ /^(sendrecv|sendonly|recvonly|inactive)$/) return a[i]
		return "sendrecv"
	}
	function t1(x) { return sprintf("%.1f", x) }
	BEGIN {
		msgs = 0; itx = 0; ians = "no"; ifrom = "none"; ivia = icont = ic = io = "none"
		c200 = cc200 = "none"; tx200 = 0; ack = 0; bye = 0; byefrom = "none"
		byeans = "no"; regc = "none"; regok = 0; modes = ""; cid = "none"
		t200 = -1; tbye = -1; rt = ""; treg = -1; tinv = -1
	}
	{
		# several occurrences of a field are joined by "^": keep the first
		# (top Via, first Contact...) except for the SDP attributes
		for (i = 1; i <= NF; i++) if (i != 10) sub(/\^.*$/, "", $i)
		t = $1; src = $2; m = $3; st = $4; cs = $5; cm = $6
		msgs++
		if (m == "INVITE" && cs == 1) {
			itx++
			if (ifrom == "none") {
				ifrom = who(src); icont = $7; ic = $8; io = $9; ivia = $11
				cid = $12; sub(/^[^@]*@/, "", cid)
				if (icont == "") icont = "none"
				if (ic == "") ic = "none"
				if (io == "") io = "none"
			}
		} else if (m == "INVITE" && cs > 1) {
			modes = modes (modes == "" ? "" : ",") dir($10)
		}
		if (st != "" && cm == "INVITE" && cs == 1) ians = "yes"
		if (st == 200 && cm == "INVITE" && cs == 1) {
			tx200++
			if (t200 < 0) {
				t200 = t; c200 = $7; cc200 = $8
				if (c200 == "") c200 = "none"
				if (cc200 == "") cc200 = "none"
			} else
				rt = rt (rt == "" ? "" : ",") t1(t - t200)
		}
		if (st == 200 && cm == "INVITE" && cs == 2) thold = t
		if (st == 200 && cm == "INVITE" && cs == 3) tresume = t
		if (m == "ACK" && cs == 1) ack++
		if (m == "BYE") {
			bye++
			if (tbye < 0) { tbye = t; byefrom = who(src) }
		}
		if (st == 200 && cm == "BYE") byeans = "yes"
		if (m == "REGISTER" && regc == "none") regc = ($7 == "" ? "none" : $7)
		if (st == 200 && cm == "REGISTER") { regok++; if (treg < 0) treg = t }
		if (m == "INVITE" && cs == 1 && tinv < 0) tinv = t
	}
	END {
		print V "_sip_msgs=" msgs
		print V "_first_invite_from=" ifrom
		print V "_invite_tx=" itx
		print V "_invite_answered=" ians
		print V "_invite_via=" ivia
		print V "_invite_contact=" icont
		print V "_invite_c=" ic
		print V "_invite_o=" io
		print V "_callid_host=" cid
		print V "_200_contact=" c200
		print V "_200_c=" cc200
		print V "_200_tx=" tx200
		print V "_200_retrans_times=" (rt == "" ? "none" : rt)
		print V "_ack=" ack
		print V "_bye=" bye
		print V "_bye_from=" byefrom
		print V "_bye_after_200=" ((tbye >= 0 && t200 >= 0) ? t1(tbye - t200) : "none")
		print V "_bye_answered=" byeans
		print V "_register_contact=" regc
		print V "_register_ok=" regok
		print V "_reinvite_modes=" (modes == "" ? "none" : modes)
		print V "_invite_after_register_ok=" ((treg >= 0 && tinv >= 0) ? t1(tinv - treg) : "none")
		# hand the hold window to the RTP pass below
		print "#hold=" (thold == "" ? "" : thold) ":" (tresume == "" ? "" : tresume)
	}'

	# RTP and ICMP: time|src|dst|is-icmp
	local hold
	hold=$(tshark -n -r "$pcap" -Y 'sip && !icmp' -T fields -E separator='|' -E occurrence=f \
	    -e frame.time_relative -e sip.Status-Code -e sip.CSeq.seq -e sip.CSeq.method \
	    2> >(grep -v '^Running as user' >&2) |
	    awk -F'|' '$2 == 200 && $4 == "INVITE" && $3 == 2 && a == "" { a = $1 }
		$2 == 200 && $4 == "INVITE" && $3 == 3 && b == "" { b = $1 }
		END { print a ":" b }')
	tshark -n -r "$pcap" -Y '(udp && !sip && !icmp) || icmp' -T fields -E separator='|' \
	    -E occurrence=f -e frame.time_relative -e ip.src -e ip.dst -e icmp.type \
	    2> >(grep -v '^Running as user' >&2) |
	awk -F'|' -v V="$view" -v P="$phone" -v H="$hold" '
	BEGIN {
		split(H, h, ":"); hs = h[1]; he = h[2]
		from = 0; to = 0; icmp = 0; onhold = 0
	}
	$4 == 3 { icmp++; next }
	$4 != "" { next }
	$2 == P { from++ }
	$3 == P {
		to++
		if (hs != "" && he != "" && $1 > hs && $1 < he) onhold++
	}
	END {
		print V "_rtp_from_phone=" from
		print V "_rtp_to_phone=" to
		print V "_rtp_to_phone_on_hold=" ((hs != "" && he != "") ? onhold : "none")
		print V "_icmp_unreach=" icmp
	}'

	# Two phones (lan-proxy): the SDP each one was given, and RTP that
	# one sent to the router's public address.
	local b a w
	b=$(tshark -n -r "$pcap" -Y 'sip.Method == "INVITE" && udp.dstport == 5062' \
	    -T fields -E occurrence=f -e sdp.connection_info.address \
	    2> >(grep -v '^Running as user' >&2) | head -n 1)
	a=$(tshark -n -r "$pcap" -Y 'sip.Status-Code == 200 && sip.CSeq.method == "INVITE" && ip.src == 198.51.100.2 && udp.dstport == 5060' \
	    -T fields -E occurrence=f -e sdp.connection_info.address \
	    2> >(grep -v '^Running as user' >&2) | head -n 1)
	w=$(tshark -n -r "$pcap" -Y 'udp && !sip && !icmp && ip.dst == 198.51.100.1 && ip.src == 10.0.0.0/8' \
	    -T fields -e frame.number 2> >(grep -v '^Running as user' >&2) | wc -l)
	echo "${view}_invite_to_b_c=${b:-none}"
	echo "${view}_200_to_a_c=${a:-none}"
	echo "${view}_rtp_to_wan_ip=$w"
}

{
	facts_for inside "$1"
	facts_for outside "$2"
} | grep -v '^#' | LC_ALL=C sort
