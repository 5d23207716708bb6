#!/usr/bin/env bash
# Calibration of the verdict engine on this machine's real noise (too long for make check).
#
#   tests/calibrate.sh [collect|analyse|all] [--dir DIR] [--bench LIST] [--profile P]
#
# collect makes, under DIR, the runs every scenario needs, one after another on this kernel:
#   quiet/  10 runs with nothing else running (the first 6: "six runs"; all 10: a quiet week)
#   hog/     6 runs, a CPU hog running through the 4th (one run slowed by real load)
#   noisy/   6 runs under an intermittent load on every CPU (a noisy day)
# analyse compares them as a user would and checks the engine's promises:
#   run against run   every pair of the six quiet runs and of the six hog runs: no better/worse
#   A/A 3 against 3   quiet 1-3 against 4-6 (and the hog set): at most 1% of judged metrics flagged
#   +10%              quiet 4-6 with every judged sample made 10% worse: worse in at least 90% of
#                     the metrics whose mde is at most 5% (and not zero), better nowhere
#   quiet history     the noisy day's A/A (three splits of its six runs) judged with the quiet
#                     week as history: at most 1% flagged
#   power             the median mde of the judged, non-constant metrics of the quiet A/A: at most 10%
# It prints every figure (the error rate of each rule) and exits 1 when a bound does not hold.
set -euo pipefail
cd "$(dirname "$0")/.."

what=all dir="" benches=uffd-wp,fault-around profile=quick
while [ $# -gt 0 ]; do
	case $1 in
	collect | analyse | all) what=$1; shift ;;
	--dir) dir=$2; shift 2 ;;
	--bench) benches=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	-h | --help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "calibrate: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "calibrate: needs jq (make deps installs it)" >&2; exit 2; }
dir=${dir:-$(mktemp -d /tmp/mmbench-calibrate.XXXXXX)}
mkdir -p "$dir"
make -s all
mm=./build/mmbench

one() {	# one SCENARIO LABEL: a run into DIR/SCENARIO
	"$mm" run --bench "$benches" --profile "$profile" --label "$2" --out "$dir/$1" \
		--no-report 2>>"$dir/$1.log" >/dev/null
}

burn() {	# burn SECONDS: one CPU busy
	timeout "$1" sh -c 'while :; do :; done' || true
}

flaky_load() {	# flaky_load SECONDS: every CPU busy now and then, in the background
	(
		end=$(($(date +%s) + $1))
		while [ "$(date +%s)" -lt "$end" ]; do
			for _ in $(seq "$(nproc)"); do burn $((RANDOM % 4 + 1)) & done
			wait
			sleep $((RANDOM % 4))
		done
	) &
}

collect() {
	local i
	for i in 1 2 3 4 5 6; do one quiet "q$i"; done
	for i in 1 2 3 4 5 6; do
		if [ "$i" = 4 ]; then burn 45 & fi
		one hog "h$i"
		wait
	done
	for i in 7 8 9 10; do one quiet "q$i"; done
	for i in 1 2 3 4 5 6; do
		flaky_load 40
		one noisy "n$i"
		wait
	done
}

runs_of() {	# runs_of SCENARIO: its run directories, oldest first
	find "$dir/$1" -mindepth 2 -maxdepth 2 -type d | sort
}

judged='[.rows[] | select(.verdict != "info" and .verdict != "n/a")]'
flagged() { jq "$judged | map(select(.verdict == \"better\" or .verdict == \"worse\")) | length" "$1"; }
judged_n() { jq "$judged | length" "$1"; }

cmp() {	# cmp OUT.json BASE NEW [compare options]: a compare as a user makes it
	local out=$1 a=$2 b=$3
	shift 3
	"$mm" compare "$a" "$b" --json "$out" "$@" >"${out%.json}.txt" 2>/dev/null || true
}

fail=0
bound() {	# bound TEXT OK: report a promise
	if [ "$2" = 1 ]; then echo "  ok    $1"; else echo "  FAIL  $1"; fail=1; fi
}

