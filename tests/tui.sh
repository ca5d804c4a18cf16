#!/bin/sh
# tests/tui.sh - sipalg-browse end to end: drive it in a detached tmux
# (80x24, then resized to 120x40) with send-keys and assert on the screen
# text from capture-pane.  The main capture is written here (one call with
# a retransmitted 200 OK, an escape sequence in a header and RTP both
# ways, plus a REGISTER), so the test always runs where tmux exists; the
# public corpus and samples/linux-alg add checks when present.
# Skips (77) without tmux.  Uses its own tmux socket, killed at exit.
. "${top_srcdir:-.}/tests/lib.sh"
BROWSE="$top_builddir/sipalg-browse"

if ! command -v tmux >/dev/null 2>&1; then
	echo "SKIP: tmux not found (apt-get install tmux to run the TUI tests)"
	exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "SKIP: python3 not found (needed to write the test capture)"
	exit 77
fi

tmp=$(mktemp -d)
trap '$T kill-server 2>/dev/null; umount "$tmp/ro" 2>/dev/null; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
tmux_begin sipalg-test

# ---- command line, no terminal needed ----
"$BROWSE" --help >"$tmp/help" 2>&1
check "--help exit" 0 $?
grep -q -- '--ascii' "$tmp/help" || fail "--help does not list --ascii"
"$BROWSE" >/dev/null 2>"$tmp/e"
check "no file exit" 2 $?
"$BROWSE" --columns start,bogus x >/dev/null 2>"$tmp/e"
check "bad column exit" 2 $?
grep -q "unknown column 'bogus'" "$tmp/e" || fail "bad column message: $(cat "$tmp/e")"
"$BROWSE" "$tmp/missing.pcap" >/dev/null 2>"$tmp/e"
check "missing file exit" 3 $?
grep -q "^sipalg-browse: $tmp/missing.pcap: No such file" "$tmp/e" ||
    fail "missing file message: $(cat "$tmp/e")"

# ---- the capture ----
python3 - "$tmp/call.pcap" <<'PY'
import struct, sys
A, B, R = "192.0.2.10", "192.0.2.20", "192.0.2.30"
def ip(s): return bytes(int(x) for x in s.split("."))
def frame(src, sp, dst, dp, payload):
    udp = struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17,
                      0, ip(src), ip(dst))
    return b"\x00" * 12 + b"\x08\x00" + hdr + udp
def sdp(addr, port):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\n" % (addr, addr, port)).encode()
def sip(first, cseq, to_tag="", body=b"", extra=b""):
    h = (first + "\r\n"
         "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK" + cseq.split()[1] + cseq.split()[0] + "\r\n"
         "From: <sip:alice@192.0.2.10>;tag=fa\r\n"
         "To: <sip:bob@192.0.2.20>" + to_tag + "\r\n"
         "Call-ID: tui-call-1@192.0.2.10\r\n"
         "CSeq: " + cseq + "\r\n"
         "Contact: <sip:alice@192.0.2.10:5060>\r\n").encode() + extra
    if body:
        h += b"Content-Type: application/sdp\r\n"
    return h + b"Content-Length: %d\r\n\r\n" % len(body) + body
pk = []
t = 1700000000.0
pk.append((t, frame(A, 5060, B, 5060, sip("INVITE sip:bob@192.0.2.20 SIP/2.0",
    "1 INVITE", body=sdp(A, 4000), extra=b"User-Agent: evil\x1b[31mred\r\n"))))
pk.append((t + 0.1, frame(B, 5060, A, 5060, sip("SIP/2.0 180 Ringing", "1 INVITE", ";tag=tb"))))
for i in range(3):
    pk.append((t + 1 + i * 0.5, frame(B, 5060, A, 5060,
        sip("SIP/2.0 200 OK", "1 INVITE", ";tag=tb", sdp(B, 5000)))))
pk.append((t + 2.2, frame(A, 5060, B, 5060, sip("ACK sip:bob@192.0.2.20 SIP/2.0", "1 ACK", ";tag=tb"))))
for i in range(50):
    for (s, sp, d, dp, ssrc) in ((A, 4000, B, 5000, 0x1111), (B, 5000, A, 4000, 0x2222)):
        rtp = struct.pack("!BBHII", 0x80, 0, i, i * 160, ssrc) + b"\xff" * 160
        pk.append((t + 2.3 + i * 0.02, frame(s, sp, d, dp, rtp)))
pk.append((t + 4, frame(A, 5060, B, 5060, sip("BYE sip:bob@192.0.2.20 SIP/2.0", "2 BYE", ";tag=tb"))))
pk.append((t + 4.1, frame(B, 5060, A, 5060, sip("SIP/2.0 200 OK", "2 BYE", ";tag=tb"))))
reg = (b"REGISTER sip:192.0.2.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.30:5060;branch=z9hG4bKr1\r\n"
       b"From: <sip:carol@192.0.2.20>;tag=fr\r\nTo: <sip:carol@192.0.2.20>\r\n"
       b"Call-ID: tui-reg-2\r\nCSeq: 1 REGISTER\r\nContact: <sip:carol@192.0.2.30>\r\n"
       b"Content-Length: 0\r\n\r\n")
pk.append((t + 0.5, frame(R, 5060, B, 5060, reg)))
pk.sort(key=lambda p: p[0])
out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
for ts, f in pk:
    sec = int(ts); usec = int(round((ts - sec) * 1e6))
    out += struct.pack("<IIII", sec, usec, len(f), len(f)) + f
