/* Machine topology through hwloc (and libnuma): counts, placement of threads on PUs, XML export. */
#ifndef MMBENCH_TOPOLOGY_H
#define MMBENCH_TOPOLOGY_H

#include <stdbool.h>

/*
 * Where the idx-th thread goes, with its word: one list, X(id, word), for the enum,
 * placement_name() and a bench option's .choices (core/bench.h's CHOICE_WORD).
 */
#define PLACEMENTS(X) \
	X(PLACE_COMPACT, "compact")	/* fill one socket (then core) before the next */ \
	X(PLACE_SCATTER, "scatter")	/* round-robin across sockets and NUMA nodes */
#define PLACEMENT_ID(id, word)	id,
enum placement { PLACEMENTS(PLACEMENT_ID) NR_PLACEMENTS };

/* Load this machine's topology (HWLOC_XMLFILE in the environment replaces it); idempotent. */
int topo_init(void);
/* Load the topology of an hwloc XML file instead (tests; topo_pin_self() then refuses). */
int topo_init_xml(const char *path);
/*
 * Plan for another machine (run --dry-run --assume): @nodes nodes, each a package with
 * cpus / nodes cores and mem_bytes / nodes of memory; online_cpus() and meminfo follow
 * (procfs_assume()). Nothing is bound to it. -EINVAL unless @cpus splits evenly.
 */
int topo_assume(unsigned nodes, unsigned cpus, unsigned long long mem_bytes);
/* Whether topo_assume() replaced this machine. */
bool topo_assumed(void);
void topo_fini(void);
unsigned topo_sockets(void);
unsigned topo_numa_nodes(void);
unsigned topo_cores(void);
unsigned topo_pus(void);
/* OS index of the CPU for the idx-th thread under @p (wraps past the number of PUs). */
int topo_cpu_for(unsigned idx, enum placement p);
/* Pin the calling thread to OS CPU @cpu; -errno. */
int topo_pin_self(int cpu);
/* NUMA node of OS CPU @cpu, or -1. */
int topo_node_of_cpu(int cpu);
/* OS CPUs of NUMA node @node into cpus (max entries); returns count. */
int topo_node_cpus(int node, int *cpus, int max);
/* Bytes of memory on NUMA node @node, or 0. */
unsigned long long topo_node_memory(int node);
int topo_export_xml(const char *path);
/* "compact"/"scatter" to the enum; -1 if neither. */
int placement_parse(const char *s);
const char *placement_name(enum placement p);

#endif
