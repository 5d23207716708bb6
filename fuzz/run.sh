#!/usr/bin/env bash
# fuzz/run.sh BUILD_DIR SECONDS: replays fuzz/regress/ (every input that once crashed the
# reader must now pass), then fuzzes from the seed corpus (tests/data/run-*) for SECONDS.
# A crash is kept in BUILD_DIR/crashes/ and shown; copy it to fuzz/regress/ once fixed.
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
build=$1 secs=$2 bin=$1/fuzz_reader
corpus=$build/corpus crashes=$build/crashes log=$build/fuzz.log
mkdir -p "$corpus" "$crashes"
./fuzz/seeds.sh "$corpus" || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
if ls fuzz/regress/* >/dev/null 2>&1; then
	if ! "$bin" fuzz/regress/* >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "fuzz: an input of fuzz/regress/ crashes the reader again (log: $log)" >&2
		exit 1
	fi
fi
echo "  FUZZ    run directories, ${secs}s (log: $log)"
# stderr of the target is the reader's one-line complaints: many, and in the log only
# libFuzzer's exit is the verdict: nonzero is a crash, shown below
rc=0
"$bin" -max_total_time="$secs" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" >>"$log" 2>&1 || rc=$?
sed -n -E 's/^(stat::(number_of_executed_units|new_units_added))/  \1/p' "$log" | tail -n 2
if [ $rc -ne 0 ]; then
	# what the log has of the crash; none of it (grep's 1) is no reason to hide the line below
	grep -E -A30 '^==[0-9]+==ERROR|runtime error|deadly signal|timeout' "$log" | sed -n 1,40p || :
	echo "fuzz: the reader crashed; the input is in $crashes/" >&2
	exit 1
fi
