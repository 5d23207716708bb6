#!/usr/bin/env bash
# ./run.sh ab: two kernel images booted alternately under ./run.sh vm (A B B A A B ..), the same
# RUN_ARGS in each boot, then one compare of the two sets, archived under ROOT/ab/<id>/.
set -euo pipefail

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
mmbench=$MMBENCH_TOP/build/mmbench
vm_who=ab
. "$MMBENCH_TOP/vm/common.sh"

# "600", "600s", "30m", "2h", "1d" as seconds; fails on anything else or out of 1s..7d.
budget_seconds() {
	local n=${1%[smhd]} u=${1##*[0-9]} m=1
	[[ $n =~ ^[0-9]+$ ]] && [[ $u =~ ^[smhd]?$ ]] || return 1
	case $u in m) m=60 ;; h) m=3600 ;; d) m=86400 ;; esac
	n=$((10#$n * m))
	[ "$n" -ge 1 ] && [ "$n" -le 604800 ] && echo "$n"
}

kernels=() boots="" label="" out="" verbose=0 run_args=() vm_opts=() mde="" budget="" dry_run=0
# Every option but --kernel must mean the same thing each time it is given (once).
# shellcheck disable=SC2034 # the table opts_parse reads
options=(
	"-h|--help  help  vm_help ab"
	"--kernel   list  kernels"
	"--boots    value boots   once"
	"--mde      value mde     once"
	"--budget   value budget  once"
	"--label    value label   once"
	"--out      value out     once"
	"--numa     pass  vm_opts once"
	"--cpus     pass  vm_opts once"
	"--mem      pass  vm_opts once"
	"--accel    pass  vm_opts once"
	"--timeout  pass  vm_opts once"
	"--append   pass  vm_opts once"
	"--dry-run  flag  dry_run"
	"--verbose  flag  verbose"
	"--         rest  run_args"
)
opts_parse options "$@"
[ ${#kernels[@]} -le 2 ] || bad "--kernel: exactly two images (A and B)"
[ ${#kernels[@]} -eq 2 ] || bad "needs --kernel IMAGE_A --kernel IMAGE_B"
for k in "${kernels[@]}"; do
	why=$(kimage_check "$k") || bad "$why"
done
boots=${boots:-3}
[ "$boots" = auto ] || { [[ $boots =~ ^[0-9]+$ ]] && [ "$boots" -ge 1 ] && [ "$boots" -le 20 ]; } ||
	bad "--boots $boots: a number from 1 to 20, or auto"
if [ "$boots" = auto ]; then
	mde=${mde:-5%}
	if ! [[ $mde =~ ^[0-9]+(\.[0-9]+)?%?$ ]] ||
		! awk -v m="${mde%\%}" 'BEGIN { exit !(m >= 0.1 && m <= 50) }'; then
		bad "--mde $mde: a percentage from 0.1 to 50"
	fi
	budget_s=$(budget_seconds "${budget:-2h}") || bad "--budget $budget: a time from 1s to 7d (600s, 30m, 2h)"
else
	[ -z "$mde$budget" ] || bad "--mde and --budget go with --boots auto"
fi
[ -z "$label" ] || [[ $label =~ ^[A-Za-z0-9._+-]{1,40}$ ]] || bad "--label takes up to 40 of [A-Za-z0-9._+-]"
[ ${#run_args[@]} -gt 0 ] || run_args=(--profile quick)
why=$(run_args_problem "$mmbench" "${run_args[@]}")
[ -z "$why" ] || bad "$why"
out=${out:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}}

# --dry-run: one boot's plan (vm's --dry-run, for the guest the vm options ask), the
# number of boots and their total; no boot, nothing written.
ab_dry_run() {
	local plan each n
	plan=$("$MMBENCH_TOP/vm/run-vm.sh" --kernel "${kernels[0]}" "${vm_opts[@]}" --out "$out" \
		--dry-run -- "${run_args[@]}" 2>&1) || { echo "$plan" >&2; exit 2; }
	echo "$plan" >&2
	each=$(sed -n 's/^vm: plan: .*; about \([0-9]*\) s a boot .*/\1/p' <<<"$plan")
	if [ "$boots" = auto ]; then
		n=$((budget_s / (2 * ${each:-1}) < 20 ? budget_s / (2 * ${each:-1}) : 20))
		echo "ab: plan: --boots auto: pairs until decided, at most $n (20, or what --budget" \
			"$budget_s s holds at about $((2 * ${each:-0})) s a pair): $((4 * each)) to" \
			"$((2 * n * each)) s" >&2
	else
		echo "ab: plan: $((2 * boots)) boots (A B B A ..), about ${each:-0} s each: about" \
			"$((2 * boots * ${each:-0})) s, then one compare" >&2
	fi
	exit 0
}
[ "$dry_run" = 1 ] && ab_dry_run

id=$(date +%Y%m%d-%H%M%S)${label:+-$label}
dir=$out/ab/$id
mkdir -p "$dir"
log=$dir/boots.txt
: >"$log"
a_runs=() b_runs=() failed=()
start=$SECONDS
# boot_one I OF: boot I (from 0) of at most OF, in the order A B B A: each kernel is as
# often early as late, so slow drift of the host cannot line up with one of them
boot_one() {
	local i=$1 of=$2 side img n extra run why quiet=(--quiet)
	case $((i % 4)) in 0 | 3) side=A img=${kernels[0]} ;; *) side=B img=${kernels[1]} ;; esac
	if [ "$side" = A ]; then n=$((${#a_runs[@]} + 1)); else n=$((${#b_runs[@]} + 1)); fi
	echo "ab: boot $((i + 1)) of $of: $side $(basename "$img") ($((SECONDS - start)) s)" >&2
	if [ "$verbose" = 1 ]; then quiet=(); fi
	extra=$(jq -cn --arg id "$id" --arg side "$side" --argjson boot "$n" --argjson pos $((i + 1)) \
		--argjson of "$of" '{ab: {id: $id, side: $side, boot: $boot, position: $pos, of: $of}}')
	if vm_boot "$extra" "$dir/boot-$((i + 1)).log" --kernel "$img" "${vm_opts[@]}" "${quiet[@]}" \
		--out "$out" -- "${run_args[@]}"; then
		run=$boot_run
		if [ "$side" = A ]; then a_runs+=("$run"); else b_runs+=("$run"); fi
		echo "$((i + 1)) $side ok $run" >>"$log"
	else
		run=$boot_run
		why=$(tail -n 1 "$dir/boot-$((i + 1)).log")
		failed+=("boot $((i + 1)) ($side): exit $boot_rc: $why")
		echo "$((i + 1)) $side failed exit $boot_rc ${run:-} $why" >>"$log"
		echo "ab: boot $((i + 1)) ($side) failed (exit $boot_rc), left out: $why" >&2
	fi
}
if [ "$boots" != auto ]; then
	for ((i = 0; i < 2 * boots; i++)); do boot_one "$i" $((2 * boots)); done
	echo "ab: $((2 * boots)) boots in $((SECONDS - start)) s; A kept ${#a_runs[@]}, B kept ${#b_runs[@]}" >&2
else
	. "$MMBENCH_TOP/flows/ab_auto.sh"
fi
if [ ${#a_runs[@]} -lt 2 ] || [ ${#b_runs[@]} -lt 2 ]; then
	echo "ab: each side needs at least 2 good boots to compare (A ${#a_runs[@]}, B ${#b_runs[@]}); see $log" >&2
	exit 1
fi

# Boots 2k-1 and 2k ran back to back (A B or B A): block k, judged paired (compare --paired
# matches run i of A with run i of B), so slow drift of the host cancels within each block.
# A block that lost a boot is left out whole. Paired needs 3 whole blocks: with 2 its t has
# 1 df, weaker than the unpaired test's 2 (whose means the A B B A order still balances).
pair_a=() pair_b=() unpaired=() nblk=0
declare -A blk_a=() blk_b=()
while read -r pos side status run _; do
	nblk=$(((pos + 1) / 2 > nblk ? (pos + 1) / 2 : nblk))
	[ "$status" = ok ] || continue
	if [ "$side" = A ]; then blk_a[$(((pos + 1) / 2))]=$run; else blk_b[$(((pos + 1) / 2))]=$run; fi
done <"$log"
for ((k = 1; k <= nblk; k++)); do
	if [ -n "${blk_a[$k]:-}" ] && [ -n "${blk_b[$k]:-}" ]; then
		pair_a+=("${blk_a[$k]}") pair_b+=("${blk_b[$k]}")
	elif [ -n "${blk_a[$k]:-}${blk_b[$k]:-}" ]; then
		unpaired+=("block $k (boots $((2 * k - 1)) and $((2 * k))): one boot failed")
	fi
done
# compare's exit is its verdict (0, or 3: something worse) and the flow's own: kept
rc=0
if [ ${#pair_a[@]} -ge 3 ]; then
	"$mmbench" compare "$(join "${pair_a[@]}")" "$(join "${pair_b[@]}")" --paired --history none \
		--json "$dir/compare.json" --plots "$dir" >/dev/null || rc=$?
else
	unpaired+=("${#pair_a[@]} whole blocks, fewer than 3: compared unpaired")
	"$mmbench" compare "$(join "${a_runs[@]}")" "$(join "${b_runs[@]}")" --history none \
		--json "$dir/compare.json" --plots "$dir" >/dev/null || rc=$?
fi
[ "$rc" -ne 2 ] || exit 2
[ -f "$dir/compare.json" ] || { echo "ab: compare failed (exit $rc): no $dir/compare.json" >&2; exit 1; }
if [ -x "$MMBENCH_TOP/plot/render.sh" ] && command -v gnuplot >/dev/null; then
	"$MMBENCH_TOP/plot/render.sh" "$dir" >/dev/null 2>&1 || echo "ab: plots failed" >&2
fi
{
	echo "mmbench ab $id: A $(basename "${kernels[0]}") x${#a_runs[@]}, B $(basename "${kernels[1]}") x${#b_runs[@]}"
	if [ "${kernels[0]}" = "${kernels[1]}" ]; then
		echo "(the same image twice: an A/A run, the noise of this machine)"
	fi
	for f in "${failed[@]}"; do echo "left out: $f"; done
	if [ "$boots" = auto ]; then cat "$dir/sequential.txt"; fi
	if [ ${#pair_a[@]} -ge 3 ]; then
		echo "paired: ${#pair_a[@]} blocks, each two boots back to back (A B or B A)"
	fi
	for f in "${unpaired[@]}"; do echo "not paired: $f"; done
	# compare's own first screen, its counts, and whether the CPU was emulated
	jq -r '(.summary // empty | sub("\n+$"; "\n")),
		(.verdicts | "verdicts: \(.better) better, \(.worse) worse, \(.same) same, " +
			"\(.inconclusive) inconclusive, \(."n/a") n/a, \(.info) info"),
		if .emulated then "emulated CPU (TCG): timings are not comparable with hardware; event counts are"
		else empty end' "$dir/compare.json"
} | tee "$dir/summary.txt"
echo "ab: $dir (summary.txt, compare.txt, compare.md, compare.json, plots/)" >&2
exit "$rc"
