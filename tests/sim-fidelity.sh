#!/bin/sh
# tests/sim-fidelity.sh - the simulated outside view's IP layer against
# the real kernel's outside captures (tests/sim_fidelity.py): TTL, IP
# identification, Don't Fragment and real fragments.
. "${top_srcdir:-.}/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 needed"; exit 77; }
SIM="$top_builddir/sipalg-sim"
[ -x "$SIM" ] || { echo "SKIP: $SIM not built"; exit 77; }
exec python3 "$top_srcdir/tests/sim_fidelity.py" "$SIM" \
    "$top_srcdir/samples/linux-alg"
