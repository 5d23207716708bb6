#!/usr/bin/env bash
# ./run.sh lava submit: a job per kernel and device type (as ./run.sh lava job writes it), submitted
# to a LAVA lab through lavacli, waited for in parallel, each run collected as its job finishes.
set -euo pipefail

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export MMBENCH_TOP
vm_who="lava submit"
. "$MMBENCH_TOP/vm/common.sh"
. "$MMBENCH_TOP/lava/yaml.sh"

usage() {
	cat <<'EOF'
usage: ./run.sh lava submit --kernel IMAGE_OR_URL [--kernel ..] [--device-type T [--device-type ..]]
                            [--identity NAME] [--url-base URL] [--job-dir DIR] [--out ROOT]
                            [--wait S] [--db URL] [--numa N] [--cpus N] [--mem SIZE] [--timeout S]
                            [-- RUN_ARGS]
  --kernel        a bzImage file, or its file://, http:// or https:// URL; several: a job each
  --device-type   the lab's device type (default qemu); several: a job per kernel and type
  --identity      the lavacli identity of the lab (default: default; `lavacli identities add`)
  --url-base URL  where the lab fetches DIR's files (local kernels are copied into their job's
                  directory, DIR/N-TYPE/, served as URL/N-TYPE/); without it: file:// URLs, for
                  a lab whose workers run on this machine
  --job-dir DIR   where the jobs are written (default results/lava/submit-<date>)
  --out ROOT      archive the runs under ROOT/<kernel release>/ (default results/)
  --wait S        give up waiting for a job S seconds after its submission (default: the job's
                  own timeout plus 10 minutes in the lab's queue)
  --db URL        after the jobs, push ROOT to the lab's shared archive (mmbench push: a run
                  pushed twice is one run); a push that fails is a line and exit 1
  --numa, --cpus, --mem, --timeout, RUN_ARGS   as in ./run.sh lava job
Prints a line per job on stdout: its id, its health, the run directory ("-" when none).
Exit 0 when every job completed and its run was archived; 1 when one did not (a line with LAVA's
reason); 2 on bad input, with nothing submitted.
EOF
}

say() {
	echo "lava submit: $*" >&2
}

POLL_S=${MMBENCH_LAVA_POLL_S:-3}	# between two looks at the lab (tests poll faster)
HEARTBEAT_S=30		# a progress line at least this often while jobs run
LAB_FAILS=20		# polls in a row the lab may fail to answer before the wait ends

kernels=() dtypes=() identity=default url_base="" job_dir="" out="" wait_s="" db="" job_opts=() run_args=()
# shellcheck disable=SC2034 # the table opts_parse reads
options=(
	"-h|--help     help  usage"
	"--kernel      list  kernels"
	"--device-type list  dtypes"
	"--identity    value identity"
	"--url-base    value url_base"
	"--job-dir     value job_dir"
	"--out         value out"
	"--wait        value wait_s secs:60"
	"--db          value db"
	"--numa        pass  job_opts"
	"--cpus        pass  job_opts"
	"--mem         pass  job_opts"
	"--timeout     pass  job_opts"
	"--            rest  run_args"
)
opts_parse options "$@"
url_base=${url_base%/}
[ -z "${opts_given[--db]+x}" ] || [ -n "$db" ] || bad "--db needs a database URL (libpq)"
[ ${#kernels[@]} -gt 0 ] || bad "--kernel IMAGE_OR_URL is required"
[ ${#dtypes[@]} -gt 0 ] || dtypes=(qemu)
[ -z "$url_base" ] || [[ $url_base =~ ^(https?|file):// ]] || bad "--url-base $url_base: not an http(s):// or file:// URL"
command -v lavacli >/dev/null || { say "lavacli not found: make deps installs it"; exit 1; }
if ! [[ $identity =~ ^[A-Za-z0-9_.-]+$ ]] || ! lavacli identities show "$identity" >/dev/null 2>&1; then
	bad "--identity $identity: no such lavacli identity (lavacli identities add --uri URL/RPC2 --username U --token T $identity)"
fi
out=${out:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}}

# lavacli IDENTITY's answer on stdout; exit 1 with its message when it fails (it says "Unable ..." and
# sometimes exits 0 all the same, so an answer must also look like one: the caller checks).
lava() {
	lavacli -i "$identity" "$@" 2>&1
}

# The lab must answer and have each device type, with devices, before anything is written.
if ! types=$(lava device-types list --json) || ! jq -e 'type == "array"' >/dev/null 2>&1 <<<"$types"; then
	say "the lab of identity '$identity' does not answer: $(head -n 1 <<<"$types")"
	exit 1
fi
for t in "${dtypes[@]}"; do
	n=$(jq -r --arg t "$t" '[.[] | select(.name == $t) | .devices] | first // empty' <<<"$types")
	[ -n "$n" ] || bad "--device-type $t: the lab has no such device type (it has: $(jq -r '[.[].name] | join(" ")' <<<"$types"))"
	[ "$n" != 0 ] || bad "--device-type $t: the lab has no device of that type"
done

# Every job is written before one is submitted: bad input stops here with nothing in the lab.
stamp=$(date +%Y%m%d-%H%M%S)
job_dir=${job_dir:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}/lava/submit-$stamp}
[ ! -e "$job_dir" ] || [ -z "$(ls -A "$job_dir" 2>/dev/null)" ] || bad "--job-dir $job_dir is not empty"
made_dir=0
[ -d "$job_dir" ] || { mkdir -p "$job_dir"; made_dir=1; }
undo() {
	if [ "$made_dir" = 1 ]; then rm -rf "$job_dir"; else rm -rf "${dirs[@]}"; fi
}
dirs=() names=() labels=()
for k in "${kernels[@]}"; do
	for t in "${dtypes[@]}"; do
		name=$((${#dirs[@]} + 1))-$t
		d=$job_dir/$name
		args=(--kernel "$k" --device-type "$t" --out "$d" "${job_opts[@]}")
		[ -n "$url_base" ] && args+=(--url-base "$url_base/$name")
		rc=0
		msg=$("$MMBENCH_TOP/lava/job.sh" "${args[@]}" -- "${run_args[@]}" 2>&1 >/dev/null) || rc=$?
		dirs+=("$d")
		if [ "$rc" -ne 0 ]; then
			undo
			msg=$(sed -n '/^lava job: .*\/job.yaml (/!{p;q}' <<<"$msg")
			echo "lava submit: ${msg#lava job: }" >&2
			exit "$rc"
		fi
		# the lab fetches a local kernel from the job's directory, beside the ramdisk
		if [ -n "$url_base" ] && [ -f "${k#file://}" ]; then
			cp "${k#file://}" "$d/" || { undo; exit 1; }
		fi
		names+=("$name")
		labels+=("$name, $(basename "$k")")
	done
done

# The bound of a job: its own timeout (job.yaml's timeouts.job, else an hour) plus time in the queue.
job_bound() {
	local s
	s=$(lava_job_seconds "$1/job.yaml") || s=3600
	echo $((s + 600))
}

# shellcheck source=lava/wait.sh
. "$MMBENCH_TOP/lava/wait.sh"
submit_all
wait_all
# --db: the archive the runs went to, into the shared one (runs already there are not sent again)
if [ -n "$db" ] && ! msg=$("$MMBENCH_TOP/build/mmbench" push "$out" --db "$db" 2>&1); then
	say "push of $out to the shared archive failed: $(tail -n 1 <<<"$msg"); the runs stay in $out"
	status=1
elif [ -n "$db" ]; then
	say "$(tail -n 1 <<<"$msg")"
fi
exit "$status"
