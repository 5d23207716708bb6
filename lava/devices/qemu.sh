# Sourced by lava/yaml.sh: LAVA's qemu device type, kernel and ramdisk on tmpfs, TCG. The job's
# context is what a lab's qemu device template takes; device.yaml is the same for lava-run here.
# shellcheck shell=bash disable=SC2154 # job.sh's globals: the topology and the URLs

lava_device_job_yaml() {
	local o
	cat <<EOF2
context:
  arch: amd64
  memory: $mem_mb
  no_kvm: true
  extra_options:
EOF2
	for o in "${lava_job_extra[@]}"; do
		echo "  - $(yaml_quote "$o")"
	done
	cat <<EOF2
actions:
- deploy:
    to: tmpfs
    timeout: {minutes: 5}
    images:
      kernel:
        image_arg: $(yaml_quote "-kernel {kernel} -append \"$QEMU_APPEND\"")
        url: $(yaml_quote "$kernel_url")
      ramdisk:
        image_arg: '-initrd {ramdisk}'
        url: $(yaml_quote "$ramdisk_url")
- boot:
    method: qemu
    media: tmpfs
    timeout: {minutes: 5}
EOF2
}

# What qemu needs beyond the device's options: TCG (KVM does not boot here), the topology.
# Each option with its value, from qemu_topology (the -m pair is the device's own option).
lava_qemu_extra=("-accel tcg,thread=single")
for ((i = 2; i < ${#qemu_topo[@]}; i += 2)); do
	lava_qemu_extra+=("${qemu_topo[i]} ${qemu_topo[i + 1]}")
done
# A lab's qemu template (lava-server's qemu.jinja2) takes only the job context's arch, memory,
# no_kvm and extra_options for amd64 (a server refuses other keys, such as cpus): the machine and
# CPU model that device.yaml gives lava-run go in extra_options, and no_kvm keeps the template's
# "-cpu host -enable-kvm" out (KVM guests hang here, and TCG is what the manifest says).
lava_job_extra=("-machine q35" "-cpu max" "${lava_qemu_extra[@]}")

lava_device_yaml() {
	local o
	cat <<EOF2
# A qemu device for the local dispatcher: lava-run --device device.yaml job.yaml
device_type: qemu
available_architectures: [amd64, x86_64]
constants:
  boot_retry: 1
  failure_retry: 1
  shutdown-message: "reboot: Restarting system"
  kernel-start-message: "Linux version [0-9]"
  default-shell-prompt: "lava-test: # "
  posix:
    lava_test_sh_cmd: /bin/sh
    lava_test_results_dir: /lava-%s
    lava_test_shell_file: ~/.bashrc
actions:
  deploy:
    methods:
      image:
        parameters:
  boot:
    connections:
      serial:
    methods:
      qemu:
        parameters:
          command: qemu-system-x86_64
          options:
          - -nographic
          - -no-reboot
          - -machine q35
          - -cpu max
          - $(yaml_quote "-m ${mem_mb}M")
          extra:
EOF2
	for o in "${lava_qemu_extra[@]}"; do
		echo "          - $(yaml_quote "$o")"
	done
	cat <<EOF2
timeouts:
  actions: {}
  connections: {}
EOF2
}
