/* Unit tests of numa-scan: skip-reason events from the format text of sched_skip_vma_numa, and its placement rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"
#include "fixtures.h"
#include "sys/counters.h"
#include "sys/tracepoint.h"

/* benches/numa_scan.c and numa_scan_place.c (their header needs the bench's internals). */
int numa_scan_skip_events(const char *format_text, char labels[][48], char filters[][32], int max);
int numa_scan_order_cpus(int nr_nodes, const int *const *node_cpus, const int *node_nr, int *cpus, int max);
int numa_scan_next_mem_node(int node, int nr_nodes, const unsigned long long *mem);
int numa_scan_first_mem_node(int nr_nodes, const unsigned long long *mem);
double numa_scan_cover_s(uint64_t bytes, double scan_size_mb, double period_min_ms);
void numa_scan_node_bytes(const int *mem_of, int nr_cpus, unsigned first, unsigned n, uint64_t each,
			  uint64_t *bytes, int nr_nodes);

/* Records of that event, captured from the 6.18 machine's trace buffer (instances/<x>/trace) during a run. */
static const char *const records_6_18[] = {
	" qemu-system-x86-27988   [001] .....  1121.827425: sched_skip_vma_numa: "
	"numa_scan_offset=7FEB1D0CF000 vm_start=7FEB1D0CF000 vm_end=7FEB1D0D1000 reason=pid_inactive",
	" qemu-system-x86-27988   [001] .N...  1121.827440: sched_skip_vma_numa: "
	"numa_scan_offset=7FEB1D0CF000 vm_start=7FEB1D0D1000 vm_end=7FEB1D0D9000 reason=shared_ro",
};

/* A kernel that numbers the reasons otherwise, with one the 6.18 kernel lacks and one odd symbol. */
static const char format_renumbered[] =
	"name: sched_skip_vma_numa\n"
	"print fmt: \"reason=%s\", __print_symbolic(REC->reason, "
	"{ 0x0, \"unsuitable\" }, { 0x2, \"pid_inactive\" }, { 0x7, \"new-reason\" }, "
	"{ 0x1, \"seq_completed\" })\n";

/* The event before the reason became symbolic (a number in the print fmt). */
static const char format_no_symbols[] =
	"name: sched_skip_vma_numa\n"
	"print fmt: \"numa_scan_offset=%lX vm_start=%lX vm_end=%lX reason=%d\", "
	"REC->numa_scan_offset, REC->vm_start, REC->vm_end, REC->reason\n";

/* The filter of the counter labelled @label, or NULL. */
static const char *filter_of(char labels[][48], char filters[][32], int n, const char *label)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(labels[i], label))
			return filters[i];
	return NULL;
}

static void test_6_18_every_reason(void **state)
{
	static const char *const want[][2] = {
		{ "skip_unsuitable", "reason==0" }, { "skip_shared_ro", "reason==1" },
		{ "skip_inaccessible", "reason==2" }, { "skip_scan_delay", "reason==3" },
		{ "skip_pid_inactive", "reason==4" }, { "skip_ignore_pid_inactive", "reason==5" },
		{ "skip_seq_completed", "reason==6" },
	};
	char labels[16][48], filters[16][32];
	int n = numa_scan_skip_events(skip_vma_numa_6_18, labels, filters, 16);

	(void)state;
	assert_int_equal(n, 7);
	for (int i = 0; i < 7; i++) {
		assert_string_equal(labels[i], want[i][0]);
		assert_string_equal(filters[i], want[i][1]);
	}
}

/*
 * A captured record prints its reason as the symbol of the value the kernel
 * stored; the counter named after that symbol must filter on that same value,
 * else the record is counted under another reason.
 */
