#!/bin/sh
# build.sh - builds the libFuzzer binaries (make fuzz, or by hand).
#
#   tests/fuzz/build.sh SRCDIR OUTDIR [CONFIG_H_DIR]
#
# The analysis library is compiled once with clang and
# -fsanitize=fuzzer-no-link,address,undefined into OUTDIR/lib, then each
# tests/fuzz/fuzz_<name>.c is linked with -fsanitize=fuzzer into
# OUTDIR/fuzz_<name>.  Run a target with its corpus as the first
# directory, e.g.
#   OUTDIR/fuzz_sip -max_total_time=300 /tmp/sip-work SRCDIR/tests/fuzz/corpus/sip
# (new inputs go to the first directory; keep the committed corpus small
# and add only crashers and hand-picked seeds to it).
# Environment: FUZZ_CC (default clang), FUZZ_CFLAGS (added), FUZZ_JOBS.
set -eu
src=${1:?srcdir}
out=${2:?outdir}
cfgdir=${3:-$out}
cc=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-2}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $san ${FUZZ_CFLAGS:-}"
# the profile files the library reads (fuzz_diff, fuzz_profile)
profdir="-DSIPALG_SRC_PROFILES_DIR=\"$src/sim/profiles\""
# libpq's headers when configure found PostgreSQL (store_pg.c includes
# them; nothing the targets call pulls its object in, so no -lpq)
pq=
if grep -q '^#define HAVE_LIBPQ 1' "$cfgdir/config.h" 2>/dev/null; then
	pq=$(pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
fi
incs="-I$src/analyzer -I$cfgdir $(pkg-config --cflags libpcap libosip2 sqlite3) $pq"
libs="$(pkg-config --libs libpcap libosip2 sqlite3) -lpthread -lm"

mkdir -p "$out/lib"
# Every library source (the front-end has a main()), $jobs at a time;
# an object is rebuilt when its source or any header is newer.
objs=
n=0
for c in "$src"/analyzer/*.c "$src"/analyzer/*/*.c; do
	b=$(basename "$c" .c)
	[ "$b" = sipalg-analyze ] && continue
	o="$out/lib/$b.o"
	objs="$objs $o"
	if [ -f "$o" ] && [ ! "$c" -nt "$o" ] && \
	    [ -z "$(find "$src/analyzer" -name '*.h' -newer "$o" | head -1)" ]; then
		continue
	fi
	echo "  CC(fuzz) $b.c"
	rm -f "$o"
	$cc $cflags -fsanitize=fuzzer-no-link $incs "$profdir" -c "$c" -o "$o" &
	n=$((n + 1))
	if [ "$n" -ge "$jobs" ]; then
		wait
		n=0
	fi
done
wait
for o in $objs; do
	[ -f "$o" ] || { echo "build.sh: $o failed to build" >&2; exit 1; }
done
rm -f "$out/lib/libsipalg-fuzz.a"
ar rcs "$out/lib/libsipalg-fuzz.a" $objs

# fuzz_sim and fuzz_farend also link the simulator's ALG (sim/alg.c),
# far-end model (sim/farend.c) and the byte buffer both use (sim/bytes.c),
# built into OUTDIR/lib/sim as the library is.
mkdir -p "$out/lib/sim"
simobjs=
for c in "$src"/sim/alg.c "$src"/sim/farend.c "$src"/sim/bytes.c; do
	b=$(basename "$c" .c)
	o="$out/lib/sim/$b.o"
	simobjs="$simobjs $o"
	echo "  CC(fuzz) sim/$b.c"
	$cc $cflags -fsanitize=fuzzer-no-link $incs -I"$src/sim" -c "$c" -o "$o"
done

for t in "$src"/tests/fuzz/fuzz_*.c; do
	b=$(basename "$t" .c)
	extra=
	case $b in
	fuzz_sim|fuzz_farend) extra="-I$src/sim $simobjs" ;;
	esac
	echo "  CCLD(fuzz) $b"
	$cc $cflags -fsanitize=fuzzer $incs $extra "$t" \
	    "$out/lib/libsipalg-fuzz.a" $libs -o "$out/$b"
done
