# Sourced by vm/run-vm.sh: starting, watching and stopping qemu, and deciding whether KVM works.
# shellcheck shell=bash
# It reads the runner's globals (cpus numa node_mb kernel append work quiet leash accel console)
# and sets qemu_cmdline, qemu_rc and watch_result for it.
# shellcheck disable=SC2154,SC2034

# How long a KVM guest has to print its first init line before auto falls back to TCG.
KVM_PROBE_S=${MMBENCH_VM_KVM_PROBE_S:-30}
# multi-threaded TCG is faster but livelocks guests that patch their own text (see qemu_start).
tcg_thread=${MMBENCH_VM_TCG_THREAD:-single}
# How long a guest that finished its frame has to power off before it is stopped.
POWEROFF_S=30

# panic=-1 with -no-reboot turns a guest panic into qemu exiting rather than a hang;
# loglevel=5 keeps boot chatter off the console but lets warnings and their backtraces
# (soft lockups, oopses) through, since a hung guest leaves nothing else behind.
QEMU_APPEND="console=ttyS0 panic=-1 loglevel=5 rdinit=/init"

qemu_pid=""
echo_pid=""
# Every guest is named after its runner's pid, so a guest whose runner is gone can be found.
QEMU_TAG=mmbench-vm-runner-

# The command that starts qemu so that it dies with this shell, even by SIGKILL (which no
# trap sees): setpriv's --pdeathsig sets PR_SET_PDEATHSIG before exec'ing qemu, whose parent
# is this shell. Empty (with why on stderr) where setpriv lacks it.
qemu_leash() {
	if setpriv --pdeathsig KILL true 2>/dev/null; then
		echo "setpriv --pdeathsig KILL"
	else
		echo "vm: setpriv --pdeathsig is missing (util-linux 2.33+): a killed runner may leave qemu running" >&2
	fi
}

