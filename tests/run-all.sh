#!/bin/sh
# tests/run-all.sh - the whole test suite, as README.md and CI run it:
# an ordinary build with `make check`, then a separate ASan+UBSan build
# (--enable-sanitizers) running the same `make check`.  Each build's
# summary is the one `make check` prints; a failing test's log follows it.
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
[ -x configure ] || autoreconf -fi
# Out-of-tree builds need a source tree that is not configured in place.
if [ -f config.status ]; then
	echo "run-all: the source tree was configured in place; make distclean first"
	make -s distclean
fi

run() {
	dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && "$src/configure" -q "$@" && make -s -j"$jobs" &&
	    make -s -j"$jobs" check) || {
		for log in "$dir"/tests/*.log "$dir"/tests/unit/*.log; do
			[ -f "$log" ] || continue
			grep -q '^FAIL\|^ERROR' "${log%.log}.trs" 2>/dev/null &&
			    { echo "==== $log"; tail -n 60 "$log"; }
		done
		return 1
	}
}

echo "== build and make check"
run build
echo "== sanitizer build (ASan+UBSan) and make check"
ASAN_OPTIONS=detect_leaks=1 run build-san --enable-sanitizers
echo "run-all: all test suites passed"
