#!/bin/sh
# tests/adversarial/browse.sh - the browser stays bounded (issue 14 point
# 13): sipalg-browse on a capture, then on a store, of many dialogs
# (BROWSE_DIALOGS, default 200,000: half REGISTER + 200 OK with a private
# Contact, which carries an advisory, half INVITE + 486 Busy Here), driven
# in a detached tmux; its peak RSS (VmHWM in /proc/PID/status) is
# compared with what the analysis alone needs for the same input
# (sipalg-analyze, /usr/bin/time %M): what the browser adds must stay
# under BYTES_PER_DIALOG for each dialog it lists (plus SLACK_MB for
# curses and the call list's arrays), which extrapolates to 256 MB for
# a million dialogs.  Once the list is complete a dialog is opened
# (its ladder loaded) and the figure read again.
#
# The dialogs are half a second apart so that the analysis keeps few in
# flight (registrations linger CAP_REGISTER_IDLE_NS, about 7,400 of
# them): its own peak is bounded by calls in flight and asserted in
# run.sh, not here.  The browser is killed as soon as it crosses the
# bound, so a regression cannot take the machine's memory.
#
# Skips (77) without tmux, python3 or /usr/bin/time, and in a sanitizer
# build (RSS is not meaningful there).
. "${top_srcdir:-.}/tests/lib.sh"
BROWSE="$top_builddir/sipalg-browse"
N=${BROWSE_DIALOGS:-200000}
BYTES_PER_DIALOG=268        # 256 MiB / 1,000,000
SLACK_MB=24

for t in tmux python3; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "SKIP: $t not found"
		exit 77
	fi
done
if [ ! -x /usr/bin/time ]; then
	echo "SKIP: /usr/bin/time (Debian package 'time') is needed for peak RSS"
	exit 77
fi
if grep -q __asan_init "$BROWSE" 2>/dev/null; then
	echo "SKIP: sanitizer build: peak RSS is not meaningful"
	exit 77
fi

tmp=$(mktemp -d)
trap '$T kill-server 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
tmux_begin sipalg-mem

# ---- the capture: N dialogs, written in one pass ----
t0=$(date +%s)
python3 - "$tmp/many.pcap" "$N" <<'PY'
import struct, sys
n = int(sys.argv[2])
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
R = bytes((203, 0, 113, 10))
udp = struct.Struct("!HHHH")
iph = struct.Struct("!BBHHHBBH4s4s")
rec = struct.Struct("<IIII")
REG = ("REGISTER sip:example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.%d.%d.%d:5060;"
       "branch=z9hG4bK%d\r\nFrom: <sip:u%d@example.net>;tag=f%d\r\nTo: "
       "<sip:u%d@example.net>%s\r\nCall-ID: m%d@h\r\nCSeq: 1 REGISTER\r\n"
       "Contact: <sip:u%d@10.%d.%d.%d:5060>\r\nExpires: 3600\r\n"
       "Content-Length: 0\r\n\r\n")
INV = ("INVITE sip:u%d@example.net SIP/2.0\r\nVia: SIP/2.0/UDP 10.%d.%d.%d:5060;"
       "branch=z9hG4bK%d\r\nFrom: <sip:u%d@example.net>;tag=f%d\r\nTo: "
       "<sip:u%d@example.net>%s\r\nCall-ID: m%d@h\r\nCSeq: 1 INVITE\r\n"
       "Contact: <sip:u%d@10.%d.%d.%d:5060>\r\nContent-Length: 0\r\n\r\n")
def frame(src, dst, payload):
    u = udp.pack(5060, 5060, 8 + len(payload), 0) + payload
    return b"\x00" * 12 + b"\x08\x00" + iph.pack(0x45, 0, 20 + len(u), 1, 0,
        64, 17, 0, src, dst) + u