static void test_captured_records_map_to_their_counter(void **state)
{
	static const char *const want_filter[] = { "reason==4", "reason==1" };
	char labels[16][48], filters[16][32], label[48], sym[32];
	int n = numa_scan_skip_events(skip_vma_numa_6_18, labels, filters, 16);

	(void)state;
	assert_int_equal(n, 7);
	for (unsigned r = 0; r < sizeof(records_6_18) / sizeof(records_6_18[0]); r++) {
		const char *p = strstr(records_6_18[r], " reason=");
		const char *f;
		int value;

		assert_non_null(p);
		assert_int_equal(sscanf(p, " reason=%31s", sym), 1);
		snprintf(label, sizeof(label), "skip_%s", sym);
		f = filter_of(labels, filters, n, label);
		assert_non_null(f);
		assert_string_equal(f, want_filter[r]);
		/* The same value the tracepoint helper reads for the symbol. */
		value = tracepoint_parse_symbol(skip_vma_numa_6_18, "reason", sym);
		assert_int_equal(atoi(f + strlen("reason==")), value);
	}
}

static void test_renumbered_kernel(void **state)
{
	char labels[16][48], filters[16][32];
	int n = numa_scan_skip_events(format_renumbered, labels, filters, 16);

	(void)state;
	assert_int_equal(n, 4);
	assert_string_equal(filter_of(labels, filters, n, "skip_pid_inactive"), "reason==2");
	assert_string_equal(filter_of(labels, filters, n, "skip_seq_completed"), "reason==1");
	/* A symbol that is not one word still makes a usable metric name. */
	assert_string_equal(filter_of(labels, filters, n, "skip_new_reason"), "reason==7");
	assert_null(filter_of(labels, filters, n, "skip_shared_ro"));
}

static void test_no_reason_field(void **state)
{
	char labels[16][48], filters[16][32];

	(void)state;
	assert_int_equal(numa_scan_skip_events(format_no_symbols, labels, filters, 16), -ENOENT);
	assert_int_equal(numa_scan_skip_events("name: x\n", labels, filters, 16), -EINVAL);
}

static void test_max_is_respected(void **state)
{
	char labels[3][48], filters[3][32];

	(void)state;
	memset(labels, 0, sizeof(labels));
	assert_int_equal(numa_scan_skip_events(skip_vma_numa_6_18, labels, filters, 2), 2);
	assert_string_equal(labels[1], "skip_shared_ro");
	assert_string_equal(labels[2], "");
}

