#!/bin/sh
# tests/bench/bench.sh - the throughput and memory benchmark (`make bench`).
#
# Generates a synthetic load capture (gen-load: N concurrent calls with
# G.711 RTP both ways at 50 packets/s, a share with one-way audio and a
# share with lost ACKs), then measures on the same capture, in the same
# run: sipalg-analyze (full analysis with detectors, JSON to /dev/null),
# the libpcap read floor, and tshark (-z sip,stat -z rtp,streams) when
# installed; prints times, peak RSS and the ratios.  Then it repeats the
# analyzer on a capture four times longer at the same concurrency to show
# that memory follows the calls in flight, not the file size.
#
# Environment: BENCH_PACKETS (default 2000000), BENCH_CALLS (1000),
# BENCH_CONCURRENCY (200), BENCH_DIR (temporary folder, removed after).
set -eu
top_builddir=${top_builddir:-$(pwd)}
packets=${BENCH_PACKETS:-2000000}
calls=${BENCH_CALLS:-1000}
conc=${BENCH_CONCURRENCY:-200}
dir=${BENCH_DIR:-$(mktemp -d)}
keep=${BENCH_DIR:+1}
mkdir -p "$dir"
cleanup() { [ -n "$keep" ] || rm -rf "$dir"; }
trap cleanup EXIT

gen="$top_builddir/tests/bench/gen-load"
floor="$top_builddir/tests/bench/floor"
analyze="$top_builddir/sipalg-analyze"

# measure CMD...: prints "elapsed_s maxrss_kb user_s sys_s" of one run.  Exit status 1
# is sipalg-analyze's "findings reported", not a failure.
measure() {
	rc=0
	/usr/bin/time -f '%e %M %U %S' -o "$dir/time" "$@" >/dev/null 2>"$dir/err" || rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "bench: $* failed (exit $rc):" >&2
		cat "$dir/err" >&2
		exit 1
	fi
	tail -n 1 "$dir/time"
}

echo "Generating $packets packets, $calls calls, $conc concurrent ..."
"$gen" --packets "$packets" --calls "$calls" --concurrency "$conc" \
    --one-way 5 --lost-ack 5 --seed 1 -w "$dir/load.pcap" 2>&1
"$gen" --packets $((packets * 4)) --calls $((calls * 4)) \
    --concurrency "$conc" --one-way 5 --lost-ack 5 --seed 2 \
    -w "$dir/load4.pcap" 2>&1
size=$(stat -c %s "$dir/load.pcap")
echo "capture: $(numfmt --to=iec "$size") ($size bytes)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"

# Warm the page cache so every tool reads from memory.
cat "$dir/load.pcap" >/dev/null

set -- $(measure "$floor" "$dir/load.pcap")
ft=$1 fm=$2 fc=$(echo "$3 $4" | awk '{print $1 + $2}')
set -- $(measure "$analyze" --quiet --format json "$dir/load.pcap")
at=$1 am=$2 ac=$(echo "$3 $4" | awk '{print $1 + $2}')
printf '%-28s %8s %8s %8s\n' "" "elapsed" "CPU" "peak RSS"
printf '%-28s %8s s %6s s %5s MB\n' "libpcap read floor" "$ft" "$fc" "$(echo "$fm" | awk '{printf "%.1f", $1/1024}')"
printf '%-28s %8s s %6s s %5s MB\n' "sipalg-analyze" "$at" "$ac" "$(echo "$am" | awk '{printf "%.1f", $1/1024}')"
if command -v tshark >/dev/null 2>&1; then
	set -- $(measure tshark -r "$dir/load.pcap" -q -z sip,stat -z rtp,streams)
	tt=$1 tm=$2 tc=$(echo "$3 $4" | awk '{print $1 + $2}')
	printf '%-28s %8s s %6s s %5s MB\n' "tshark sip,stat rtp,streams" "$tt" "$tc" "$(echo "$tm" | awk '{printf "%.1f", $1/1024}')"
else
	tt=""
	echo "tshark: not installed, no comparison"
fi
cat "$dir/load4.pcap" >/dev/null
set -- $(measure "$analyze" --quiet --format json "$dir/load4.pcap")
a4t=$1 a4m=$2
printf '%-28s %8s s %6s s %5s MB\n' "sipalg-analyze, 4x longer" "$a4t" "-" "$(echo "$a4m" | awk '{printf "%.1f", $1/1024}')"

echo "ratios:"
awk -v a="$at" -v f="$ft" -v ac="$ac" -v fc="$fc" 'BEGIN { printf "  analyze / floor        %.2fx elapsed, %.2fx CPU  (target <= 3)\n", (f > 0 ? a / f : 0), (fc > 0 ? ac / fc : 0) }'
[ -n "$tt" ] && awk -v a="$at" -v t="$tt" -v ac="$ac" -v tc="$tc" 'BEGIN { printf "  tshark / analyze       %.1fx elapsed, %.1fx CPU  (target >= 20)\n", (a > 0 ? t / a : 0), (ac > 0 ? tc / ac : 0) }'
awk -v m="$am" 'BEGIN { printf "  analyze peak RSS       %.1f MB (target < 64)\n", m / 1024 }'
awk -v m="$am" -v m4="$a4m" 'BEGIN { printf "  RSS 4x longer / 1x     %.2f (target <= 1.10)\n", (m > 0 ? m4 / m : 0) }'
