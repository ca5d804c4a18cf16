#!/bin/sh
# tests/timed.sh - the LOG_COMPILER of `make check`: runs one test and
# appends its wall-clock time to the test's log ("run time: 12.3 s"),
# so that tests/run-all.sh can say where a CI run's time went.  The
# test's exit status is passed through unchanged (77 skip, 99 error).
start=$(date +%s.%N)
"$@"
rc=$?
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "run time: %.1f s\n", e - s }'
exit $rc