# Guests of earlier runs still running: one line each, saying whether their runner is gone.
qemu_leftovers() {
	local c pid runner
	for c in /proc/[0-9]*/cmdline; do
		pid=${c#/proc/}
		pid=${pid%/cmdline}
		# a process that ended meanwhile has no cmdline to read
		runner=$(tr '\0' '\n' 2>/dev/null <"$c" | sed -n "s/^$QEMU_TAG\([0-9]*\)\$/\1/p") || continue
		[ -n "$runner" ] || continue
		if [ -d "/proc/$runner" ] && tr '\0' ' ' 2>/dev/null <"/proc/$runner/cmdline" | grep -q run-vm.sh; then
			echo "vm: another ./run.sh vm (pid $runner) has a guest running (qemu pid $pid): timings here will suffer"
		else
			echo "vm: a guest left by an earlier run is still running: qemu pid $pid (its runner, pid $runner, is gone); stop it with: kill $pid"
		fi
	done
}

# Prints why KVM cannot be used and succeeds, or fails when it looks usable.
kvm_unusable() {
	if ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo "the CPU advertises no vmx/svm"
	elif [ ! -c /dev/kvm ]; then
		echo "/dev/kvm is missing"
	elif ! { exec 9<>/dev/kvm; } 2>/dev/null; then
		echo "/dev/kvm cannot be opened"
	else
		exec 9>&-
		return 1
	fi
}

# The last console lines worth reading: no frame data, no carriage returns.
console_tail() {
	echo "vm: last console lines:"
	tr -d '\r' <"$1" | sed '/^MMB:/d' | tail -n "${2:-25}" | sed 's/^/  | /'
}

# qemu_topology CPUS NODES NODE_MB: sets qemu_topo to the options of a socket per node, CPUs and
# memory split evenly (lava/job.sh writes the same into a LAVA device).
qemu_topology() {
	local cpus=$1 numa=$2 node_mb=$3 i per=$(($1 / $2))
	qemu_topo=(-m "$((node_mb * numa))M" -smp "$cpus,sockets=$numa,cores=$per,threads=1")
	for ((i = 0; i < numa; i++)); do
		qemu_topo+=(-object "memory-backend-ram,id=mem$i,size=${node_mb}M"
			-numa "node,nodeid=$i,cpus=$((i * per))-$((i * per + per - 1)),memdev=mem$i")
	done
}

# qemu_start ACCEL INITRD CONSOLE_LOG: boots in the background, console to the log file.
qemu_start() {
	local acc=$1 initrd=$2 log=$3 cmdline
	qemu_topology "$cpus" "$numa" "$node_mb"
	local args=(-name "$QEMU_TAG$$" -machine q35 -nodefaults -no-user-config -display none -vga none
		-monitor none -serial "file:$log" -no-reboot "${qemu_topo[@]}"
		-kernel "$kernel" -initrd "$initrd")
	if [ "$acc" = kvm ]; then
		args+=(-accel kvm -cpu host)
	else
		# One host thread for all vCPUs: with thread=multi, the 6.1 guest livelocked in
		# int3 text patching (a tracepoint's static key flipping while the other vCPU ran
		# it: soft lockups in __mmap_lock_do_trace_start_locking) in 3 of 4 vma-lock runs;
		# with thread=single in none of 4.
		args+=(-accel "tcg,thread=$tcg_thread" -cpu max)
	fi
	cmdline="$QEMU_APPEND${append:+ $append}"
	: >"$log"
	qemu_cmdline="qemu-system-x86_64 ${args[*]} -append '$cmdline'"
	# shellcheck disable=SC2086 # the leash is words
	$leash qemu-system-x86_64 "${args[@]}" -append "$cmdline" </dev/null >"$work/qemu-$acc.out" 2>&1 &
	qemu_pid=$!
	if [ "$quiet" = 0 ]; then
		tail -n +1 -F --pid="$qemu_pid" "$log" 2>/dev/null |
			sed -u -e 's/\r$//' -e '/^MMB:/d' -e '/^==MMBENCH-FRAME/d' -e 's/^/  | /' >&2 &
		echo_pid=$!
	fi
}

# Stops qemu if it still runs; qemu_rc is its exit code (or the signal's 128 + n).
qemu_stop() {
	qemu_rc=""
	if [ -n "$qemu_pid" ]; then
		# qemu that ended by itself cannot be killed; its exit code is data, not a failure
		kill "$qemu_pid" 2>/dev/null || :
		qemu_rc=0
		wait "$qemu_pid" 2>/dev/null || qemu_rc=$?
	fi
	qemu_pid=""
	# tail follows qemu's pid and ends with it; the echo pipeline drains after.
	if [ -n "$echo_pid" ]; then
		wait "$echo_pid" 2>/dev/null || :
	fi
	echo_pid=""
}

# qemu_watch TIMEOUT START: waits for qemu to end. Sets watch_result: exited, timeout,
# kvm-silent (KVM guest printed nothing in KVM_PROBE_S); and qemu_rc (qemu_stop).
qemu_watch() {
	local limit=$1 t0=$2 acc=$accel framed_at=""
	watch_result=exited
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if [ "$acc" = kvm ] && [ $((SECONDS - t0)) -ge "$KVM_PROBE_S" ] &&
			! grep -q '^mmbench-vm: guest' "$console"; then
			watch_result=kvm-silent
			break
		fi
		if [ $((SECONDS - t0)) -ge "$limit" ]; then
			watch_result=timeout
			break
		fi
		if [ -z "$framed_at" ] && grep -q '^==MMBENCH-FRAME-END' "$console"; then
			framed_at=$SECONDS
		fi
		if [ -n "$framed_at" ] && [ $((SECONDS - framed_at)) -ge "$POWEROFF_S" ]; then
			echo "vm: the guest did not power off after sending its results: stopping it" >&2
			break
		fi
		sleep 0.5
	done
	qemu_stop
}
