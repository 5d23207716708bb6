/* What this process may do, read once per call from /proc, and one-line reasons that name the privilege missing. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sys/privs.h"
#include "sys/procfs.h"

static bool sysctl_long(const char *rel, long *v)
{
	char path[PATH_MAX], buf[64], *end;

	if (read_text(sysroot_path(path, sizeof(path), rel), buf, sizeof(buf)))
		return false;
	*v = strtol(buf, &end, 10);
	return end != buf;
}

static bool cap_eff(uint64_t *eff)
{
	char path[PATH_MAX], line[256];
	bool found = false;
	FILE *f;

	if (*sysroot())
		sysroot_path(path, sizeof(path), "/proc/self/status");
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7))
			found = sscanf(line + 7, "%" SCNx64, eff) == 1;
	if (f)
		fclose(f);
	return found;
}

void privs_read(struct privs *p)
{
	memset(p, 0, sizeof(*p));
	p->uid = geteuid();
	p->caps_known = cap_eff(&p->cap_eff);
	p->paranoid_known = sysctl_long("/proc/sys/kernel/perf_event_paranoid", &p->perf_event_paranoid);
	p->uffd_known = sysctl_long("/proc/sys/vm/unprivileged_userfaultfd", &p->unprivileged_userfaultfd);
}

bool privs_has(const struct privs *p, int cap)
{
	if (!p->caps_known)
		return p->uid == 0;
	return cap < 64 && (p->cap_eff >> cap) & 1;
}

const char *privs_cap_name(int cap)
{
	switch (cap) {
	case PRIV_CAP_SYS_PTRACE:	return "CAP_SYS_PTRACE";
	case PRIV_CAP_SYS_ADMIN:	return "CAP_SYS_ADMIN";
	case PRIV_CAP_SYS_NICE:		return "CAP_SYS_NICE";
	case PRIV_CAP_PERFMON:		return "CAP_PERFMON";
	}
	return "a capability";
}

/* "is 2", or "unreadable" when the sysctl could not be read. */
static void paranoid_text(const struct privs *p, char *buf, size_t len)
{
	if (p->paranoid_known)
		snprintf(buf, len, "is %ld", p->perf_event_paranoid);
	else
		snprintf(buf, len, "unreadable");
}

void privs_why_perf(const struct privs *p, bool cpu_wide, char *why, size_t len)
{
	char par[32];

	paranoid_text(p, par, sizeof(par));
	if (privs_has(p, PRIV_CAP_PERFMON) || privs_has(p, PRIV_CAP_SYS_ADMIN))
		snprintf(why, len, "not permitted with CAP_PERFMON (perf_event_paranoid %s): an LSM?", par);
	else if (p->paranoid_known && p->perf_event_paranoid > 2)
		snprintf(why, len, "not permitted: perf_event_paranoid %s (no perf events) and uid %u lacks CAP_PERFMON",
			 par, (unsigned)p->uid);
	else
		snprintf(why, len, "not permitted: perf_event_paranoid %s (needs <= %d) and uid %u lacks CAP_PERFMON",
			 par, cpu_wide ? 0 : 1, (unsigned)p->uid);
}

void privs_why_uffd(const struct privs *p, int err, int user_err, char *why, size_t len)
{
	char sysctl[32];
	int n;

	if (p->uffd_known)
		snprintf(sysctl, sizeof(sysctl), "is %ld", p->unprivileged_userfaultfd);
	else
		snprintf(sysctl, sizeof(sysctl), "unreadable");
	if (err != EPERM && err != EACCES) {
		snprintf(why, len, "userfaultfd unavailable: %s", strerror(err));
		return;
	}
	n = snprintf(why, len, "userfaultfd: %s: vm.unprivileged_userfaultfd %s and uid %u lacks CAP_SYS_PTRACE",
		     strerror(err), sysctl, (unsigned)p->uid);
	if (user_err && n > 0 && (size_t)n < len)
		snprintf(why + n, len - n, "; UFFD_USER_MODE_ONLY (Linux 5.11): %s", strerror(user_err));
}

void privs_why_cap(const struct privs *p, int cap, const char *what, int err, char *why, size_t len)
{
	if (privs_has(p, cap))
		snprintf(why, len, "%s: %s", what, strerror(err));
	else
		snprintf(why, len, "%s needs %s, which uid %u lacks", what, privs_cap_name(cap),
			 (unsigned)p->uid);
}
