# Sourced by lava/submit.sh: submits the jobs it wrote (dirs, names, labels), waits for them all
# at once, and as each finishes fetches its log and results and collects its run; status is the
# exit code (0: every job Complete and archived).
# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # dirs, labels, out, wait_s in; status out: submit.sh sources this file

status=0
ids=() states=() starts=() bounds=() pending=()

# submit_all: each job.yaml through lavacli; a refused one is a failure, the others go on.
submit_all() {
	local i r
	for i in "${!dirs[@]}"; do
		# lavacli's exit is not to be trusted either way (lava()): its answer is checked
		r=$(lava jobs submit "${dirs[i]}/job.yaml") || :
		ids[i]=""
		if [[ ! $r =~ ^[0-9]+$ ]]; then
			say "the lab refused ${dirs[i]}/job.yaml: $(tr '\n' ' ' <<<"$r")"
			printf -- '-\tRefused\t-\n'
			status=1
			continue
		fi
		ids[i]=$r
		echo "$r" >"${dirs[i]}/lava-job-id"
		states[i]=Submitted
		starts[i]=$SECONDS
		bounds[i]=${wait_s:-$(job_bound "${dirs[i]}")}
		pending+=("$i")
		say "job $r (${labels[i]}) submitted; waiting at most ${bounds[i]} s"
	done
	[ ${#pending[@]} -gt 0 ] || return 0
	# an interrupted wait leaves the jobs in the lab: say which, and how to collect them
	trap 'say "interrupted: jobs left in the lab: $(pending_ids) (./run.sh lava collect LOG --job-id ID)"; exit 130' INT TERM
}

pending_ids() {
	local i s=""
	for i in "${pending[@]}"; do s+="${s:+ }${ids[i]}"; done
	echo "$s"
}

# job_error RESULTS_YAML: the error LAVA gave its own "job" test case (a job that fails its
# validation, such as a kernel URL that answers 404, has no failure comment).
job_error() {
	python3 -c 'import sys, yaml
for r in yaml.safe_load(open(sys.argv[1])) or []:
    m = r.get("metadata") or {}
    if r.get("suite") == "lava" and r.get("name") == "job" and isinstance(m, dict) and m.get("error_msg"):
        print(" ".join(str(m["error_msg"]).split()))
        break' "$1" 2>/dev/null || :
}

# finish I SHOW_JSON: a job that ended. Its log and results are kept in its directory; a Complete
# job's run goes to the archive (lava/collect.sh), any other is one line with LAVA's reason.
finish() {
	local i=$1 show=$2 id=${ids[$1]} d=${dirs[$1]} health dev dt why dest crc
	health=$(jq -r '.health // "Unknown"' <<<"$show")
	dev=$(jq -r '.device // empty' <<<"$show")
	dt=$(jq -r '.device_type // empty' <<<"$show")
	lava jobs logs "$id" --raw >"$d/lava.log" || say "job $id: fetching its log failed: $(tail -n 1 "$d/lava.log")"
	lava results "$id" --yaml >"$d/results.yaml" || say "job $id: fetching its results failed"
	printf '%s\n' "$show" >"$d/job.json"
	if [ "$health" != Complete ]; then
		why=$(jq -r '.failure_comment // empty' <<<"$show")
		[ -n "$why" ] || why=$(job_error "$d/results.yaml")
		why=${why//$'\n'/ }
		say "job $id (${labels[i]}): $health: ${why:-LAVA gave no reason} (log: $d/lava.log)"
		printf '%s\t%s\t-\n' "$id" "$health"
		status=1
		return
	fi
	crc=0
	dest=$("$MMBENCH_TOP/lava/collect.sh" "$d/lava.log" --out "$out" --job-id "$id" \
		--device "$dev" --device-type "$dt") || crc=$?
	dest=$(run_dir_last "$dest")
	if [ -z "$dest" ] || [ ! -f "$dest/manifest.json" ]; then
		say "job $id (${labels[i]}): Complete, but its run could not be archived (log: $d/lava.log)"
		printf '%s\t%s\t-\n' "$id" "$health"
		status=1
		return
	fi
	# archived, but not whole, or mmbench in the guest did not exit 0: said, and the exit is 1
	if [ "$crc" -ne 0 ]; then
		say "job $id (${labels[i]}): Complete, run archived in $dest, but collect exited $crc" \
			"(the run is incomplete or mmbench failed in the guest: $dest/INCOMPLETE, $dest/log.txt)"
		status=1
	else
		say "job $id (${labels[i]}): Complete after $((SECONDS - starts[i])) s: $dest"
	fi
	printf '%s\t%s\t%s\n' "$id" "$health" "$dest"
}

# poll I: one look at job I; 0 when it is no longer pending.
poll() {
	local i=$1 show st dev
	if ! show=$(lava jobs show "${ids[i]}" --json) || ! jq -e '.state' >/dev/null 2>&1 <<<"$show"; then
		fails[i]=$((${fails[i]:-0} + 1))
		if [ "${fails[i]}" -ge "$LAB_FAILS" ]; then
			say "job ${ids[i]}: the lab stopped answering: $(head -n 1 <<<"$show")"
			printf '%s\tUnknown\t-\n' "${ids[i]}"
			status=1
			return 0
		fi
		return 1
	fi
	fails[i]=0
	st=$(jq -r .state <<<"$show")
	if [ "$st" != "${states[i]}" ]; then
		dev=$(jq -r '.device // empty' <<<"$show")
		say "job ${ids[i]} (${labels[i]}): $st${dev:+ on $dev} ($((SECONDS - starts[i])) s)"
		states[i]=$st
	fi
	if [ "$st" = Finished ]; then
		finish "$i" "$show"
		return 0
	fi
	if [ $((SECONDS - starts[i])) -ge "${bounds[i]}" ]; then
		say "job ${ids[i]} (${labels[i]}): still $st after ${bounds[i]} s: no longer waited for; it goes" \
			"on in the lab (lavacli jobs logs ${ids[i]} --raw > job.log; ./run.sh lava collect job.log --job-id ${ids[i]})"
		printf '%s\t%s\t-\n' "${ids[i]}" "$st"
		status=1
		return 0
	fi
	return 1
}

# wait_all: every pending job looked at each POLL_S seconds, collected as it finishes.
wait_all() {
	local i left beat=$SECONDS
	fails=()
	while [ ${#pending[@]} -gt 0 ]; do
		left=()
		for i in "${pending[@]}"; do
			poll "$i" || left+=("$i")
		done
		pending=("${left[@]}")
		[ ${#pending[@]} -gt 0 ] || break
		if [ $((SECONDS - beat)) -ge "$HEARTBEAT_S" ]; then
			beat=$SECONDS
			for i in "${pending[@]}"; do
				say "waiting: job ${ids[i]} ${states[i]} for $((SECONDS - starts[i])) s"
			done
		fi
		sleep "$POLL_S"
	done
	trap - INT TERM
}
