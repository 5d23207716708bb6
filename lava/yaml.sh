# Sourced by lava/job.sh (and run.sh, submit.sh, which read a job's bound back): the job's YAML. Strings go in as JSON strings (jq), which YAML
# reads as double-quoted scalars, so no value can break the document.
# shellcheck shell=bash disable=SC2154 # job.sh's globals: timeout release run_args kernel_url

# lava_job_seconds JOB_YAML: the job's own bound, its timeouts.job in seconds; fails without one.
lava_job_seconds() {
	python3 -c 'import sys, yaml
t = yaml.safe_load(open(sys.argv[1]))["timeouts"]["job"]
print(int(t.get("seconds", 0) + 60 * t.get("minutes", 0) + 3600 * t.get("hours", 0)))' "$1" 2>/dev/null
}

yaml_quote() {	# yaml_quote TEXT: TEXT as a quoted YAML scalar (not yq, the tool)
	jq -n --arg s "$1" '$s'
}

# The test: two monitors over the console (no shell, no overlay: the ramdisk needs nothing of
# LAVA's), matching the lines lava/results.sh prints. Every case is a test case of the suite
# "mmbench" (pass, skip or fail, with its reason on the line), every headline metric a
# measurement of the suite "mmbench-metrics".
lava_monitors_yaml() {
	cat <<EOF2
- test:
    timeout: {seconds: $timeout}
    monitors:
    - name: mmbench
      start: "mmbench-lava: cases begin"
      end: "mmbench-lava: cases end"
      pattern: 'mmbench-lava-case: (?P<result>pass|fail|skip) (?P<test_case_id>[^ \r\n]+)[ \r\n]'
    - name: mmbench-metrics
      start: "mmbench-lava: metrics begin"
      end: "mmbench-lava: metrics end"
      pattern: 'mmbench-lava-metric: (?P<test_case_id>[^ \r\n]+) (?P<measurement>[-+.0-9eE]+) (?P<units>[^ \r\n]+)[\r\n]'
EOF2
}

# lava_job_yaml DEVICE_TYPE: the whole job; the device type's template (lava/devices/)
# gives its context, deploy and boot.
lava_job_yaml() {
	# shellcheck source=/dev/null # one of the device templates
	. "$MMBENCH_TOP/lava/devices/$1.sh" || return 1
	cat <<EOF2
# mmbench on LAVA, written by ./run.sh lava job. Submit: lavacli jobs submit job.yaml
# Collect: lavacli jobs logs ID --raw > job.log; ./run.sh lava collect job.log
device_type: $(yaml_quote "$1")
job_name: $(yaml_quote "mmbench $release ${run_args[*]}")
priority: medium
visibility: public
timeouts:
  job: {seconds: $((timeout + 300))}
  action: {seconds: $timeout}
  connection: {minutes: 2}
metadata:
  mmbench.run_args: $(yaml_quote "${run_args[*]}")
  mmbench.kernel: $(yaml_quote "$kernel_url")
  mmbench.release: $(yaml_quote "$release")
EOF2
	lava_device_job_yaml
	lava_monitors_yaml
}
