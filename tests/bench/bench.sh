#!/bin/sh
# tests/bench/bench.sh - the throughput and memory benchmark (`make bench`).
#
# Two synthetic captures from gen-load, measured in the same run:
#
#   rtp   RTP-heavy: N concurrent calls with G.711 RTP both ways at 50
#         packets/s, a share with one-way audio and a share with lost ACKs
#         (what a capture on a phone's or router's link holds);
#   sig   signalling only: many calls, no RTP, 8 % of them with lost ACKs
#         and ten 200 OK retransmissions (what an operator captures on a
#         proxy or SBC with a `port 5060` filter).
#
# For each: the libpcap read floor, sipalg-analyze (full analysis with
# detectors, JSON to /dev/null), tshark and sngrep when installed; elapsed
# time, CPU time (user + system), peak RSS and page faults; the ratios;
# the CPU per SIP message; and the analyzer again on a capture four times
# longer at the same concurrency, to show that memory follows the calls in
# flight, not the file size.  A benchmark prints figures: nothing here
# passes or fails on a time.  Compare CPU times when the machine is busy
# (see uptime).
#
# Environment:
#   BENCH_PACKETS (rtp, default 2000000), BENCH_CALLS (1000),
#   BENCH_CONCURRENCY (200);
#   BENCH_SIG_CALLS (40000), BENCH_SIG_CONCURRENCY (2000);
#   BENCH_SHAPES (default "rtp sig");
#   BENCH_SIM=0 leaves out sipalg-sim (--profile linux, the report to
#   /dev/null) on both captures and their 4x longer forms (its ratio: the
#   replay's cost follows the calls in flight, not the file);
#   BENCH_MILLION=1 adds a 1,000,000-call signalling capture, streamed from
#   gen-load through a pipe (never on disk), for its peak RSS;
#   BENCH_RUNS (default 5): the floor and sipalg-analyze on the 1x
#   capture run this many times, in rounds, and each row shows the run of
#   median CPU time (a single run of a fraction of a second is at the
#   mercy of one hiccup of the host);
#   BENCH_TOOL_RUNS (default 3): tshark and sngrep run in that many of
#   those rounds, beside the analyzer, and their rows are medians too
#   (tshark's own CPU moves by a quarter from one minute to the next on a
#   VM, most of it the system time of its page faults); the longer runs
#   and the simulator run once;
#   BENCH_DIR (temporary folder, removed after unless given).
set -eu
top_builddir=${top_builddir:-$(pwd)}
packets=${BENCH_PACKETS:-2000000}
calls=${BENCH_CALLS:-1000}
conc=${BENCH_CONCURRENCY:-200}
sig_calls=${BENCH_SIG_CALLS:-40000}
sig_conc=${BENCH_SIG_CONCURRENCY:-2000}
shapes=${BENCH_SHAPES:-rtp sig}
runs=${BENCH_RUNS:-5}
tool_runs=${BENCH_TOOL_RUNS:-3}
[ "$tool_runs" -le "$runs" ] || tool_runs=$runs
dir=${BENCH_DIR:-$(mktemp -d)}
keep=${BENCH_DIR:+1}
mkdir -p "$dir"
cleanup() { [ -n "$keep" ] || rm -rf "$dir"; }
trap cleanup EXIT

gen="$top_builddir/tests/bench/gen-load"
floor="$top_builddir/tests/bench/floor"
runstat="$top_builddir/tests/bench/runstat"
analyze="$top_builddir/sipalg-analyze"
sim="$top_builddir/sipalg-sim"
with_sim=
[ "${BENCH_SIM:-1}" = 0 ] || [ ! -x "$sim" ] || with_sim=1

# measure CMD...: "elapsed_s cpu_s maxrss_kb faults" of one run, to the
# microsecond (runstat).  Exit status 1 is sipalg-analyze's "findings
# reported", not a failure.
measure() {
	rc=0
	"$runstat" -o "$dir/time" "$@" >/dev/null 2>"$dir/err" </dev/null ||
	    rc=$?
	if [ "$rc" -gt 1 ]; then
		echo "bench: $* failed (exit $rc):" >&2
		cat "$dir/err" >&2
		exit 1
	fi
	cat "$dir/time"
}

