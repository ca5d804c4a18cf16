#!/bin/sh
# tests/store.sh - sipalg-analyze --db: round trip (capture -> database ->
# report equals capture -> report), duplicate detection and --replace,
# captures accumulating, a run interrupted by SIGINT and one killed with
# SIGKILL mid-import (the database stays consistent, the capture is marked
# incomplete and replaced by the next import), and databases that are not
# ours, corrupt or newer (clear error, file untouched).
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
S="$top_srcdir/samples/linux-alg"
GEN="$top_builddir/tests/bench/gen-load"

sql() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for row in c.execute(sys.argv[2]):
    print("|".join(str(x) for x in row))' "$1" "$2"
}

# Round trip, text and JSON, one run with several captures.
set -- "$S/inbound-alg-off-outside.pcap" "$S/outbound-alg-on-outside.pcap" \
    "$S/register-idle-inbound-alg-off-outside.pcap" "$S/tcp-alg-on-outside.pcap"
if [ -d "$CORPUS" ]; then
	set -- "$@" "$CORPUS/irontec_sngrep__aaa.pcap" \
	    "$CORPUS/NormB_sipnab__SIP_CALL_RTP_G711"
fi
for fmt in text json; do
	"$ANALYZE" -q -f $fmt "$@" >"$tmp/direct.$fmt"
	rc=$?
	"$ANALYZE" -q --db "$tmp/rt-$fmt.db" -f $fmt "$@" >"$tmp/import.$fmt"
	check "$fmt: import exit equals plain run" $rc $?
	cmp -s "$tmp/direct.$fmt" "$tmp/import.$fmt" || fail "$fmt: --db changed the report"
	"$ANALYZE" --db "$tmp/rt-$fmt.db" --report -f $fmt >"$tmp/report.$fmt"
	check "$fmt: --report exit" $rc $?
	if cmp -s "$tmp/direct.$fmt" "$tmp/report.$fmt"; then
		ok
	else
		fail "$fmt: report from the database differs from the capture's"
		diff "$tmp/direct.$fmt" "$tmp/report.$fmt" | head -20 >&2
	fi
done
check "captures stored" "$#" "$(sql "$tmp/rt-json.db" 'SELECT count(*) FROM captures WHERE complete = 1')"
check "raw bytes kept" 0 "$(sql "$tmp/rt-json.db" 'SELECT count(*) FROM messages WHERE length(raw) = 0')"

# The same file again: detected by hash, skipped; --replace re-imports.
db="$tmp/acc.db"
"$ANALYZE" -q --db "$db" "$S/inbound-alg-off-outside.pcap" >/dev/null
cp "$S/inbound-alg-off-outside.pcap" "$tmp/renamed.pcap"
"$ANALYZE" -q --db "$db" "$tmp/renamed.pcap" >"$tmp/out" 2>"$tmp/err"
check "duplicate exit" 0 $?
grep -q "already in $db (same SHA-256), skipped" "$tmp/err" || fail "no duplicate message: $(cat "$tmp/err")"
check "duplicate not stored twice" 1 "$(sql "$db" 'SELECT count(*) FROM captures')"
"$ANALYZE" -q --db "$db" --replace "$tmp/renamed.pcap" >/dev/null 2>&1
check "replace keeps one copy" 1 "$(sql "$db" 'SELECT count(*) FROM captures')"
check "--replace re-imported it" "$tmp/renamed.pcap" "$(sql "$db" 'SELECT path FROM captures')"
check "replaced copy has its dialog" 1 "$(sql "$db" 'SELECT count(*) FROM dialogs')"
# Another capture accumulates.
"$ANALYZE" -q --db "$db" "$S/outbound-alg-off-outside.pcap" >/dev/null
check "captures accumulate" 2 "$(sql "$db" 'SELECT count(*) FROM captures WHERE complete = 1')"
# An example query from the manual: calls with one-way audio per site.
check "query by symptom and site" \
    "$(printf '%s\n' "$tmp/|1" "$top_srcdir/samples/linux-alg/|1" | LC_ALL=C sort | tr '\n' ' ')" \
    "$(sql "$db" "SELECT c.site, count(*) FROM findings f JOIN dialogs d ON d.id = f.dialog_id JOIN captures c ON c.id = d.capture_id WHERE f.detector = 'one_way_audio' GROUP BY c.site" | LC_ALL=C sort | tr '\n' ' ')"

