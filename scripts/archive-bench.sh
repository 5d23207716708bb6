#!/usr/bin/env bash
# The archive at scale, timed: a synthetic archive of N runs (copies of one run with noise,
# scripts/archive-synth.py), then the index built from scratch and brought up to date, trend
# of one metric of one case, compare of two kernels' runs with the archive as history,
# bisect-decide of a third kernel against the first and last, and publish of the whole site.
# --direct also times them without the index (MMBENCH_INDEX=off), as every reader was;
# --db URL pushes the archive into a PostgreSQL database and times trend read from it.
# A benchmark to read, not a test: nothing is judged. Times are wall seconds and peak RSS.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mmbench=$top/build/mmbench
runs=1000 kernels=0 from=$top/tests/data/run-base dir='' direct=0 keep=0 db=
bench=uffd-wp metric=total_us case='mode=default thp=never'

usage() {
	cat <<USAGE
usage: scripts/archive-bench.sh [--runs N] [--kernels K] [--from RUN_DIR] [--dir DIR]
       [--bench NAME --metric NAME --case KEY] [--direct] [--db URL] [--keep]
  --runs N       runs in the archive (default 1000), K kernels of N/K runs (default N/20)
  --from RUN     the run copied (default tests/data/run-base; a real run reads slower)
  --dir DIR      where the archive is made (default a temporary directory, removed after)
  --direct       time trend without the index too (slow: every run read at every step)
  --db URL       push the archive into this PostgreSQL database, time trend --db of it
USAGE
}

while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--kernels) kernels=$2; shift 2 ;;
	--from) from=$2; shift 2 ;;
	--dir) dir=$2; keep=1; shift 2 ;;
	--bench) bench=$2; shift 2 ;;
	--metric) metric=$2; shift 2 ;;
	--case) case=$2; shift 2 ;;
	--direct) direct=1; shift ;;
	--db) db=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "archive-bench: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
case $runs in ''|*[!0-9]*) echo "archive-bench: --runs $runs: not a number" >&2; exit 2 ;; esac
[ -x "$mmbench" ] || { echo "archive-bench: $mmbench: build it first (make)" >&2; exit 2; }
[ -f "$from/manifest.json" ] || { echo "archive-bench: $from: not a run directory" >&2; exit 2; }
if [ -z "$dir" ]; then
	dir=$(mktemp -d /tmp/mmbench-archive.XXXXXX)
fi
[ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
root=$dir/results

# One timed command: "label  wall-seconds  peak-KiB  exit"
timed() {
	local label=$1 out rc
	shift
	out=$(mktemp)
	rc=0
	/usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null 2>"$dir/last.err" || rc=$?
	read -r secs kib <"$out"
	rm -f "$out"
	printf '%-34s %8s s %9s KiB  exit %s\n' "$label" "$secs" "$kib" "$rc"
}

if [ ! -d "$root" ]; then
	start=$SECONDS
	python3 "$top/scripts/archive-synth.py" --from "$from" --runs "$runs" --kernels "$kernels" \
		--out "$root"
	echo "archive: $runs runs under $root, made in $((SECONDS - start)) s"
fi
rm -f "$root"/index.sqlite*
k1=$(find "$root" -mindepth 1 -maxdepth 1 -type d | sort -V | sed -n 1p)
k2=$(find "$root" -mindepth 1 -maxdepth 1 -type d | sort -V | sed -n 2p)
k3=$(find "$root" -mindepth 1 -maxdepth 1 -type d | sort -V | sed -n 3p)
klast=$(find "$root" -mindepth 1 -maxdepth 1 -type d | sort -V | tail -n 1)
bisect=(bisect-decide --good "$k1" --bad "$klast" --bench "$bench" --metric "$metric"
	--case "$case" "$k3")
timed "index, from scratch" "$mmbench" index --root "$root"
timed "index, nothing changed" "$mmbench" index --root "$root"
timed "trend, one metric of one case" "$mmbench" trend --root "$root" --bench "$bench" \
	--metric "$metric" --case "$case"
timed "compare two kernels, with history" "$mmbench" compare "$k1" "$k2"
timed "bisect-decide, one step" "$mmbench" "${bisect[@]}"
timed "publish, the whole site" "$mmbench" publish --root "$root" --out "$dir/site"
if [ "$direct" = 1 ]; then
	timed "trend without the index" env MMBENCH_INDEX=off "$mmbench" trend --root "$root" \
		--bench "$bench" --metric "$metric" --case "$case"
	timed "compare without the index" env MMBENCH_INDEX=off "$mmbench" compare "$k1" "$k2"
	timed "bisect-decide without the index" env MMBENCH_INDEX=off "$mmbench" "${bisect[@]}"
	timed "publish without the index" env MMBENCH_INDEX=off "$mmbench" publish --root "$root" \
		--out "$dir/site-direct"
fi
if [ -n "$db" ]; then
	timed "push, into the database" "$mmbench" push "$root" --db "$db"
	mkdir -p "$dir/no-cache"
	timed "trend --db, one metric of one case" env MMBENCH_DB_CACHE="$dir/no-cache" \
		"$mmbench" trend --db "$db" --bench "$bench" --metric "$metric" --case "$case"
fi
du -sh "$root/index.sqlite" | awk '{print "index size: " $1}'
