#!/usr/bin/env bash
# ./run.sh vm: boots a kernel image under qemu with the NUMA topology asked for, runs mmbench
# in it from an initramfs, brings the run directory back over the serial console and archives
# it under ROOT/<guest kernel release>/<run-id>/ like a run on the host.
set -euo pipefail

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export MMBENCH_TOP
vm_who=vm
. "$MMBENCH_TOP/vm/common.sh"
. "$MMBENCH_TOP/guest/initramfs.sh"
. "$MMBENCH_TOP/vm/qemu.sh"

kernel="" numa=1 cpus="" mem=4G accel=auto timeout="" out="" append="" quiet=0 from_console="" no_report=0
dry_run=0 run_args=()
# shellcheck disable=SC2034 # the table opts_parse reads
options=(
	"-h|--help      help  vm_help vm"
	"--kernel       value kernel"
	"--numa         value numa"
	"--cpus         value cpus"
	"--mem          value mem"
	"--accel        value accel"
	"--timeout      value timeout secs:30"
	"--out          value out"
	"--append       value append"
	"--from-console value from_console file"
	"--dry-run      flag  dry_run"
	"--quiet        flag  quiet"
	"--no-report    flag  no_report"
	"--             rest  run_args"
)
opts_parse options "$@"

command -v jq >/dev/null || { echo "vm: jq not found: install it with: apt-get install jq" >&2; exit 1; }
jq -e 'type == "object"' >/dev/null 2>&1 <<<"{${MMBENCH_VM_EXTRA:-}}" ||
	bad "MMBENCH_VM_EXTRA: not JSON members (\"k\":v,..)"

if [ -n "$from_console" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/mmbench-vm.XXXXXX") || exit 1
	trap 'rm -rf "$work"' EXIT
	out=${out:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}}
	console=$from_console image_release=unknown watch_result=exited start=$SECONDS
	timeout=0 guest_timeout=0 accel=none qemu_rc="" qemu_cmdline="" vm_json_text=null
	. "$MMBENCH_TOP/guest/archive.sh"
	archive_run
fi

# Validate everything before touching anything.
[ -n "$kernel" ] || bad "--kernel IMAGE is required"
kernel_why=$(kimage_check "$kernel") || bad "$kernel_why"
cpus=$(vm_topology_cpus "$numa" "$cpus") || bad "$cpus"
case $accel in auto | kvm | tcg) ;; *) bad "--accel $accel: not one of auto, kvm, tcg" ;; esac
case $tcg_thread in single | multi) ;; *) bad "MMBENCH_VM_TCG_THREAD=$tcg_thread: not single or multi" ;; esac
mem_mb=$(size_mb "$mem") || bad "--mem $mem: not a size (e.g. 4G, 1536M)"
node_mb=$((mem_mb / numa))
mem_mb=$((node_mb * numa))
for a in "${run_args[@]}"; do
	case $a in --out | --out=*) bad "RUN_ARGS: --out is for the host: put it before --" ;; esac
done
profile=$(run_args_profile "${run_args[@]}")
# mmbench alone would run quick; in a VM the default is smoke, as for no RUN_ARGS at all.
[ -z "$profile" ] && profile=smoke && run_args=("${run_args[@]}" --profile smoke)
# the guest's parser is this one: what it would reject is rejected here, before a boot
if [ "${run_args[0]:-}" != sweep ]; then
	args_why=$(run_args_check "$MMBENCH_TOP/build/mmbench" "${run_args[@]}")
	[ -z "$args_why" ] || bad "$args_why"
fi
vm_mem_check "$mem" "$mem_mb" "$profile"
avail_mb=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
[ "$mem_mb" -le "$avail_mb" ] ||
	bad "--mem $mem is more than the host's MemAvailable (${avail_mb}M)"
[ -n "$timeout" ] || timeout=$(profile_timeout "$profile")
out=${out:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}}

# --dry-run: the guest's plan (mmbench's own, for the guest's topology) and what a boot adds
# to it: the median of this archive's boots of that shape (elapsed less the run's plan
# actuals), else a model from boots here. No boot, nothing written.
vm_dry_run() {
	local cmd=run args=("${run_args[@]}") acc=$accel plan est t took n add from
	[ "${args[0]:-}" = sweep ] && cmd=sweep args=("${args[@]:1}")
	[ "$acc" = auto ] && { if kvm_unusable >/dev/null; then acc=tcg; else acc=kvm; fi; }
	plan=$("$MMBENCH_TOP/build/mmbench" "$cmd" "${args[@]}" --dry-run --out "$out" \
		--assume "nodes=$numa,cpus=$cpus,mem=${mem_mb}M" 2>&1) || { echo "$plan" >&2; exit 2; }
	echo "$plan" >&2
	est=$(sed -n 's/^mmbench[a-z ]*: plan: about \([0-9]*\) s for the benches.*/\1/p' <<<"$plan")
	took=$(for t in "$out"/*/*/vm/transfer.json; do
		[ -f "$t" ] || continue
		jq -rn --slurpfile t "$t" --slurpfile m "${t%/vm/transfer.json}/manifest.json" \
			--arg acc "$acc" --argjson n "$numa" --argjson c "$cpus" '$t[0] | select(.complete and
			.vm.accel == $acc and .vm.numa_nodes == $n and .vm.cpus == $c) |
			.elapsed_s - ([$m[0].plan[]?.actual_s] | add // 0) | floor' 2>/dev/null || true
	done | sort -n)
	n=$(grep -c . <<<"$took" || true)	# 0 lines: grep says 0 and exits 1
	if [ "$n" -gt 0 ]; then
		add=$(sed -n "$(((n + 1) / 2))p" <<<"$took")
		from="the median of $n boot(s) of this shape under $out"
	elif [ "$acc" = tcg ]; then
		# smoke vma-lock boots of 6.12 here, less their runs: 2 vCPUs 17 - 7.5 s, 8 vCPUs 19 - 8.5 s
		add=$((9 + cpus / 5)) from="model: 9 s + 1 s each 5 vCPUs under TCG; no boot of this shape under $out"
	else
		add=5 from="model: 5 s under KVM, not measured (KVM boots nothing here); no boot of this shape under $out"
	fi
	echo "vm: plan: a boot adds about $add s ($from); about $((${est:-0} + add)) s a boot" \
		"($acc, $cpus CPUs, $numa nodes, ${mem_mb}M); --timeout $timeout s" >&2
	exit 0
}
[ "$dry_run" = 1 ] && vm_dry_run

