# tests/pglib.sh - a private PostgreSQL cluster for the store's tests
# (sourced after tests/lib.sh).
#
# pg_start makes a cluster in a new temporary folder ($pgtmp), owned by
# an unprivileged user when the test runs as root (initdb refuses root:
# the user "nobody"), listening only on a Unix socket in that folder
# (no TCP port, so parallel runs never collide), with password
# authentication (scram-sha-256) for every connection; the superuser is
# "sipalg" with password $PGPW.  pg_stop stops it and removes the folder.
# Both exit 77 with the reason when the server binaries are missing or
# the program was built without libpq.
PGBIN=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { PGBIN=$d; break; }
done
[ -z "$PGBIN" ] && command -v initdb >/dev/null 2>&1 && PGBIN=$(dirname "$(command -v initdb)")
PGPW="pw-$$-secret"

pg_skip_unless_available() {
	if [ -z "$PGBIN" ]; then
		echo "SKIP: PostgreSQL server binaries not found (apt-get install postgresql)"
		exit 77
	fi
	if "$ANALYZE" --db postgresql:///x --report 2>&1 | grep -q "built without PostgreSQL"; then
		echo "SKIP: sipalg-analyze was built without libpq (apt-get install libpq-dev, configure again)"
		exit 77
	fi
}

# Runs a command as the cluster's owner, from the cluster's folder (the
# server programs look up their own path from the current folder, which
# "nobody" may not be allowed to enter: a clone in /root).
pg_as() {
	if [ "$(id -u)" = 0 ]; then
		(cd "${pgtmp:-/}" && setpriv --reuid=nobody --regid=nogroup \
		    --clear-groups -- "$@")
	else
		"$@"
	fi
}

pg_start() {
	pgtmp=$(mktemp -d)
	chmod 755 "$pgtmp"
	# As root, the server runs as "nobody", which must reach the folder:
	# a $TMPDIR inside a private home is not enough, /tmp is.
	if [ "$(id -u)" = 0 ] && ! setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups -- test -x "$pgtmp"; then
		rmdir "$pgtmp"
		pgtmp=$(mktemp -d /tmp/sipalg-pg.XXXXXX)
		chmod 755 "$pgtmp"
	fi
	mkdir "$pgtmp/data" "$pgtmp/sock"
	printf '%s\n' "$PGPW" >"$pgtmp/pwfile"
	[ "$(id -u)" = 0 ] && chown nobody "$pgtmp/data" "$pgtmp/sock" "$pgtmp/pwfile"
	pg_as "$PGBIN/initdb" -D "$pgtmp/data" -U sipalg -E UTF8 --locale=C \
	    --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
	    --pwfile="$pgtmp/pwfile" >"$pgtmp/initdb.log" 2>&1 || {
		cat "$pgtmp/initdb.log" >&2
		echo "SKIP: initdb failed (see above)"
		exit 77
	}
	pg_run_server start
	PGSOCK="$pgtmp/sock"
	# The URI every test uses: the password comes from PGPASSWORD.
	PGURI_BASE="postgresql://sipalg@/DB?host=$PGSOCK"
	export PGPASSWORD="$PGPW"
}

# pg_run_server start|stop [MODE]
pg_run_server() {
	if [ "$1" = start ]; then
		pg_as "$PGBIN/pg_ctl" -D "$pgtmp/data" -l "$pgtmp/sock/server.log" -w \
		    -o "-k $pgtmp/sock -c listen_addresses='' -c fsync=off -c max_connections=40" \
		    start >/dev/null || {
			cat "$pgtmp/sock/server.log" >&2
			echo "FAIL: the PostgreSQL server did not start" >&2
			exit 1
		}
	else
		pg_as "$PGBIN/pg_ctl" -D "$pgtmp/data" -w -m "${2:-fast}" stop >/dev/null
	fi
}

pg_stop() {
	[ -n "$pgtmp" ] || return 0
	pg_run_server stop immediate 2>/dev/null
	rm -rf "$pgtmp"
	pgtmp=""
}

# pg_uri DB: the URI of database DB (no password in it).
pg_uri() {
	echo "$PGURI_BASE" | sed "s|/DB?|/$1?|"
}

# psql_q DB SQL: the rows of SQL, fields separated by '|'.
psql_q() {
	"$PGBIN/psql" -X -q -A -t -h "$PGSOCK" -U sipalg -d "$1" -c "$2"
}

# pg_newdb NAME: creates an empty database.
pg_newdb() {
	psql_q postgres "CREATE DATABASE \"$1\"" >/dev/null
}
