/* Machine topology through hwloc (and libnuma): counts, placement of threads on PUs, XML export. */
#include <errno.h>
#include <numa.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <hwloc.h>
#include "sys/atomic.h"
#include "sys/procfs.h"

#include "sys/topology.h"

static hwloc_topology_t topo;
static bool from_xml;		/* not this machine: no binding, no libnuma */
static bool assumed;		/* topo_assume()'s machine */
static int *order[NR_PLACEMENTS];		/* OS index of the PU for thread idx, per placement */
static unsigned nr_pus;

/* Round-robin over @n lists: the first of each, then the second of each, ... */
static unsigned rr_merge(int **lists, const unsigned *lens, unsigned n, int *out)
{
	unsigned k = 0, longest = 0;

	for (unsigned i = 0; i < n; i++)
		if (lens[i] > longest)
			longest = lens[i];
	for (unsigned r = 0; r < longest; r++)
		for (unsigned i = 0; i < n; i++)
			if (r < lens[i])
				out[k++] = lists[i][r];
	return k;
}

/*
 * PUs of @set one per core first, SMT siblings after: threads land on distinct
 * cores (own TLBs and caches) until every core has one.
 */
static unsigned spread(hwloc_const_cpuset_t set, int *out)
{
	int nr_cores = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_CORE);
	hwloc_obj_type_t unit = nr_cores > 0 ? HWLOC_OBJ_CORE : HWLOC_OBJ_PU;
	int nr_units = nr_cores > 0 ? nr_cores : hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, HWLOC_OBJ_PU);
	unsigned k = 0;

	for (int s = 0;; s++) {
		unsigned found = 0;

		for (int u = 0; u < nr_units; u++) {
			hwloc_obj_t c = hwloc_get_obj_inside_cpuset_by_type(topo, set, unit, u);
			hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(topo, c->cpuset, HWLOC_OBJ_PU, s);

			if (pu) {
				out[k++] = pu->os_index;
				found++;
			}
		}
		if (!found)
			return k;
	}
}

/* One package's PUs for scatter: round-robin over its NUMA nodes, each spread over cores. */
static unsigned package_scatter(hwloc_obj_t pkg, int *out)
{
	unsigned n = 0, nr_nodes = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE), k;
	int **lists = calloc(nr_nodes + 1, sizeof(*lists));
	unsigned *lens = calloc(nr_nodes + 1, sizeof(*lens));

	if (!lists || !lens) {
		k = spread(pkg->cpuset, out);
		goto out;
	}
	for (unsigned i = 0; i < nr_nodes; i++) {
		hwloc_obj_t node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);

		if (hwloc_bitmap_iszero(node->cpuset) || !hwloc_bitmap_isincluded(node->cpuset, pkg->cpuset))
			continue;
		lists[n] = malloc(nr_pus * sizeof(int));
		if (!lists[n])
			break;
		lens[n] = spread(node->cpuset, lists[n]);
		n++;
	}
	/* A node spanning packages (or none at all): the package is the unit. */
	if (!n) {
		k = spread(pkg->cpuset, out);
		goto out;
	}
	k = rr_merge(lists, lens, n, out);
out:
	for (unsigned i = 0; lists && i < n; i++)
		free(lists[i]);
	free(lists);
	free(lens);
	return k;
}

static int build_orders(void)
{
	unsigned nr_pkgs = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	int **lists = NULL;
	unsigned *lens = NULL, i, n = 0;
	int err = -ENOMEM;

	nr_pus = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	order[PLACE_COMPACT] = calloc(nr_pus, sizeof(int));
	order[PLACE_SCATTER] = calloc(nr_pus, sizeof(int));
	if (!order[PLACE_COMPACT] || !order[PLACE_SCATTER])
		return -ENOMEM;
	/* Compact is hwloc's logical order: a core's PUs, then the next core, then the next package. */
	for (i = 0; i < nr_pus; i++)
		order[PLACE_COMPACT][i] = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PU, i)->os_index;
	if (!nr_pkgs) {
		spread(hwloc_get_root_obj(topo)->cpuset, order[PLACE_SCATTER]);
		return 0;
	}
	lists = calloc(nr_pkgs, sizeof(*lists));
	lens = calloc(nr_pkgs, sizeof(*lens));
	if (!lists || !lens)
		goto out;
	for (n = 0; n < nr_pkgs; n++) {
		lists[n] = malloc(nr_pus * sizeof(int));
		if (!lists[n])
			goto out;
		lens[n] = package_scatter(hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, n), lists[n]);
	}
	if (rr_merge(lists, lens, nr_pkgs, order[PLACE_SCATTER]) != nr_pus) {
		/* PUs outside every package: fall back to spreading the whole machine. */
		spread(hwloc_get_root_obj(topo)->cpuset, order[PLACE_SCATTER]);
	}
	err = 0;
out:
	for (i = 0; lists && i < n; i++)
		free(lists[i]);
	free(lists);
	free(lens);
	return err;
}

/* @xml a file, else @synthetic an hwloc synthetic description, else this machine. */
static int load(const char *xml, const char *synthetic)
{
	int err;

	if (hwloc_topology_init(&topo))
		return -errno;
	if (synthetic && hwloc_topology_set_synthetic(topo, synthetic)) {
		err = -EINVAL;
		goto out_destroy;
	}
	if (xml && hwloc_topology_set_xml(topo, xml)) {
		err = -errno;
		goto out_destroy;
	}
	if (hwloc_topology_load(topo)) {
		err = -errno;
		goto out_destroy;
	}
	from_xml = xml || synthetic || !hwloc_topology_is_thissystem(topo);
	err = build_orders();
	if (err)
		goto out_destroy;
	return 0;

out_destroy:
	topo_fini();	/* the topology and any orders build_orders() allocated */
	return err ? err : -EINVAL;
}

