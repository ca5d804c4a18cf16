#!/bin/sh
# tests/install.sh - `make install` as README.md describes it: staged with
# DESTDIR, the three programs, their manual pages and the ALG profiles
# land under the prefix, the staged programs run, the pages render, and
# `make uninstall` takes every file away again.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MAKE=${MAKE:-make}

# The configured prefix, as the Makefile has it.
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile")
[ -n "$prefix" ] || fail "no prefix in $top_builddir/Makefile"
"$MAKE" -s -C "$top_builddir" install DESTDIR="$tmp/stage" >"$tmp/log" 2>&1
check "make install" 0 $?
root="$tmp/stage$prefix"
for p in sipalg-analyze sipalg-browse sipalg-sim; do
	[ -x "$root/bin/$p" ] || fail "$p not installed in $prefix/bin"
	[ -f "$root/share/man/man1/$p.1" ] || fail "$p.1 not installed"
	if command -v man >/dev/null 2>&1; then
		MANWIDTH=80 man -l "$root/share/man/man1/$p.1" 2>/dev/null |
		    grep -q "^NAME" || fail "$p.1 does not render"
	fi
done
"$root/bin/sipalg-analyze" --version >"$tmp/v" 2>&1
check "installed sipalg-analyze runs" 0 $?
grep -q '^sipalg-analyze [0-9]' "$tmp/v" || fail "installed --version: $(cat "$tmp/v")"
n=$(ls "$top_srcdir"/sim/profiles/*.conf | wc -l)
check "every profile installed" "$n" "$(ls "$root/share/sipalg/profiles/"*.conf 2>/dev/null | wc -l)"
# The staged simulator reads the staged profiles through $SIPALG_PROFILES.
SIPALG_PROFILES="$root/share/sipalg/profiles" "$root/bin/sipalg-sim" \
    --list-profiles >"$tmp/p" 2>&1
check "installed sipalg-sim lists the profiles" 0 $?
grep -q '^linux' "$tmp/p" || fail "--list-profiles: $(cat "$tmp/p")"
"$MAKE" -s -C "$top_builddir" uninstall DESTDIR="$tmp/stage" >"$tmp/log" 2>&1
check "make uninstall" 0 $?
check "nothing left after uninstall" 0 "$(find "$tmp/stage" -type f | wc -l)"
finish
