/* Unit tests of lib/sys/topology.c: this machine against libnuma and sysfs, and synthetic 2-package topologies for placement. */
#include <errno.h>
#include <limits.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <hwloc.h>

#include "testutil.h"
#include "sys/procfs.h"
#include "sys/topology.h"

static char dir[PATH_MAX];

/* Write an hwloc synthetic description out as XML, as if exported from such a machine. */
static const char *synthetic_xml(const char *desc, const char *name)
{
	static char path[PATH_MAX + 64];
	hwloc_topology_t t;

	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	assert_int_equal(hwloc_topology_init(&t), 0);
	assert_int_equal(hwloc_topology_set_synthetic(t, desc), 0);
	assert_int_equal(hwloc_topology_load(t), 0);
	assert_int_equal(hwloc_topology_export_xml(t, path, 0), 0);
	hwloc_topology_destroy(t);
	return path;
}

/* Distinct physical_package_id values in sysfs: the sockets, counted without hwloc. */
static unsigned sysfs_packages(void)
{
	int seen[64] = { 0 };
	unsigned n = 0;

	for (int cpu = 0; cpu < 1024; cpu++) {
		char path[128], buf[32];

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/topology/physical_package_id", cpu);
		if (read_text(path, buf, sizeof(buf)))
			continue;
		int id = atoi(buf);

		if (id >= 0 && id < 64 && !seen[id]++)
			n++;
	}
	return n;
}

static void test_this_machine(void **state)
{
	(void)state;
	topo_fini();
	unsetenv("HWLOC_XMLFILE");
	assert_int_equal(topo_init(), 0);
	assert_int_equal(topo_pus(), sysconf(_SC_NPROCESSORS_ONLN));
	assert_int_equal(topo_sockets(), sysfs_packages());
	assert_true(topo_cores() >= topo_sockets() && topo_cores() <= topo_pus());
	if (numa_available() >= 0) {
		assert_int_equal(topo_numa_nodes(), numa_num_configured_nodes());
		assert_int_equal(topo_node_of_cpu(0), numa_node_of_cpu(0));
	}
	assert_int_equal(topo_node_of_cpu(100000), -1);
}

