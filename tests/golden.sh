#!/bin/sh
# tests/golden.sh - every output, byte for byte, against the last reviewed
# run.
#
# Runs the three programs over every capture the project has (samples/,
# tests/data/, the capture fuzz corpus and, when present, ../shared/corpus)
# in every output format: sipalg-analyze text (-a -m), JSON and CSV; the
# inside/outside comparison of every pair; sipalg-sim's predictions under
# every profile and its simulated outside view (-w); and the SQLite store
# (import, then every table dumped, then --report).  Each output is
# reduced to its SHA-256 and exit status, one line per (kind, input), and
# compared with tests/data/golden.tsv.
#
# An intended change of output (a new detector, a fixed figure) is made
# by running `tests/golden.sh --update` with the new build and committing
# the new golden.tsv in the same commit, after reading `git diff` of the
# outputs it names (tests/golden.sh --show KIND INPUT prints one output).
# A refactoring must leave golden.tsv untouched.
#
# Environment: top_srcdir, top_builddir (as make check sets them).
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
ANALYZE=$top_builddir/sipalg-analyze
SIM=$top_builddir/sipalg-sim
GOLDEN=$top_srcdir/tests/data/golden.tsv
mode=check
case "${1:-}" in
--update) mode=update ;;
--show) mode=show; show_kind=$2; show_input=$3 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/golden.tsv
# Inputs are named relative to the source tree, so the outputs (which
# quote file names) do not depend on where the tree is.
cd "$top_srcdir" || exit 99
corpus=../shared/corpus
have_corpus=0
[ -d "$corpus" ] && have_corpus=1

# Outputs are kept in $tmp/r/N.o and N.e (stdout, stderr) and listed in
# $tmp/m.P (kind, input, exit status, N); one python3 hashes them all at
# the end, so a run costs one process.  P is the worker (two at a time).
mkdir -p "$tmp/r"
n=0
worker=0

# keep KIND INPUT RC: lists the output in $tmp/r/$worker-$n.{o,e}.
keep() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$worker-$n" >>"$tmp/m.$worker"
	n=$((n + 1))
}

# run KIND INPUT CMD...: records CMD's stdout, stderr and exit status.
run() {
	kind=$1 input=$2
	shift 2
	"$@" >"$tmp/r/$worker-$n.o" 2>"$tmp/r/$worker-$n.e" </dev/null
	keep "$kind" "$input" $?
}

# file KIND INPUT RC FILE: records a file the command wrote.
file() {
	if [ -f "$4" ]; then mv "$4" "$tmp/r/$worker-$n.o"; else : >"$tmp/r/$worker-$n.o"; fi
	: >"$tmp/r/$worker-$n.e"
	keep "$1" "$2" "$3"
}