for i in range(n):
    a, b, c = (i >> 16) & 255, (i >> 8) & 255, i & 255
    pub = bytes((198, 51, (i >> 8) & 255, i & 255))
    if i % 2 == 0:
        req = REG % (a, b, c, i, i, i, i, "", i, i, a, b, c)
        res = "SIP/2.0 200 OK" + (REG % (a, b, c, i, i, i, i, ";tag=t%d" % i,
            i, i, a, b, c)).split("\r\n", 1)[1]
    else:
        req = INV % (i + 1, a, b, c, i, i, i, i + 1, "", i, i, a, b, c)
        res = "SIP/2.0 486 Busy Here" + (INV % (i + 1, a, b, c, i, i, i,
            i + 1, ";tag=t%d" % i, i, i, a, b, c)).split("\r\n", 1)[1]
    ts = 1700000000 * 1000000 + i * 500000
    for (us, f) in ((ts, frame(pub, R, req.encode())),
                    (ts + 20000, frame(R, pub, res.encode()))):
        out.write(rec.pack(us // 1000000, us % 1000000, len(f), len(f)) + f)
out.close()
PY
[ $? -eq 0 ] || { fail "could not write the capture"; finish; }
echo "capture: $N dialogs, $(($(wc -c <"$tmp/many.pcap") / 1048576)) MB, $(($(date +%s) - t0)) s"

screen() {
	$T capture-pane -p -t b 2>/dev/null
}

# measure NAME BASE_KB ARGS: starts the browser on ARGS, waits for the
# whole list, opens the first dialog's ladder, checks the peak RSS
# against BASE_KB + the per-dialog bound.
measure() {
	name=$1
	base=$2
	shift 2
	bound=$((base + SLACK_MB * 1024 + N / 1024 * BYTES_PER_DIALOG))
	$T kill-session -t b 2>/dev/null
	$T new-session -d -s b -x 120 -y 30 \
	    "cd '$tmp' && TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 exec $*"
	sleep 0.5
	pid=$($T display-message -p -t b '#{pane_pid}')
	t0=$(date +%s)
	state=loading
	hwm=0
	while :; do
		h=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status" 2>/dev/null)
		[ -n "$h" ] && hwm=$h
		if [ "$hwm" -gt "$bound" ]; then
			state=over
			break
		fi
		case $state in
		loading)
			if screen | grep -qF "$N dialogs ($N shown)"; then
				state=opening
				$T send-keys -t b Enter
			fi ;;
		opening)
			if screen | grep -qF "Ladder"; then
				sleep 0.5
				state=done
				continue
			fi ;;
		done)
			break ;;
		esac
		if [ $(($(date +%s) - t0)) -gt 900 ]; then
			state="timeout ($state)"
			break
		fi
		sleep 0.2
	done
	# The title: "N dialogs (N shown)", "... N dialogs" while a capture
	# loads, "N of M dialogs" while a store is read.
	listed=$(screen | sed -n '1{s/.* \([0-9][0-9]*\) of [0-9]* dialogs.*/\1/p;t
s/.* \([0-9][0-9]*\) dialogs.*/\1/p;}')
	[ "${listed:-0}" -gt 0 ] || listed=1
	kill "$pid" 2>/dev/null
	per=$(((hwm - base) * 1024 / listed))
	echo "$name: peak RSS $((hwm / 1024)) MB with $listed dialogs listed, analysis alone $((base / 1024)) MB: $per bytes a dialog (bound $BYTES_PER_DIALOG + $SLACK_MB MB), about $((per * 1000000 / 1048576)) MB for a million, $(($(date +%s) - t0)) s"
	case $state in
	done) ok ;;
	over) fail "$name: peak RSS over $((bound / 1024)) MB before the list was complete (killed)" ;;
	*) fail "$name: $state: screen was:"; screen >&2 ;;
	esac
}

# The analysis alone over the same input.
/usr/bin/time -f %M -o "$tmp/an.rss" "$ANALYZE" -q -f text \
    "$tmp/many.pcap" >/dev/null 2>&1
base=$(tail -n 1 "$tmp/an.rss")
measure capture "$base" "'$BROWSE' many.pcap"

# The same from a store (SQLite), against --report over it.
"$ANALYZE" -q --db "$tmp/many.db" "$tmp/many.pcap" >/dev/null 2>&1
[ $? -le 1 ] || fail "could not store the capture"
/usr/bin/time -f %M -o "$tmp/rep.rss" "$ANALYZE" -q --db "$tmp/many.db" \
    --report >/dev/null 2>&1
base=$(tail -n 1 "$tmp/rep.rss")
measure store "$base" "'$BROWSE' --db many.db"

finish
