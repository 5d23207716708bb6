#!/usr/bin/env bash
# ./run.sh bisect-run: one step of `git bisect run`, in a kernel tree. Builds the commit with
# the user's command, boots the image it printed under ./run.sh vm N times, measures one bench
# and case, and lets `mmbench bisect-decide` judge the runs against the good and the bad
# references with the verdict engine: exit 0 good, 1 bad, 125 skip (build or boot failed, or
# the runs cannot tell even after more boots). Every step goes to ROOT/bisect.log.
set -u

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
mmbench=$MMBENCH_TOP/build/mmbench
vm_who=bisect-run
. "$MMBENCH_TOP/vm/common.sh"

# 2 is "bad" to git bisect run: there, a usage error must stop the bisect instead.
usage_rc=2
gitdir=$(git rev-parse --git-dir 2>/dev/null) && [ -e "$gitdir/BISECT_START" ] && usage_rc=255

build="" good="" badref="" bench="" metric="" key="" boots=3 max_boots="" out="" run_args=() vm_opts=()
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}"; continue ;;
	-h | --help) vm_help bisect-run; exit 0 ;;
	--) shift; run_args=("$@"); break ;;
	--build | --good | --bad | --bench | --metric | --case | --boots | --max-boots | --out | \
	--numa | --cpus | --mem | --accel | --timeout | --append)
		[ $# -ge 2 ] || bad "$opt needs a value" ;;
	*) bad "unknown argument '$opt' (see ./run.sh bisect-run --help)" ;;
	esac
	case $opt in
	--build) build=$2 ;;
	--good) good=$2 ;;
	--bad) badref=$2 ;;
	--bench) bench=$2 ;;
	--metric) metric=$2 ;;
	--case) key=$2 ;;
	--boots) boots=$2 ;;
	--max-boots) max_boots=$2 ;;
	--out) out=$2 ;;
	*) vm_opts+=("$opt" "$2") ;;
	esac
	shift 2
done
for need in build good badref bench metric key; do
	[ -n "${!need}" ] || bad "--${need/badref/bad} is required"
done
[[ $boots =~ ^[0-9]+$ ]] && [ "$boots" -ge 1 ] && [ "$boots" -le 20 ] || bad "--boots $boots: a number from 1 to 20"
max_boots=${max_boots:-$((3 * boots))}
[[ $max_boots =~ ^[0-9]+$ ]] && [ "$max_boots" -ge "$boots" ] && [ "$max_boots" -le 60 ] ||
	bad "--max-boots $max_boots: a number from --boots ($boots) to 60"
[ ${#run_args[@]} -gt 0 ] || run_args=(--profile quick --bench "$bench")
why=$(run_args_problem "$mmbench" "${run_args[@]}")
[ -z "$why" ] || bad "$why"
# Before anything is built: can the engine tell good from bad at all?
msg=$("$mmbench" bisect-decide --check --good "$good" --bad "$badref" --bench "$bench" \
	--metric "$metric" --case "$key" 2>&1)
rc=$?
[ "$rc" -eq 0 ] || bad "${msg#mmbench: bisect-decide: }"
out=${out:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}}
mkdir -p "$out/bisect" || exit 1

commit=$(git rev-parse HEAD 2>/dev/null) || commit=unknown
# One bisect: the same tree, references and question; its steps are numbered in bisect.log.
id=$(printf '%s\n' "$(cd "${gitdir:-.}" 2>/dev/null && pwd)" "$good" "$badref" "$bench" \
	"$metric" "$key" | sha256sum | cut -c1-12)
log=$out/bisect.log
step=$(($(grep -c " id=$id " "$log" 2>/dev/null || true) + 1))
sd=$out/bisect/$id-$step
mkdir -p "$sd" || exit 1
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
image=$(grep -v '^[[:space:]]*$' "$sd/build.out" | tail -n 1)
kimage_check "$image" >/dev/null || record skip 125 "the build's last line '$image' is not a kernel image"

join() { local IFS=,; echo "$*"; }
booted=0 batch=$boots looks=()
while :; do
	for ((i = 0; i < batch && booted < max_boots; i++)); do
		booted=$((booted + 1))
		extra=$(printf '"bisect":{"id":"%s","commit":"%s","step":%d,"boot":%d}' \
			"$id" "$commit" "$step" "$booted")
		res=$(MMBENCH_VM_EXTRA=$extra "$MMBENCH_TOP/vm/run-vm.sh" --kernel "$image" \
			"${vm_opts[@]}" --quiet --no-report --out "$out" -- "${run_args[@]}" \
			2>"$sd/boot-$booted.log")
		rc=$?
		run=$(printf '%s\n' "$res" | tail -n 1)
		if [ "$rc" -eq 0 ] && [ -d "$run" ] && [ ! -e "$run/INCOMPLETE" ]; then
			runs+=("$run")
		elif [ ${#runs[@]} -eq 0 ]; then
			record skip 125 "boot $booted failed (exit $rc): $(tail -n 1 "$sd/boot-$booted.log")"
		else
			echo "bisect-run: boot $booted failed (exit $rc), left out" >&2
		fi
	done
	# each decision is a look: its runs so far, once per count (a failed boot adds none)
	batch=1
	[ ${#looks[@]} -gt 0 ] && [ "${looks[-1]}" = "${#runs[@]}" ] || looks+=("${#runs[@]}")
	verdict=$("$mmbench" bisect-decide --good "$good" --bad "$badref" --bench "$bench" \
		--metric "$metric" --case "$key" --looks "$(join "${looks[@]}")" \
		--max-boots "$max_boots" "$(join "${runs[@]}")" 2>"$sd/decide.err")
	rc=$?
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
