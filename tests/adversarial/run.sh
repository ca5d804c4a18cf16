#!/bin/sh
# tests/adversarial/run.sh - hostile captures against sipalg-analyze: it
# must finish (exit 0, or 1 when it reports findings; never a crash, a
# hang or exit 3), count the anomaly the capture is built to trigger, and
# keep its peak RSS under a stated bound.
#
# Captures come from tests/adversarial/gen (see gen.c for each scenario)
# and are streamed through a pipe (/dev/stdin), so nothing big is written
# to disk.  Memory bounds (peak RSS, /usr/bin/time %M, sanitizer-free
# build):
#
#   BOUND_MB = 128 for every scenario.  The million Call-IDs stay under
#     it because dialogs are evicted past CAP_DIALOG_TOTAL_BYTES (32 MB) or
#     CAP_DIALOGS, fragments are capped at CAP_FRAG_DATAGRAMS x 64 KB, TCP
#     at CAP_TCP_FLOW_BYTES per direction, and RTP at CAP_STREAMS (about
#     1.6 KB each, ~32 MB) with stray SSRCs limited to
#     CAP_UNANNOUNCED_STREAMS, the least recently active evicted first.
#
# Under ASan (detected in the binary) RSS is not meaningful: the RSS
# assertions are skipped with a message and the flood is cut to
# ADV_CALLIDS_ASAN Call-IDs.  ADV_CALLIDS overrides the flood size.
. "${top_srcdir:-.}/tests/lib.sh"
GEN="$top_builddir/tests/adversarial/gen"
BOUND_MB=128
RTP_BOUND_MB=$BOUND_MB
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$GEN" ] || [ ! -x "$ANALYZE" ]; then
	echo "SKIP: $GEN or $ANALYZE not built"
	exit 77
fi
if [ ! -x /usr/bin/time ]; then
	echo "SKIP: /usr/bin/time (Debian package 'time') is needed for peak RSS"
	exit 77
fi
asan=0
if grep -q __asan_init "$ANALYZE" 2>/dev/null; then
	asan=1
	echo "note: sanitizer build: peak RSS not asserted, flood reduced"
fi
callids=${ADV_CALLIDS:-1000000}
[ "$asan" -eq 1 ] && callids=${ADV_CALLIDS:-${ADV_CALLIDS_ASAN:-100000}}

# run NAME BOUND_MB GEN_ARGS... : generate into a pipe, analyse, keep
# the report in $tmp/NAME.json (JSON; text when FMT=text) and check exit
# status and peak RSS.
run() {
	name=$1
	bound=$2
	shift 2
	t0=$(date +%s)
	"$GEN" "$@" | /usr/bin/time -f %M -o "$tmp/$name.rss" \
	    "$ANALYZE" -q -f "${FMT:-json}" /dev/stdin >"$tmp/$name.json" \
	    2>"$tmp/$name.err"
	rc=$?
	# /usr/bin/time reports the child's status on a line of its own.
	rss=$(tail -n 1 "$tmp/$name.rss")
	t1=$(date +%s)
	case $rc in
	0|1) ok ;;
	*) fail "$name: sipalg-analyze exited $rc: $(head -c 500 "$tmp/$name.err")" ;;
	esac
	if [ "${FMT:-json}" = json ] && ! python3 -c \
	    'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' \
	    "$tmp/$name.json" 2>"$tmp/$name.jerr"; then
		fail "$name: JSON output invalid: $(head -c 300 "$tmp/$name.jerr")"
	fi
	if [ "$asan" -eq 1 ]; then
		echo "$name: exit $rc, peak RSS $((rss / 1024)) MB (sanitizer build: not asserted), $((t1 - t0)) s"
	else
		echo "$name: exit $rc, peak RSS $((rss / 1024)) MB (bound $bound MB), $((t1 - t0)) s"
	fi
	if [ "$asan" -eq 0 ]; then
		if [ "$rss" -gt $((bound * 1024)) ]; then
			fail "$name: peak RSS ${rss} KB over the bound of $bound MB"
		else
			ok
		fi
	fi
}

# expect NAME ANOMALY... : at least one of the anomalies is non-zero.
expect() {
	name=$1
	shift
	got=$(python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
an = j["captures"][0].get("anomalies", {})
print(" ".join("%s=%d" % (k, an.get(k, 0)) for k in sys.argv[2:] if an.get(k, 0) > 0))' \
	    "$tmp/$name.json" "$@" 2>&1)
	if [ -z "$got" ]; then
		fail "$name: none of [$*] counted; anomalies: $(python3 -c 'import json,sys
print(json.load(open(sys.argv[1]))["captures"][0].get("anomalies"))' "$tmp/$name.json" 2>&1)"
	else
		ok
		echo "  $name: $got"
	fi
}

# The flood's report is read in text form: its JSON (380 bytes a dialog)
# would be bigger than the capture.
FMT=text run callids "$BOUND_MB" callids "$callids"
n=$(sed -n 's/^ *dialog_table_full  *\([0-9][0-9]*\) .*/\1/p' "$tmp/callids.json")
if [ "${n:-0}" -gt 0 ]; then
	ok
	echo "  callids: dialog_table_full=$n"
else
	fail "callids: dialog_table_full not counted: $(tail -n 5 "$tmp/callids.json")"
fi
# Every Call-ID is reported (evicted early or at the end), none lost.
ndlg=$(sed -n 's/.*), dialogs \([0-9][0-9]*\)$/\1/p' "$tmp/callids.json")
check "callids: dialogs reported" "$callids" "$ndlg"

run frags "$BOUND_MB" frags
expect frags frag_timeout
expect frags frag_table_full
expect frags frag_too_many
expect frags frag_too_big

run tcp-noframe "$BOUND_MB" tcp-noframe 10
expect tcp-noframe tcp_buffer_full sip_too_large sip_line_too_long

run bighdr-tcp "$BOUND_MB" bighdr-tcp
expect bighdr-tcp sip_line_too_long sip_too_large tcp_buffer_full

run bighdr-udp "$BOUND_MB" bighdr-udp
expect bighdr-udp sip_line_too_long sip_too_large
# The 45 fragments did reassemble (no fragment anomaly on the way).
python3 -c 'import json,sys
an = json.load(open(sys.argv[1]))["captures"][0].get("anomalies", {})
sys.exit(1 if any(k.startswith("frag_") for k in an) else 0)' "$tmp/bighdr-udp.json" ||
    fail "bighdr-udp: fragments not reassembled"

run rtp "$RTP_BOUND_MB" rtp
expect rtp stream_table_full
# The call's streams survived the jumps with sane statistics.
python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
d = [d for d in j["dialogs"] if d["call_id"] == "rtp-jumps@x"]
assert d, "call missing"
st = d[0]["streams"]
assert len(st) >= 2, "streams missing: %r" % st
for s in st:
    assert s["packets"] >= 1 and s["lost"] >= 0, s
' "$tmp/rtp.json" || fail "rtp: call or its streams wrong"

finish
