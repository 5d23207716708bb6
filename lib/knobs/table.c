/* The knob table: every tunable read or set, where it lives, and reading it (mounting debugfs when a knob is on it). */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "knobs/table.h"
#include "sys/procfs.h"
#include "sys/cleanup.h"
#include "sys/util.h"

#define THP	"/sys/kernel/mm/transparent_hugepage"
#define DBG	"/sys/kernel/debug"
#define CPU	"/sys/devices/system/cpu"

const struct knob_def knob_table[] = {
	{ "thp.enabled", { THP "/enabled" }, KNOB_CHOICE,
	  "THP policy for anonymous memory (PMD size, and sizes that inherit)" },
	{ "thp.defrag", { THP "/defrag" }, KNOB_CHOICE,
	  "whether a THP fault may stall in direct reclaim/compaction" },
	{ "thp.shmem_enabled", { THP "/shmem_enabled" }, KNOB_CHOICE,
	  "THP policy for tmpfs/shmem: decides folio size of tmpfs files" },
	{ "thp.hugepages-*.enabled", { THP "/hugepages-*/enabled" }, KNOB_CHOICE,
	  "mTHP: anonymous faults may allocate folios of this size" },
	{ "thp.hugepages-*.shmem_enabled", { THP "/hugepages-*/shmem_enabled" }, KNOB_CHOICE,
	  "mTHP: shmem folios of this size" },
	{ "khugepaged.defrag", { THP "/khugepaged/defrag" }, KNOB_NUM,
	  "whether khugepaged may reclaim/compact to allocate" },
	{ "khugepaged.scan_sleep_millisecs", { THP "/khugepaged/scan_sleep_millisecs" }, KNOB_NUM,
	  "pause between khugepaged scan passes: how soon collapse happens" },
	{ "khugepaged.alloc_sleep_millisecs", { THP "/khugepaged/alloc_sleep_millisecs" }, KNOB_NUM,
	  "pause after a failed huge page allocation" },
	{ "khugepaged.pages_to_scan", { THP "/khugepaged/pages_to_scan" }, KNOB_NUM,
	  "pages khugepaged scans per pass" },
	{ "khugepaged.max_ptes_none", { THP "/khugepaged/max_ptes_none" }, KNOB_NUM,
	  "empty PTEs a collapse may fill: memory bloat against THP coverage" },
	{ "khugepaged.max_ptes_swap", { THP "/khugepaged/max_ptes_swap" }, KNOB_NUM,
	  "swapped PTEs a collapse may swap in" },
	{ "khugepaged.max_ptes_shared", { THP "/khugepaged/max_ptes_shared" }, KNOB_NUM,
	  "shared PTEs a collapse may copy" },
	{ "kernel.numa_balancing", { "/proc/sys/kernel/numa_balancing" }, KNOB_NUM,
	  "automatic NUMA balancing: the scanner and hint faults" },
	{ "numa.scan_delay_ms", { DBG "/sched/numa_balancing/scan_delay_ms",
				  "/proc/sys/kernel/numa_balancing_scan_delay_ms" }, KNOB_NUM,
	  "delay before a new task's first NUMA scan" },
	{ "numa.scan_period_min_ms", { DBG "/sched/numa_balancing/scan_period_min_ms",
				       "/proc/sys/kernel/numa_balancing_scan_period_min_ms" }, KNOB_NUM,
	  "shortest period between NUMA scans" },
	{ "numa.scan_period_max_ms", { DBG "/sched/numa_balancing/scan_period_max_ms",
				       "/proc/sys/kernel/numa_balancing_scan_period_max_ms" }, KNOB_NUM,
	  "longest period between NUMA scans" },
	{ "numa.scan_size_mb", { DBG "/sched/numa_balancing/scan_size_mb",
				 "/proc/sys/kernel/numa_balancing_scan_size_mb" }, KNOB_NUM,
	  "MiB of address space marked per NUMA scan" },
	{ "fault_around_bytes", { DBG "/fault_around_bytes" }, KNOB_NUM,
	  "bytes of page cache mapped around a read fault (do_fault_around)" },
	/* the machine's own noise (mmbench system tune sets these) */
	{ "cpufreq.*.governor", { CPU "/*/cpufreq/scaling_governor" }, KNOB_CHOICE,
	  "how a CPU's clock follows its load (performance: the highest, always)" },
	{ "cpufreq.boost", { CPU "/cpufreq/boost" }, KNOB_NUM,
	  "clock above base while thermal headroom lasts (acpi-cpufreq, amd-pstate)" },
	{ "intel_pstate.no_turbo", { CPU "/intel_pstate/no_turbo" }, KNOB_NUM,
	  "Intel turbo: 1 keeps the clock at or below base" },
	{ "vm.compaction_proactiveness", { "/proc/sys/vm/compaction_proactiveness" }, KNOB_NUM,
	  "kcompactd compacts memory in the background past this fragmentation (0: never)" },
	{ NULL, { NULL }, 0, NULL },
};

