#!/usr/bin/env bash
# ./run.sh lava collect: a finished LAVA job's log -> the mmbench run framed in it, checked whole
# and as untrusted input, archived under ROOT/<kernel>/ by the vm runner (vm/run-vm.sh
# --from-console) with the job's id, device type and device in the manifest ("lava").
set -euo pipefail

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export MMBENCH_TOP
vm_who="lava collect"
. "$MMBENCH_TOP/vm/common.sh"

usage() {
	cat <<'EOF'
usage: ./run.sh lava collect LOG_OR_DIR [--out ROOT] [--job-id ID] [--device NAME] [--device-type T]
  LOG_OR_DIR   a job log (lava-run's stderr, or `lavacli jobs logs ID --raw`), or a directory
               that ./run.sh lava run ran (its output/ says job id, device and device type)
  --out ROOT   archive under ROOT/<kernel release>/<run-id> (default results/)
  --job-id, --device, --device-type   what the lab says of the job (`lavacli jobs show ID`)
Bad input, a log without a whole mmbench frame, or a run the reader refuses: one line, exit 2,
nothing archived.
EOF
}

src="" out="" job_id="" device="" dtype=""
# shellcheck disable=SC2034 # the table opts_parse reads
options=(
	"-h|--help     help  usage"
	"--out         value out"
	"--job-id      value job_id"
	"--device      value device"
	"--device-type value dtype"
	"LOG_OR_DIR    arg   src"
)
opts_parse options "$@"
[ -n "$src" ] || bad "needs a job log or a job directory (see --help)"
log=$src
if [ -d "$src" ]; then
	log=$src/output/lava.log
	[ -f "$src/output/job.json" ] || bad "$src: no output/job.json: not a job ./run.sh lava run ran"
	job_id=${job_id:-$(jq -r '.job_id // empty' "$src/output/job.json")}
	device=${device:-$(jq -r '.device // empty' "$src/output/job.json")}
	dtype=${dtype:-$(jq -r '.device_type // empty' "$src/output/job.json")}
fi
[ -f "$log" ] && [ -r "$log" ] || bad "$log: no such readable file"
out=${out:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}}

work=$(mktemp -d "${TMPDIR:-/tmp}/mmbench-lava.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 "$MMBENCH_TOP/lava/records.py" "$log" "$work/console.log" "$work/records.json" || exit 2

# The frame whole, and the run in it as the reader takes it, before anything is archived.
# unframe's exit (0 whole, 3 incomplete, 1 absent) is said again in its status= line
uf=$("$MMBENCH_TOP/guest/unframe.sh" "$work/console.log" "$work/back") || :
status=$(printf '%s\n' "$uf" | sed -n 's/^status=//p')
case $status in
whole) ;;
absent) bad "$log: no mmbench frame in the job's console: nothing archived" ;;
*) bad "$log: the mmbench frame is not whole ($(printf '%s\n' "$uf" | sed -n 's/^reason=//p')): nothing archived" ;;
esac
run=""
for d in "$work"/back/*/*/; do
	if [ -f "$d/manifest.json" ]; then run=$d; fi
done
[ -n "$run" ] || bad "$log: the frame holds no run directory: nothing archived"
msg=$("$MMBENCH_TOP/build/mmbench" lava-results --check "$run" 2>&1) ||
	bad "$log: the run in the frame fails the reader's checks: ${msg#mmbench: }: nothing archived"

dtype=${dtype:-$(jq -r '.vm.device_type // empty' "$run/manifest.json")}
lava=$(jq -cn --arg id "$job_id" --arg dt "$dtype" --arg dev "$device" --slurpfile r "$work/records.json" \
	'{job_id: (if $id == "" then null else $id end), device_type: (if $dt == "" then null else $dt end),
	  device: (if $dev == "" then null else $dev end),
	  job_result: ([$r[0][] | select(.definition == "lava" and .case == "job") | .result] | last),
	  test_cases: ([$r[0][] | select(.definition == "mmbench")] | length),
	  measurements: ([$r[0][] | select(.definition == "mmbench-metrics")] | length)}')

# the runner's exit says whether the run is whole and mmbench in the guest exited 0: collect's too
rc=0
res=$("$MMBENCH_TOP/vm/run-vm.sh" --from-console "$work/console.log" --out "$out" --quiet --no-report) ||
	rc=$?
dest=$(run_dir_last "$res")
[ -n "$dest" ] && [ -f "$dest/manifest.json" ] || { echo "lava collect: archiving failed" >&2; exit 1; }
# The manifest, written whole under another name and renamed, as every file of a run.
jq --argjson lava "$lava" '. + {lava: $lava}' "$dest/manifest.json" >"$dest/.manifest.json.tmp" &&
	sync "$dest/.manifest.json.tmp" && mv "$dest/.manifest.json.tmp" "$dest/manifest.json" &&
	sync "$dest" || { echo "lava collect: $dest/manifest.json: cannot add the job" >&2; exit 1; }
jq --argjson lava "$lava" '{job: $lava, results: .}' "$work/records.json" >"$dest/vm/lava-results.json"
"$MMBENCH_TOP/run.sh" report "$dest" >&2 || echo "lava collect: rendering the report failed" >&2
echo "lava collect: job ${job_id:-?} (${dtype:-?}, ${device:-?}): results in $dest" >&2
echo "$dest"
exit "$rc"
