/* What this process may do (uid, capabilities in force, perf_event_paranoid) and the words for what it may not. */
#ifndef MMBENCH_PRIVS_H
#define MMBENCH_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Capability numbers (linux/capability.h); CAP_PERFMON is 5.8, newer than some headers. */
#define PRIV_CAP_SYS_PTRACE	19
#define PRIV_CAP_SYS_ADMIN	21
#define PRIV_CAP_SYS_NICE	23
#define PRIV_CAP_PERFMON	38

struct privs {
	uid_t uid;		/* effective */
	bool caps_known;	/* CapEff could be read */
	uint64_t cap_eff;
	bool paranoid_known;
	long perf_event_paranoid;
	bool uffd_known;
	long unprivileged_userfaultfd;
};

/*
 * This process's privileges: CapEff of /proc/self/status and the sysctls under the
 * sysroot. With MMBENCH_SYSROOT set, <sysroot>/proc/self/status stands in for this
 * process too, so a fake tree can describe an unprivileged one.
 */
void privs_read(struct privs *p);
/* Whether capability @cap is in force (uid 0 without CapEff counts as having it). */
bool privs_has(const struct privs *p, int cap);
/* The capability's name ("CAP_PERFMON"). */
const char *privs_cap_name(int cap);

/*
 * Why perf_event_open said EACCES/EPERM: "not permitted: perf_event_paranoid is 2
 * (kernel-side counts need <= 1) and uid 65534 lacks CAP_PERFMON". @cpu_wide: the
 * event counts every task of a CPU (which needs <= 0).
 */
void privs_why_perf(const struct privs *p, bool cpu_wide, char *why, size_t len);
/*
 * Why no userfaultfd could be had: the syscall's errno, vm.unprivileged_userfaultfd
 * and CAP_SYS_PTRACE, then UFFD_USER_MODE_ONLY's errno (@user_err, 0 when not tried).
 */
void privs_why_uffd(const struct privs *p, int err, int user_err, char *why, size_t len);
/* "<what> needs CAP_SYS_ADMIN, which uid 65534 lacks" (or names the errno when it has it). */
void privs_why_cap(const struct privs *p, int cap, const char *what, int err, char *why, size_t len);

#endif