captures() {
	ls samples/linux-alg/*.pcap samples/linux-alg/*.pcapng tests/data/*.pcap
	ls tests/fuzz/corpus/capture/* 2>/dev/null
	[ $have_corpus = 1 ] && ls "$corpus"/* | grep -v '/README.md$'
}

PROFILES=$("$SIM" --list-profiles | awk 'NR > 0 && $1 ~ /^[a-z]/ { print $1 }' | paste -sd, -)
SIMOPTS="--public-ip 198.51.100.1 --forward udp/5060 --forward tcp/5060"

# ---- sipalg-analyze on every capture, each format (two workers) ----
captures >"$tmp/list"
each_capture() {
	while read -r f; do
		run text "$f" "$ANALYZE" -q -a -m "$f"
		run json "$f" "$ANALYZE" -q -f json "$f"
		run csv "$f" "$ANALYZE" -q -f csv "$f"
		# shellcheck disable=SC2086
		run sim-json "$f" "$SIM" -f json --profiles "$PROFILES" $SIMOPTS "$f"
	done
}
worker=1
awk 'NR % 2 == 1' "$tmp/list" | each_capture &
worker=2
awk 'NR % 2 == 0' "$tmp/list" | each_capture
wait
worker=0

# ---- several files merged by time ----
run text-merged samples/linux-alg "$ANALYZE" -q -a samples/linux-alg/*-outside.pcap
run json-merged samples/linux-alg "$ANALYZE" -q -f json samples/linux-alg/*-inside.pcap

# ---- inside/outside pairs ----
for i in samples/linux-alg/*-inside.pcap tests/data/diff-*-inside.pcap; do
	o=${i%-inside.pcap}-outside.pcap
	[ -f "$o" ] || continue
	run pair-text "$i" "$ANALYZE" -q --inside "$i" --outside "$o"
	run pair-json "$i" "$ANALYZE" -q -f json --inside "$i" --outside "$o"
done

# ---- the simulator: text, and the outside view of each profile ----
for i in samples/linux-alg/*-inside.pcap tests/data/diff-*-inside.pcap; do
	# shellcheck disable=SC2086
	run sim-text "$i" "$SIM" --compare $SIMOPTS "$i"
	for p in $(echo "$PROFILES" | tr , ' '); do
		rm -f "$tmp/w.pcap"
		# shellcheck disable=SC2086
		"$SIM" --profile "$p" $SIMOPTS -w "$tmp/w.pcap" "$i" >/dev/null 2>&1
		file "sim-pcap-$p" "$i" $? "$tmp/w.pcap"
	done
done

# ---- the store: import, every table, and the report from it ----
db=$tmp/g.db
run store-import samples/linux-alg "$ANALYZE" -q -f json --db "$db" samples/linux-alg/*.pcap
python3 - "$db" >"$tmp/dump" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
volatile = {("captures", "imported_at")}
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
    cols = [c[1] for c in db.execute("PRAGMA table_info(%s)" % t)]
    keep = [c for c in cols if (t, c) not in volatile]
    print("==", t, keep)
    for row in db.execute("SELECT %s FROM %s ORDER BY rowid" % (",".join(keep), t)):
        print(repr(row))
PY
file store-dump samples/linux-alg 0 "$tmp/dump"
run store-report-text samples/linux-alg "$ANALYZE" -q --db "$db" --report
run store-report-json samples/linux-alg "$ANALYZE" -q -f json --db "$db" --report

# The table: kind, input, SHA-256 of stdout, a separator and stderr, rc.
cat "$tmp"/m.* >"$tmp/manifest"
if [ "$mode" = show ]; then
	awk -F'\t' -v k="$show_kind" -v i="$show_input" '$1 == k && $2 == i { print $4 }' \
	    "$tmp/manifest" | while read -r x; do
		cat "$tmp/r/$x.o"
		[ -s "$tmp/r/$x.e" ] && { echo "--- stderr"; cat "$tmp/r/$x.e"; }
	done
	exit 0
fi
python3 - "$tmp" >"$out" <<'PY'
import hashlib, sys
t = sys.argv[1]
for line in open(t + "/manifest"):
    kind, inp, rc, n = line.rstrip("\n").split("\t")
    h = hashlib.sha256()
    h.update(open("%s/r/%s.o" % (t, n), "rb").read())
    h.update(b"\n--- stderr\n")
    h.update(open("%s/r/%s.e" % (t, n), "rb").read())
    print("%s\t%s\t%s\t%s" % (kind, inp, h.hexdigest(), rc))
PY
if [ "$mode" = update ]; then
	# Keep the corpus lines of the old table when the corpus is absent.
	if [ $have_corpus = 0 ] && [ -f "$GOLDEN" ]; then
		grep "	$corpus/" "$GOLDEN" >>"$out"
	fi
	{
		echo "# tests/data/golden.tsv - written by tests/golden.sh --update; see that script."
		echo "# kind	input	sha256(stdout, stderr)	exit status"
		LC_ALL=C sort "$out"
	} >"$GOLDEN"
	echo "golden: $(grep -vc '^#' "$GOLDEN") outputs recorded in $GOLDEN"
	exit 0
fi

LC_ALL=C sort "$out" >"$tmp/now"
grep -v '^#' "$GOLDEN" | LC_ALL=C sort >"$tmp/want"
[ $have_corpus = 1 ] || {
	echo "golden: ../shared/corpus absent; its outputs are not checked"
	grep -v "	$corpus/" "$tmp/want" >"$tmp/w2"
	mv "$tmp/w2" "$tmp/want"
}
if cmp -s "$tmp/now" "$tmp/want"; then
	echo "golden: $(wc -l <"$tmp/now") outputs byte-identical"
	exit 0
fi
echo "golden: outputs differ from tests/data/golden.tsv (- expected, + now):"
diff "$tmp/want" "$tmp/now" | grep '^[<>]' | sed 's/^</-/; s/^>/+/' | head -n 60
echo "golden: intended? run tests/golden.sh --update and commit golden.tsv;"
echo "golden: tests/golden.sh --show KIND INPUT prints one output"
exit 1