open(sys.argv[1], "wb").write(out)
PY

screen() {
	$T capture-pane -p -t b 2>/dev/null
}

# wait_for TEXT: until the screen shows TEXT (fixed string), 10 s at most.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		if screen | grep -qF -- "$1"; then
			ok
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	fail "screen never showed '$1'; screen was:"
	screen >&2
	return 1
}

# expect TEXT: on the screen after the keys sent (0.3 s, then up to 10 s
# more while the program draws); expect_not TEXT: not on it after 0.3 s.
expect() {
	sleep 0.3
	i=0
	while ! screen | grep -qF -- "$1"; do
		if [ $i -ge 100 ]; then
			fail "screen does not show '$1'; screen was:"
			screen >&2
			return
		fi
		sleep 0.1
		i=$((i + 1))
	done
	ok
}
expect_not() {
	sleep 0.3
	if screen | grep -qF -- "$1"; then
		fail "screen still shows '$1'"
		screen >&2
	else ok; fi
}
keys() {
	$T send-keys -t b "$@"
}

start() {
	$T kill-session -t b 2>/dev/null
	$T new-session -d -s b -x 80 -y 24 \
	    "cd '$tmp' && TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 $*; sleep 30"
}

# ---- no terminal: a clear error and exit 2, not a spin (issue 19) ----
# Standard input not a terminal (stdout a file), then standard output not
# a terminal while standard input is one (run inside tmux).
timeout 10 "$BROWSE" "$tmp/call.pcap" </dev/null >"$tmp/o" 2>"$tmp/e"
check "stdin not a terminal: exit" 2 $?
grep -q "^sipalg-browse: standard input is not a terminal" "$tmp/e" ||
    fail "stdin not a terminal: message: $(cat "$tmp/e")"
[ -s "$tmp/o" ] && fail "stdin not a terminal: wrote to stdout: $(od -c "$tmp/o" | head -2)"
start "timeout 10 '$BROWSE' '$tmp/call.pcap' >'$tmp/o2' 2>'$tmp/e2'; echo \"rc=\$?\" >'$tmp/rc2'"
i=0
while [ ! -s "$tmp/rc2" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "stdout not a terminal: exit" "rc=2" "$(cat "$tmp/rc2" 2>/dev/null)"
grep -q "^sipalg-browse: standard output is not a terminal" "$tmp/e2" ||
    fail "stdout not a terminal: message: $(cat "$tmp/e2" 2>/dev/null)"
[ -s "$tmp/o2" ] && fail "stdout not a terminal: escapes written: $(od -c "$tmp/o2" | head -2)"

# ---- call list ----
start "'$BROWSE' '$tmp/call.pcap'"
wait_for "2 dialogs (2 shown)"
expect "tui-call-1@"
expect "tui-reg-2"
expect "completed"
expect "setup"
expect "Start^"
expect "Enter ladder"

# help lists the keys of this screen and the global ones
keys '?'
expect "Keys of this screen (Call list)"
expect "mark / unmark the current dialog"
expect "save the marked / current dialogs"
expect "Up Down j k"
keys q
expect "Start^"

# text filter hides the call; x clears it
keys / ; sleep 0.2; keys -l 'tui-reg'; keys Enter
wait_for "(1 shown)"
expect_not "tui-call-1@"
expect "filter: text 'tui-reg'"
keys x
wait_for "(2 shown)"
# only calls
keys c
wait_for "(1 shown)"
expect_not "tui-reg-2"
expect "tui-call-1@"
# state filter
keys c t ; sleep 0.2; keys -l 'setup'; keys Enter
wait_for "(1 shown)"
expect "tui-reg-2"
keys x
wait_for "(2 shown)"
# sort by Msgs descending: press its column number twice (7)
keys 7 7
sleep 0.3
first=$(screen | sed -n 3p)
case "$first" in *tui-call-1*) ok ;; *) fail "msgs-desc sort: first row is '$first'" ;; esac
keys 1
sleep 0.3
first=$(screen | sed -n 3p)
case "$first" in *tui-call-1*) ok ;; *) fail "start sort: first row is '$first'" ;; esac

# ---- ladder ----
keys g Enter
wait_for "192.0.2.10:5060"
expect "192.0.2.20:5060"
# INVITE from the left column to the right one; 200 OK back, 3 copies
if screen | grep -F ' INVITE ' | grep -q ' INVITE ─*>│'; then ok; else
	fail "no left-to-right INVITE arrow"; screen >&2; fi
if screen | grep -F '200 OK x3' | grep -q '│<─* 200 OK x3 '; then ok; else
	fail "no right-to-left '200 OK x3' arrow"; screen >&2; fi
expect "180 Ringing"
expect "RTP PCMU 50p"
expect "BYE"
# the selected INVITE's raw text below, with the escape sequence escaped
expect "Call-ID: tui-call-1@192.0.2.10"
expect 'User-Agent: evil\x1b[31mred'
# compare the INVITE (marked) with the 180
keys Space j d
wait_for "Compare"
if screen | grep -F 'INVITE sip:bob' | grep -qF 'SIP/2.0 180 Ringing'; then ok; else
	fail "compare screen does not show INVITE and 180 side by side"; screen >&2; fi
keys q
# RTP panel: both directions with counts and a rate strip
keys r
wait_for "caller->callee"
expect "callee->caller"
expect "pkts 50  lost 0"
expect "█"
keys q
# symptoms panel opens on the same dialogs
keys p
wait_for "Dialog 1"
keys q q
wait_for "Start^"