int topo_init(void)
{
	return topo ? 0 : load(NULL, NULL);
}

int topo_init_xml(const char *path)
{
	topo_fini();
	return load(path, NULL);
}

int topo_assume(unsigned nodes, unsigned cpus, unsigned long long mem_bytes)
{
	char desc[128];
	int err;

	if (!nodes || !cpus || cpus % nodes || !mem_bytes)
		return -EINVAL;
	/* as the vm runner's guests are: a package per node, its share of CPUs and memory */
	snprintf(desc, sizeof(desc), "pack:%u numa:1(memory=%llu) core:%u pu:1", nodes,
		 mem_bytes / nodes, cpus / nodes);
	topo_fini();
	err = load(NULL, desc);
	if (err)
		return err;
	procfs_assume(cpus, mem_bytes);
	assumed = true;
	return 0;
}

bool topo_assumed(void)
{
	return assumed;
}

void topo_fini(void)
{
	if (topo)
		hwloc_topology_destroy(topo);
	topo = NULL;
	free(order[PLACE_COMPACT]);
	free(order[PLACE_SCATTER]);
	order[PLACE_COMPACT] = order[PLACE_SCATTER] = NULL;
	nr_pus = 0;
}

static unsigned count(hwloc_obj_type_t type)
{
	int n;

	if (topo_init())
		return 1;
	n = hwloc_get_nbobjs_by_type(topo, type);
	return n > 0 ? n : 1;
}

unsigned topo_sockets(void)
{
	return count(HWLOC_OBJ_PACKAGE);
}

unsigned topo_numa_nodes(void)
{
	return count(HWLOC_OBJ_NUMANODE);
}

unsigned topo_cores(void)
{
	if (topo_init())
		return 1;
	return hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE) > 0 ? count(HWLOC_OBJ_CORE) : topo_pus();
}

unsigned topo_pus(void)
{
	return count(HWLOC_OBJ_PU);
}

int topo_cpu_for(unsigned idx, enum placement p)
{
	if (topo_init() || !nr_pus || (p != PLACE_COMPACT && p != PLACE_SCATTER))
		return -1;
	return order[p][idx % nr_pus];
}

int topo_pin_self(int cpu)
{
	hwloc_bitmap_t set;
	int err = 0;

	if (cpu < 0)
		return -EINVAL;
	err = topo_init();
	if (err)
		return err;
	if (from_xml)
		return -EOPNOTSUPP;	/* the topology is not this machine's */
	set = hwloc_bitmap_alloc();
	if (!set)
		return -ENOMEM;
	hwloc_bitmap_only(set, cpu);
	if (hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT))
		err = errno ? -errno : -EINVAL;
	hwloc_bitmap_free(set);
	return err;
}

int topo_node_of_cpu(int cpu)
{
	hwloc_obj_t node = NULL;

	if (topo_init() || cpu < 0)
		return -1;
	while ((node = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, node)))
		if (hwloc_bitmap_isset(node->cpuset, cpu))
			return node->os_index;
	return -1;
}

int topo_node_cpus(int node, int *cpus, int max)
{
	hwloc_obj_t obj;
	int n = 0;
	unsigned cpu;

	if (topo_init() || node < 0)
		return 0;
	obj = hwloc_get_numanode_obj_by_os_index(topo, node);
	if (!obj)
		return 0;
	hwloc_bitmap_foreach_begin(cpu, obj->cpuset) {
		if (n < max)
			cpus[n++] = cpu;
	} hwloc_bitmap_foreach_end();
	return n;
}

unsigned long long topo_node_memory(int node)
{
	hwloc_obj_t obj;

	if (topo_init() || node < 0)
		return 0;
	obj = hwloc_get_numanode_obj_by_os_index(topo, node);
	if (obj && obj->attr->numanode.local_memory)
		return obj->attr->numanode.local_memory;
	/* hwloc may not know the size (some VMs); libnuma reads the node's meminfo. */
	if (!from_xml && numa_available() >= 0) {
		long long size = numa_node_size64(node, NULL);

		if (size > 0)
			return size;
	}
	return 0;
}

int topo_export_xml(const char *path)
{
	int err = topo_init(), len;
	char *xml;

	if (err)
		return err;
	/* through a buffer, so the file of the run directory is written whole or not at all */
	if (hwloc_topology_export_xmlbuffer(topo, &xml, &len, 0))
		return errno ? -errno : -EIO;
	err = atomic_write_buf(path, xml, len > 0 ? (size_t)len - 1 : 0);
	hwloc_free_xmlbuffer(topo, xml);
	return err;
}

#define PLACEMENT_WORD(id, word)	[id] = word,
static const char *const placement_words[NR_PLACEMENTS] = { PLACEMENTS(PLACEMENT_WORD) };

int placement_parse(const char *s)
{
	for (int p = 0; p < NR_PLACEMENTS; p++)
		if (!strcmp(s, placement_words[p]))
			return p;
	return -1;
}

const char *placement_name(enum placement p)
{
	return (unsigned)p < NR_PLACEMENTS ? placement_words[p] : placement_words[PLACE_COMPACT];
}
