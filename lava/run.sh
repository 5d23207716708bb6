#!/usr/bin/env bash
# ./run.sh lava run: runs a job ./run.sh lava job wrote on the local dispatcher (lava-run, no
# lava-server, no network), output under DIR/output/, then collects it into the archive.
set -euo pipefail

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export MMBENCH_TOP
vm_who="lava run"
. "$MMBENCH_TOP/vm/common.sh"
. "$MMBENCH_TOP/lava/yaml.sh"

usage() {
	cat <<'EOF'
usage: ./run.sh lava run DIR [--out ROOT]
  DIR         what ./run.sh lava job --device-type qemu wrote (job.yaml, device.yaml, the ramdisk)
  --out ROOT  archive the run under ROOT/<kernel release>/ (default results/)
lava-run runs as root, under `timeout` (the job's own bound plus a minute: LAVA's action
timeouts do not always fire); DIR/output/ gets lava.log (every record), result.yaml and job.json.
EOF
}

dir="" out_args=()
# shellcheck disable=SC2034 # the table opts_parse reads
options=(
	"-h|--help help usage"
	"--out     pass out_args"
	"DIR       arg  dir"
)
opts_parse options "$@"
[ -n "$dir" ] || bad "needs the DIR ./run.sh lava job wrote"
[ -f "$dir/job.yaml" ] || bad "$dir: no job.yaml (write one with ./run.sh lava job)"
[ -f "$dir/device.yaml" ] ||
	bad "$dir: no device.yaml: only a qemu job runs here; submit others to a lab (lavacli jobs submit $dir/job.yaml)"
[ ! -e "$dir/output" ] || bad "$dir/output exists: this job ran already (./run.sh lava collect $dir)"
[ "$(id -u)" -eq 0 ] || bad "lava-run must run as root"
command -v lava-run >/dev/null || { echo "lava run: lava-run not found: make deps installs lava-dispatcher" >&2; exit 1; }
limit=$(lava_job_seconds "$dir/job.yaml") || bad "$dir/job.yaml: no timeouts.job in it"

mkdir "$dir/output"
id=$(date +%s)$$
jq -n --arg id "$id" --arg dev "local:$(hostname)" '{job_id: $id, device_type: "qemu", device: $dev}' \
	>"$dir/output/job.json"
echo "lava run: job $id on the local dispatcher (at most $((limit + 60)) s)" >&2
start=$SECONDS
# force_tcg: a job edited to use lava-test-shell has its overlay applied by libguestfs, whose
# helper VM tries KVM, which hangs here.
# lava-run's exit (and timeout's 124) is reported, then the job's result decides.
rc=0
LIBGUESTFS_BACKEND_SETTINGS=force_tcg timeout -k 10 $((limit + 60)) \
	lava-run --job-id "$id" --output-dir "$dir/output" --device "$dir/device.yaml" "$dir/job.yaml" \
	>"$dir/output/lava-run.out" 2>"$dir/output/lava.log" || rc=$?
result=$(sed -n 's/^result: //p' "$dir/output/result.yaml" 2>/dev/null) || result=""
echo "lava run: lava-run exited $rc after $((SECONDS - start)) s; job ${result:-without a result}" >&2
[ "$rc" -eq 124 ] && echo "lava run: lava-run was stopped at ${limit}+60 s" >&2
crc=0
"$MMBENCH_TOP/lava/collect.sh" "$dir" "${out_args[@]}" || crc=$?
# lava-run exits 0 when the job completes even if test cases fail: the job's result decides.
[ "$crc" -eq 0 ] && [ "$result" != pass ] && crc=1
exit "$crc"
