# tests/lib.sh - shared helpers for the shell tests (sourced).
#
# Every test script gets top_srcdir and top_builddir from `make check`
# (AM_TESTS_ENVIRONMENT) and falls back to the current directory when run
# by hand.  Exit codes follow automake: 0 pass, 1 fail, 77 skip.
top_srcdir=${top_srcdir:-$(pwd)}
top_builddir=${top_builddir:-$(pwd)}
ANALYZE="$top_builddir/sipalg-analyze"
SHARED="$top_srcdir/../shared"
CORPUS="$SHARED/corpus"
fails=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

ok() {
	checks=$((checks + 1))
}

# check DESCRIPTION EXPECTED ACTUAL
check() {
	checks=$((checks + 1))
	if [ "$2" != "$3" ]; then
		echo "FAIL: $1: expected '$2', got '$3'" >&2
		fails=$((fails + 1))
	fi
}

# tmux_begin NAME: a tmux server of the test's own, in $T (socket
# NAME-PID, no configuration), holding a session that lives for the whole
# test: the test kills and recreates its own sessions, and a server left
# without sessions exits, racing the next new-session (seen as "no server
# running" under load).  The caller's EXIT trap runs "$T kill-server".
tmux_begin() {
	T="tmux -L $1-$$ -f /dev/null"
	$T new-session -d -s keep "sleep 3600"
}

# need_tools TOOL...: skip the test (exit 77) unless every TOOL is on
# PATH, naming the first one missing and the Debian package holding it.
need_tools() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		case $t in
		mergecap|editcap|capinfos|tshark|text2pcap) pkg=tshark ;;
		*) pkg=$t ;;
		esac
		echo "SKIP: $t (Debian: $pkg) needed"
		exit 77
	done
}

# proof_build DEFINE SOURCE: into $tmp (the caller's private folder), a
# sipalg-analyze whose SOURCE (a path under the source tree, e.g.
# analyzer/analysis.c) is compiled again with -DDEFINE, with the build's
# own compiler and flags (read from its Makefile through a make
# fragment), and linked with the build's sipalg-analyze objects and
# libsipalg.a (the new object comes first, so the library's is not
# pulled).  Sets PROOF to it.  Skips (77) without make, a configured
# build or its C compiler; a proof that does not build fails the test.
proof_build() {
	need_tools make
	[ -f "$top_builddir/Makefile" ] && [ -f "$top_builddir/libsipalg.a" ] ||
	    { echo "SKIP: no configured build in $top_builddir (Makefile, libsipalg.a)"; exit 77; }
	cat >"$tmp/proof.mk" <<'MK'
proof-cc:
	@echo '$(firstword $(CC))'
proof-build:
	$(CC) $(DEFS) $(DEFAULT_INCLUDES) $(INCLUDES) $(libsipalg_a_CPPFLAGS) $(CPPFLAGS) -D$(PROOF_DEFINE) $(AM_CFLAGS) $(CFLAGS) -c -o $(PROOF_DIR)/proof.o $(srcdir)/$(PROOF_SRC)
	$(CCLD) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $(PROOF_DIR)/sipalg-analyze $(PROOF_DIR)/proof.o $(sipalg_analyze_OBJECTS) $(sipalg_analyze_LDADD) $(LIBS)
MK
	# Not the jobserver of a `make -j check` above us.
	_pmake() {
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$top_builddir" \
		    -f Makefile -f "$tmp/proof.mk" PROOF_DIR="$tmp" \
		    PROOF_DEFINE="$1" PROOF_SRC="$2" "$3"
	}
	_cc=$(_pmake "$1" "$2" proof-cc 2>/dev/null)
	need_tools "${_cc:-cc}"
	if ! _pmake "$1" "$2" proof-build >"$tmp/build.log" 2>&1; then
		fail "the proof build (-D$1) does not build:"
		cat "$tmp/build.log" >&2
		finish
		exit 1
	fi
	PROOF="$tmp/sipalg-analyze"
}

skip_without_corpus() {
	if [ ! -d "$CORPUS" ]; then
		echo "SKIP: $CORPUS not found (clone ../shared beside the checkout to run this)"
		exit 77
	fi
}

