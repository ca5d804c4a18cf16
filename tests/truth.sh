#!/bin/sh
# tests/truth.sh - `make truth`: sipalg-analyze and sipalg-sim against the
# ground truth.
#
# Every kernel run in samples/linux-alg has an expectation file RUN.truth
# (what physically happened, measured from the captures and the endpoints'
# records by tests/netns/truth.py, never by sipalg; see
# samples/linux-alg/README.md). This runs sipalg-analyze over each capture
# file, each inside+outside pair and each --inside/--outside comparison the
# expectations name, and over ../shared/corpus against
# tests/data/corpus-findings.tsv, and prints per symptom id and for the
# ALG verdict true/false positives and negatives with precision and
# recall, and for sipalg-sim, replaying each run's inside capture, each
# call's predicted outcome against what the kernel really did; then every
# mismatch. It fails on a mismatch that tests/data/truth-known.tsv does
# not list and on a listed one that no longer occurs (the list only
# shrinks as the detectors and the simulator are fixed).
#
#   tests/truth.sh                 check (make check, make truth)
#   tests/truth.sh --write-known   rewrite the known list from today's
#                                  mismatches (keeps the reasons written)
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 needed"; exit 77; }
[ -x "$ANALYZE" ] || { echo "SKIP: $ANALYZE not built"; exit 77; }
exec python3 "$top_srcdir/tests/netns/truth_score.py" \
    --analyze "$ANALYZE" --sim "$top_builddir/sipalg-sim" \
    --cross "$top_srcdir/tests/data/truth-sim-cross.tsv" \
    --samples "$top_srcdir/samples/linux-alg" \
    --corpus "$CORPUS" \
    --corpus-findings "$top_srcdir/tests/data/corpus-findings.tsv" \
    --known "$top_srcdir/tests/data/truth-known.tsv" "$@"