/* Node N's "Node N MemTotal: K kB" from sysfs, in bytes; 0 when absent. */
static unsigned long long sysfs_node_bytes(unsigned node)
{
	char path[96], line[128];
	unsigned long long kb = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*u MemTotal: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/*
 * Memory per node is the node's own MemTotal, which need not add up to
 * /proc/meminfo's: on the development guest node 0 says 5 GB of 24 GB.
 */
static void test_node_memory(void **state)
{
	int cpus[1024], n, all = 0;

	(void)state;
	assert_int_equal(topo_init(), 0);
	for (unsigned node = 0; node < topo_numa_nodes(); node++) {
		unsigned long long want = sysfs_node_bytes(node);

		if (want)
			assert_true(topo_node_memory(node) == want);
		assert_true(topo_node_memory(node) > 0);
		n = topo_node_cpus(node, cpus, 1024);
		for (int i = 0; i < n; i++)
			assert_int_equal(topo_node_of_cpu(cpus[i]), (int)node);
		all += n;
	}
	assert_int_equal(all, topo_pus());
	assert_int_equal(topo_node_memory(9999), 0);
}

/* Each placement visits every PU once per round, then wraps. */
static void test_orders_cover(void **state)
{
	unsigned n = topo_pus();

	(void)state;
	for (int p = PLACE_COMPACT; p <= PLACE_SCATTER; p++) {
		char seen[4096] = { 0 };

		for (unsigned i = 0; i < n; i++) {
			int cpu = topo_cpu_for(i, p);

			assert_true(cpu >= 0 && cpu < 4096);
			assert_false(seen[cpu]++);
		}
		assert_int_equal(topo_cpu_for(n, p), topo_cpu_for(0, p));
	}
}

static void test_pin(void **state)
{
	cpu_set_t old, now;
	int cpu = topo_cpu_for(topo_pus() - 1, PLACE_COMPACT);

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	assert_int_equal(topo_pin_self(cpu), 0);
	assert_int_equal(sched_getaffinity(0, sizeof(now), &now), 0);
	assert_int_equal(CPU_COUNT(&now), 1);
	assert_true(CPU_ISSET(cpu, &now));
	assert_int_equal(sched_getcpu(), cpu);
	assert_int_equal(topo_pin_self(-1), -EINVAL);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
}

/* Two packages, a node each, two cores of two PUs each: P#0-3 in package 0, P#4-7 in package 1. */
static void test_two_packages(void **state)
{
	static const int compact[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const int scatter[] = { 0, 4, 2, 6, 1, 5, 3, 7 };
	int cpus[8];

	(void)state;
	assert_int_equal(topo_init_xml(synthetic_xml("pack:2 [numa] core:2 pu:2", "two")), 0);
	assert_int_equal(topo_sockets(), 2);
	assert_int_equal(topo_numa_nodes(), 2);
	assert_int_equal(topo_cores(), 4);
	assert_int_equal(topo_pus(), 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(topo_cpu_for(i, PLACE_COMPACT), compact[i]);
		assert_int_equal(topo_cpu_for(i, PLACE_SCATTER), scatter[i]);
	}
	assert_int_equal(topo_cpu_for(9, PLACE_SCATTER), scatter[1]);
	assert_int_equal(topo_node_of_cpu(5), 1);
	assert_int_equal(topo_node_cpus(1, cpus, 8), 4);
	assert_int_equal(cpus[0], 4);
	assert_int_equal(cpus[3], 7);
	assert_int_equal(topo_pin_self(0), -EOPNOTSUPP);	/* not this machine */
	topo_fini();
}

/* Two nodes per package: scatter alternates packages, then the nodes inside one. */
static void test_nodes_in_packages(void **state)
{
	static const int scatter[] = { 0, 4, 2, 6, 1, 5, 3, 7 };

	(void)state;
	assert_int_equal(topo_init_xml(synthetic_xml("pack:2 group:2 [numa] core:2 pu:1", "four")), 0);
	assert_int_equal(topo_sockets(), 2);
	assert_int_equal(topo_numa_nodes(), 4);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(topo_cpu_for(i, PLACE_COMPACT), (int)i);
		assert_int_equal(topo_cpu_for(i, PLACE_SCATTER), scatter[i]);
	}
	assert_int_equal(topo_node_of_cpu(3), 1);
	assert_int_equal(topo_node_of_cpu(6), 3);
	topo_fini();
}

/* The export reloads to the same machine; HWLOC_XMLFILE stands in for the machine. */
static void test_export_and_env(void **state)
{
	char path[PATH_MAX + 16];
	unsigned pus, cores;

	(void)state;
	topo_fini();
	assert_int_equal(topo_init(), 0);
	pus = topo_pus();
	cores = topo_cores();
	snprintf(path, sizeof(path), "%s/this.xml", dir);
	assert_int_equal(topo_export_xml(path), 0);
	assert_int_equal(topo_init_xml(path), 0);
	assert_int_equal(topo_pus(), pus);
	assert_int_equal(topo_cores(), cores);
	assert_int_equal(topo_init_xml("/nonexistent/topology.xml") < 0, 1);
	topo_fini();
	setenv("HWLOC_XMLFILE", synthetic_xml("pack:2 [numa] core:2 pu:2", "env"), 1);
	assert_int_equal(topo_init(), 0);
	assert_int_equal(topo_pus(), 8);
	assert_int_equal(topo_cpu_for(1, PLACE_SCATTER), 4);
	assert_int_equal(topo_pin_self(0), -EOPNOTSUPP);
	unsetenv("HWLOC_XMLFILE");
	topo_fini();
}

static void test_placement_names(void **state)
{
	(void)state;
	assert_int_equal(placement_parse("compact"), PLACE_COMPACT);
	assert_int_equal(placement_parse("scatter"), PLACE_SCATTER);
	assert_int_equal(placement_parse("spread"), -1);
	assert_string_equal(placement_name(PLACE_SCATTER), "scatter");
	assert_string_equal(placement_name(PLACE_COMPACT), "compact");
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	return 0;
}

static int teardown(void **state)
{
	topo_fini();
	return tu_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_this_machine),
		cmocka_unit_test(test_node_memory),
		cmocka_unit_test(test_orders_cover),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_two_packages),
		cmocka_unit_test(test_nodes_in_packages),
		cmocka_unit_test(test_export_and_env),
		cmocka_unit_test(test_placement_names),
	};

	return cmocka_run_group_tests_name("topology", tests, setup, teardown);
}
