# Sourced by the guest's /init (busybox sh) in a LAVA job's ramdisk: what the job's monitors
# (lava/job.sh) match. Between "cases begin" and "cases end": the run directory framed as in
# ./run.sh vm, then one line per mmbench case; between "metrics begin" and "metrics end", one
# measurement per headline metric. The markers appear nowhere else on the console.
# No set -e (it is /init's shell): every marker must go out, whatever fails between them.
# shellcheck shell=sh disable=SC2154 # rc and state are /init's
lava_run=""
for d in /results/*/*/; do
	[ -f "$d/manifest.json" ] && lava_run=$d
done
echo "mmbench-lava: cases begin"
sh /etc/frame.sh /results release="$(uname -r)" rc="$rc" state="$state"
if [ -z "$lava_run" ] || ! /usr/bin/mmbench lava-results --cases "$lava_run"; then
	echo "mmbench-lava-case: fail mmbench ; reason: mmbench exited $rc ($state) and left no readable run"
fi
echo "mmbench-lava: cases end"
echo "mmbench-lava: metrics begin"
[ -n "$lava_run" ] && /usr/bin/mmbench lava-results --metrics "$lava_run"
echo "mmbench-lava: metrics end"
