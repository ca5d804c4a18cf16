#!/bin/sh
# tests/pq-load.sh - libpq is loaded when a PostgreSQL store is opened,
# never linked (analyzer/store/pq_load.c).  No program has libpq among
# its DT_NEEDED libraries.  A libpq that cannot be loaded (SIPALG_LIBPQ
# naming a missing file, or a library without libpq's functions) fails
# the opening of a PostgreSQL store, for an import, a --report, -j 2
# and the browser, with "PROGRAM: URI: cannot load NAME: REASON" and
# exit status 3, nothing on stdout; under the same environment SQLite
# stores work as before.  Unset or empty, the real libpq is loaded: the
# opening then fails at the connection ("cannot connect").  Needs no
# server: the URIs name a private socket folder where none listens.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
S="$top_srcdir/samples/linux-alg"
P1="$S/inbound-alg-off-outside.pcap"
P2="$S/outbound-alg-on-outside.pcap"
BROWSE="$top_builddir/sipalg-browse"

# ---- 1. no program needs libpq to start ----
if command -v readelf >/dev/null 2>&1; then
	needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
elif command -v objdump >/dev/null 2>&1; then
	needed() { objdump -p "$1" | sed -n 's/^ *NEEDED *//p'; }
else
	echo "SKIP: readelf or objdump needed (Debian: binutils)"
	exit 77
fi
for p in sipalg-analyze sipalg-sim sipalg-browse; do
	f="$top_builddir/$p"
	if [ ! -x "$f" ]; then
		fail "$p: not built"
		continue
	fi
	needed "$f" >"$tmp/needed.$p"
	[ -s "$tmp/needed.$p" ] || fail "$p: no DT_NEEDED entry read"
	if grep -q '^libpq' "$tmp/needed.$p"; then
		fail "$p needs $(grep '^libpq' "$tmp/needed.$p") at start-up (linked with libpq)"
	else
		ok
	fi
done

if "$ANALYZE" --db postgresql:///x --report 2>&1 | grep -q "built without PostgreSQL"; then
	echo "note: built without libpq, the loading of libpq not checked"
	finish
	exit
fi

# ---- 2. a libpq that cannot be loaded ----
mkdir "$tmp/nosock"
U="postgresql:///sipalg?host=$tmp/nosock"
MISSING=libsipalg-no-such-libpq.so.0

# expect_load_error WHAT PROGRAM NAME RC STDOUT STDERR: exit status 3,
# nothing on stdout, one line "PROGRAM: URI: cannot load NAME: REASON".
expect_load_error() {
	check "$1: exit status" 3 "$4"
	check "$1: nothing on stdout" "" "$(cat "$5")"
	check "$1: one line on stderr" 1 "$(wc -l <"$6" | tr -d ' ')"
	case $(cat "$6") in
	"$2: $U: cannot load $3: "?*) ok ;;
	*) fail "$1: stderr was '$(cat "$6")'" ;;
	esac
}

SIPALG_LIBPQ=$MISSING "$ANALYZE" -q -f json --db "$U" "$P1" >"$tmp/out" 2>"$tmp/err"
expect_load_error "import, missing libpq" sipalg-analyze "$MISSING" $? "$tmp/out" "$tmp/err"
# glibc's reason, the file's name not repeated
grep -q "cannot load $MISSING: cannot open shared object file" "$tmp/err" ||
    echo "note: the C library's reason differs from glibc's: $(cat "$tmp/err")"

SIPALG_LIBPQ=$MISSING "$ANALYZE" -f json --db "$U" --report >"$tmp/out" 2>"$tmp/err"
expect_load_error "--report, missing libpq" sipalg-analyze "$MISSING" $? "$tmp/out" "$tmp/err"

# the password of the URI is not shown (store_redact), nor the reason lost
SIPALG_LIBPQ=$MISSING "$ANALYZE" -q --db "postgresql://u:pw-$$-secret@/sipalg?host=$tmp/nosock" \
    "$P1" >"$tmp/out" 2>"$tmp/err"
check "password in the URI: exit status" 3 $?
grep -q "pw-$$-secret" "$tmp/err" && fail "the password is printed: $(cat "$tmp/err")"
grep -q "cannot load $MISSING: " "$tmp/err" || fail "password in the URI: stderr was '$(cat "$tmp/err")'"

