# Sourced by vm/run-vm.sh after the guest is gone: takes the results out of the console log
# (guest/unframe.sh), archives them under $out/<guest kernel release>/<run-id>/ with the console,
# the guest's dmesg and the transfer record in vm/ (not *.json at the top: compare reads those
# as bench results), marks them INCOMPLETE when they are not whole, and exits.
# shellcheck shell=bash
# It reads the runner's globals (work console out accel start watch_result vm_json_text ..).
# shellcheck disable=SC2154

# Last value of KEY=... in the unframe output.
uf_get() {
	printf '%s\n' "$uf_out" | sed -n "s/^$1=//p" | tail -n1
}

archive_run() {
	local back=$work/back status reason rc state release runid dest d n why=()
	# unframe's exit (0 whole, 3 incomplete, 1 absent) is said again in its status= line
	uf_out=$("$MMBENCH_TOP/guest/unframe.sh" "$console" "$back") || :
	status=$(uf_get status)
	reason=$(uf_get reason)
	rc=$(uf_get rc)
	state=$(uf_get state)
	release=$(uf_get release)
	release=${release:-$image_release}

	[ "$watch_result" = timeout ] && why+=("the guest was stopped at --timeout ${timeout}s")
	[ "$state" = guest-timeout ] &&
		why+=("mmbench overran the guest's deadline (${guest_timeout}s) and was stopped")
	if [ -n "${from_console:-}" ] && [ "$status" = absent ]; then
		echo "vm: $console: no results frame in it: nothing archived" >&2
		exit 1
	fi
	case $status in
	whole) ;;
	incomplete) why+=("$reason") ;;
	*)
		if grep -q 'Kernel panic' "$console"; then
			why+=("the guest kernel panicked before sending results")
		elif [ "$watch_result" != timeout ]; then
			why+=("the guest ended without sending results (qemu exit ${qemu_rc:-?})")
		fi
		;;
	esac

	# The guest's mmbench wrote /results/<release>/<run-id>/; anything else is ours.
	runid=""
	for d in "$back/$release"/*/; do
		[ -d "$d" ] && runid=$(basename "$d")
	done
	if [ -z "$runid" ]; then
		runid=$(date +%Y%m%d-%H%M%S)
		mkdir -p "$back/$release/$runid"
	fi
	mkdir -p "$out/$release" || { echo "vm: cannot create $out/$release" >&2; exit 1; }
	dest=$out/$release/$runid
	n=1
	while [ -e "$dest" ]; do
		dest=$out/$release/$runid.$n
		n=$((n + 1))
	done
	mv "$back/$release/$runid" "$dest" || { echo "vm: cannot move results to $dest" >&2; exit 1; }
	mkdir -p "$dest/vm"
	for f in guest-output.txt dmesg.txt; do
		[ -f "$back/$f" ] && mv "$back/$f" "$dest/vm/$f"
	done
	# mmbench writes log.txt itself; when it died first, what it printed is the log.
	[ -f "$dest/log.txt" ] || { [ -f "$dest/vm/guest-output.txt" ] && cp "$dest/vm/guest-output.txt" "$dest/log.txt"; }
	tr -d '\r' <"$console" | sed '/^MMB:/d' >"$dest/vm/console.log"
	[ -s "$work/qemu-$accel.out" ] && cp "$work/qemu-$accel.out" "$dest/vm/qemu-stderr.txt"

	# rc comes from the guest's begin marker: a number or nothing, never raw text in the JSON
	jq -cn --arg transfer "${status:-absent}" --arg rc "${rc:-}" \
		--arg truncated "$(uf_get truncated_files)" --argjson elapsed $((SECONDS - start)) \
		--argjson vm "$vm_json_text" --arg cmdline "$qemu_cmdline" \
		'{schema: "mmbench-vm/1", transfer: $transfer, complete: ($ARGS.positional | length == 0),
		  incomplete_reasons: $ARGS.positional, guest_rc: ($rc | tonumber? // null),
		  truncated_files: $truncated, elapsed_s: $elapsed, vm: $vm, qemu_cmdline: $cmdline}' \
		--args "${why[@]}" >"$dest/vm/transfer.json"

	if [ ${#why[@]} -gt 0 ]; then
		{
			printf 'incomplete: %s\n' "${why[@]}"
			[ -n "$(uf_get truncated_files)" ] &&
				echo "truncated files (do not trust): $(uf_get truncated_files)"
		} >"$dest/INCOMPLETE"
		printf 'vm: %s\n' "${why[@]}" >&2
		console_tail "$console" >&2
	fi

	# Render report and plots on the host, where gnuplot is; a run.sh without it is not fatal.
	if [ "$no_report" = 0 ] && [ -f "$dest/manifest.json" ] && [ -x "$MMBENCH_TOP/run.sh" ]; then
		"$MMBENCH_TOP/run.sh" report "$dest" >&2 || echo "vm: rendering the report failed" >&2
	fi
	# Like `run`, the run directory is the last line on stdout.
	if [ ${#why[@]} -gt 0 ]; then
		echo "vm: incomplete results kept in $dest" >&2
		echo "$dest"
		exit 1
	fi
	echo "vm: results in $dest" >&2
	echo "$dest"
	exit "${rc:-1}"
}
