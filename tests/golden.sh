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
# Environment: top_srcdir, top_builddir (as make check sets them);
# GOLDEN_JOBS, how many programs run at once (default: the CPUs).
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
--job) mode=job ;; # --job WHAT INPUT...: jobs (below), run by this script
esac

if [ $mode = job ]; then
	tmp=$GOLDEN_TMP
	PROFILES=$GOLDEN_PROFILES
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi
out=$tmp/golden.tsv
# Inputs are named relative to the source tree, so the outputs (which
# quote file names) do not depend on where the tree is.
cd "$top_srcdir" || exit 99
corpus=../shared/corpus
have_corpus=0
[ -d "$corpus" ] && have_corpus=1

# Outputs are kept in $tmp/r/W-N.o and W-N.e (stdout, stderr) and listed
# in $tmp/m.W (kind, input, exit status, W-N), W being the process that
# ran them; one python3 hashes them all at the end.  The runs are jobs in
# $tmp/jobs, the longest first, taken four at a time by GOLDEN_JOBS
# processes at once (default: the number of CPUs), each of them this
# script again with --job.
n=0
worker=$$
if [ $mode = job ]; then
	# a process id can come again: never reuse an earlier job's files
	while [ -e "$tmp/m.$worker" ]; do worker=$worker.1; done
	: >"$tmp/m.$worker"
fi

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

SIMOPTS="--public-ip 198.51.100.1 --forward udp/5060 --forward tcp/5060"

# job WHAT INPUT: one job of the list below.
job() {
	case $1 in
	capture) # sipalg-analyze in each format, and the simulator's JSON
		run text "$2" "$ANALYZE" -q -a -m "$2"
		run json "$2" "$ANALYZE" -q -f json "$2"
		run csv "$2" "$ANALYZE" -q -f csv "$2"
		# shellcheck disable=SC2086
		run sim-json "$2" "$SIM" -f json --profiles "$PROFILES" $SIMOPTS "$2"
		;;
	inside) # the inside/outside pair; the simulator's text, and the
		# outside view (-w) of each profile
		o=${2%-inside.pcap}-outside.pcap
		if [ -f "$o" ]; then
			run pair-text "$2" "$ANALYZE" -q --inside "$2" --outside "$o"
			run pair-json "$2" "$ANALYZE" -q -f json --inside "$2" --outside "$o"
		fi
		# shellcheck disable=SC2086
		run sim-text "$2" "$SIM" --compare $SIMOPTS "$2"
		for p in $(echo "$PROFILES" | tr , ' '); do
			w=$tmp/w.$worker.pcap
			rm -f "$w"
			# shellcheck disable=SC2086
			"$SIM" --profile "$p" $SIMOPTS -w "$w" "$2" >/dev/null 2>&1
			file "sim-pcap-$p" "$2" $? "$w"
		done
		;;
	merged) # several files merged by time
		run text-merged samples/linux-alg "$ANALYZE" -q -a samples/linux-alg/*-outside.pcap
		run json-merged samples/linux-alg "$ANALYZE" -q -f json samples/linux-alg/*-inside.pcap
		;;
	store) store ;;
	esac
}

# store: the SQLite store: import, every table, and the report from it.
store() {
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
}

if [ $mode = job ]; then
	shift
	while [ $# -ge 2 ]; do
		job "$1" "$2"
		shift 2
	done
	exit 0
fi

captures() {
	ls samples/linux-alg/*.pcap samples/linux-alg/*.pcapng tests/data/*.pcap
	ls tests/fuzz/corpus/capture/* 2>/dev/null
	[ $have_corpus = 1 ] && ls "$corpus"/* | grep -v '/README.md$'
}

# The jobs, the longest first: WHAT and INPUT on a line each.
{
	printf 'store\nsamples/linux-alg\nmerged\nsamples/linux-alg\n'
	for i in samples/linux-alg/*-inside.pcap tests/data/diff-*-inside.pcap; do
		printf 'inside\n%s\n' "$i"
	done
	captures | sed 's/^/capture\n/'
} >"$tmp/jobs"
if [ "$mode" = show ]; then
	# only the jobs of that input
	awk -v i="$show_input" 'NR % 2 == 1 { w = $0; next } $0 == i { print w; print }' \
	    "$tmp/jobs" >"$tmp/j2"
	mv "$tmp/j2" "$tmp/jobs"
fi
mkdir -p "$tmp/r"
GOLDEN_TMP=$tmp
GOLDEN_PROFILES=$("$SIM" --list-profiles | awk 'NR > 0 && $1 ~ /^[a-z]/ { print $1 }' | paste -sd, -)
export GOLDEN_TMP GOLDEN_PROFILES top_srcdir top_builddir
jobs=${GOLDEN_JOBS:-$(nproc 2>/dev/null || echo 2)}
xargs -d '\n' -n 8 -P "$jobs" sh tests/golden.sh --job <"$tmp/jobs" || {
	echo "golden: a job failed"
	exit 99
}

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
