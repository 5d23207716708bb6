#!/usr/bin/env bash
# Calibration of the verdict engine on this machine's real noise (too long for make check).
#
#   tests/calibrate.sh [--runs N] [--bench LIST] [--profile P] [--out DIR]
#
# Makes two sets of N runs (default 3) of the same kernel, one after the other (A/A), and
# compares them: at most 1% of the judged metrics may be flagged. Then it makes every
# judged metric of the second set 10% worse (each sample scaled: x1.1 where lower is
# better, /1.1 where higher is better) and compares again: at least 90% of the metrics
# whose stated mde is at most 5% must be flagged worse, and none better. It prints the
# figures and exits 1 when a bound does not hold.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3 benches=uffd-wp,fault-around profile=quick out=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--bench) benches=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "calibrate: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
command -v jq >/dev/null || { echo "calibrate: needs jq (make deps installs it)" >&2; exit 2; }
out=${out:-$(mktemp -d /tmp/mmbench-calibrate.XXXXXX)}
mkdir -p "$out"
make -s all

set_of() {	# the run directories of one set, comma-joined
	./build/mmbench run --runs "$runs" --bench "$benches" --profile "$profile" \
		--label "$1" --out "$out/$1" --no-report 2>"$out/$1.log" | paste -sd, -
}

start=$(date +%s)
echo "calibrate: set A: $runs $profile runs of $benches" >&2
a=$(set_of A)
echo "calibrate: set B: $runs $profile runs of $benches" >&2
b=$(set_of B)
echo "calibrate: runs took $(( $(date +%s) - start )) s" >&2

# B made 10% worse: a copy whose judged samples are scaled
bw=$out/Bworse
rm -rf "$bw"
mkdir -p "$bw"
for d in ${b//,/ }; do
	cp -r "$d" "$bw/"
	for f in "$bw/$(basename "$d")"/*.json; do
		[ "$(basename "$f")" = manifest.json ] && continue
		jq '(.cases[]?.metrics[]?) |= (if .better == "lower" then .samples |= map(if . == null then . else . * 1.1 end)
			elif .better == "higher" then .samples |= map(if . == null then . else . / 1.1 end) else . end)' \
			"$f" >"$f.tmp" && mv "$f.tmp" "$f"
	done
done
bw_list=$(find "$bw" -mindepth 1 -maxdepth 1 -type d | sort | paste -sd, -)

rc=0
./build/mmbench compare "$a" "$b" --history none --json "$out/aa.json" >"$out/aa.txt" || true
./build/mmbench compare "$a" "$bw_list" --history none --json "$out/ab.json" >"$out/ab.txt" || true

judged='[.rows[] | select(.verdict != "info" and .verdict != "n/a")]'
aa_n=$(jq "$judged | length" "$out/aa.json")
aa_flag=$(jq "$judged | map(select(.verdict == \"better\" or .verdict == \"worse\")) | length" "$out/aa.json")
aa_same=$(jq "$judged | map(select(.verdict == \"same\")) | length" "$out/aa.json")
aa_inc=$(jq "$judged | map(select(.verdict == \"inconclusive\")) | length" "$out/aa.json")
# a metric that is 0 in every sample cannot be made 10% worse: it does not count
powered='.mde != null and .mde <= 0.05 and .base.median != 0'
ab_pow=$(jq "$judged | map(select($powered)) | length" "$out/ab.json")
ab_worse=$(jq "$judged | map(select($powered and .verdict == \"worse\")) | length" "$out/ab.json")
ab_better=$(jq "$judged | map(select(.verdict == \"better\")) | length" "$out/ab.json")
ab_all_worse=$(jq "$judged | map(select(.verdict == \"worse\")) | length" "$out/ab.json")

echo "A/A: $aa_flag of $aa_n judged metrics flagged ($aa_same same, $aa_inc inconclusive)"
echo "A/B (B 10% worse): $ab_worse of $ab_pow metrics with mde <= 5% (and not all zero) flagged worse;" \
	"$ab_all_worse of $aa_n worse in all; $ab_better better"
jq -r '[.rows[] | select(.verdict != "info" and .verdict != "n/a") | .mde | select(. != null)]
	| sort | "mde: median \(.[length / 2 | floor] * 100 | floor)%, 10th percentile \(.[length / 10 | floor] * 100 | floor)%"' \
	"$out/aa.json"
jq -r '[.rows[] | select(.verdict == "better" or .verdict == "worse") | "  flagged in A/A: \(.bench) \(.case) \(.metric) \(.verdict) x\(.ratio)"] | .[]' "$out/aa.json"
if [ $((aa_flag * 100)) -gt "$aa_n" ]; then
	echo "calibrate: FAIL: A/A flags more than 1% of judged metrics" >&2
	rc=1
fi
if [ "$ab_pow" -gt 0 ] && [ $((ab_worse * 10)) -lt $((ab_pow * 9)) ]; then
	echo "calibrate: FAIL: fewer than 90% of the powered metrics flagged worse" >&2
	rc=1
fi
if [ "$ab_better" -gt 0 ]; then
	echo "calibrate: FAIL: a metric made worse was called better" >&2
	rc=1
fi
echo "calibrate: results in $out (aa.txt, ab.txt)"
exit $rc