/* 4 nodes of 2 CPUs numbered as qemu's -numa gives them: 8 writers, two a node, one a CPU. */
static void test_order_spreads_over_nodes(void **state)
{
	static const int n0[] = { 0, 1 }, n1[] = { 2, 3 }, n2[] = { 4, 5 }, n3[] = { 6, 7 };
	static const int *const rows[] = { n0, n1, n2, n3 };
	static const int nr[] = { 2, 2, 2, 2 };
	static const int want[] = { 0, 2, 4, 6, 1, 3, 5, 7 };
	int cpus[16], per_node[4] = { 0 };

	(void)state;
	assert_int_equal(numa_scan_order_cpus(4, rows, nr, cpus, 16), 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(cpus[i], want[i]);
	/* the first k threads: never two on a node before every node has one */
	for (int k = 0; k < 4; k++)
		per_node[cpus[k] / 2]++;
	for (int n = 0; n < 4; n++)
		assert_int_equal(per_node[n], 1);
}

/* Uneven nodes and a CPU-less one; max cuts the list. */
static void test_order_uneven(void **state)
{
	static const int n0[] = { 0, 1, 2 }, n2[] = { 3 };
	static const int *const rows[] = { n0, NULL, n2 };
	static const int nr[] = { 3, 0, 1 };
	int cpus[8];

	(void)state;
	assert_int_equal(numa_scan_order_cpus(3, rows, nr, cpus, 8), 4);
	assert_int_equal(cpus[0], 0);
	assert_int_equal(cpus[1], 3);
	assert_int_equal(cpus[2], 1);
	assert_int_equal(cpus[3], 2);
	assert_int_equal(numa_scan_order_cpus(3, rows, nr, cpus, 2), 2);
}

/* The memory goes to the next node that has memory, cyclically; to its own node only when no other has. */
static void test_next_mem_node(void **state)
{
	static const unsigned long long four[] = { 1, 1, 1, 1 }, hole[] = { 1, 0, 1, 0 };
	static const unsigned long long only0[] = { 1, 0 }, none[] = { 0, 0 };

	(void)state;
	assert_int_equal(numa_scan_next_mem_node(0, 4, four), 1);
	assert_int_equal(numa_scan_next_mem_node(3, 4, four), 0);
	assert_int_equal(numa_scan_next_mem_node(0, 4, hole), 2);
	assert_int_equal(numa_scan_next_mem_node(1, 4, hole), 2);
	assert_int_equal(numa_scan_next_mem_node(2, 4, hole), 0);
	assert_int_equal(numa_scan_next_mem_node(0, 2, only0), 0);
	assert_int_equal(numa_scan_next_mem_node(1, 2, only0), 0);
	assert_int_equal(numa_scan_next_mem_node(0, 2, none), -1);
}

/* numa01 and numa02 put all their memory on the first node that has some, as the idle VMAs go. */
static void test_first_mem_node(void **state)
{
	static const unsigned long long four[] = { 1, 1, 1, 1 }, cpu_only0[] = { 0, 0, 5, 1 };
	static const unsigned long long none[] = { 0, 0 };

	(void)state;
	assert_int_equal(numa_scan_first_mem_node(4, four), 0);
	assert_int_equal(numa_scan_first_mem_node(4, cpu_only0), 2);
	assert_int_equal(numa_scan_first_mem_node(2, none), -1);
	assert_int_equal(numa_scan_first_mem_node(0, four), -1);
}

/* Memory a node must hold: numa02's all on node 0, disjoint's spread, foreign's touchers after the writers. */
static void test_node_bytes(void **state)
{
	static const int one_node[] = { 0, 0, 0, 0, 0, 0, 0, 0 }, next[] = { 1, 2, 3, 0, 1, 2, 3, 0 };
	uint64_t b[4] = { 0 };

	(void)state;
	numa_scan_node_bytes(one_node, 8, 0, 8, 16 << 20, b, 4);
	assert_true(b[0] == 128 << 20 && !b[1] && !b[2] && !b[3]);
	memset(b, 0, sizeof(b));
	/* 16 writers on 8 CPUs: two rounds of the placement */
	numa_scan_node_bytes(next, 8, 0, 16, 1 << 20, b, 4);
	for (int n = 0; n < 4; n++)
		assert_true(b[n] == 4 << 20);
	/* workers 8..9 (touchers after 8 writers) go where CPUs 0 and 1 put theirs */
	memset(b, 0, sizeof(b));
	numa_scan_node_bytes(next, 8, 8, 2, 4096, b, 4);
	assert_true(b[1] == 4096 && b[2] == 4096 && !b[0] && !b[3]);
	/* no placement: nothing bound */
	memset(b, 0, sizeof(b));
	numa_scan_node_bytes(next, 0, 0, 8, 4096, b, 4);
	assert_true(!b[0] && !b[1] && !b[2] && !b[3]);
}

/* The full profile at 256 CPUs: 256 x 128 MiB at 256 MB a second takes 128 s to scan once. */
static void test_cover(void **state)
{
	(void)state;
	assert_true(fabs(numa_scan_cover_s(256ull * (128 << 20), 256, 1000) - 128) < 1e-9);
	assert_true(fabs(numa_scan_cover_s(8ull * (64 << 20), 256, 1000) - 2) < 1e-9);
	assert_true(numa_scan_cover_s(1 << 30, 0, 1000) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_6_18_every_reason),
		cmocka_unit_test(test_captured_records_map_to_their_counter),
		cmocka_unit_test(test_renumbered_kernel),
		cmocka_unit_test(test_no_reason_field),
		cmocka_unit_test(test_max_is_respected),
		cmocka_unit_test(test_order_spreads_over_nodes),
		cmocka_unit_test(test_order_uneven),
		cmocka_unit_test(test_next_mem_node),
		cmocka_unit_test(test_first_mem_node),
		cmocka_unit_test(test_node_bytes),
		cmocka_unit_test(test_cover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