# ---- resize ----
$T resize-window -t b -x 120 -y 40 2>/dev/null || $T resize-pane -t b -x 120 -y 40
wait_for "tui-call-1@192.0.2.10"
keys Enter
wait_for "192.0.2.10:5060"
# at 120 columns the message text sits beside the ladder
if screen | grep -F ' INVITE ' | grep -qF 'INVITE sip:bob@192.0.2.20 SIP/2.0'; then ok; else
	fail "message text not beside the ladder at 120 columns"; screen >&2; fi
keys q

# ---- CSV and pcap ----
keys e ; sleep 0.2; keys Enter
wait_for "exported 2 dialogs to sipalg-calls.csv"
check "csv lines" 3 "$(wc -l <"$tmp/sipalg-calls.csv" | tr -d ' ')"
grep -q '^id,start,kind,state,from,to,call_id,.*,symptoms,advisories,mos_fwd,mos_rev,media,joined_id,joined_call_id,joined_segment$' "$tmp/sipalg-calls.csv" || fail "csv header"
grep -q ',call,completed,.*"tui-call-1@192.0.2.10",3.000,6,2,2,50,50,"","",4.37,4.37,"caller>callee@outside=delivered/50/20ms;' "$tmp/sipalg-calls.csv" ||
    fail "csv call row: $(cat "$tmp/sipalg-calls.csv")"
grep -q ',register,setup,.*"tui-reg-2",' "$tmp/sipalg-calls.csv" || fail "csv register row"
# The export is `sipalg-analyze -f csv` of the same capture: same header,
# same rows (the browser writes them in its list's order).
if [ -x "$ANALYZE" ]; then
	"$ANALYZE" -q -f csv "$tmp/call.pcap" >"$tmp/an.csv" 2>/dev/null
	check "csv export header = sipalg-analyze -f csv" "$(head -1 "$tmp/an.csv")" "$(head -1 "$tmp/sipalg-calls.csv")"
	check "csv export rows = sipalg-analyze -f csv" "$(tail -n +2 "$tmp/an.csv" | sort)" "$(tail -n +2 "$tmp/sipalg-calls.csv" | sort)"
fi
# sort by start: the call is first; save it alone
keys g w ; sleep 0.2; keys Enter
wait_for "saved 1 dialog(s)"
if [ -x "$ANALYZE" ]; then
	"$ANALYZE" -q -f csv "$tmp/sipalg-selected.pcap" >"$tmp/re.csv" 2>&1
	grep -q 'tui-call-1@192.0.2.10' "$tmp/re.csv" || fail "saved pcap lost the call: $(cat "$tmp/re.csv")"
	grep -q 'tui-reg-2' "$tmp/re.csv" && fail "saved pcap holds the REGISTER too"
	"$ANALYZE" -q "$tmp/sipalg-selected.pcap" >"$tmp/re.txt" 2>&1
	grep -q 'SIP messages 8 (2 retransmissions' "$tmp/re.txt" || fail "saved pcap messages: $(cat "$tmp/re.txt")"
	grep -q '2 announced by SDP, 0 unannounced; 100 RTP' "$tmp/re.txt" || fail "saved pcap RTP: $(cat "$tmp/re.txt")"
fi

# Saving never writes over a capture being browsed (the same file under
# any name): refused on the status line, the capture unchanged.
want=$(sha256sum <"$tmp/call.pcap")
ln -s call.pcap "$tmp/call-link.pcap"
keys w ; sleep 0.2; keys C-u; keys -l 'call.pcap'; keys Enter
wait_for "cannot save: call.pcap is a capture being browsed"
keys w ; sleep 0.2; keys C-u; keys -l 'call-link.pcap'; keys Enter
wait_for "cannot save: call-link.pcap is a capture being browsed"
keys e ; sleep 0.2; keys C-u; keys -l 'call.pcap'; keys Enter
wait_for "cannot write call.pcap: it is a capture being browsed"
check "browsed capture unchanged by w and e" "$want" "$(sha256sum <"$tmp/call.pcap")"
[ -L "$tmp/call-link.pcap" ] || fail "the symlink to the browsed capture was replaced"
ls -a "$tmp" | grep -q '\.tmp-' && fail "a temporary file was left behind"

# q quits the program (the pane then runs the trailing sleep)
keys q
sleep 0.5
if pgrep -f "sipalg-browse $tmp/call.pcap" >/dev/null 2>&1; then
	fail "q did not quit"
fi

# ---- ASCII mode and monochrome ----
start "'$BROWSE' --ascii --no-color '$tmp/call.pcap'"
wait_for "2 dialogs"
keys Enter
wait_for "192.0.2.10:5060"
if screen | grep -q '|-* INVITE -*>|'; then ok; else
	fail "no ASCII INVITE arrow"; screen >&2; fi
expect_not "│"
keys q q

# ---- public corpus (skipped when ../shared is absent) ----
if [ -f "$CORPUS/NormB_sipnab__SIP_CALL_RTP_G711" ]; then
	start "'$BROWSE' '$CORPUS/NormB_sipnab__SIP_CALL_RTP_G711'"
	wait_for "4 dialogs (4 shown)"
	expect "12013223@20"
	keys Enter
	wait_for "200.57.7.195:5060"
	expect "200 Ok"
	expect "RTP PCMA 548p"
	keys q q
