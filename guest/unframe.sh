#!/usr/bin/env bash
# Takes a framed directory (guest/frame.sh) out of a console log, checks it is whole, and unpacks it.
#
# usage: unframe.sh CONSOLE_LOG DEST
# Prints key=value lines on stdout (status, reason, bytes, received, the begin marker's fields,
# truncated_files). Exit: 0 whole (sha256 and length match, both markers seen), 3 incomplete
# (what could be decoded is unpacked into DEST, with DEST/INCOMPLETE saying why), 1 no frame
# at all, 2 usage. A whole transfer never leaves INCOMPLETE behind; an incomplete one always does.
set -euo pipefail

if [ $# -ne 2 ] || [ ! -r "$1" ]; then
	echo "unframe.sh: usage: unframe.sh CONSOLE_LOG DEST" >&2
	exit 2
fi
log=$1
dest=$2
mkdir -p "$dest" || exit 2
work=$(mktemp -d "${TMPDIR:-/tmp}/mmbench-unframe.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# Only the last frame counts: an earlier one would be from an aborted attempt.
tr -d '\r' <"$log" | awk -v work="$work" '
	/^==MMBENCH-FRAME-BEGIN v1 / { begin = $0; n = 0; end = ""; bad = 0; inframe = 1
		printf "" > (work "/data"); next }
	/^==MMBENCH-FRAME-END v1 / { if (inframe) { end = $0; inframe = 0 } next }
	inframe && /^MMB:/ { line = substr($0, 5)
		if (line !~ /^[A-Za-z0-9+\/=]*$/ || length(line) > 76) bad++
		print line >> (work "/data"); n++; next }
	END { print begin > (work "/begin"); print end > (work "/end")
		print n > (work "/nlines"); print bad > (work "/bad") }'

begin=$(cat "$work/begin")
end=$(cat "$work/end")
if [ -z "$begin" ]; then
	echo "status=absent"
	echo "reason=no frame begin marker in the console log"
	exit 1
fi

field() {	# field NAME "MARKER LINE" -> value of NAME=value in the line
	local w
	for w in $2; do
		case $w in "$1"=*) echo "${w#*=}"; return ;; esac
	done
}
bytes=$(field bytes "$begin")
sha=$(field sha256 "$begin")
lines=$(field lines "$begin")
nlines=$(cat "$work/nlines")

# Decode whole 4-character groups only, so a cut-off last line still yields its first bytes.
tr -d '\n' <"$work/data" >"$work/b64"
b64len=$(wc -c <"$work/b64")
truncate -s $((b64len / 4 * 4)) "$work/b64"
# Corrupt or cut data decodes short or not at all: the checks below say which, so the exits of
# base64, gzip and tar here are data, not failures.
base64 -d -i <"$work/b64" >"$work/payload" 2>/dev/null || :
received=$(wc -c <"$work/payload")
got_sha=$(sha256sum "$work/payload" | cut -d' ' -f1)

reason=""
if [ -z "$end" ]; then
	reason="transfer cut off: no end marker ($nlines of $lines lines, $received of $bytes bytes)"
elif [ "$end" != "==MMBENCH-FRAME-END v1 bytes=$bytes sha256=$sha lines=$lines" ]; then
	reason="begin and end markers disagree"
elif [ "$nlines" != "$lines" ]; then
	reason="line count $nlines, expected $lines"
elif [ "$(cat "$work/bad")" != 0 ]; then
	reason="$(cat "$work/bad") corrupted line(s) in the frame"
elif [ "$received" != "$bytes" ]; then
	reason="length $received bytes, expected $bytes"
elif [ "$got_sha" != "$sha" ]; then
	reason="sha256 mismatch: got $got_sha, expected $sha"
elif [ "$(field tar "$begin")" = failed ]; then
	reason="the guest's tar failed: files may be missing or short"
fi

# Unpack what there is; GNU tar refuses absolute names and "..", so a guest cannot write outside.
gzip -dc <"$work/payload" 2>/dev/null >"$work/payload.tar" || :
tar_rc=0
tar -xf "$work/payload.tar" -C "$dest" --no-same-owner 2>/dev/null || tar_rc=$?
if [ -z "$reason" ] && [ $tar_rc -ne 0 ]; then
	reason="the archive does not unpack (tar exit $tar_rc)"
fi

echo "bytes=$bytes"
echo "received=$received"
for w in $begin; do
	case $w in ==*) ;; *=*) case ${w%%=*} in bytes|sha256|lines|tar) ;; *) echo "$w" ;; esac ;; esac
done
if [ -z "$reason" ]; then
	echo "status=whole"
	exit 0
fi

# Name the files that came back shorter than their tar header says: they are not to be trusted.
truncated=$(tar -tvf "$work/payload.tar" 2>/dev/null | awk '$1 ~ /^-/ { print $3, $6 }' |
	while read -r size name; do
		have=$(stat -c %s "$dest/$name" 2>/dev/null || echo -1)
		[ "$have" = "$size" ] || printf '%s ' "${name#./}"
	done) || :	# tar -t of a cut archive lists what it can, then fails
echo "status=incomplete"
echo "reason=$reason"
echo "truncated_files=${truncated% }"
{
	echo "incomplete: $reason"
	if [ -n "$truncated" ]; then echo "truncated files: ${truncated% }"; fi
} >"$dest/INCOMPLETE"
exit 3
