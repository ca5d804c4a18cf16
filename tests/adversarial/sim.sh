#!/bin/sh
# tests/adversarial/sim.sh - sipalg-sim against a flood of calls in
# flight: its memory must follow the calls (its tables, caps.h SIM_CAP_*),
# not the capture's size, and every cap it hits must be reported by name.
#
# The capture (tests/adversarial/gen simflood CALLS ROUNDS): CALLS phones
# each call one proxy with an audio and a video line, answered and never
# hung up, then ROUNDS rounds of RTP both ways of every call.  9000 calls
# pass SIM_CAP_DIALOGS (4096 predicted) and, with two expectations each,
# SIM_CAP_PINHOLES (16384), while their 27000 mappings stay inside the
# public port range (32768-60999) so the run is not port exhaustion.
# 100 rounds make the file about 170 MB.
#
# Bound: BOUND_MB = 112 peak RSS (/usr/bin/time %M).  4096 predicted calls
# of about 14 KB each are 56 MB, the NAT's 27000 mappings and 16384
# pinholes under 10 MB, the indexes about 2 MB; the rest is the program
# and libraries.  Before the simulator streamed its input it held every
# packet: 173 MB peak and 189 s for the 75 MB file of 40 rounds, which
# then predicted 1640 calls without saying why no more.
# The test asserts the file is larger than the bound, so a simulator that
# copies its input cannot pass.
#
# Under ASan RSS is not meaningful: not asserted, the flood is smaller.
. "${top_srcdir:-.}/tests/lib.sh"
SIM="$top_builddir/sipalg-sim"
GEN="$top_builddir/tests/adversarial/gen"
BOUND_MB=112
CALLS=9000
ROUNDS=${ADV_SIM_ROUNDS:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$GEN" ] || [ ! -x "$SIM" ]; then
	echo "SKIP: $GEN or $SIM not built"
	exit 77
fi
if [ ! -x /usr/bin/time ]; then
	echo "SKIP: /usr/bin/time (Debian package 'time') is needed for peak RSS"
	exit 77
fi
asan=0
if grep -q __asan_init "$SIM" 2>/dev/null; then
	asan=1
	ROUNDS=${ADV_SIM_ROUNDS:-5}
	echo "note: sanitizer build: peak RSS not asserted, $ROUNDS rounds of RTP"
fi

"$GEN" simflood "$CALLS" "$ROUNDS" >"$tmp/flood.pcap" ||
    { echo "FAIL: gen simflood failed" >&2; exit 1; }
size_kb=$(( $(wc -c <"$tmp/flood.pcap") / 1024 ))
t0=$(date +%s)
/usr/bin/time -f %M -o "$tmp/rss" "$SIM" -f json "$tmp/flood.pcap" \
    >"$tmp/out.json" 2>"$tmp/err"
rc=$?
t1=$(date +%s)
rss=$(tail -n 1 "$tmp/rss")
check "sipalg-sim exit status ($(head -c 300 "$tmp/err"))" 0 "$rc"
echo "simflood: $CALLS calls, $((size_kb / 1024)) MB capture, peak RSS" \
    "$((rss / 1024)) MB (bound $BOUND_MB MB), $((t1 - t0)) s"
if [ "$asan" -eq 0 ]; then
	[ "$size_kb" -gt $((BOUND_MB * 1024)) ] ||
	    fail "the capture ($size_kb KB) must be larger than the bound to test streaming"
	if [ "$rss" -gt $((BOUND_MB * 1024)) ]; then
		fail "peak RSS $rss KB over the bound of $BOUND_MB MB"
	else
		ok
	fi
fi

# The caps reached are named, and the prediction stops at the dialog cap.
caps=$(sed -n 's/^#define SIM_CAP_DIALOGS *\([0-9]*\).*/\1/p' \
    "$top_srcdir/analyzer/base/caps.h")
python3 - "$tmp/out.json" "$caps" "$CALLS" <<'EOF' || fail "simflood: report wrong"
import json, sys
j = json.load(open(sys.argv[1]))
cap, calls = int(sys.argv[2]), int(sys.argv[3])
r = j["runs"][0]
an = r.get("anomalies", {})
for name in ("sim_dialog_table_full", "sim_pinhole_table_full"):
    assert an.get(name, 0) > 0, "anomaly %s not reported: %r" % (name, an)
assert "sim_nat_table_full" not in an, an
assert len(r["dialogs"]) == cap, (len(r["dialogs"]), cap)
# the calls predicted were all seen through to their RTP: most complete
done = sum(1 for d in r["dialogs"] if d["outcome"] == "completed")
assert done > cap // 2, "only %d of %d predicted calls complete" % (done, cap)
EOF
ok
finish
