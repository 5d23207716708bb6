# Sourced by vm/run-vm.sh: packs the guest's initramfs (busybox, mmbench and its shared
# libraries, guest/init, guest/frame.sh, the run's configuration). Needs no kernel modules.
# shellcheck shell=bash

# Copy a binary and, when it is dynamic, every library ldd names (and the loader) to the same
# paths under $2, so the guest's loader finds them where the host's did.
initramfs_add_binary() {
	local bin=$1 root=$2 dest=$3 lib
	mkdir -p "$root$(dirname "$dest")" || return 1
	cp -L "$bin" "$root$dest" || return 1
	# ldd prints "name => /path (addr)" or "/path (addr)"; "not a dynamic executable" for static.
	for lib in $(ldd "$bin" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || return 1
	done
}

# A shell word quoted for sh: 'it'\''s'.
sh_quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# initramfs_build OUT MMBENCH BUSYBOX KCONFIG RELEASE GUEST_TIMEOUT VM_JSON RUN_ARGS...
# KCONFIG may be empty; the guest's manifest reads it from /boot/config-<release> when the
# kernel has no /proc/config.gz.
initramfs_build() {
	local out=$1 mmbench=$2 busybox=$3 kconfig=$4 release=$5 guest_timeout=$6 vm_json=$7
	shift 7
	local root a
	root=$(dirname "$out")/root
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,results,usr/bin,boot} || return 1
	initramfs_add_binary "$busybox" "$root" /bin/busybox || return 1
	ln -s busybox "$root/bin/sh"	# for init's #!; init installs the other applets
	initramfs_add_binary "$mmbench" "$root" /usr/bin/mmbench || return 1
	install -m 0755 "$MMBENCH_TOP/guest/init" "$root/init" || return 1
	install -m 0755 "$MMBENCH_TOP/guest/frame.sh" "$root/etc/frame.sh" || return 1
	install -m 0644 "$MMBENCH_TOP/lava/results.sh" "$root/etc/lava-results.sh" || return 1
	[ -n "$kconfig" ] && cp "$kconfig" "$root/boot/config-$release"
	# The kernel opens /dev/console before init runs; without the node init starts mute.
	# only root may make the node: a user's image goes without it, as it always has
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || :
	{
		echo "MMBENCH_VM=$(sh_quote "$vm_json")"
		echo "GUEST_TIMEOUT=$guest_timeout"
		# 1: a LAVA job's ramdisk (lava/job.sh): results go out as its monitors expect them
		echo "MMBENCH_LAVA=${MMBENCH_LAVA:-0}"
		printf 'set --'
		for a in "$@"; do
			printf ' %s' "$(sh_quote "$a")"
		done
		echo
	} >"$root/etc/mmbench-vm.conf"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out" ||
		return 1
	rm -rf "$root"
}