# median FILE: the line of FILE ("elapsed cpu rss faults" lines) of
# median CPU.
median() {
	sort -k2,2n "$1" | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

# row LABEL "elapsed cpu rss faults": one line of the table.
row() {
	echo "$2" | awk -v l="$1" '{ printf "  %-38s %8.3f s %8.3f s %8.1f MB %8d\n",
	    l, $1, $2, $3 / 1024, $4 }'
}

# c3 "elapsed cpu rss faults": the first three, which the ratios below
# take by position.
c3() {
	echo "$1" | cut -d' ' -f1-3
}

# gen OUT ARGS...: writes a capture, prints its SIP message count.
gen() {
	out=$1
	shift
	"$gen" "$@" -w "$out" 2>"$dir/gen.err" || { cat "$dir/gen.err" >&2; exit 1; }
	sed -n 's/.*packets (\([0-9]*\) SIP.*/\1/p' "$dir/gen.err"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load$(uptime | sed 's/.*load average//')"
have_tshark=$(command -v tshark >/dev/null 2>&1 && echo 1 || true)
have_sngrep=$(command -v sngrep >/dev/null 2>&1 && echo 1 || true)

for shape in $shapes; do
	case $shape in
	rtp)
		title="RTP-heavy: $calls calls, $conc concurrent, G.711 both ways, 5 % one-way, 5 % lost ACKs"
		n1=$(gen "$dir/$shape.pcap" --packets "$packets" --calls "$calls" \
		    --concurrency "$conc" --one-way 5 --lost-ack 5 --seed 1)
		n4=$(gen "$dir/$shape-4x.pcap" --packets $((packets * 4)) \
		    --calls $((calls * 4)) --concurrency "$conc" --one-way 5 \
		    --lost-ack 5 --seed 2)
		tshark_z="-z sip,stat -z rtp,streams"
		floor_target=1.3
		;;
	sig)
		title="signalling only: $sig_calls calls, $sig_conc concurrent, no RTP, 8 % lost ACKs"
		n1=$(gen "$dir/$shape.pcap" --no-rtp --calls "$sig_calls" \
		    --concurrency "$sig_conc" --lost-ack 8 --seed 1)
		n4=$(gen "$dir/$shape-4x.pcap" --no-rtp --calls $((sig_calls * 4)) \
		    --concurrency "$sig_conc" --lost-ack 8 --seed 2)
		tshark_z="-z sip,stat"
		floor_target=
		;;
	*)
		echo "bench: unknown shape '$shape' (rtp, sig)" >&2
		exit 2
		;;
	esac
	f="$dir/$shape.pcap"
	size=$(stat -c %s "$f")
	pkts=$("$floor" "$f" | cut -d' ' -f1)
	echo
	echo "$title"
	echo "  capture: $(numfmt --to=iec "$size") ($pkts packets, $n1 SIP messages)"
	printf '  %-38s %10s %10s %11s %8s\n' "" "elapsed" "CPU" "peak RSS" "faults"
	# Warm the page cache so every tool reads from memory.
	cat "$f" >/dev/null
	: >"$dir/fl.runs"
	: >"$dir/an.runs"
	: >"$dir/ts.runs"
	: >"$dir/sg.runs"
	: >"$dir/ratio.runs"
	# Rounds: the tools run beside the analyzer, so a slow minute of the
	# host slows all of them; each round's tshark / analyze ratio is kept.
	i=0
	while [ "$i" -lt "$runs" ]; do
		measure "$floor" "$f" >>"$dir/fl.runs"
		a=$(measure "$analyze" --quiet --format json "$f")
		echo "$a" >>"$dir/an.runs"
		if [ "$i" -lt "$tool_runs" ] && [ -n "$have_tshark" ]; then
			# shellcheck disable=SC2086
			t=$(measure tshark -r "$f" -q $tshark_z)
			echo "$t" >>"$dir/ts.runs"
			echo "$(c3 "$a") $(c3 "$t")" | awk '{ printf "%.2f\n", ($2 > 0 ? $5 / $2 : 0) }' \
			    >>"$dir/ratio.runs"
		fi
		if [ "$i" -lt "$tool_runs" ] && [ -n "$have_sngrep" ]; then
			measure sngrep -N -q -I "$f" >>"$dir/sg.runs"
		fi
		i=$((i + 1))
	done
	fl=$(median "$dir/fl.runs")
	an=$(median "$dir/an.runs")
	row "libpcap read floor" "$fl"
	row "sipalg-analyze --format json" "$an"
	ts=
	if [ -n "$have_tshark" ]; then
		ts=$(median "$dir/ts.runs")
		row "tshark -q $tshark_z" "$ts"
	fi
	sg=
	if [ -n "$have_sngrep" ]; then
		sg=$(median "$dir/sg.runs")
		row "sngrep -N -q -I" "$sg"
	fi
	[ "$runs" -le 1 ] || echo "    (the rows above: the run of median CPU of $runs, tshark and sngrep of $tool_runs)"
	cat "$dir/$shape-4x.pcap" >/dev/null
	a4=$(measure "$analyze" --quiet --format json "$dir/$shape-4x.pcap")
	row "sipalg-analyze, 4x longer" "$a4"
	echo "  ratios:"
	echo "$(c3 "$an") $(c3 "$fl") $n1 $(c3 "$a4") $n4 ${floor_target:-0}" | awk '{
		printf "    analyze / floor      %6.2fx elapsed %6.2fx CPU%s\n",
		    ($4 > 0 ? $1 / $4 : 0), ($5 > 0 ? $2 / $5 : 0),
		    ($12 > 0 ? sprintf("  (target <= %s)", $12) : "")
		printf "    CPU per SIP message  %6.2f us (4x longer: %.2f us)\n",
		    ($7 > 0 ? $2 * 1e6 / $7 : 0), ($11 > 0 ? $9 * 1e6 / $11 : 0)
		printf "    peak RSS             %6.1f MB (target < 64), 4x longer / 1x %.2f (target <= 1.10)\n",
		    $3 / 1024, ($3 > 0 ? $10 / $3 : 0) }'
	if [ -n "$with_sim" ]; then
		s1=$(measure "$sim" --profile linux "$f")
		s4=$(measure "$sim" --profile linux "$dir/$shape-4x.pcap")
		row "sipalg-sim --profile linux" "$s1"
		row "sipalg-sim, 4x longer" "$s4"
		echo "$(c3 "$s1") $(c3 "$s4")" | awk '{
			printf "    sim 4x longer / 1x   %6.2fx CPU (linear: 4), peak RSS %.2f\n",
			    ($2 > 0 ? $5 / $2 : 0), ($3 > 0 ? $6 / $3 : 0) }'
	fi
	[ -z "$ts" ] || echo "$(c3 "$an") $(c3 "$ts")" | awk '{
		printf "    tshark / analyze     %6.1fx elapsed %6.1fx CPU (medians)\n",
		    ($1 > 0 ? $4 / $1 : 0), ($2 > 0 ? $5 / $2 : 0) }'
	# The runs of one round were made the same minute: their ratio is the
	# one the host's swings move least.
	[ -z "$ts" ] || sort -n "$dir/ratio.runs" | awk '
		{ r[NR] = $1 } END { printf "      paired by round:   %s", r[1];
		for (i = 2; i <= NR; i++) printf ", %s", r[i];
		printf "x CPU (median %sx)\n", r[int((NR + 1) / 2)] }'
	[ -z "$sg" ] || echo "$(c3 "$an") $(c3 "$sg")" | awk '{
		printf "    sngrep / analyze     %6.1fx elapsed %6.1fx CPU\n",
		    ($1 > 0 ? $4 / $1 : 0), ($2 > 0 ? $5 / $2 : 0) }'
	rm -f "$dir/$shape.pcap" "$dir/$shape-4x.pcap"
done

if [ "${BENCH_MILLION:-}" = 1 ]; then
	echo
	echo "signalling only, 1,000,000 calls, $sig_conc concurrent, streamed through a pipe:"
	"$gen" --no-rtp --calls 1000000 --concurrency "$sig_conc" --lost-ack 8 \
	    --seed 3 -w - 2>"$dir/gen.err" |
	    "$runstat" -o "$dir/time" \
	    "$analyze" --quiet --format json /dev/stdin >/dev/null || [ $? -eq 1 ]
	n=$(sed -n 's/.*packets (\([0-9]*\) SIP.*/\1/p' "$dir/gen.err")
	awk -v n="$n" '{
		printf "  sipalg-analyze: %d SIP messages, %.2f s CPU (%.2f us each), peak RSS %.1f MB, %d page faults\n",
		    n, $2, (n > 0 ? $2 * 1e6 / n : 0), $3 / 1024, $4 }' "$dir/time"
fi
