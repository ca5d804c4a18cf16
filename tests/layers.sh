#!/bin/sh
# tests/layers.sh - the dependency rules of analyzer/README.md, checked on
# the sources (includes) and on the browser's objects (symbols).
#
# 1. analyzer/: a file includes only its own layer and the layers before
#    it in README's order (base ingest sip alg detect present diff output
#    store analysis.c source cli); inside ingest/ the files keep their own
#    order (readahead capture sipframe decode frag tcpstream tcpframe ingest, with
#    pkt.h and frag.h beside decode).  No analyzer/ file includes a file of
#    sim/ or tui/.
# 2. tui/: no circle, neither among headers (#include) nor among modules
#    (one file calling a function another defines, read from the
#    objects with nm): a panel may use the UI helpers, the helpers never
#    a panel.  tsort finds the circles.
. "${top_srcdir:-.}/tests/lib.sh"
src=${top_srcdir:-.}
build=${top_builddir:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

rank() {
	case $1 in
	base/*) echo 0 ;; ingest/*) echo 1 ;; sip/*) echo 2 ;; alg/*) echo 3 ;;
	detect/*) echo 4 ;; present/*) echo 5 ;; diff/*) echo 6 ;;
	output/*) echo 7 ;; store/*) echo 8 ;; analysis.[ch]) echo 9 ;;
	source/*) echo 10 ;; cli/*) echo 11 ;; *) echo 99 ;;
	esac
}

ingest_rank() {
	case ${1##*/} in
	readahead.*) echo 0 ;; capture.*|pkt.h) echo 1 ;; sipframe.*) echo 2 ;;
	frag.*) echo 3 ;; decode.*) echo 4 ;; tcpstream.*) echo 5 ;;
	tcpframe.*) echo 6 ;; ingest.*) echo 7 ;; *) echo 99 ;;
	esac
}

# ---- 1. analyzer/ ----
n=0
for f in $(cd "$src/analyzer" && find . -name '*.[ch]' | sed 's|^\./||' | sort); do
	r=$(rank "$f")
	[ "$r" = 99 ] && fail "analyzer/$f: in no layer of analyzer/README.md"
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$src/analyzer/$f"); do
		[ "$inc" = config.h ] && continue
		n=$((n + 1))
		case $inc in
		*../*|sim/*|tui/*)
			fail "analyzer/$f includes $inc (outside the library)"
			continue ;;
		esac
		if [ ! -f "$src/analyzer/$inc" ]; then
			fail "analyzer/$f includes $inc: no such file under analyzer/ (name the layer: \"sip/x.h\")"
			continue
		fi
		ri=$(rank "$inc")
		if [ "$ri" -gt "$r" ]; then
			fail "analyzer/$f includes $inc, a higher layer"
		elif [ "$ri" = 1 ] && [ "$r" = 1 ] &&
		    [ "$(ingest_rank "$inc")" -gt "$(ingest_rank "$f")" ]; then
			fail "analyzer/$f includes $inc, later in ingest/'s order"
		else
			ok
		fi
	done
done
[ "$n" -gt 100 ] || fail "only $n includes read under $src/analyzer"

# ---- 2. tui/: header circles ----
: >"$tmp/inc"
for f in "$src"/tui/*.[ch]; do
	b=${f##*/}
	for inc in $(sed -n 's/^#include "\([^"/]*\)".*/\1/p' "$f"); do
		[ -f "$src/tui/$inc" ] && echo "$b $inc" >>"$tmp/inc"
	done
	echo "$b $b" >>"$tmp/inc"
done
if tsort "$tmp/inc" >/dev/null 2>"$tmp/loop"; then
	ok
else
	fail "tui/: include circle: $(tr '\n' ' ' <"$tmp/loop")"
fi

# ---- 2. tui/: module circles, by the symbols each object uses ----
objs=$(ls "$build"/tui/*.o 2>/dev/null | grep -v test_)
if [ -z "$objs" ]; then
	echo "SKIP: no tui/ objects under $build (configure without the browser?)"
	finish
fi
: >"$tmp/def"
for o in $objs; do
	m=$(basename "$o" .o | sed 's/^sipalg_browse-//')
	nm -g --defined-only "$o" | awk -v m="$m" 'NF == 3 { print $3, m }' >>"$tmp/def"
done
: >"$tmp/use"
for o in $objs; do
	m=$(basename "$o" .o | sed 's/^sipalg_browse-//')
	echo "$m $m" >>"$tmp/use"
	# One awk per object (not one per symbol: a sanitizer build's
	# objects name hundreds of __asan_/__ubsan_ symbols).
	nm -u "$o" | awk -v m="$m" 'NR == FNR { d[$1] = d[$1] " " $2; next }
	    { n = split(d[$NF], a, " ")
	      for (i = 1; i <= n; i++) if (a[i] != m) print m, a[i] }' \
	    "$tmp/def" - >>"$tmp/use"
done
# tsort reads "a b" as a before b: a module before what it uses is fine
# as long as the relation has no loop.
if tsort "$tmp/use" >/dev/null 2>"$tmp/loop"; then
	ok
else
	fail "tui/: modules that use each other: $(grep -v 'input contains' "$tmp/loop" | sed 's/^tsort: //' | sort -u | tr '\n' ' ')"
fi
finish
