#!/bin/sh
# tests/store-bench.sh - import throughput of the store's two backends
# (part of `make bench`): dialogs stored per second into SQLite and into
# PostgreSQL (a private cluster, tests/pglib.sh), one importer, then four
# files with -j 4.  Prints figures; nothing passes or fails on a time.
# Environment: BENCH_STORE_CALLS (calls per capture, default 5000).
top_srcdir=${top_srcdir:-$(pwd)}
top_builddir=${top_builddir:-$(pwd)}
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pglib.sh"
calls=${BENCH_STORE_CALLS:-5000}
gen="$top_builddir/tests/bench/gen-load"
tmp=$(mktemp -d)
pgtmp=""
trap 'pg_stop; rm -rf "$tmp"' EXIT
for k in 1 2 3 4; do
	"$gen" --calls "$calls" --concurrency 100 --duration 0.1 --seed $k \
	    -w "$tmp/c$k.pcap" 2>/dev/null
done

# rate LABEL DIALOGS SECONDS
rate() {
	python3 -c 'import sys; print("  %-34s %8d dialogs %7.2f s %9.0f dialogs/s" % (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[2]) / max(float(sys.argv[3]), 1e-9)))' "$@"
}
# timed DB FILES...: seconds of one quiet import.
timed() {
	db=$1
	shift
	s=$(date +%s.%N)
	"$ANALYZE" -q --db "$db" "$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$s" "$e"
}
sqcount() {
	python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM dialogs").fetchone()[0])' "$1"
}

echo "store import throughput ($calls calls per capture; uptime: $(uptime | sed 's/.*load/load/'))"
t=$(timed "$tmp/a.db" "$tmp/c1.pcap")
rate "SQLite, one capture" "$(sqcount "$tmp/a.db")" "$t"
s=$(date +%s.%N)
"$ANALYZE" -q -j 4 --db "$tmp/b.db" "$tmp"/c[1-4].pcap >/dev/null 2>&1
t=$(python3 -c 'import sys, time; print(time.time() - float(sys.argv[1]))' "$s")
rate "SQLite, 4 captures, -j 4" "$(sqcount "$tmp/b.db")" "$t"
if [ -z "$PGBIN" ] || "$ANALYZE" --db postgresql:///x --report 2>&1 | grep -q "built without PostgreSQL"; then
	echo "  PostgreSQL: skipped (no server binaries, or built without libpq)"
	exit 0
fi
pg_start
pg_newdb a
pg_newdb b
t=$(timed "$(pg_uri a)" "$tmp/c1.pcap")
rate "PostgreSQL (Unix socket), one capture" "$(psql_q a 'SELECT count(*) FROM dialogs')" "$t"
s=$(date +%s.%N)
"$ANALYZE" -q -j 4 --db "$(pg_uri b)" "$tmp"/c[1-4].pcap >/dev/null 2>&1
t=$(python3 -c 'import sys, time; print(time.time() - float(sys.argv[1]))' "$s")
rate "PostgreSQL, 4 captures, -j 4" "$(psql_q b 'SELECT count(*) FROM dialogs')" "$t"
