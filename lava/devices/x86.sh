# Sourced by lava/yaml.sh: LAVA's x86 device type (a board or server that network-boots
# with iPXE: kernel and ramdisk over TFTP from the dispatcher, console on its serial line).
# What the lab fills in: URLs its dispatcher can fetch (--url-base, or edit those marked below);
# the device's own power, console and iPXE commands come from the lab's device dictionary.
# shellcheck shell=bash disable=SC2154 # job.sh's globals: the URLs

lava_device_job_yaml() {
	local note="  # FILL-IN: a URL the lab's dispatcher can fetch (or --url-base)" kfill="" rfill=""
	# a local file is the lab's to serve
	[[ $kernel_url == file://* ]] && kfill=$note
	[[ $ramdisk_url == file://* ]] && rfill=$note
	cat <<EOF2
context:
  # appended to the kernel command line by the x86 device template; the ramdisk's /init runs mmbench
  extra_kernel_args: "panic=-1 loglevel=5"
actions:
- deploy:
    to: tftp
    timeout: {minutes: 10}
    os: oe
    kernel:
      url: $(yaml_quote "$kernel_url")$kfill
      type: bzimage
    ramdisk:
      url: $(yaml_quote "$ramdisk_url")$rfill
      compression: gz
      install_modules: false
      install_overlay: false
- boot:
    method: ipxe
    commands: ramdisk
    timeout: {minutes: 10}
EOF2
}
