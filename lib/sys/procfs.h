/* Small readers of /proc and /sys: meminfo, this process's status and smaps, files of numbers. */
#ifndef MMBENCH_PROCFS_H
#define MMBENCH_PROCFS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Paths of /proc and /sys resolve against the sysroot (tests point it at a fake tree),
 * except /proc/self which is always this process. read_text(), write_text() and
 * read_u64() use @path as given: resolve it with sysroot_path() first.
 */
/* Root prefix for every path (MMBENCH_SYSROOT, default ""). */
const char *sysroot(void);
/* sysroot() + path into buf. */
const char *sysroot_path(char *buf, size_t len, const char *path);

/*
 * From now on, online_cpus() is @cpus and meminfo's MemTotal, MemAvailable and MemFree
 * are @mem_bytes: another machine, planned for and never run on (topo_assume()).
 */
void procfs_assume(unsigned cpus, unsigned long long mem_bytes);
/* A field of /proc/meminfo in kB, or -errno. */
long long meminfo_kb(const char *field);
/* @field of node @node's meminfo under the sysroot ("MemFree", "Inactive(file)"): kB, or -errno. */
long long node_meminfo_kb(int node, const char *field);
/* A field of /proc/self/status ("VmPTE", "VmRSS") in kB, or -errno. */
long long self_status_kb(const char *field);
/* A field of /proc/self/smaps_rollup ("AnonHugePages", "Rss", "FilePmdMapped") in kB, or -errno. */
long long self_smaps_rollup_kb(const char *field);
/* Sum of a field over the smaps entries of mappings overlapping [start, start+len), in kB, or -errno. */
long long self_smaps_range_kb(const void *start, size_t len, const char *field);
/* Read a whole small file into buf (NUL-terminated, trailing newline stripped); -errno. */
int read_text(const char *path, char *buf, size_t len);
/* Write text to a file; -errno. */
int write_text(const char *path, const char *text);
/* A file holding one number; -errno. */
int read_u64(const char *path, uint64_t *val);
/* Number of CPUs in a list such as "0-3,8,10-11"; -EINVAL if malformed. */
int cpulist_count(const char *list);
/* Online CPUs (<sysroot>/sys/devices/system/cpu/online, else sysconf). */
unsigned online_cpus(void);

#endif