/* The table entry for @name, and for a family the part that stands for '*'. */
const struct knob_def *knob_lookup(const char *name, char *member, size_t len)
{
	for (const struct knob_def *k = knob_table; k->name; k++) {
		const char *star = strchr(k->name, '*');
		size_t pre, suf, n = strlen(name);

		if (!star) {
			if (!strcmp(k->name, name))
				return k;
			continue;
		}
		pre = star - k->name;
		suf = strlen(star + 1);
		if (n <= pre + suf || strncmp(name, k->name, pre) ||
		    strcmp(name + n - suf, star + 1))
			continue;
		if (n - pre - suf >= len || memchr(name + pre, '/', n - pre - suf) ||
		    memchr(name + pre, '.', n - pre - suf))
			continue;
		snprintf(member, len, "%.*s", (int)(n - pre - suf), name + pre);
		return k;
	}
	return NULL;
}

bool knob_known(const char *name)
{
	char member[64];

	return knob_lookup(name, member, sizeof(member)) != NULL;
}

bool knob_numeric(const char *name)
{
	char member[64];
	const struct knob_def *k = knob_lookup(name, member, sizeof(member));

	return k && k->kind == KNOB_NUM;
}

static void subst(char *buf, size_t len, const char *pattern, const char *member)
{
	const char *star = strchr(pattern, '*');
	char root[PATH_MAX];

	sysroot_path(root, sizeof(root), "");
	if (star)
		snprintf(buf, len, "%s%.*s%s%s", root, (int)(star - pattern), pattern, member, star + 1);
	else
		snprintf(buf, len, "%s%s", root, pattern);
}

const char *knob_path(const char *name, char *buf, size_t len)
{
	char member[64] = "";
	const struct knob_def *k = knob_lookup(name, member, sizeof(member));
	int denied = -1;

	if (!k) {
		errno = ENOENT;
		return NULL;
	}

	for (int i = 0; i < 3 && k->paths[i]; i++) {
		subst(buf, len, k->paths[i], member);
		if (!access(buf, F_OK))
			return buf;
		/* not root: a directory on the way (debugfs) may hide the file, not lack it */
		if (errno == EACCES && denied < 0)
			denied = i;
	}
	/* none exists: the first is the one to name in messages, or the one we may not see */
	subst(buf, len, k->paths[denied < 0 ? 0 : denied], member);
	errno = denied < 0 ? ENOENT : EACCES;
	return NULL;
}

const char *const *knob_names(void)
{
	/* a family may have a member per CPU (cpufreq.cpu*.governor) */
	static char *names[4096];
	int n = 0;

	if (names[0])
		return (const char *const *)names;
	for (const struct knob_def *k = knob_table; k->name && n < 4095; k++) {
		const char *star = strchr(k->name, '*');
		char pat[PATH_MAX];
		glob_t g;

		if (!star) {
			names[n++] = strdup(k->name);
			continue;
		}
		subst(pat, sizeof(pat), k->paths[0], "*");
		if (glob(pat, 0, NULL, &g))
			continue;
		/* the member is what the '*' matched in the path */
		size_t pre = strchr(k->paths[0], '*') - k->paths[0] + strlen(sysroot());
		size_t suf = strlen(strchr(k->paths[0], '*') + 1);

		for (size_t i = 0; i < g.gl_pathc && n < 4095; i++) {
			const char *p = g.gl_pathv[i];
			size_t m = strlen(p) - pre - suf;

			if (asprintf(&names[n], "%.*s%.*s%s", (int)(star - k->name), k->name,
				     (int)m, p + pre, star + 1) > 0)
				n++;
		}
		globfree(&g);
	}
	names[n] = NULL;
	return (const char *const *)names;
}

