#!/bin/sh
# tests/outputs.sh - what the three programs write, and over what:
#   - no input is ever overwritten: sipalg-sim -w naming its capture
#     (directly, through a symlink or a hard link, with --compare) or its
#     --config file is refused and the file is unchanged;
#   - outputs appear whole or not at all: -w into a full filesystem (a
#     tmpfs, root only) leaves the earlier file of that name as it was
#     and no temporary behind; a successful -w replaces it;
#   - a write error on standard output is reported in every mode, with
#     exit 3: "PROGRAM: writing output: No space left on device";
#   - file names and reasons in error lines are escaped (no raw control
#     character reaches the terminal);
#   - inputs that cannot work are refused with the reason: a folder or a
#     FIFO as --config; a knob value out of range (--set
#     sdp_max_media=9, range 0..8).
. "${top_srcdir:-.}/tests/lib.sh"
SIM="$top_builddir/sipalg-sim"
BROWSE="$top_builddir/sipalg-browse"
tmp=$(mktemp -d)
mounts=""
cleanup() {
	for m in $mounts; do umount "$m" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
S="$top_srcdir/samples/linux-alg"
IN="$S/outbound-alg-on-inside.pcap"
OUT="$S/outbound-alg-on-outside.pcap"
ESC=$(printf '\033')

# ---- -w never replaces an input ----
cp "$IN" "$tmp/in.pcap"
ln -s "$tmp/in.pcap" "$tmp/link.pcap"
ln "$tmp/in.pcap" "$tmp/hard.pcap"
want=$(sha256sum <"$tmp/in.pcap")
for args in "-w $tmp/in.pcap $tmp/in.pcap" \
    "-w $tmp/link.pcap $tmp/in.pcap" \
    "-w $tmp/in.pcap $tmp/link.pcap" \
    "-w $tmp/hard.pcap $tmp/in.pcap" \
    "--compare -w $tmp/link.pcap $tmp/in.pcap" \
    "--profiles linux,off -w $tmp/in.pcap $tmp/in.pcap"; do
	# shellcheck disable=SC2086
	"$SIM" $args >/dev/null 2>"$tmp/e"
	check "sim $args: exit" 2 $?
	grep -q "^sipalg-sim: -w names the capture being read (the same file); nothing written" "$tmp/e" ||
	    fail "sim $args: message: $(cat "$tmp/e")"
	check "sim $args: input unchanged" "$want" "$(sha256sum <"$tmp/in.pcap")"
done
[ -L "$tmp/link.pcap" ] || fail "the symlink to the input was replaced"
printf 'set sdp_max_media = 4\n' >"$tmp/my.conf"
"$SIM" --config "$tmp/my.conf" -w "$tmp/my.conf" "$tmp/in.pcap" >/dev/null 2>"$tmp/e"
check "-w onto --config: exit" 2 $?
grep -q "names the --config file" "$tmp/e" || fail "-w onto --config: message: $(cat "$tmp/e")"
check "-w onto --config: unchanged" "set sdp_max_media = 4" "$(cat "$tmp/my.conf")"

# A successful -w replaces an earlier file, through a symlink to its target.
printf 'old\n' >"$tmp/old.pcap"
ln -s "$tmp/old.pcap" "$tmp/to-old.pcap"
"$SIM" -w "$tmp/to-old.pcap" "$tmp/in.pcap" >/dev/null 2>"$tmp/e"
check "-w over an earlier file: exit" 0 $?
[ -L "$tmp/to-old.pcap" ] || fail "-w through a symlink replaced the symlink"
"$ANALYZE" -q -f json "$tmp/old.pcap" >"$tmp/w.json" 2>"$tmp/e"
check "-w wrote a whole pcap" 1 "$(json_get "$tmp/w.json" captures.0.dialogs)"
check "no temporary left" "" "$(ls -a "$tmp" | grep '\.tmp-')"

# Into a full filesystem: the earlier file stays as it was.
full="$tmp/full"
mkdir "$full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=48k sipalg-test "$full" 2>/dev/null; then
	mounts="$full"
	printf 'earlier\n' >"$full/out.pcap"
	"$SIM" -w "$full/out.pcap" "$tmp/in.pcap" >/dev/null 2>"$tmp/e"
	check "-w on a full disk: exit" 3 $?
	grep -q "^sipalg-sim: $full/out.pcap: cannot write: " "$tmp/e" || fail "-w full disk: message: $(cat "$tmp/e")"
	check "-w on a full disk: earlier file kept" earlier "$(cat "$full/out.pcap")"
	check "-w on a full disk: no temporary left" "out.pcap" "$(ls -A "$full")"
	umount "$full" && mounts=""
else
	echo "SKIP: -w on a full filesystem (needs root to mount a small tmpfs)"
fi

# ---- standard output that cannot be written ----
# full PROGRAM ARGS...: runs with stdout on /dev/full; exit 3 and the
# message are expected.
full_out() {
	prog=$1
	shift
	"$@" >/dev/full 2>"$tmp/e"
	rc=$?
	check "$prog $*: exit on a full stdout" 3 $rc
	grep -q "^$prog: writing output: No space left on device$" "$tmp/e" ||
	    fail "$prog $*: message: $(cat "$tmp/e")"
}
"$ANALYZE" -q --db "$tmp/s.db" "$IN" "$OUT" >/dev/null
for fmt in text json csv; do
	full_out sipalg-analyze "$ANALYZE" -q -f $fmt "$IN"
	full_out sipalg-analyze "$ANALYZE" -q -f $fmt --db "$tmp/s.db" --report
done
full_out sipalg-analyze "$ANALYZE" -q -a -m "$IN" "$OUT"
full_out sipalg-analyze "$ANALYZE" -q --inside "$IN" --outside "$OUT"
full_out sipalg-analyze "$ANALYZE" -q -f json --inside "$IN" --outside "$OUT"
full_out sipalg-analyze "$ANALYZE" --fix list
full_out sipalg-analyze "$ANALYZE" --fix mikrotik
full_out sipalg-analyze "$ANALYZE" --help
full_out sipalg-analyze "$ANALYZE" --version
full_out sipalg-sim "$SIM" --list-profiles
full_out sipalg-sim "$SIM" --show-profile linux
full_out sipalg-sim "$SIM" "$IN"
full_out sipalg-sim "$SIM" -f json --compare "$IN"
full_out sipalg-sim "$SIM" --help
full_out sipalg-sim "$SIM" --version
full_out sipalg-browse "$BROWSE" --help
# The same runs on a writable stdout end normally.
"$ANALYZE" -q --fix list >/dev/null 2>"$tmp/e"
check "--fix list exit" 0 $?
"$SIM" --list-profiles >/dev/null 2>"$tmp/e"
check "--list-profiles exit" 0 $?

# ---- file names in error lines are escaped ----
evil="$tmp/evil${ESC}[2J${ESC}]0;title$(printf '\007').pcap"
for prog in "$ANALYZE -q" "$ANALYZE -q --db $tmp/e.db" "$SIM" "$BROWSE"; do
	# shellcheck disable=SC2086
	$prog "$evil" >/dev/null 2>"$tmp/e"
	check "$prog missing evil name: exit" 3 $?
	if grep -q "$ESC" "$tmp/e" || grep -q "$(printf '\007')" "$tmp/e"; then
		fail "$prog: a raw control character reached stderr: $(od -c "$tmp/e" | head -3)"
	fi
	grep -q 'evil\\x1b\[2J\\x1b\]0;title\\x07\.pcap' "$tmp/e" ||
	    fail "$prog: name not shown escaped: $(cat "$tmp/e")"
done
"$ANALYZE" -q --db "$evil" --report >/dev/null 2>"$tmp/e"
check "--db evil name: exit" 3 $?
grep -q "$ESC" "$tmp/e" && fail "--db: a raw ESC reached stderr"
grep -q 'evil\\x1b\[2J' "$tmp/e" || fail "--db: name not escaped: $(cat "$tmp/e")"
# Other controls: C1 and bidi in UTF-8 (U+009B, U+202E).
evil2="$tmp/c1$(printf '\302\233')31m$(printf '\342\200\256')gnp.pcap"
"$ANALYZE" -q "$evil2" >/dev/null 2>"$tmp/e"
grep -q 'c1\\u009b31m\\u202egnp\.pcap' "$tmp/e" || fail "C1/bidi name not escaped: $(cat "$tmp/e")"

# ---- refused with the reason ----
mkdir "$tmp/confdir"
"$SIM" --config "$tmp/confdir" "$IN" >/dev/null 2>"$tmp/e"
check "--config folder: exit" 2 $?
grep -q "^sipalg-sim: --config: a folder, not a profile file" "$tmp/e" ||
    fail "--config folder: message: $(cat "$tmp/e")"
mkfifo "$tmp/conf.fifo"
timeout 20 "$SIM" --config "$tmp/conf.fifo" "$IN" >/dev/null 2>"$tmp/e"
check "--config FIFO: exit (not a hang)" 2 $?
grep -q "not a regular file" "$tmp/e" || fail "--config FIFO: message: $(cat "$tmp/e")"
"$SIM" --set sdp_max_media=9 "$IN" >/dev/null 2>"$tmp/e"
check "--set sdp_max_media=9: exit" 2 $?
grep -q "bad value '9' for knob sdp_max_media; valid: an integer 0..8" "$tmp/e" ||
    fail "--set out of range: message: $(cat "$tmp/e")"
"$SIM" --set sdp_max_media=8 "$IN" >/dev/null 2>"$tmp/e"
check "--set sdp_max_media=8: exit" 0 $?
finish
