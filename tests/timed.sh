#!/bin/sh
# tests/timed.sh - the LOG_COMPILER of `make check`: runs one test and
# appends its wall-clock time to the test's log ("run time: 12.3 s"),
# so that tests/run-all.sh can say where a CI run's time went, and the
# processor time the test and its programs used ("cpu time: 20.1 s",
# user plus system), which the load of a shared machine does not inflate.
# The test's exit status is passed through unchanged (77 skip, 99 error).
start=$(date +%s.%N)
"$@"
rc=$?
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "run time: %.1f s\n", e - s }'
# The second line of `times` is the children's user and system time, as
# "1m2.50s 0m0.25s"; `times` runs in this shell (not in a pipeline's
# subshell, which has no children of its own), so through a file.
tf=$(mktemp) && {
	times >"$tf"
	awk 'NR == 2 {
		t = 0
		for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] }
		printf "cpu time: %.1f s\n", t
	}' "$tf"
	rm -f "$tf"
}
exit $rc