pairs() {	# pairs SCENARIO: every pair of its first six runs, run against run
	local -a r
	local i j n=0 f=0 reports=0
	mapfile -t r < <(runs_of "$1" | head -6)
	for ((i = 0; i < ${#r[@]}; i++)); do
		for ((j = i + 1; j < ${#r[@]}; j++)); do
			cmp "$dir/an/pair-$1-$i-$j.json" "${r[i]}" "${r[j]}"
			local k
			k=$(flagged "$dir/an/pair-$1-$i-$j.json")
			n=$((n + $(judged_n "$dir/an/pair-$1-$i-$j.json")))
			f=$((f + k))
			[ "$k" = 0 ] || reports=$((reports + 1))
		done
	done
	echo "run against run ($1): $f of $n judged metrics flagged, in $reports of 15 reports"
	bound "run against run ($1): no better or worse" "$([ "$f" = 0 ] && echo 1 || echo 0)"
}

worse_copy() {	# worse_copy DEST RUN..: copies with every judged sample 10% worse
	local dest=$1 d f
	shift
	rm -rf "$dest"
	mkdir -p "$dest"
	for d in "$@"; do
		cp -r "$d" "$dest/"
		for f in "$dest/$(basename "$d")"/*.json; do
			[ "$(basename "$f")" = manifest.json ] && continue
			jq '(.cases[]?.metrics[]?) |= (if .better == "lower" then .samples |= map(if . == null then . else . * 1.1 end)
				elif .better == "higher" then .samples |= map(if . == null then . else . / 1.1 end) else . end)' \
				"$f" >"$f.tmp" && mv "$f.tmp" "$f"
		done
	done
	find "$dest" -mindepth 1 -maxdepth 1 -type d | sort | paste -sd, -
}

aa() {	# aa NAME A B [options]: an A/A, its flag rate and bound
	local out=$dir/an/$1.json n f
	cmp "$out" "$2" "$3" "${@:4}"
	n=$(judged_n "$out")
	f=$(flagged "$out")
	echo "$1: $f of $n judged metrics flagged"
	bound "$1: at most 1% flagged" "$([ $((f * 100)) -le "$n" ] && echo 1 || echo 0)"
	jq -r '[.rows[] | select(.verdict == "better" or .verdict == "worse") |
		"    flagged: \(.bench) \(.case) \(.metric) \(.verdict) x\(.ratio) q \(.q) noise \(.noise.source)"] | .[]' "$out"
}

analyse() {
	local -a q h n
	local qa qb ha hb out pow worse better mde
	mkdir -p "$dir/an"
	mapfile -t q < <(runs_of quiet)
	mapfile -t h < <(runs_of hog)
	mapfile -t n < <(runs_of noisy)
	[ ${#q[@]} -ge 10 ] && [ ${#h[@]} -ge 6 ] && [ ${#n[@]} -ge 6 ] ||
		{ echo "calibrate: $dir lacks runs: run '$0 collect --dir $dir' first" >&2; exit 2; }
	pairs quiet
	pairs hog
	qa=$(printf '%s,' "${q[@]:0:3}")
	qb=$(printf '%s,' "${q[@]:3:3}")
	ha=$(printf '%s,' "${h[@]:0:3}")
	hb=$(printf '%s,' "${h[@]:3:3}")
	aa "aa-quiet" "${qa%,}" "${qb%,}" --history none
	aa "aa-hog" "${ha%,}" "${hb%,}" --history none
	# the noisy day against the quiet week: three ways of splitting its six runs
	aa "noisy-day-1" "${n[0]},${n[1]},${n[2]}" "${n[3]},${n[4]},${n[5]}" --history "$dir/quiet"
	aa "noisy-day-2" "${n[0]},${n[2]},${n[4]}" "${n[1]},${n[3]},${n[5]}" --history "$dir/quiet"
	aa "noisy-day-3" "${n[0]},${n[1]},${n[5]}" "${n[2]},${n[3]},${n[4]}" --history "$dir/quiet"
	# history of a quiet week helping a quiet day (the same kernel and options)
	aa "aa-quiet-history" "${qa%,}" "${qb%,}" --history "$dir/quiet"

	out=$dir/an/shift.json
	cmp "$out" "${qa%,}" "$(worse_copy "$dir/worse" "${q[@]:3:3}")" --history none
	pow='.mde != null and .mde <= 0.05 and .base.median != 0'
	pow=$(jq "$judged | map(select($pow)) | length" "$out")
	worse=$(jq "$judged | map(select(.mde != null and .mde <= 0.05 and .base.median != 0 and .verdict == \"worse\")) | length" "$out")
	better=$(jq "$judged | map(select(.verdict == \"better\")) | length" "$out")
	echo "+10%: $worse of $pow metrics with mde <= 5% (and not zero) worse; $better better;" \
		"$(jq "$judged | map(select(.verdict == \"worse\")) | length" "$out") of $(judged_n "$out") worse in all"
	bound "+10%: worse in at least 90% of the powered metrics" \
		"$([ "$pow" -gt 0 ] && [ $((worse * 10)) -ge $((pow * 9)) ] && echo 1 || echo 0)"
	bound "+10%: better nowhere" "$([ "$better" = 0 ] && echo 1 || echo 0)"

	mde=$(jq "[${judged}[] | select(.mde != null and .mde > 0) | .mde] | sort |
		if length == 0 then 1 else .[length / 2 | floor] end" "$dir/an/aa-quiet.json")
	echo "power: median mde of the judged, non-constant metrics of the quiet A/A:" \
		"$(jq -n "$mde * 1000 | round / 10")% (history none); with the quiet week as history:" \
		"$(jq "[${judged}[] | select(.mde != null and .mde > 0) | .mde] | sort | .[length / 2 | floor] * 1000 | round / 10" \
			"$dir/an/aa-quiet-history.json")%"
	bound "power: median mde at most 10%" "$(jq -n "if $mde <= 0.10 then 1 else 0 end")"
	echo "noise between runs here (sd of log run medians, median over metrics):"
	for s in aa-quiet aa-hog noisy-day-1; do
		echo "  $s: $(jq -r '[.rows[] | select(.noise.sd != null) | .noise.sd] | sort |
			if length == 0 then "n/a" else "\(.[length / 2 | floor] * 1000 | round / 10)%" end' \
			"$dir/an/$s.json")"
	done
}

case $what in
collect) collect ;;
analyse) analyse ;;
all) collect; analyse ;;
esac
echo "calibrate: runs and reports in $dir (an/*.txt)"
exit $fail
