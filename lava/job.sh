#!/usr/bin/env bash
# ./run.sh lava job: writes a LAVA job that boots a kernel with the mmbench ramdisk (the vm
# runner's, which also prints what the job's test monitors match), runs mmbench and brings the
# run directory back framed on the console; for the qemu device type also a device for lava-run.
set -euo pipefail

MMBENCH_TOP=${MMBENCH_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
export MMBENCH_TOP
vm_who="lava job"
. "$MMBENCH_TOP/vm/common.sh"
. "$MMBENCH_TOP/guest/initramfs.sh"
. "$MMBENCH_TOP/vm/qemu.sh"
. "$MMBENCH_TOP/lava/yaml.sh"

usage() {
	cat <<'EOF'
usage: ./run.sh lava job --kernel IMAGE_OR_URL [--device-type qemu|x86] [--numa N] [--cpus N]
                         [--mem SIZE] [--timeout S] [--url-base URL] [--out DIR] [-- RUN_ARGS]
  --kernel        a bzImage file, or its file://, http:// or https:// URL
  --device-type   qemu (default; DIR/device.yaml lets lava-run run it here) or x86 (LAVA's
                  iPXE/TFTP x86 device type: a lab board or server)
  --numa, --cpus, --mem   the qemu guest's topology (as ./run.sh vm); ignored for a real device
  --timeout S     the job's bound (default by profile: smoke 900, quick 3600, full 21600)
  --url-base URL  where the lab will serve DIR's files (the ramdisk, and a local kernel)
  --out DIR       where job.yaml, ramdisk.cpio.gz (and device.yaml) go (default
                  results/lava/<date>)
  RUN_ARGS        mmbench run's options in the guest (default --profile smoke), checked here
EOF
}

kernel="" dtype=qemu numa=1 cpus="" mem=4G timeout="" url_base="" dir="" run_args=()
# shellcheck disable=SC2034 # the table opts_parse reads
options=(
	"-h|--help     help  usage"
	"--kernel      value kernel"
	"--device-type value dtype"
	"--numa        value numa"
	"--cpus        value cpus"
	"--mem         value mem"
	"--timeout     value timeout secs:60"
	"--url-base    value url_base"
	"--out         value dir"
	"--            rest  run_args"
)
opts_parse options "$@"
url_base=${url_base%/}

# Everything is checked before anything is written.
[ -n "$kernel" ] || bad "--kernel IMAGE_OR_URL is required"
[ -f "$MMBENCH_TOP/lava/devices/$dtype.sh" ] ||
	bad "--device-type $dtype: no template (lava/devices/ has: $(cd "$MMBENCH_TOP/lava/devices" && ls | sed 's/\.sh$//' | paste -sd ' '))"
kernel_file=""
case $kernel in
http://* | https://*) kernel_url=$kernel ;;
file://*) kernel_file=${kernel#file://} ;;
*://*) bad "--kernel $kernel: not a file, file://, http:// or https:// URL" ;;
*) kernel_file=$kernel ;;
esac
if [ -n "$kernel_file" ]; then
	why=$(kimage_check "$kernel_file") || bad "$why"
	kernel_file=$(realpath "$kernel_file")
	kernel_url=${url_base:+$url_base/$(basename "$kernel_file")}
	kernel_url=${kernel_url:-file://$kernel_file}
fi
[ -z "$url_base" ] || [[ $url_base =~ ^(https?|file):// ]] || bad "--url-base $url_base: not an http(s):// or file:// URL"
cpus=$(vm_topology_cpus "$numa" "$cpus") || bad "$cpus"
mem_mb=$(size_mb "$mem") || mem_mb=0
[ "$mem_mb" -ge 1024 ] || bad "--mem $mem: not a size of at least 1G (e.g. 4G)"
node_mb=$((mem_mb / numa))
mem_mb=$((node_mb * numa))	# what the nodes add up to, as in ./run.sh vm
profile=$(run_args_profile "${run_args[@]}")
# mmbench alone would run quick; in a job the default is smoke, as in ./run.sh vm
[ -n "$profile" ] || { profile=smoke; run_args+=(--profile smoke); }
why=$(run_args_problem "$MMBENCH_TOP/build/mmbench" "${run_args[@]}")
[ -z "$why" ] || bad "$why"
# a real device has the memory it has; the qemu guest has what --mem gives it
[ "$dtype" != qemu ] || vm_mem_check "$mem" "$mem_mb" "$profile"
timeout=${timeout:-$(profile_timeout "$profile")}
busybox=$(vm_busybox)
[ -n "$busybox" ] || { echo "lava job: no static busybox: apt-get install busybox-static" >&2; exit 1; }
dir=${dir:-${MMBENCH_RESULTS:-$MMBENCH_TOP/results}/lava/$(date +%Y%m%d-%H%M%S)}
[ ! -e "$dir/job.yaml" ] || bad "$dir/job.yaml exists: pick another --out"

release=unknown kconfig="" version=""
if [ -n "$kernel_file" ]; then
	version=$(kimage_version "$kernel_file")
	release=${version%% *}
	kconfig=$(kimage_kconfig "$kernel_file" "$release")
fi
# The manifest's "vm": for qemu the members ./run.sh vm records for the same guest (TCG,
# single-threaded), so that compare sees only what differs (the runner, the device type).
guest='{}'
if [ "$dtype" = qemu ]; then
	guest=$(vm_guest_json tcg "$numa" "$cpus" "$mem_mb" "$node_mb" single "")
fi
vm=$(jq -cn --arg dt "$dtype" --arg kernel "$kernel_url" --argjson guest "$guest" \
	--arg image "${kernel_file:+$(basename "$kernel_file")}" --arg version "$version" \
	'{runner: "lava", device_type: $dt, kernel_url: $kernel}
	 + (if $image == "" then {} else {kernel_image: $image, kernel_version: $version} end)
	 + $guest')

mkdir -p "$dir"
work=$(mktemp -d "$dir/.job.XXXXXX")
trap 'rm -rf "$work"' EXIT
MMBENCH_LAVA=1 initramfs_build "$work/ramdisk.cpio.gz" "$MMBENCH_TOP/build/mmbench" "$busybox" \
	"$kconfig" "$release" "$(vm_guest_timeout "$timeout")" "$vm" "${run_args[@]}" ||
	{ echo "lava job: packing the ramdisk failed" >&2; exit 1; }
ramdisk_url=${url_base:+$url_base/ramdisk.cpio.gz}
ramdisk_url=${ramdisk_url:-file://$(realpath "$dir")/ramdisk.cpio.gz}

qemu_topology "$cpus" "$numa" "$node_mb"
lava_job_yaml "$dtype" >"$work/job.yaml" || exit 1
if [ "$dtype" = qemu ]; then lava_device_yaml >"$work/device.yaml"; fi
for f in ramdisk.cpio.gz device.yaml job.yaml; do
	if [ -f "$work/$f" ]; then mv "$work/$f" "$dir/$f"; fi
done
if [ "$dtype" != qemu ] && grep -q FILL-IN "$dir/job.yaml"; then
	echo "lava job: $dir/job.yaml: fill in the URLs marked FILL-IN (serve ramdisk.cpio.gz and the kernel" \
		"where the lab's dispatcher can fetch them), or write it again with --url-base URL" >&2
fi
echo "lava job: $dir/job.yaml ($dtype, $release, mmbench run ${run_args[*]})" >&2
echo "$dir"
