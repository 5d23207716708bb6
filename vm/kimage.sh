# Sourced by vm/common.sh and lava/job.sh: what an x86 kernel image is and says about
# itself, the sizes and topologies their options take, and what a profile needs of a guest.
# shellcheck shell=bash

# Every x86 boot-protocol image carries "HdrS" at 0x202 (Documentation/arch/x86/boot.rst).
kimage_bytes_at() {	# kimage_bytes_at OFFSET COUNT FILE, NULs dropped
	dd if="$3" bs=1 skip="$1" count="$2" 2>/dev/null | tr -d '\0'
}

# kimage_check FILE: succeeds for a readable bzImage, else prints why it is none and fails.
kimage_check() {
	if [ ! -f "$1" ] || [ ! -r "$1" ]; then
		echo "$1: no such readable file"
	elif [ "$(kimage_bytes_at 514 4 "$1")" != "HdrS" ]; then
		if [ "$(kimage_bytes_at 1 3 "$1")" = ELF ]; then
			echo "$1: an ELF vmlinux, not a bootable image: pass arch/x86/boot/bzImage"
		else
			echo "$1: not a kernel image (no x86 \"HdrS\" boot header at 0x202)"
		fi
	else
		return 0
	fi
	return 1
}

# kimage_version FILE: the image's own version string, "6.1.0-56-cloud-amd64 (debian-kernel@...) #1 SMP ...".
kimage_version() {
	local off
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	# sed, not head: a reader that stops early would fail the writer under pipefail
	dd if="$1" bs=1 skip=$((off + 0x200)) count=256 2>/dev/null | tr '\0' '\n' | sed -n 1p |
		tr -cd '[:print:]'
}

# kimage_kconfig FILE RELEASE: the config beside the image (/boot/config-<release>, or a tree's .config).
kimage_kconfig() {
	local c
	for c in "$(dirname "$1")/config-$2" "$(dirname "$1")/../../../.config"; do
		[ -r "$c" ] && { echo "$c"; return; }
	done
	return 0
}

# Size with K/M/G/T suffix (powers of 1024) -> MiB; empty when malformed or under 1 MiB.
size_mb() {
	local n=${1%[KkMmGgTt]} s=${1##*[0-9]}
	[[ $n =~ ^[0-9]+$ ]] || return
	case $s in
	K | k) n=$((n / 1024)) ;;
	M | m | "") ;;
	G | g) n=$((n * 1024)) ;;
	T | t) n=$((n * 1024 * 1024)) ;;
	*) return ;;
	esac
	[ "$n" -gt 0 ] && echo "$n"
}

# size_text MIB: as a user would write it, 4G or 1536M.
size_text() {
	if [ $(($1 % 1024)) -eq 0 ]; then echo "$(($1 / 1024))G"; else echo "${1}M"; fi
}

# vm_topology_cpus NODES CPUS: the CPUs of a guest with NODES nodes (CPUS, or by default 2 or
# NODES when larger), or why the two do not make a topology, and fail.
vm_topology_cpus() {
	local numa=$1 cpus=$2
	[[ $numa =~ ^[1-9][0-9]*$ ]] || { echo "--numa $numa: not a positive number"; return 1; }
	[ -z "$cpus" ] && cpus=$((numa > 2 ? numa : 2))
	if ! [[ $cpus =~ ^[1-9][0-9]*$ ]]; then
		echo "--cpus $cpus: not a positive number"
	elif [ "$numa" -gt "$cpus" ]; then
		echo "--numa $numa is larger than --cpus $cpus: every node needs a CPU"
	elif [ $((cpus % numa)) -ne 0 ]; then
		echo "--cpus $cpus does not split evenly over --numa $numa nodes"
	elif [ "$numa" -gt 64 ]; then
		echo "--numa $numa: at most 64 nodes"
	else
		echo "$cpus"
		return 0
	fi
	return 1
}

# profile_min_mb PROFILE: the memory a guest needs for a profile: the largest working set
# of its benches (`mmbench list --sizes`, from each bench's options) plus 768 MiB for the
# kernel, the initramfs and the results' tmpfs, rounded up to a GiB. Empty for no profile.
profile_min_mb() {
	local sizes max
	case $1 in smoke | quick | full) ;; *) return ;; esac
	sizes=$("$MMBENCH_TOP/build/mmbench" list --sizes --profile "$1") ||
		{ echo "mmbench list --sizes failed" >&2; return 1; }
	max=$(awk -F'\t' '$2 > m { m = $2 } END { print m + 0 }' <<<"$sizes")
	echo $(((max + 768 + 1023) / 1024 * 1024))
}

profile_timeout() {
	case $1 in
	smoke) echo 900 ;;
	quick) echo 3600 ;;
	full) echo 21600 ;;
	esac
}
