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

# slowest DIR: the ten slowest tests of the build in DIR, from the run
# and processor times tests/timed.sh writes at the end of each log, and
# the processor time of all the tests.
slowest() {
	echo "-- slowest tests in $1 (seconds: wall clock, processor):"
	for log in "$1"/tests/*.log "$1"/tests/*/*.log; do
		[ -f "$log" ] || continue
		t=$(sed -n 's/^run time: \([0-9.]*\) s$/\1/p' "$log" | tail -n 1)
		c=$(sed -n 's/^cpu time: \([0-9.]*\) s$/\1/p' "$log" | tail -n 1)
		[ -n "$t" ] && printf '%8s %8s  %s\n' "$t" "${c:--}" "${log#"$1"/}"
	done | sort -rn >"$1/tests/times.txt"
	head -n 10 "$1/tests/times.txt"
	awk '$2 != "-" { c += $2 } END { printf "-- processor time of all tests: %.0f s\n", c }' \
	    "$1/tests/times.txt"
}

run() {
	dir=$1
	shift
	mkdir -p "$dir"
	t0=$(date +%s)
	(cd "$dir" && "$src/configure" -q "$@" && make -s -j"$jobs") || return 1
	t1=$(date +%s)
	(cd "$dir" && make -s -j"$jobs" check) || {
		for log in "$dir"/tests/*.log "$dir"/tests/*/*.log; do
			[ -f "$log" ] || continue
			grep -q '^:test-result: \(FAIL\|ERROR\)' "${log%.log}.trs" 2>/dev/null &&
			    { echo "==== $log"; tail -n 60 "$log"; }
		done
		slowest "$dir"
		return 1
	}
	t2=$(date +%s)
	slowest "$dir"
	echo "-- $dir: build $((t1 - t0)) s, make check $((t2 - t1)) s"
}

echo "== build and make check"
run build
echo "== sanitizer build (ASan+UBSan) and make check"
ASAN_OPTIONS=detect_leaks=1 run build-san --enable-sanitizers
echo "run-all: all test suites passed"