# Interrupted imports: SIGINT (clean stop) and SIGKILL (no chance).
if [ -x "$GEN" ]; then
	"$GEN" --calls 15000 --concurrency 50 --duration 1 --seed 3 \
	    -w "$tmp/big.pcap" 2>/dev/null
	for sig in INT KILL; do
		idb="$tmp/int-$sig.db"
		"$ANALYZE" -q --db "$idb" "$tmp/big.pcap" >/dev/null 2>"$tmp/err" &
		pid=$!
		# Wait until some dialogs are committed, then strike.
		for i in $(seq 1 100); do
			n=$(sql "$idb" 'SELECT count(*) FROM dialogs' 2>/dev/null || echo 0)
			[ "${n:-0}" -gt 0 ] && break
			sleep 0.1
		done
		kill -$sig $pid
		wait $pid 2>/dev/null
		rc=$?
		[ $sig = INT ] && check "SIGINT exit" 130 $rc
		[ $sig = INT ] && { grep -q "interrupted" "$tmp/err" || fail "no interruption message"; }
		check "$sig: database intact" ok "$(sql "$idb" 'PRAGMA integrity_check')"
		check "$sig: capture marked incomplete" 0 "$(sql "$idb" 'SELECT complete FROM captures')"
		[ "$(sql "$idb" 'SELECT count(*) FROM dialogs')" -gt 0 ] || fail "$sig: nothing committed before the stop"
		# The report skips it; the next import replaces it.
		"$ANALYZE" --db "$idb" --report -f json >"$tmp/r.json"
		check "$sig: incomplete capture not reported" 0 "$(json_get "$tmp/r.json" captures | python3 -c 'import sys; print(len(eval(sys.stdin.read())))')"
	done
	"$ANALYZE" -q --db "$tmp/int-KILL.db" "$tmp/big.pcap" >/dev/null
	check "re-import after kill completes" "1|1" "$(sql "$tmp/int-KILL.db" 'SELECT count(*), min(complete) FROM captures')"
else
	echo "SKIP: interruption tests need tests/bench/gen-load"
fi

# Databases that are not ours, corrupt, or newer: refused, untouched.
python3 - "$tmp" <<'PY'
import sqlite3, sys, os
d = sys.argv[1]
c = sqlite3.connect(os.path.join(d, "foreign.db")); c.execute("CREATE TABLE t(x)"); c.commit(); c.close()
c = sqlite3.connect(os.path.join(d, "newer.db")); c.execute("PRAGMA application_id = 1396788295"); c.execute("PRAGMA user_version = 42"); c.execute("CREATE TABLE captures(x)"); c.commit(); c.close()
open(os.path.join(d, "corrupt.db"), "wb").write(bytes(range(256)) * 64)
PY
for kind in foreign newer corrupt; do
	f="$tmp/$kind.db"
	before=$(sha256sum "$f")
	"$ANALYZE" -q --db "$f" "$S/inbound-alg-off-outside.pcap" >/dev/null 2>"$tmp/err"
	check "$kind db exit" 3 $?
	grep -q "^sipalg-analyze: $f: " "$tmp/err" || fail "$kind: message: $(cat "$tmp/err")"
	"$ANALYZE" --db "$f" --report >/dev/null 2>>"$tmp/err"
	check "$kind db --report exit" 3 $?
	check "$kind db untouched" "$before" "$(sha256sum "$f")"
	[ -e "$f-wal" ] && fail "$kind: a WAL file appeared"
done
grep -q "not a sipalg database" "$tmp/err" || true
"$ANALYZE" -q --db "$tmp/newer.db" "$S/inbound-alg-off-outside.pcap" 2>&1 >/dev/null | grep -q "newer than this program" || fail "newer schema message"
"$ANALYZE" -q --db "$tmp/foreign.db" "$S/inbound-alg-off-outside.pcap" 2>&1 >/dev/null | grep -q "not a sipalg database" || fail "foreign database message"

# Misuse.
"$ANALYZE" --report >/dev/null 2>&1
check "--report without --db" 2 $?
finish
