#!/bin/sh
# corpus-tshark.sh - reads the shared corpus with tshark and prints, per
# capture, the figures the corpus regression compares against: SIP
# messages (every SIP PDU, retransmissions included), distinct Call-IDs and
# RTP streams.  Its output was reviewed and recorded, with every deliberate
# difference explained, in tests/data/corpus-expected.tsv; run it again
# after a tshark upgrade to see whether the reference moved.
#
# Usage: tests/corpus-tshark.sh [CORPUS_DIR]
set -u
dir=${1:-../shared/corpus}
command -v tshark >/dev/null 2>&1 || { echo "tshark not installed" >&2; exit 77; }
printf 'file\tsip_messages\tcall_ids\trtp_streams\n'
for f in "$dir"/*; do
	case "$f" in *.md) continue ;; esac
	b=$(basename "$f")
	# SIP over TCP on 6060 needs a decode-as, as the corpus README says.
	da="-d tcp.port==6060,sip"
	# JSON keeps multi-valued fields apart (reason phrases may hold commas).
	msgs=$(tshark -r "$f" $da -Y sip -T json -e sip.Request-Line \
	    -e sip.Status-Line 2>/dev/null | python3 -c '
import json, sys
try:
    pk = json.load(sys.stdin)
except ValueError:
    pk = []
print(sum(len(p["_source"]["layers"].get("sip.Request-Line", [])) +
          len(p["_source"]["layers"].get("sip.Status-Line", [])) for p in pk))')
	cids=$(tshark -r "$f" $da -Y sip -T fields -e sip.Call-ID 2>/dev/null |
	    tr ',' '\n' | sed '/^$/d' | sort -u | wc -l)
	rtp=$(tshark -r "$f" $da -q -z rtp,streams 2>/dev/null |
	    awk '/ 0x[0-9A-Fa-f]+ / { n++ } END { print n + 0 }')
	printf '%s\t%s\t%s\t%s\n' "$b" "$msgs" "$cids" "$rtp"
done
