#!/bin/sh
# tests/corpus.sh - regression over every capture in ../shared/corpus.
#
# For each file listed in tests/data/corpus-expected.tsv: sipalg-analyze
# must not crash (under the sanitizer build: no memory error, no leak),
# must print valid JSON, and must find the recorded number of SIP
# messages, dialogs and SDP-announced RTP streams.  The figures were
# cross-checked with tshark (tests/corpus-tshark.sh); where they differ the
# TSV says why.  A file that cannot be read must fail with a clean error.
# Every file of the corpus must be listed, so a new capture is not missed.
. "${top_srcdir:-.}/tests/lib.sh"
skip_without_corpus
expected="$top_srcdir/tests/data/corpus-expected.tsv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in "$CORPUS"/*; do
	case "$f" in *.md) continue ;; esac
	b=$(basename "$f")
	grep -q "^$b	" "$expected" || fail "$b: not listed in corpus-expected.tsv"
done

tab=$(printf '\t')
grep -v '^#' "$expected" | while IFS="$tab" read -r file msgs dialogs streams note; do
	[ "$file" = file ] && continue
	f="$CORPUS/$file"
	[ -f "$f" ] || { echo "FAIL: $file missing from corpus" >&2; echo x >>"$tmp/fails"; continue; }
	"$ANALYZE" --quiet --format json "$f" >"$tmp/out.json" 2>"$tmp/err"
	rc=$?
	if [ "$msgs" = error ]; then
		# Unreadable: exit 3 and "sipalg-analyze: FILE: reason".
		if [ $rc -ne 3 ] || ! grep -q "^sipalg-analyze: $f: ." "$tmp/err"; then
			echo "FAIL: $file: expected a clean read error, rc=$rc: $(cat "$tmp/err")" >&2
			echo x >>"$tmp/fails"
		fi
		continue
	fi
	# Exit 1 means findings were reported (tests/detect.sh checks which).
	if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		echo "FAIL: $file: exit $rc: $(head -c 2000 "$tmp/err")" >&2
		echo x >>"$tmp/fails"
		continue
	fi
	got=$(python3 - "$tmp/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["captures"][0]
print(c["sip_messages"], c["dialogs"], c["rtp_streams"])
PY
) || { echo "FAIL: $file: invalid JSON" >&2; echo x >>"$tmp/fails"; continue; }
	if [ "$got" != "$msgs $dialogs $streams" ]; then
		echo "FAIL: $file: expected messages/dialogs/streams '$msgs $dialogs $streams', got '$got'" >&2
		echo x >>"$tmp/fails"
	else
		echo "ok $file: $got"
	fi
done
[ -f "$tmp/fails" ] && fails=$((fails + $(wc -l <"$tmp/fails")))
finish