# A guest an earlier run left behind (or another run's) takes CPUs and memory: say so.
qemu_leftovers >&2

# Tools: say exactly what to install rather than failing halfway.
need_pkg() {
	echo "vm: $1 not found: install it with: apt-get install $2" >&2
	exit 1
}
command -v qemu-system-x86_64 >/dev/null || need_pkg qemu-system-x86_64 qemu-system-x86
command -v cpio >/dev/null || need_pkg cpio cpio
busybox=$(vm_busybox)
[ -n "$busybox" ] || need_pkg "a static busybox" busybox-static
mmbench=${MMBENCH_VM_BINARY:-$MMBENCH_TOP/build/mmbench}
if [ ! -x "$mmbench" ] && [ -z "${MMBENCH_VM_BINARY:-}" ]; then
	make -s -C "$MMBENCH_TOP" build/mmbench >&2 || { echo "vm: building mmbench failed" >&2; exit 1; }
fi
[ -x "$mmbench" ] || { echo "vm: $mmbench: not executable" >&2; exit 1; }

image_version=$(kimage_version "$kernel")
image_release=${image_version%% *}
[ -n "$image_release" ] || image_release=unknown
kconfig=$(kimage_kconfig "$kernel" "$image_release")

leash=$(qemu_leash)
# work directories of runners killed before their EXIT trap ran
for d in "${TMPDIR:-/tmp}"/mmbench-vm.*/; do
	[ -f "$d/runner.pid" ] || continue
	[ -d "/proc/$(cat "$d/runner.pid")" ] || rm -rf "$d"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/mmbench-vm.XXXXXX") || exit 1
echo $$ >"$work/runner.pid"
trap 'qemu_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM HUP

mem_text=$(size_text "$mem_mb")
guest_timeout=$(vm_guest_timeout "$timeout")

vm_json() {	# vm_json ACCEL
	vm_guest_json "$1" "$numa" "$cpus" "$mem_mb" "$node_mb" "$tcg_thread" "$append" |
		jq -c --arg image "$(basename "$kernel")" --arg version "$image_version" \
		--arg qemu "$qemu_version" --argjson extra "{${MMBENCH_VM_EXTRA:-}}" \
		'. + {kernel_image: $image, kernel_version: $version, qemu: $qemu} + $extra'
}

# One boot: pack the initramfs for ACCEL (the guest's manifest names it) and run qemu.
boot() {
	local acc=$1
	initramfs_build "$work/initrd-$acc.gz" "$mmbench" "$busybox" "$kconfig" "$image_release" \
		"$guest_timeout" "$(vm_json "$acc")" "${run_args[@]}" ||
		{ echo "vm: packing the initramfs failed" >&2; exit 1; }
	console=$work/console-$acc.log
	qemu_start "$acc" "$work/initrd-$acc.gz" "$console"
}

qemu_cmdline="" qemu_rc=""
qemu_version=$(qemu-system-x86_64 --version | awk 'NR == 1 { print $4 }')
tried_kvm=""
if [ "$accel" = kvm ] && kvm_why=$(kvm_unusable); then
	bad "--accel kvm: $kvm_why (use --accel tcg)"
fi
if [ "$accel" = auto ]; then
	if kvm_why=$(kvm_unusable); then
		echo "vm: using TCG: $kvm_why" >&2
		accel=tcg
	else
		accel=kvm
		tried_kvm=auto
	fi
fi
echo "vm: booting $image_release ($accel, $cpus cpus, $numa nodes, $mem_text);" \
	"mmbench $([ "${run_args[0]:-}" = sweep ] || echo run) ${run_args[*]}" >&2
start=$SECONDS
boot "$accel"
qemu_watch "$timeout" "$start"
if [ "$watch_result" = kvm-silent ]; then
	if [ "$tried_kvm" = auto ]; then
		echo "vm: the KVM guest printed nothing within ${KVM_PROBE_S}s: using TCG" >&2
		accel=tcg
		start=$SECONDS
		boot tcg
		qemu_watch "$timeout" "$start"
	else
		echo "vm: the KVM guest printed nothing within ${KVM_PROBE_S}s (try --accel tcg)" >&2
		console_tail "$console" >&2
		exit 1
	fi
fi

# qemu that never started the guest has nothing to archive: say why and stop.
if [ "$watch_result" = exited ] && [ ! -s "$console" ] && [ "${qemu_rc:-0}" != 0 ]; then
	echo "vm: qemu failed (exit $qemu_rc):" >&2
	tail -n 5 "$work/qemu-$accel.out" | sed 's/^/  /' >&2
	exit 1
fi
vm_json_text=$(vm_json "$accel")
. "$MMBENCH_TOP/guest/archive.sh"
archive_run
