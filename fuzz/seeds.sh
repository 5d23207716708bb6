#!/usr/bin/env bash
# fuzz/seeds.sh OUT: the seed corpus from the real runs in tests/data/run-*, in the format of
# fuzz/harness.h ("@@NAME" then the file, for each file of a run), plus each bench file alone.
set -euo pipefail
out=$1
mkdir -p "$out"
cd "$(dirname "$0")/.."
for run in tests/data/run-*/; do
	name=$(basename "$run")
	{
		for f in "$run"*; do
			[ -f "$f" ] || continue
			printf '@@%s\n' "$(basename "$f")"
			cat "$f"
			printf '\n'
		done
	} >"$out/$name"
	for f in "$run"*.json; do
		[ "$(basename "$f")" = manifest.json ] && continue
		{ printf '@@manifest.json\n'; cat "$run/manifest.json"; printf '\n@@%s\n' "$(basename "$f")"; cat "$f"; } \
			>"$out/$name-$(basename "$f" .json)"
	done
done
# a run with a profile (hand-made, consistent: tests/data/kprofile/), so the fuzzer reaches its reader
{
	for f in tests/data/run-base/* tests/data/kprofile/fault-scale.kprofile.json; do
		printf '@@%s\n' "$(basename "$f")"
		cat "$f"
		printf '\n'
	done
} >"$out/run-base-kprofile"
