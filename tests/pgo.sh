#!/bin/sh
# tests/pgo.sh - the programs are built as configure said (--enable-pgo,
# on by default; Makefile.am, section "profile-guided optimisation").
#
# PGO on: the training ran and left counts (pgo-data/use.opts names
# -fprofile-use, a .gcda for the library and for each trained program's
# own objects); every compilation unit of sipalg-analyze and sipalg-sim
# was compiled with -fprofile-use and none with -fprofile-generate (GCC
# records each unit's options in its debug information, DW_AT_producer);
# no instrumented leftover ships: no __gcov symbol in the programs or in
# libsipalg.a (the unit tests link it).  make install copies these files.
# PGO off (--disable-pgo, CFLAGS given, the sanitizer build): no unit of
# the three programs names -fprofile and there is no profile data.
# Skips the debug-information checks when the programs have none
# (CFLAGS without -g) or readelf is missing.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The configured choice, as the Makefile has it (automake comments the
# line out when ENABLE_PGO is false).
if grep -q '^PGO_CFLAGS = @pgo-data/use.opts' "$top_builddir/Makefile"; then
	pgo=yes
else
	pgo=no
fi
echo "profile-guided build: $pgo"

# producers PROGRAM: the options of each compilation unit (one line each),
# or nothing without debug information.
producers() {
	readelf --debug-dump=info "$1" 2>/dev/null |
	    sed -n 's/.*DW_AT_producer *: *\(([^)]*): \)\{0,1\}//p'
}
have_readelf=$(command -v readelf >/dev/null 2>&1 && echo 1 || true)

for p in sipalg-analyze sipalg-sim sipalg-browse; do
	[ -x "$top_builddir/$p" ] || { fail "$p not built"; continue; }
	[ -n "$have_readelf" ] || continue
	producers "$top_builddir/$p" >"$tmp/$p.units"
	units=$(grep -c '^GNU C' "$tmp/$p.units")
	[ "$units" -gt 0 ] || { echo "$p: no debug information, unit checks skipped"; continue; }
	gen=$(grep -c -- '-fprofile-generate' "$tmp/$p.units")
	check "$p: units compiled instrumented" 0 "$gen"
	used=$(grep '^GNU C' "$tmp/$p.units" | grep -c -- '-fprofile-use')
	if [ "$pgo" = yes ] && [ "$p" != sipalg-browse ]; then
		# every unit: the library's and the program's own
		check "$p: C units built with the profile (of $units)" "$units" "$used"
	elif [ "$pgo" = no ]; then
		check "$p: units built with a profile" 0 "$used"
	fi
done

# No instrumented object ships (nm prints nothing for a stripped file).
for f in sipalg-analyze sipalg-sim sipalg-browse libsipalg.a; do
	[ -f "$top_builddir/$f" ] || continue
	n=$(nm "$top_builddir/$f" 2>/dev/null | grep -c '__gcov_')
	check "$f: __gcov_ symbols (instrumented code)" 0 "$n"
done

data="$top_builddir/pgo-data"
if [ "$pgo" = yes ]; then
	[ -f "$data/trained.stamp" ] || fail "no $data/trained.stamp: the training did not finish"
	grep -q -- '-fprofile-use=' "$data/use.opts" 2>/dev/null ||
	    fail "pgo-data/use.opts has no -fprofile-use: the training failed, the programs are plain (see pgo-data/train.log)"
	grep -q '^pgo-train: done' "$data/train.log" 2>/dev/null ||
	    fail "pgo-data/train.log does not end in done"
	# counts for the library, sipalg-analyze's main and sipalg-sim's main
	for o in analyzer#libsipalg_a-analysis analyzer#cli#sipalg_analyze-sipalg-analyze \
	    sim#sipalg_sim-main; do
		ls "$data"/*"#$o.gcda" >/dev/null 2>&1 || fail "no counts for $o in $data"
	done
	# the programs were linked after the training
	for p in sipalg-analyze sipalg-sim; do
		[ "$top_builddir/$p" -nt "$data/trained.stamp" ] ||
		    fail "$p is older than the training"
	done
else
	check "profile data without PGO" 0 "$(ls "$data" 2>/dev/null | wc -l)"
fi
finish
