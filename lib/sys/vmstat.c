/* /proc/vmstat and the per-size THP stats, read as deltas around a timed region. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/procfs.h"
#include "sys/vmstat.h"

#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

struct snap_buf {
	struct vmstat_snap *s;
	int alloc;
};

static int snap_add(struct snap_buf *b, const char *name, int64_t val)
{
	struct vmstat_snap *s = b->s;

	if (s->nr == b->alloc) {
		int n = b->alloc ? 2 * b->alloc : 256;
		char (*names)[64] = realloc(s->names, n * sizeof(*names));
		int64_t *vals;

		if (!names)
			return -ENOMEM;
		s->names = names;
		vals = realloc(s->vals, n * sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		s->vals = vals;
		b->alloc = n;
	}
	snprintf(s->names[s->nr], sizeof(s->names[0]), "%s", name);
	s->vals[s->nr++] = val;
	return 0;
}

static int read_proc_vmstat(struct snap_buf *b)
{
	char path[PATH_MAX], line[160], name[64];
	long long val;
	int err = 0;
	FILE *f;

	f = fopen(sysroot_path(path, sizeof(path), "/proc/vmstat"), "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", name, &val) == 2)
			err = snap_add(b, name, val);
	fclose(f);
	return err;
}

/* hugepages-<size>kB/stats/<name> as "hugepages-<size>kB.<name>"; absent before Linux 6.8. */
static int read_thp_size_stats(struct snap_buf *b)
{
	char dir[PATH_MAX], sdir[PATH_MAX + 64], file[2 * PATH_MAX], name[64];
	struct dirent *de, *se;
	DIR *d, *sd;
	int err = 0;

	d = opendir(sysroot_path(dir, sizeof(dir), THP_DIR));
	if (!d)
		return 0;	/* no THP at all: nothing to add */
	while (!err && (de = readdir(d))) {
		if (strncmp(de->d_name, "hugepages-", 10))
			continue;
		if (snprintf(sdir, sizeof(sdir), "%s/%s/stats", dir, de->d_name) >= (int)sizeof(sdir))
			continue;
		sd = opendir(sdir);
		if (!sd)
			continue;
		while (!err && (se = readdir(sd))) {
			uint64_t val;

			if (se->d_name[0] == '.')
				continue;
			if (snprintf(file, sizeof(file), "%s/%s", sdir, se->d_name) >= (int)sizeof(file) ||
			    snprintf(name, sizeof(name), "%s.%s", de->d_name, se->d_name) >= (int)sizeof(name) ||
			    read_u64(file, &val))
				continue;
			err = snap_add(b, name, (int64_t)val);
		}
		closedir(sd);
	}
	closedir(d);
	return err;
}

int vmstat_snap(struct vmstat_snap *s)
{
	struct snap_buf b = { .s = s };
	int err;

	memset(s, 0, sizeof(*s));
	err = read_proc_vmstat(&b);
	if (!err)
		err = read_thp_size_stats(&b);
	if (err)
		vmstat_snap_free(s);
	return err;
}

void vmstat_snap_free(struct vmstat_snap *s)
{
	free(s->names);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

static int snap_index(const struct vmstat_snap *s, const char *name, int hint)
{
	if (hint >= 0 && hint < s->nr && !strcmp(s->names[hint], name))
		return hint;
	for (int i = 0; i < s->nr; i++)
		if (!strcmp(s->names[i], name))
			return i;
	return -1;
}

int64_t vmstat_get(const struct vmstat_snap *s, const char *name)
{
	int i = snap_index(s, name, -1);

	return i < 0 ? -1 : s->vals[i];
}

int64_t vmstat_delta(const struct vmstat_snap *a, const struct vmstat_snap *b, const char *name)
{
	int ia = snap_index(a, name, -1), ib;

	ib = snap_index(b, name, ia);
	if (ia < 0 || ib < 0)
		return 0;
	return b->vals[ib] - a->vals[ia];
}

/*
 * A plain name is recorded whenever both snapshots have it, zero deltas too:
 * "0 THP faults" is a result. A pattern ("thp_*", "hugepages-*.anon_fault_alloc")
 * records every counter of @b it matches.
 */
void vmstat_deltas(void (*add)(void *arg, const char *name, int64_t delta), void *arg,
		   const struct vmstat_snap *a,
		   const struct vmstat_snap *b, const char *const *names)
{
	for (; *names; names++) {
		const char *pat = *names;

		if (!strpbrk(pat, "*?[")) {
			int ia = snap_index(a, pat, -1), ib = snap_index(b, pat, ia);

			if (ia >= 0 && ib >= 0)
				add(arg, pat, b->vals[ib] - a->vals[ia]);
			continue;
		}
		for (int ib = 0; ib < b->nr; ib++) {
			int ia;

			if (fnmatch(pat, b->names[ib], 0))
				continue;
			ia = snap_index(a, b->names[ib], ib);
			if (ia >= 0)
				add(arg, b->names[ib], b->vals[ib] - a->vals[ia]);
		}
	}
}