# -j 2: each file's process opens the store, each says why, exit 3
SIPALG_LIBPQ=$MISSING "$ANALYZE" -q -j 2 --db "$U" "$P1" "$P2" >"$tmp/out" 2>"$tmp/err"
check "-j 2, missing libpq: exit status" 3 $?
check "-j 2: nothing on stdout" "" "$(cat "$tmp/out")"
check "-j 2: each process says why" 2 "$(grep -c "^sipalg-analyze: $U: cannot load $MISSING: " "$tmp/err")"

SIPALG_LIBPQ=$MISSING "$BROWSE" --db "$U" </dev/null >"$tmp/out" 2>"$tmp/err"
expect_load_error "browse, missing libpq" sipalg-browse "$MISSING" $? "$tmp/out" "$tmp/err"

# A library that loads but is not libpq (the C library the program
# itself needs): refused for the first function missing.
libc=$(grep '^libc\.so' "$tmp/needed.sipalg-analyze" | sed 1q)
if [ -n "$libc" ]; then
	SIPALG_LIBPQ=$libc "$ANALYZE" -q --db "$U" "$P1" >"$tmp/out" 2>"$tmp/err"
	expect_load_error "import, not a libpq" sipalg-analyze "$libc" $? "$tmp/out" "$tmp/err"
	check "not a libpq: the reason" "sipalg-analyze: $U: cannot load $libc: it has no function PQclear (not libpq?)" \
	    "$(cat "$tmp/err")"
else
	echo "note: no libc.so among sipalg-analyze's libraries, the library without libpq's functions not checked"
fi

# ---- 3. SQLite as before, whatever SIPALG_LIBPQ says ----
"$ANALYZE" -q -f json --db "$tmp/a.db" "$P1" "$P2" >"$tmp/a.json" 2>"$tmp/a.err"
rc=$?
SIPALG_LIBPQ=$MISSING "$ANALYZE" -q -f json --db "$tmp/b.db" "$P1" "$P2" >"$tmp/b.json" 2>"$tmp/b.err"
check "SQLite import under SIPALG_LIBPQ: exit status as without" $rc $?
cmp -s "$tmp/a.json" "$tmp/b.json" || fail "SQLite import: the report differs under SIPALG_LIBPQ"
check "SQLite import: stderr as without" "$(cat "$tmp/a.err")" "$(cat "$tmp/b.err")"
"$ANALYZE" -f json --db "$tmp/a.db" --report >"$tmp/a.rep"
rc=$?
SIPALG_LIBPQ=$MISSING "$ANALYZE" -f json --db "$tmp/b.db" --report >"$tmp/b.rep"
check "SQLite --report under SIPALG_LIBPQ: exit status as without" $rc $?
[ -s "$tmp/a.rep" ] && cmp -s "$tmp/a.rep" "$tmp/b.rep" ||
    fail "SQLite --report: the report differs under SIPALG_LIBPQ"
# and a capture alone
"$ANALYZE" -q -f json "$P1" >"$tmp/a.one"
rc=$?
SIPALG_LIBPQ=$MISSING "$ANALYZE" -q -f json "$P1" >"$tmp/b.one"
check "no store under SIPALG_LIBPQ: exit status as without" $rc $?
cmp -s "$tmp/a.one" "$tmp/b.one" || fail "no store: the report differs under SIPALG_LIBPQ"

# ---- 4. the real libpq (SIPALG_LIBPQ unset or empty) loads ----
for v in unset empty; do
	if [ $v = unset ]; then
		(unset SIPALG_LIBPQ; "$ANALYZE" -q --db "$U" "$P1") >"$tmp/out" 2>"$tmp/err"
	else
		SIPALG_LIBPQ= "$ANALYZE" -q --db "$U" "$P1" >"$tmp/out" 2>"$tmp/err"
	fi
	check "SIPALG_LIBPQ $v, no server: exit status" 3 $?
	case $(cat "$tmp/err") in
	"sipalg-analyze: $U: cannot connect: "*) ok ;;
	*) fail "SIPALG_LIBPQ $v: libpq not loaded? stderr was '$(cat "$tmp/err")'" ;;
	esac
done

finish