else
	echo "note: $CORPUS absent, corpus screens not checked"
fi

# ---- samples/linux-alg, when the captures exist ----
for f in "$top_srcdir"/samples/linux-alg/*.pcap; do
	[ -f "$f" ] || continue
	start "'$BROWSE' '$f'"
	wait_for " dialogs ("
	keys Enter q q
	break
done

# ---- command line of --db and pair mode ----
grep -q -- '--db FILE.db' "$tmp/help" || fail "--help does not list --db"
grep -q -- '--inside FILE' "$tmp/help" || fail "--help does not list --inside"
"$BROWSE" --inside "$tmp/call.pcap" >/dev/null 2>"$tmp/e"
check "--inside alone exit" 2 $?
grep -q -- "--inside and --outside go together" "$tmp/e" || fail "--inside alone message: $(cat "$tmp/e")"
"$BROWSE" --db "$tmp/x.db" "$tmp/call.pcap" >/dev/null 2>"$tmp/e"
check "--db with files exit" 2 $?
"$BROWSE" --inside "$tmp/missing.pcap" --outside "$tmp/call.pcap" >/dev/null 2>"$tmp/e"
check "pair missing file exit" 3 $?
grep -q "^sipalg-browse: $tmp/missing.pcap: No such file" "$tmp/e" ||
    fail "pair missing file message: $(cat "$tmp/e")"

# A database the browser must refuse, cleanly, before the screen starts.
printf 'this is not an SQLite database at all, just text\n%.0s' 1 2 3 4 5 6 7 8 >"$tmp/garbage.db"
"$BROWSE" --db "$tmp/garbage.db" >/dev/null 2>"$tmp/e"
check "garbage db exit" 3 $?
grep -q "^sipalg-browse: $tmp/garbage.db: .*not a database" "$tmp/e" ||
    fail "garbage db message: $(cat "$tmp/e")"
python3 - "$tmp/foreign.db" "$tmp/newer.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("CREATE TABLE t(x)")
c.commit()
c = sqlite3.connect(sys.argv[2])
c.execute("PRAGMA application_id = %d" % 0x53414c47)
c.execute("PRAGMA user_version = 99")
c.execute("CREATE TABLE captures(id INTEGER PRIMARY KEY)")
c.commit()
PY
"$BROWSE" --db "$tmp/foreign.db" >/dev/null 2>"$tmp/e"
check "foreign db exit" 3 $?
grep -q "^sipalg-browse: $tmp/foreign.db: .*not a sipalg database" "$tmp/e" ||
    fail "foreign db message: $(cat "$tmp/e")"
"$BROWSE" --db "$tmp/newer.db" >/dev/null 2>"$tmp/e"
check "newer db exit" 3 $?
grep -q "^sipalg-browse: $tmp/newer.db: .*newer" "$tmp/e" ||
    fail "newer db message: $(cat "$tmp/e")"
"$BROWSE" --db "$tmp/none.db" >/dev/null 2>"$tmp/e"
check "missing db exit" 3 $?
[ -e "$tmp/none.db" ] && fail "--db created a missing database"

# ---- --db: a stored analysis of a Linux ALG sample ----
LA="$top_srcdir/samples/linux-alg"
# mkdb OUT.db CAPTURE (exit 1 of sipalg-analyze only means findings)
mkdb() {
	"$ANALYZE" -q --db "$1" "$2" >/dev/null 2>"$tmp/mkdb.err"
	[ $? -le 1 ] && [ -s "$1" ]
}
if [ -f "$LA/inbound-alg-off-outside.pcap" ] && [ -x "$ANALYZE" ]; then
	cp "$LA/inbound-alg-off-outside.pcap" "$tmp/in-off.pcap"
	cp "$LA/inbound-alg-off-outside.pcap" "$tmp/gone.pcap"
	if mkdb "$tmp/store.db" "$tmp/in-off.pcap" &&
	    mkdb "$tmp/gone.db" "$tmp/gone.pcap"; then
		ok
		rm -f "$tmp/gone.pcap"
		start "'$BROWSE' --db '$tmp/store.db'"
		wait_for "1 dialogs (1 shown)"
		expect "1-20564@198"
		expect "completed"
		expect "ACK 1WAY"
		keys Enter
		wait_for "198.51.100.2:5060"
		expect "198.51.100.1:5060"
		if screen | grep -F ' INVITE ' | grep -q ' INVITE ─*>│'; then ok; else
			fail "--db: no INVITE arrow in the ladder"; screen >&2; fi
		expect "200 OK x11"
		expect "RTP PCMA 150p"
		expect "Call-ID: 1-20564@198.51.100.2"
		keys p
		wait_for "ack_timeout_drop"
		keys q q
		wait_for "Start^"
		# Saving re-reads the original capture recorded in the database.
		keys w ; sleep 0.2; keys Enter
		wait_for "saved 1 dialog(s)"
		if [ -x "$ANALYZE" ]; then
			"$ANALYZE" -q -f csv "$tmp/sipalg-selected.pcap" >"$tmp/re.csv" 2>&1
			grep -q '1-20564@198.51.100.2' "$tmp/re.csv" ||
			    fail "--db: saved pcap lost the call: $(cat "$tmp/re.csv")"
		fi
		# Not over the database, nor over the capture it records.
		dbsum=$(sha256sum <"$tmp/store.db")
		capsum=$(sha256sum <"$tmp/in-off.pcap")
		keys w ; sleep 0.2; keys C-u; keys -l 'store.db'; keys Enter
		wait_for "cannot save: store.db is the database being browsed"
		keys w ; sleep 0.2; keys C-u; keys -l 'in-off.pcap'; keys Enter
		wait_for "cannot save: in-off.pcap is a capture the database records"
		check "--db: database unchanged" "$dbsum" "$(sha256sum <"$tmp/store.db")"
		check "--db: recorded capture unchanged" "$capsum" "$(sha256sum <"$tmp/in-off.pcap")"
		keys q
		# The original capture is gone: the status line says so.
		start "'$BROWSE' --db '$tmp/gone.db'"
		wait_for "1 dialogs (1 shown)"
		keys w ; sleep 0.2; keys C-u; keys -l 'gone-out.pcap'; keys Enter
		wait_for "cannot save: original capture missing (No such file"
		[ -e "$tmp/gone-out.pcap" ] && fail "--db: wrote a pcap without the capture"
		keys q
		# Several captures: a frame names its file, as the reports do (19.7).
		start "'$BROWSE' '$tmp/in-off.pcap' '$LA/inbound-alg-on-outside.pcap'"
		wait_for "2 dialogs (2 shown)"
		keys Enter
		wait_for ".pcap#1 "
		keys q
		wait_for "Start^"
		# the footer lists / and y; / finds a call by its finding (19.8)
		wait_for "/ search"
		expect "y symptom"
		keys / ; sleep 0.2; keys -l 'ack_timeout'; keys Enter
		wait_for "(1 shown)"
		expect "1-20564@198"
		expect_not "1-20224@198"
		keys x
		wait_for "(2 shown)"
		keys q
		start "'$BROWSE' '$tmp/in-off.pcap'"
		wait_for "1 dialogs (1 shown)"
		keys Enter
		wait_for " frame 1 "
		keys q q
		# --site and --capture choose the stored captures shown (issue 20).
		cp "$LA/inbound-alg-on-outside.pcap" "$tmp/in-on.pcap"
		"$ANALYZE" -q --db "$tmp/sites.db" --site north "$tmp/in-off.pcap" >/dev/null 2>&1
		"$ANALYZE" -q --db "$tmp/sites.db" --site south "$tmp/in-on.pcap" >/dev/null 2>&1
		start "'$BROWSE' --db '$tmp/sites.db'"
		wait_for "2 dialogs (2 shown)"
		expect "1-20564@198"
		expect "1-20224@198"
		keys q
		start "'$BROWSE' --db '$tmp/sites.db' --site south"
		wait_for "1 dialogs (1 shown)"
		expect "1-20224@198"
		expect_not "1-20564@198"
		keys q
		start "'$BROWSE' --db '$tmp/sites.db' --capture in-off.pcap"
		wait_for "1 dialogs (1 shown)"
		expect "1-20564@198"
		expect_not "1-20224@198"
		keys q
		"$BROWSE" --db "$tmp/sites.db" --site west </dev/null >/dev/null 2>"$tmp/e"
		check "--site matching nothing: exit" 3 $?
		grep -q "^sipalg-browse: $tmp/sites.db: no stored capture matches --site west" "$tmp/e" ||
		    fail "--site matching nothing: $(cat "$tmp/e")"
		"$BROWSE" --site north "$tmp/call.pcap" </dev/null >/dev/null 2>"$tmp/e"
		check "--site without --db: exit" 2 $?
	else
		fail "cannot write the test database: $(cat "$tmp/mkdb.err")"
	fi
else
	echo "note: $LA or sipalg-analyze absent, --db screens not checked"
fi

# ---- advisories (issue 16): a section of their own, not findings ----
# The registration of register-idle-inbound has no finding and one
# advisory (3600 s granted, no keepalive); the call list shows no badge
# for it, the symptom panel lists it apart, marked "~ advisory".  From a
# store: the advisory as stored (its summary edited in the database).
ADV="$LA/register-idle-inbound-alg-off-outside.pcap"
if [ -f "$ADV" ] && [ -x "$ANALYZE" ]; then
	start "'$BROWSE' --columns start,callid,symptoms '$ADV'"
	wait_for "2 dialogs (2 shown)"
	if screen | grep -F '1-22018@10.0.0.2' | grep -q 'REG'; then
		fail "advisories: the registration has a badge in the call list"
		screen >&2
	else ok; fi
	# The selection follows the dialog that arrived first (the list is
	# sorted as dialogs arrive): the registration is the top row.
	keys g p
	wait_for "Advisories (1: risks, not symptoms found):"
	expect "No symptoms found in this dialog."
	expect "~ advisory [REG] registration_failure (50%): risk: NATed phone"
	expect "expires granted: 3600 s in the 200 OK"
	keys q
	wait_for "Start^"
	keys Down p
	wait_for "[INB] inbound_call_unanswered"
	expect_not "Advisories ("
	keys q q
	cp "$ADV" "$tmp/adv.pcap"
	if mkdb "$tmp/adv.db" "$tmp/adv.pcap"; then
		python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE advisories SET summary = ? || summary", ("EDITED ",)); c.commit()' "$tmp/adv.db"
		start "'$BROWSE' --db '$tmp/adv.db'"
		wait_for "2 dialogs (2 shown)"
		keys g p
		wait_for "Advisories (1: risks, not symptoms found):"
		expect "~ advisory [REG] registration_failure (50%): EDITED risk:"
		keys q q
	else
		fail "advisories: could not store the sample: $(cat "$tmp/mkdb.err")"
	fi
fi

# ---- --db on read-only media ----
# A copy left in WAL mode (as a killed importer leaves it) in a folder
# mounted read-only (root), or made read-only (others): SQLite cannot
# create its -shm there; the browser still reads it.
if [ -s "$tmp/store.db" ]; then
	mkdir "$tmp/rosrc" "$tmp/ro"
	cp "$tmp/store.db" "$tmp/rosrc/wal.db"
	python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode = WAL"); c.close()' "$tmp/rosrc/wal.db"
	rodir=""
	if [ "$(id -u)" = 0 ] && mount --bind "$tmp/rosrc" "$tmp/ro" 2>/dev/null; then
		if mount -o remount,bind,ro "$tmp/ro" 2>/dev/null; then
			rodir="$tmp/ro"
		else
			umount "$tmp/ro"
		fi
	elif [ "$(id -u)" != 0 ]; then
		chmod a-w "$tmp/rosrc" && rodir="$tmp/rosrc"
	fi
	if [ -n "$rodir" ]; then
		start "'$BROWSE' --db '$rodir/wal.db'"
		wait_for "1 dialogs (1 shown)"
		expect "1-20564@198"
		keys q
		sleep 0.3
		[ "$rodir" = "$tmp/ro" ] && umount "$tmp/ro"
		chmod u+w "$tmp/rosrc"
	else
		echo "note: no read-only folder possible here, --db on read-only media not checked"
	fi
fi

# ---- pair mode: the Linux ALG on (outbound call) ----
if [ -f "$LA/outbound-alg-on-inside.pcap" ]; then
	start "'$BROWSE' --inside '$LA/outbound-alg-on-inside.pcap' --outside '$LA/outbound-alg-on-outside.pcap'"
	wait_for "1 compared dialogs"
	expect "1-19021@10.0.0.2"
	expect "NAT-OK"
	expect "Worst"
	keys Enter
	wait_for "worst: rewritten consistently"
	if screen | grep -F -- '-> INVITE' | grep -q 'rewritten consistently  6 changes'; then ok; else
		fail "pair view: INVITE not rewritten consistently"; screen >&2; fi
	expect "<- 200 OK"
	expect "inside  frame 1"
	expect "Contact[0]: <sip:phone@{10.0.0.2 -> 198.51.100.1}:5060;transport=UDP>"
	expect "SDP c=: c=IN IP4 {10.0.0.2 -> 198.51.100.1}"
	# the two copies side by side
	keys Enter
	wait_for "inside frame 1"
	expect "outside frame 1"
	if screen | grep -F 'Contact: <sip:phone@10.0.0.2' | grep -qF 'Contact: <sip:phone@198.51.100.1'; then ok; else
		fail "side by side: the two Contact lines are not on one row"; screen >&2; fi
	keys q
	# the 200 OK (4th pair) comes inbound
	keys j j j
	expect "198.51.100.2:5060 -> 10.0.0.2:5060"
	# the summary: mappings and profile
	keys s
	wait_for "ALG profile: linux"
	expect "decided by: explains all 13 observations, as does"
	expect "udp sip   10.0.0.2:5060 -> 198.51.100.1:5060"
	expect "udp media 10.0.0.2:6000 -> 198.51.100.1:6000"
	expect "contact_rewritten=3"
	keys q q
	# the outside ladder and symptoms from the normal analysis
	keys l
	wait_for "198.51.100.1:5060"
	expect "RTP PCMA"
	keys q c
	wait_for "Start^"
	keys q
	wait_for "NAT-OK"
	keys q
fi

# ---- pair mode: no ALG (inbound call): identical pairs ----
if [ -f "$LA/inbound-alg-off-inside.pcap" ]; then
	start "'$BROWSE' --inside '$LA/inbound-alg-off-inside.pcap' --outside '$LA/inbound-alg-off-outside.pcap'"
	wait_for "1 compared dialogs"
	expect "SAME"
	expect "1-20564@198.51.100.2"
	keys Enter
	wait_for "worst: identical"
	if screen | grep -F -- '<- INVITE' | grep -q 'identical'; then ok; else
		fail "pair view: INVITE not identical"; screen >&2; fi
	expect "16 pairs"
	expect "SIP bytes identical"
	expect "NAT only"
	expect_not "rewritten"
	keys s
	wait_for "ALG profile: off"
	expect "udp sip   10.0.0.2:5060 -> 198.51.100.1:5060"
	keys q q q
fi

# ---- a call seen on both segments: its packets each way, once ----
# The real inside and outside of one call merged into one file (160
# packets caller to callee, seen on both sides): the RTP panel heads the
# call with the call's packets, those of the segment that saw the most
# (it showed 320, the sum of the two capture points); the legs give each
# segment's.
if [ -f "$LA/capture-points-alg-off-merged.pcap" ]; then
	start "'$BROWSE' '$LA/capture-points-alg-off-merged.pcap'"
	wait_for "1 dialogs (1 shown)"
	keys r
	expect "rtp caller>callee 160, callee>caller 0"
	expect "caller>callee inside delivered 160 pkts"
	keys q q
fi

# ---- a call seen as two dialogs: JOIN#N never hidden by badges ----
# The real inside of oversize-alg-on merged with the simulator's
# fortigate outside view: two dialogs of one call, each with two badges
# (ALG MTU, INB ALG) and the JOIN#N naming the other.  At 80 columns the
# symptoms column holds the JOIN#N alone (the badges stood before it and
# cut it to "JOIN"), at 100 the two badges and the JOIN#N (it showed
# "ALG MTU" only); at 100 and 132 the Call-IDs whole as well.
SIM="$top_builddir/sipalg-sim"
if [ -f "$LA/oversize-alg-on-inside.pcap" ] && [ -x "$SIM" ] &&
    command -v mergecap >/dev/null 2>&1; then
	"$SIM" --profile fortigate -w "$tmp/join-o.pcap" \
	    "$LA/oversize-alg-on-inside.pcap" >/dev/null
	mergecap -w "$tmp/join.pcapng" "$LA/oversize-alg-on-inside.pcap" \
	    "$tmp/join-o.pcap"
	start "'$BROWSE' '$tmp/join.pcapng'"
	wait_for "2 dialogs (2 shown)"
	for width in 80 100 132; do
		$T resize-window -t b -x $width -y 24 2>/dev/null ||
		    $T resize-pane -t b -x $width -y 24
		sleep 0.5
		# both rows end in the other dialog's JOIN#, whole
		if [ "$(screen | grep -c ' JOIN#[12] *$')" -eq 2 ]; then ok; else
			fail "JOIN#N not shown whole at $width columns"
			screen >&2
		fi
		# From 100 columns on, the Call-IDs (16 and 19 characters)
		# whole beside them: the Call-ID's share comes before the
		# symptoms' (it was 15 wide at 100 and cut both).
		[ $width -eq 80 ] && continue
		if screen | grep -q ' 1-23241@203\.0\.113\.1 .* JOIN#2 *$' &&
		    screen | grep -q ' 1-23241@10\.0\.0\.2 .* JOIN#1 *$'; then ok; else
			fail "Call-IDs cut at $width columns"
			screen >&2
		fi
		if [ $width -eq 100 ]; then
			if screen | grep -q ' ALG MTU JOIN#[12] *$'; then ok; else
				fail "badges and JOIN#N not side by side at 100 columns"
				screen >&2
			fi
		fi
	done
	keys q
	# Dialog numbers past 999 at 80 columns: the JOIN#N is wider than
	# the symptoms column, which takes the room from the names (a cut
	# number would name another dialog).  gen-load's 600 calls, the
	# simulator's outside view: 1,200 dialogs, the last ones joined.
	LOADGEN="$top_builddir/tests/bench/gen-load"
	if [ -x "$LOADGEN" ]; then
		"$LOADGEN" -w "$tmp/load-i.pcap" --no-rtp --calls 600 \
		    --concurrency 600 -d 0.5 --seed 1 2>/dev/null
		"$SIM" --profile fortigate -w "$tmp/load-o.pcap" "$tmp/load-i.pcap" >/dev/null
		mergecap -F pcap -w "$tmp/load.pcap" "$tmp/load-i.pcap" "$tmp/load-o.pcap"
		start "'$BROWSE' '$tmp/load.pcap'"
		wait_for "1200 dialogs (1200 shown)"
		keys G
		sleep 0.5
		if [ "$(screen | grep -c ' JOIN#1[0-9][0-9][0-9] *$')" -ge 10 ]; then ok; else
			fail "JOIN#N past 999 cut at 80 columns"
			screen >&2
		fi
		keys q
	fi
fi

# ---- a cursor never moved stays on the first row while the list fills ----
# A store's dialogs come in the order they were stored (as they ended),
# the list is sorted by start: one 20 s call started first and ended
# last, 3,000 short ones began 50 ms after it, so the first row comes in
# last.  Once loaded, Space marks the first row.  The browser used to
# keep the cursor on the first row of the list as first drawn, part
# loaded (one of the short calls), and the earlier rows that came later
# pushed it down: Space marked the 2nd to 4th row, by timing
# (tests/store-pg.sh saw it over PostgreSQL as a first mark one row
# lower).  The load lasts several of the browser's 100 ms polls.
LOADGEN="$top_builddir/tests/bench/gen-load"
if [ -x "$LOADGEN" ] && command -v mergecap >/dev/null 2>&1 &&
    command -v editcap >/dev/null 2>&1; then
	"$LOADGEN" -w "$tmp/first-long.pcap" --no-rtp --calls 1 -d 20 \
	    --seed 7 2>/dev/null
	"$LOADGEN" -w "$tmp/first-short.pcap" --no-rtp --calls 3000 \
	    --concurrency 3000 -d 0.5 --seed 1 2>/dev/null
	editcap -t 0.05 "$tmp/first-short.pcap" "$tmp/first-late.pcap"
	mergecap -F pcap -w "$tmp/first.pcap" "$tmp/first-long.pcap" \
	    "$tmp/first-late.pcap"
	if mkdb "$tmp/first.db" "$tmp/first.pcap"; then
		start "'$BROWSE' --db '$tmp/first.db'"
		wait_for "3001 dialogs (3001 shown)"
		keys Space
		sleep 0.5
		# row 1 of the list is the screen's line 3 (title, header)
		if [ "$(screen | grep -n '^\*' | cut -d: -f1)" = 3 ] &&
		    screen | sed -n 3p | grep -q ' 22:13:20\.000 '; then ok; else
			fail "the first Space after the load did not mark the first row alone"
			screen >&2
		fi
		keys q
	else
		fail "first row: cannot store $tmp/first.pcap: $(cat "$tmp/mkdb.err")"
	fi
fi

# ---- CSV export: cells a spreadsheet would run are neutralised ----
GEN="$top_builddir/tests/adversarial/gen"
if [ -x "$GEN" ] && "$GEN" formula >"$tmp/formula.pcap"; then
	start "'$BROWSE' '$tmp/formula.pcap'"
	wait_for "3 dialogs (3 shown)"
	keys e ; sleep 0.2; keys Enter
	wait_for "exported 3 dialogs to sipalg-calls.csv"
	grep -qF ",\"'=HYPERLINK(\"\"http://evil/x\"\",\"\"click\"\")\"," "$tmp/sipalg-calls.csv" ||
	    fail "export: formula Call-ID not neutralised: $(cat "$tmp/sipalg-calls.csv")"
	grep -qF ",\"'+15551234567@10.0.7.2\",\"'-2+3@x\"," "$tmp/sipalg-calls.csv" ||
	    fail "export: + and - cells not neutralised: $(cat "$tmp/sipalg-calls.csv")"
	keys q
else
	echo "note: $GEN absent, formula export not checked"
fi

# ---- --keep 0: every dialog read again when it is needed ----
# 3000 dialogs (INVITE + 486), each from its own address and with a
# User-Agent only its raw text carries; the browser keeps none whole, so
# the ladder of the last dialog, a search for message text and the CSV
# export all read the capture (or the store) again.
python3 - "$tmp/many.pcap" 3000 <<'PY'
import struct, sys
n = int(sys.argv[2])
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
def frame(src, dst, payload):
    u = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    return b"\x00" * 12 + b"\x08\x00" + struct.pack("!BBHHHBBH4s4s", 0x45, 0,
        20 + len(u), 1, 0, 64, 17, 0, src, dst) + u
R = bytes((203, 0, 113, 10))
for i in range(n):
    a = bytes((10, 0, i >> 8, i & 255))
    h = ("Via: SIP/2.0/UDP 10.0.%d.%d:5060;branch=z9hG4bK%d\r\n"
         "From: <sip:u%d@example.net>;tag=f%d\r\nTo: <sip:v%d@example.net>%%s\r\n"
         "Call-ID: fetch-%d@h\r\nCSeq: 1 INVITE\r\n"
         "Contact: <sip:u%d@10.0.%d.%d:5060>\r\n" % (i >> 8, i & 255, i, i, i, i,
         i, i, i >> 8, i & 255))
    req = "INVITE sip:v%d@example.net SIP/2.0\r\n" % i + h % "" + \
        "User-Agent: ua-%d-agent\r\nContent-Length: 0\r\n\r\n" % i
    res = "SIP/2.0 486 Busy Here\r\n" + h % (";tag=t%d" % i) + \
        "Content-Length: 0\r\n\r\n"
    us = 1700000000 * 1000000 + i * 100000
    for (t, f) in ((us, frame(a, R, req.encode())),
                   (us + 20000, frame(R, a, res.encode()))):
        out.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(f),
            len(f)) + f)
PY
for src in many.pcap "--db many.db"; do
	if [ "$src" != many.pcap ]; then
		[ -x "$ANALYZE" ] || break
		"$ANALYZE" -q --db "$tmp/many.db" "$tmp/many.pcap" >/dev/null 2>&1
	fi
	start "'$BROWSE' --keep 0 $src"
	wait_for "3000 dialogs (3000 shown)"
	# the last dialog's ladder and first message
	keys End Enter
	wait_for "Ladder"
	expect "10.0.11.183:5060"
	expect_not "10.0.0.0:5060"
	keys Enter
	wait_for "ua-2999-agent"
	keys q q
	wait_for "Call list"
	# text only a message carries: read again, one dialog matches
	keys / ; sleep 0.2; keys -l 'UA-1234-agent'; keys Enter
	wait_for "3000 dialogs (1 shown)"
	expect "u1234@exam"
	expect "fetch-1234@"
	keys Enter
	wait_for "10.0.4.210:5060"
	keys q
	wait_for "Call list"
	keys x
	wait_for "(3000 shown)"
	rm -f "$tmp/sipalg-calls.csv"
	keys e ; sleep 0.2; keys Enter
	wait_for "exported 3000 dialogs to sipalg-calls.csv"
	mv "$tmp/sipalg-calls.csv" "$tmp/keep0.csv"
	keys q
	# the same export with every dialog kept whole
	start "'$BROWSE' --keep 1000 $src"
	wait_for "3000 dialogs (3000 shown)"
	keys / ; sleep 0.2; keys -l 'UA-1234-agent'; keys Enter
	wait_for "3000 dialogs (1 shown)"
	keys x e ; sleep 0.2; keys Enter
	wait_for "exported 3000 dialogs to sipalg-calls.csv"
	if cmp -s "$tmp/keep0.csv" "$tmp/sipalg-calls.csv" &&
	    [ "$(wc -l <"$tmp/keep0.csv")" -eq 3001 ]; then ok; else
		fail "$src: the export of dialogs read again differs"
		diff "$tmp/keep0.csv" "$tmp/sipalg-calls.csv" | head -5 >&2
	fi
	keys q
done
"$BROWSE" --keep lots x >/dev/null 2>"$tmp/e"
check "bad --keep exit" 2 $?
grep -q "^sipalg-browse: --keep: 'lots' is not a number of megabytes" "$tmp/e" ||
    fail "bad --keep message: $(cat "$tmp/e")"

finish
