#!/bin/sh
# Frames a directory for the serial console: a gzipped tar in base64, one "MMB:" line at a time,
# between markers that carry its length and sha256 so the host can tell whole from truncated.
#
# usage: frame.sh DIR [KEY=VALUE ...] > console
# The KEY=VALUE words (no spaces) go into the begin marker, e.g. release=6.1.0-56-cloud-amd64 rc=0.
# Runs under busybox sh in the guest and under dash/bash with coreutils on the host (tests).
# No set -e: a step that fails (tar on an unreadable file) still frames what it has, marked.

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "frame.sh: usage: frame.sh DIR [KEY=VALUE ...]" >&2
	exit 2
fi
dir=$1
shift
tmp=${TMPDIR:-/tmp}/mmbench-frame.$$.tgz
trap 'rm -f "$tmp" "$tmp.tarfail"' EXIT
trap 'exit 1' INT TERM HUP

# gzip because JSON shrinks ~10x and the console is the slow part of the whole transfer.
# busybox sh has no pipefail: a tar that fails (a file it could not read) leaves a mark, and the
# frame still goes out, with tar=failed in its begin marker so the host does not call it whole.
rm -f "$tmp.tarfail"
if ! { tar -C "$dir" -cf - . || : >"$tmp.tarfail"; } | gzip -c >"$tmp"; then
	echo "frame.sh: $dir: gzip failed" >&2
	exit 1
fi
tar_state=ok
if [ -e "$tmp.tarfail" ]; then
	echo "frame.sh: $dir: tar failed: framing what it wrote" >&2
	tar_state=failed
fi
bytes=$(wc -c <"$tmp")
bytes=$((bytes + 0))
sha=$(sha256sum "$tmp" | cut -d' ' -f1)
lines=$(((bytes + 56) / 57))	# base64 wraps 57 input bytes into one 76-character line

# A kernel message may still reach the console; the prefix lets the host skip such lines.
echo "==MMBENCH-FRAME-BEGIN v1 bytes=$bytes sha256=$sha lines=$lines tar=$tar_state $*"
base64 "$tmp" | sed 's/^/MMB:/'
echo "==MMBENCH-FRAME-END v1 bytes=$bytes sha256=$sha lines=$lines"
exit 0