/* debugfs holds some knobs; mount it for the run if it is not, and unmount it after. */
static bool debugfs_mounted_by_us;
static bool debugfs_denied;	/* not mounted, and we may not mount it */
static pid_t debugfs_mounter;
static bool (*debugfs_held)(void);

void knob_debugfs_hold(bool (*held)(void))
{
	debugfs_held = held;
}

bool knob_debugfs_denied(void)
{
	return debugfs_denied;
}

/* Also for sysinfo and list, which read knobs without knobs_init(); a forked child leaves it alone. */
void knob_unmount_debugfs(void)
{
	/*
	 * Registered after the journal's exit handler, so it runs first: a knob on
	 * debugfs not yet put back keeps it mounted until that handler has restored it.
	 */
	if (debugfs_held && debugfs_held())
		return;
	if (debugfs_mounted_by_us && debugfs_mounter == getpid())
		umount2(DBG, MNT_DETACH);
	debugfs_mounted_by_us = false;
}

/* Whether @path (under the sysroot) is on debugfs. */
bool knob_on_debugfs(const char *path)
{
	return !strncmp(path + strlen(sysroot()), DBG "/", strlen(DBG "/"));
}

static void ensure_debugfs(const char *path)
{
	struct stat a, b;

	if (*sysroot() || !knob_on_debugfs(path))
		return;
	if (stat(DBG, &a) || stat("/sys/kernel", &b) || a.st_dev != b.st_dev)
		return;
	debugfs_denied = false;
	if (mount("debugfs", DBG, "debugfs", 0, NULL)) {
		debugfs_denied = errno == EPERM;
	} else {
		if (!debugfs_mounter)
			atexit(knob_unmount_debugfs);
		cleanup_register(knob_unmount_debugfs);
		debugfs_mounter = getpid();
		debugfs_mounted_by_us = true;
	}
}

int knob_resolve(const char *name, const struct knob_def **def, char *path, size_t len)
{
	char member[64];

	*def = knob_lookup(name, member, sizeof(member));
	if (!*def)
		return -ENOENT;
	if (!knob_path(name, path, len)) {
		ensure_debugfs(path);
		if (!knob_path(name, path, len))
			return errno == ENOENT && debugfs_denied && knob_on_debugfs(path) ? -EPERM : -errno;
	}
	ensure_debugfs(path);
	return 0;
}

int knob_read_raw(const char *name, char *buf, size_t len)
{
	const struct knob_def *k;
	char path[PATH_MAX];
	int r = knob_resolve(name, &k, path, sizeof(path));

	return r ? r : read_text(path, buf, len);
}

/* The word in brackets ("always [madvise] never" -> "madvise"), or the text itself. */
void knob_choice_word(const char *raw, char *buf, size_t len)
{
	const char *a = strchr(raw, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b)
		snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
	else
		snprintf(buf, len, "%s", raw);
}

/* The value in force, from the file's whole text. */
void knob_in_force(const struct knob_def *k, const char *raw, char *buf, size_t len)
{
	if (k->kind == KNOB_CHOICE)
		knob_choice_word(raw, buf, len);
	else
		snprintf(buf, len, "%s", raw);
}

int knob_read(const char *name, char *buf, size_t len)
{
	const struct knob_def *k;
	char raw[512], member[64];
	int r = knob_read_raw(name, raw, sizeof(raw));

	if (r)
		return r;
	k = knob_lookup(name, member, sizeof(member));
	knob_in_force(k, raw, buf, len);
	return 0;
}
