/* The system manifest: everything about the machine and kernel a number depends on. */
#ifndef MMBENCH_MANIFEST_H
#define MMBENCH_MANIFEST_H

#include <jansson.h>

struct run_meta {
	const char *run_id;
	const char *label;
	const char *cmdline;	/* the mmbench command line */
	const char *profile;
	double start_time, end_time;	/* unix seconds; 0 when not set */
};

/* The manifest object (schema, kernel, config, CPU, topology, knobs, ...). New reference. */
json_t *manifest_build(const struct run_meta *meta);
int manifest_write(const char *path, json_t *manifest);
/* The running kernel's release (uname -r). */
const char *kernel_release(void);
/* "none", "kvm", "tcg", "container", or another hypervisor's name. */
const char *virtualization(void);
/* The evidence behind virtualization(): CPUID, DMI, systemd-detect-virt, container markers. New reference. */
json_t *virtualization_detail(void);
/* A kernel config option's value ("y", "m", a number, or NULL if unset/unknown). */
const char *kconfig_get(const char *option);
/* Where the config came from ("/proc/config.gz", "/boot/config-<release>") or "unknown: <why>". */
const char *kconfig_source(void);
/* The whole config text, or NULL when unknown. */
const char *kconfig_text(void);
/* sha256 of the whole config text as 64 hex digits; -ENOENT when unknown. */
int kconfig_digest(char hex[65]);
/* Forget the config read so far (tests that switch MMBENCH_SYSROOT). */
void kconfig_reset(void);

#endif
