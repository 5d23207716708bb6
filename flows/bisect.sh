#!/usr/bin/env bash
# ./run.sh bisect-run: one step of `git bisect run`, in a kernel tree. Builds the commit with
# the user's command, boots the image it printed under ./run.sh vm N times, measures one bench
# and case, and lets `mmbench bisect-decide` judge the runs against the good and the bad
# references with the verdict engine: exit 0 good, 1 bad, 125 skip (build or boot failed, or
# the runs cannot tell even after more boots). Every step goes to ROOT/bisect.log.
set -euo pipefail

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
mmbench=$MMBENCH_TOP/build/mmbench
vm_who=bisect-run
. "$MMBENCH_TOP/vm/common.sh"

# 2 is "bad" to git bisect run: there, a usage error must stop the bisect instead.
usage_rc=2
gitdir=$(git rev-parse --git-dir 2>/dev/null) && [ -e "$gitdir/BISECT_START" ] && usage_rc=255

build="" good="" badref="" bench="" metric="" key="" boots=3 max_boots="" out="" run_args=() vm_opts=()
# shellcheck disable=SC2034 # the table opts_parse reads
options=(
	"-h|--help   help  vm_help bisect-run"
	"--build     value build"
	"--good      value good"
	"--bad       value badref"
	"--bench     value bench"
	"--metric    value metric"
	"--case      value key"
	"--boots     value boots int:1-20"
	"--max-boots value max_boots"
	"--out       value out"
	"--numa      pass  vm_opts"
	"--cpus      pass  vm_opts"
	"--mem       pass  vm_opts"
	"--accel     pass  vm_opts"
	"--timeout   pass  vm_opts"
	"--append    pass  vm_opts"
	"--          rest  run_args"
)
opts_parse options "$@"
for need in build good badref bench metric key; do
	[ -n "${!need}" ] || bad "--${need/badref/bad} is required"
done
max_boots=${max_boots:-$((3 * boots))}
[[ $max_boots =~ ^[0-9]+$ ]] && [ "$max_boots" -ge "$boots" ] && [ "$max_boots" -le 60 ] ||
	bad "--max-boots $max_boots: a number from --boots ($boots) to 60"
[ ${#run_args[@]} -gt 0 ] || run_args=(--profile quick --bench "$bench")
why=$(run_args_problem "$mmbench" "${run_args[@]}")
[ -z "$why" ] || bad "$why"
# Before anything is built: can the engine tell good from bad at all?
msg=$("$mmbench" bisect-decide --check --good "$good" --bad "$badref" --bench "$bench" \
	--metric "$metric" --case "$key" 2>&1) || bad "${msg#mmbench: bisect-decide: }"
out=${out:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}}
mkdir -p "$out/bisect"

commit=$(git rev-parse HEAD 2>/dev/null) || commit=unknown
# One bisect: the same tree, references and question; its steps are numbered in bisect.log.
id=$(printf '%s\n' "$(cd "${gitdir:-.}" 2>/dev/null && pwd)" "$good" "$badref" "$bench" \
	"$metric" "$key" | sha256sum | cut -c1-12)
log=$out/bisect.log
step=$(($(grep -c " id=$id " "$log" 2>/dev/null || true) + 1))
sd=$out/bisect/$id-$step
mkdir -p "$sd"
start=$SECONDS

# record VERDICT EXIT TEXT: one line of bisect.log, and the exit git bisect run reads
record() {
	printf '%s id=%s step=%d commit=%s verdict=%s exit=%d boots=%d secs=%d :: %s\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$id" "$step" "$commit" "$1" "$2" "${#runs[@]}" \
		$((SECONDS - start)) "$3" >>"$log"
	echo "bisect-run: step $step, ${commit:0:12}: $1 (exit $2): $3" >&2
	exit "$2"
}

runs=()
if ! bash -c "$build" >"$sd/build.out" 2>"$sd/build.err"; then
	record skip 125 "the build failed: $(tail -n 1 "$sd/build.err")"
fi
image=$(sed '/^[[:space:]]*$/d' "$sd/build.out" | tail -n 1)
kimage_check "$image" >/dev/null || record skip 125 "the build's last line '$image' is not a kernel image"

booted=0 batch=$boots looks=()
while :; do
	for ((i = 0; i < batch && booted < max_boots; i++)); do
		booted=$((booted + 1))
		extra=$(jq -cn --arg id "$id" --arg commit "$commit" --argjson step "$step" \
			--argjson boot "$booted" '{bisect: {id: $id, commit: $commit, step: $step, boot: $boot}}')
		if vm_boot "$extra" "$sd/boot-$booted.log" --kernel "$image" "${vm_opts[@]}" --quiet \
			--out "$out" -- "${run_args[@]}"; then
			runs+=("$boot_run")
		elif [ ${#runs[@]} -eq 0 ]; then
			record skip 125 "boot $booted failed (exit $boot_rc): $(tail -n 1 "$sd/boot-$booted.log")"
		else
			echo "bisect-run: boot $booted failed (exit $boot_rc), left out" >&2
		fi
	done
	# each decision is a look: its runs so far, once per count (a failed boot adds none)
	batch=1
	[ ${#looks[@]} -gt 0 ] && [ "${looks[-1]}" = "${#runs[@]}" ] || looks+=("${#runs[@]}")
	# its exit is the decision
	rc=0
	verdict=$("$mmbench" bisect-decide --good "$good" --bad "$badref" --bench "$bench" \
		--metric "$metric" --case "$key" --looks "$(join "${looks[@]}")" \
		--max-boots "$max_boots" "$(join "${runs[@]}")" 2>"$sd/decide.err") || rc=$?
	case $rc in
	0) record good 0 "$verdict" ;;
	1) record bad 1 "$verdict" ;;
	3) [ "$booted" -lt "$max_boots" ] ||
		record skip 125 "cannot tell after $booted boots: $verdict" ;;
	4) record skip 125 "no sample of $metric: $(tail -n 1 "$sd/decide.err")" ;;
	2) # the runs cannot be judged against these references (other options): stop
		record error "$usage_rc" "$(tail -n 1 "$sd/decide.err")" ;;
	*) record skip 125 "no decision (exit $rc): $(tail -n 1 "$sd/decide.err")" ;;
	esac
	echo "bisect-run: ${verdict%%;*} after $booted boots: booting 1 more" >&2
done
