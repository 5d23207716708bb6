/* Small readers of /proc and /sys: meminfo, this process's status and smaps, files of numbers. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/procfs.h"

const char *sysroot(void)
{
	const char *r = getenv("MMBENCH_SYSROOT");

	return r ? r : "";
}

const char *sysroot_path(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "%s%s", sysroot(), path);
	return buf;
}

/*
 * "Field:   123 kB" lines of @path (used as given): the value of @field in kB.
 * Shared by meminfo, status and smaps_rollup, which all use this layout, and a
 * node's meminfo, which puts "Node N " before each line.
 */
static long long field_kb(const char *path, const char *field)
{
	size_t flen = strlen(field);
	long long val = -ENOENT;
	char line[256];
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		int n = 0;

		/* a node's meminfo: "Node 0 MemFree: 123 kB" */
		sscanf(line, "Node %*d %n", &n);
		p += n;
		if (strncmp(p, field, flen) || p[flen] != ':')
			continue;
		val = strtoll(p + flen + 1, NULL, 10);
		break;
	}
	fclose(f);
	return val;
}

/* The machine `run --dry-run --assume` plans for: its CPUs and memory (0: this one's). */
static unsigned assumed_cpus;
static long long assumed_mem_kb;

void procfs_assume(unsigned cpus, unsigned long long mem_bytes)
{
	assumed_cpus = cpus;
	assumed_mem_kb = (long long)(mem_bytes / 1024);
}

long long meminfo_kb(const char *field)
{
	char path[PATH_MAX];

	/* an assumed machine has all of its memory free: it runs nothing else */
	if (assumed_mem_kb && (!strcmp(field, "MemTotal") || !strcmp(field, "MemAvailable") ||
			       !strcmp(field, "MemFree")))
		return assumed_mem_kb;
	return field_kb(sysroot_path(path, sizeof(path), "/proc/meminfo"), field);
}

long long node_meminfo_kb(int node, const char *field)
{
	char rel[64], path[PATH_MAX];

	snprintf(rel, sizeof(rel), "/sys/devices/system/node/node%d/meminfo", node);
	return field_kb(sysroot_path(path, sizeof(path), rel), field);
}

/* /proc/self is always the real one: a fake sysroot cannot describe this process. */
long long self_status_kb(const char *field)
{
	return field_kb("/proc/self/status", field);
}

long long self_smaps_rollup_kb(const char *field)
{
	return field_kb("/proc/self/smaps_rollup", field);
}

/* A smaps header line is "start-end perms offset dev inode [path]"; field lines start with a capital. */
static int smaps_header(const char *line, uintptr_t *start, uintptr_t *end)
{
	char *p;

	*start = strtoull(line, &p, 16);
	if (p == line || *p != '-')
		return 0;
	*end = strtoull(p + 1, &p, 16);
	return *p == ' ';
}

long long self_smaps_range_kb(const void *start, size_t len, const char *field)
{
	uintptr_t lo = (uintptr_t)start, hi = lo + len, vs, ve;
	size_t flen = strlen(field);
	bool inside = false, found = false;
	long long sum = 0;
	char line[512];
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (smaps_header(line, &vs, &ve)) {
			inside = vs < hi && ve > lo;
			continue;
		}
		if (!inside || strncmp(line, field, flen) || line[flen] != ':')
			continue;
		sum += strtoll(line + flen + 1, NULL, 10);
		found = true;
	}
	fclose(f);
	return found ? sum : -ENOENT;
}

int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n, got = 0;
	int fd, err = 0;

	if (!len)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	if (err)
		return err;
	buf[got] = '\0';
	while (got > 0 && buf[got - 1] == '\n')
		buf[--got] = '\0';
	return 0;
}

int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes a value in one write(); a short write is an error, not a retry. */
	n = write(fd, text, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;
	int err;

	err = read_text(path, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int cpulist_count(const char *list)
{
	const char *p = list;
	int n = 0;

	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;

		if (end == p)
			return -EINVAL;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				return -EINVAL;
		}
		n += b - a + 1;
		p = end;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
		else
			break;
	}
	return n;
}

unsigned online_cpus(void)
{
	char path[PATH_MAX], buf[1024];
	long n;

	if (assumed_cpus)
		return assumed_cpus;
	if (!read_text(sysroot_path(path, sizeof(path), "/sys/devices/system/cpu/online"),
		       buf, sizeof(buf))) {
		n = cpulist_count(buf);
		if (n > 0)
			return n;
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}