# jq-free JSON field access through python3's json module.
json_get() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d.get(k)
    if d is None: break
print(d if d is not None else "")' "$1" "$2"
}

finish() {
	echo "$checks checks, $fails failed"
	[ "$fails" -eq 0 ]
}

# tmux_start NAME WIDTH HEIGHT CMD: CMD (shell text) in a tmux server of
# its own, in $TM (socket NAME-PID, no configuration), session b of
# WIDTH x HEIGHT, with TERM=screen and a UTF-8 locale; the pane stays 30 s
# after CMD ends, so that what it printed can be read.  The caller stops
# it with tmux_stop (one server per screen: nothing left between them).
# A test that exits before tmux_stop (a failed check, set -e, a signal
# turned into exit) still kills the server: tmux_start puts an EXIT trap
# in front of the caller's own (read back through `trap`'s output, so
# the caller's cleanup still runs after it).  A caller that sets its EXIT
# trap after tmux_start replaces ours: set it first.
tmux_start() {
	TM="tmux -L $1-$$ -f /dev/null"
	_tmux_live="$_tmux_live $1-$$"
	_tmux_trap
	$TM new-session -d -s b -x "$2" -y "$3" \
	    "TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 $4; sleep 30"
}

# The EXIT trap of tmux_start: kills the servers not stopped, then runs
# the caller's EXIT trap as it was (_tmux_prev).  dash prints no traps
# inside $(...), so `trap` writes to a file in this shell.
_tmux_trap() {
	_tmux_f=$(mktemp) || return 0
	trap >"$_tmux_f"
	_tmux_cur=
	eval "$(sed -n 's/^trap /_tmux_keep /p' "$_tmux_f")"
	rm -f "$_tmux_f"
	[ -n "$_tmux_set" ] && [ "$_tmux_cur" = "$_tmux_set" ] && return 0
	_tmux_prev=$_tmux_cur
	_tmux_set='_tmux_exit; eval "$_tmux_prev"'
	trap "$_tmux_set" EXIT
}

# _tmux_keep -- CMD SIGNAL (a line of `trap`'s output): the EXIT one kept.
_tmux_keep() {
	[ "$3" = EXIT ] && _tmux_cur=$2
	return 0
}

_tmux_exit() {
	for _s in $_tmux_live; do
		tmux -L "$_s" -f /dev/null kill-server 2>/dev/null
	done
	_tmux_live=
}

# tmux_screen: the text of $TM's session b now.
tmux_screen() {
	$TM capture-pane -p -t b
}

# tmux_wait PATTERN: until the screen shows PATTERN (grep basic regular
# expression), 10 s at most; 1 if it never did.
tmux_wait() {
	i=0
	while [ $i -lt 100 ]; do
		tmux_screen | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# tmux_mark N: marks the first N rows (no more than it shows) of
# sipalg-browse's call list with Space, one at a time, each until the
# screen shows one more marked row (a line starting with '*'); a key the
# browser took before its list was ready (still loading, at load) is
# sent again after 10 s.  1 if the marks never showed.
tmux_mark() {
	_n=$1
	# no more than the list shows ("N dialogs (M shown)")
	_m=$(tmux_screen | sed -n 's/.* (\([0-9][0-9]*\) shown).*/\1/p' | head -1)
	[ -n "$_m" ] && [ "$_m" -lt "$_n" ] && _n=$_m
	_k=0
	while [ $_k -lt "$_n" ]; do
		_k=$((_k + 1))
		_try=0
		while :; do
			$TM send-keys -t b Space
			i=0
			while [ $i -lt 100 ]; do
				[ "$(tmux_screen | grep -c '^\*')" -ge $_k ] && break
				sleep 0.1
				i=$((i + 1))
			done
			[ $i -lt 100 ] && break
			_try=$((_try + 1))
			[ $_try -lt 2 ] || return 1
		done
	done
	return 0
}

tmux_stop() {
	$TM kill-server 2>/dev/null
	_tmux_s=${TM#tmux -L }
	_tmux_s=${_tmux_s%% *}
	_tmux_live=$(for _s in $_tmux_live; do
		[ "$_s" = "$_tmux_s" ] || printf ' %s' "$_s"
	done)
}
