/* The running kernel: its release and its config (/proc/config.gz, else /boot/config-<release>). */
#ifndef MMBENCH_KCONFIG_H
#define MMBENCH_KCONFIG_H

/* The running kernel's release (uname -r). */
const char *kernel_release(void);
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
