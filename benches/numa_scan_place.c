/* numa-scan: where its threads run and their memory is first touched, and where that memory is at the end. */
#include <errno.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bench.h"
#include "sys/topology.h"
#include "numa_scan.h"

#define WHERE_PAGES	256	/* pages sampled per writer for the end's per-node figures */

/*
 * The CPUs taken one per node in turn (node 0's first, node 1's first, .., node 0's
 * second, ..): n threads then spread over every node, never more on a node than it
 * has CPUs while n is at most the CPU count. Returns how many CPUs.
 */
int numa_scan_order_cpus(int nr_nodes, const int *const *node_cpus, const int *node_nr, int *cpus, int max)
{
	int n = 0, more = 1;

	for (int k = 0; more && n < max; k++) {
		more = 0;
		for (int node = 0; node < nr_nodes && n < max; node++) {
			if (k < node_nr[node]) {
				cpus[n++] = node_cpus[node][k];
				more = 1;
			}
		}
	}
	return n;
}

/* The first node after @node, cyclically, that has memory; @node itself when no other has; -1 when none. */
int numa_scan_next_mem_node(int node, int nr_nodes, const unsigned long long *mem)
{
	for (int i = 1; i <= nr_nodes; i++) {
		int m = (node + i) % nr_nodes;

		if (mem[m])
			return m;
	}
	return -1;
}

/* The first node with memory; -1 when none has. */
int numa_scan_first_mem_node(int nr_nodes, const unsigned long long *mem)
{
	for (int n = 0; n < nr_nodes; n++)
		if (mem[n])
			return n;
	return -1;
}

/*
 * Adds @each bytes to the node that workers @first .. @first + @n - 1 first touch
 * their memory on (worker t: mem_of[t % nr_cpus]; -1, anywhere: not counted).
 */
void numa_scan_node_bytes(const int *mem_of, int nr_cpus, unsigned first, unsigned n, uint64_t each,
			  uint64_t *bytes, int nr_nodes)
{
	for (unsigned t = first; nr_cpus > 0 && t < first + n; t++) {
		int node = mem_of[t % nr_cpus];

		if (node >= 0 && node < nr_nodes)
			bytes[node] += each;
	}
}

/* Node of OS CPU @cpu, 0 when unknown: an index that is always in range. */
static int node_of(int cpu)
{
	int n = topo_node_of_cpu(cpu);

	return n >= 0 && n < MAX_NODES ? n : 0;
}

/* "1,2,1": one number per node. */
static void per_node_text(char *buf, size_t len, const int *v, int n)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < n && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%d", i ? "," : "", v[i]);
}

/* What placement the case had, in its params: the test and a reader of the run check it. */
static void record_placement(struct numa_scan *ns, struct bench_case *c, const int *node_nr)
{
	int threads[MAX_NODES] = { 0 }, mem[MAX_NODES];
	char text[128], where[32], a[160], b[160], m[160];
	unsigned over = (ns->nthreads + ns->nr_cpus - 1) / ns->nr_cpus;

	for (unsigned t = 0; t < ns->nthreads; t++)
		threads[node_of(ns->cpus[t % ns->nr_cpus])]++;
	for (int n = 0; n < ns->nr_nodes; n++)
		mem[n] = -1;
	for (int i = 0; i < ns->nr_cpus; i++)
		mem[node_of(ns->cpus[i])] = ns->mem_of[i];
	per_node_text(a, sizeof(a), threads, ns->nr_nodes);
	per_node_text(b, sizeof(b), node_nr, ns->nr_nodes);
	per_node_text(m, sizeof(m), mem, ns->nr_nodes);
	case_param_str(c, "threads_per_node", a);
	case_param_str(c, "cpus_per_node", b);
	case_param_str(c, "memory_node_of_node", m);
	/* within a param's 95 characters: the per-node numbers are the params above */
	if (ns->mode == MODE_FOREIGN)
		snprintf(where, sizeof(where), "its own node");
	else if (mode_one_node(ns->mode))
		snprintf(where, sizeof(where), "node %d", ns->idle_node);
	else
		snprintf(where, sizeof(where), "the next node");
	snprintf(text, sizeof(text), "writers one a node in turn, pinned%s; memory first touched on %s",
		 over > 1 ? ", more than one a CPU" : "", where);
	case_param_str(c, "placement", text);
}

/*
 * With two nodes or more, the writers go one per node in turn, and each first
 * touches its memory on the next node (its faults remote, its pages to migrate,
 * every node both running threads and holding memory), or on its own in foreign,
 * whose subject is scanning rather than migration. numa01 and numa02 put all of it
 * on one node, as a program whose main thread initialises its data does (numa01's
 * NO_BIND_FORCE_SAME_NODE): the pages have to spread out to the writers' nodes.
 */
void numa_scan_place(struct numa_scan *ns, struct bench_case *c)
{
	static int node_cpu[MAX_NODES][MAX_CPUS];
	const int *rows[MAX_NODES];
	int node_nr[MAX_NODES];
	unsigned long long mem[MAX_NODES] = { 0 };
	unsigned nodes = topo_numa_nodes();

	ns->nr_cpus = 0;
	ns->nr_nodes = nodes < MAX_NODES ? nodes : MAX_NODES;
	for (int n = 0; n < ns->nr_nodes; n++) {
		node_nr[n] = topo_node_cpus(n, node_cpu[n], MAX_CPUS);
		rows[n] = node_cpu[n];
		mem[n] = topo_node_memory(n);
	}
	ns->idle_node = numa_scan_first_mem_node(ns->nr_nodes, mem);
	if (ns->nr_nodes < 2) {
		ns->idle_node = -1;
		case_param_str(c, "placement", "migration impossible: one node; threads left to the scheduler");
		return;
	}
	ns->nr_cpus = numa_scan_order_cpus(ns->nr_nodes, rows, node_nr, ns->cpus, MAX_CPUS);
	for (int i = 0; i < ns->nr_cpus; i++) {
		int node = node_of(ns->cpus[i]);

		if (ns->mode == MODE_FOREIGN && mem[node])
			ns->mem_of[i] = node;
		else if (mode_one_node(ns->mode))
			ns->mem_of[i] = ns->idle_node;
		else
			ns->mem_of[i] = numa_scan_next_mem_node(node, ns->nr_nodes, mem);
	}
	if (!ns->nr_cpus) {
		case_param_str(c, "placement", "no CPU found in any node: threads left to the scheduler");
		return;
	}
	record_placement(ns, c, node_nr);
}

/* Node of every sampled page of [p, p+len), into count[]; how many were found, of *@sampled. */
static int count_pages(const struct numa_scan *ns, char *p, size_t len, int *count, unsigned long *sampled)
{
	void *pages[WHERE_PAGES];
	int status[WHERE_PAGES], found = 0;
	size_t npages = len / ns->page, step = npages > WHERE_PAGES ? npages / WHERE_PAGES : 1;
	unsigned long n = 0;

	for (size_t i = 0; i < npages && n < WHERE_PAGES; i += step)
		pages[n++] = p + i * ns->page;
	/* nodes NULL: only asks where each page is; moves nothing */
	if (move_pages(0, n, pages, NULL, status, 0))
		return -errno;
	*sampled = n;
	/*
	 * A page with no node (-ENOENT) is left out: on 6.1 that is every page a scan
	 * made PROT_NONE and no write has faulted back since (follow_page() without
	 * FOLL_FORCE does not follow protnone PTEs: mm/gup.c, gup_can_follow_protnone());
	 * 6.12's folio walk finds them.
	 */
	for (unsigned long i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] < MAX_NODES) {
			count[status[i]]++;
			found++;
		}
	}
	return found;
}

/* Where each writer's memory is now (called by the child once the writers are parked). */
void numa_scan_where(struct numa_scan *ns)
{
	struct shared *sh = ns->sh;
	double all = 0, sampled = 0, local = 0, first = 0, node[MAX_NODES] = { 0 };

	sh->nodes_ok = 0;
	if (!ns->nr_cpus)
		return;
	for (unsigned t = 0; t < ns->nthreads; t++) {
		const struct worker *w = &ns->w[t];
		int count[MAX_NODES] = { 0 }, own = node_of(w->cpu);
		unsigned long n = 0;
		int found = count_pages(ns, w->pop, w->pop_len, count, &n);

		if (found < 0)
			return;
		all += found;
		sampled += n;
		for (int n = 0; n < ns->nr_nodes; n++)
			node[n] += count[n];
		local += count[own];
		if (w->mem_node >= 0)
			first += count[w->mem_node];
	}
	if (!all)
		return;
	for (int n = 0; n < ns->nr_nodes; n++)
		sh->node_pct[n] = 100 * node[n] / all;
	sh->local_pct = 100 * local / all;
	sh->first_touch_pct = 100 * first / all;
	sh->unlocated_pct = 100 * (sampled - all) / sampled;
	sh->nodes_ok = 1;
}

/*
 * Which nodes' writers took the faults and did the writing: where every writer
 * writes every page (numa01), the faster ones meet the protected pages first, so
 * who faults where is decided by speed as much as by placement.
 */
static void record_writers(const struct numa_scan *ns, struct bench_case *c)
{
	const struct sample *a = &ns->sh->samples[0], *b = &ns->sh->samples[1];
	double faults = 0, pages = 0;
	char name[32];

	if (!a->node_faults_ok || !b->node_faults_ok)
		return;
	for (int n = 0; n < ns->nr_nodes; n++) {
		faults += b->node_faults[n] - a->node_faults[n];
		pages += b->node_pages[n] - a->node_pages[n];
	}
	for (int n = 0; n < ns->nr_nodes && faults > 0; n++) {
		snprintf(name, sizeof(name), "faults_node%d_pct", n);
		case_metric(c, name, "%", BETTER_NONE, 100 * (b->node_faults[n] - a->node_faults[n]) / faults);
	}
	for (int n = 0; n < ns->nr_nodes && pages > 0; n++) {
		snprintf(name, sizeof(name), "writes_node%d_pct", n);
		case_metric(c, name, "%", BETTER_NONE, 100 * (b->node_pages[n] - a->node_pages[n]) / pages);
	}
}

/*
 * The end's figures, one value a repetition: the writers' pages on their own node
 * (what balancing reached), on the node they were first touched on, and on each node.
 * In shared and numa01 a writer's pages are the slice it populated.
 */
void numa_scan_record_nodes(const struct numa_scan *ns, struct bench_case *c)
{
	const struct shared *sh = ns->sh;
	char name[32];

	record_writers(ns, c);
	if (!sh->nodes_ok)
		return;
	/* a page every writer writes is local to the writers of one node whichever it is on: no figure */
	if (!mode_all_write_all(ns->mode))
		case_metric(c, "mem_local_pct", "%", BETTER_NONE, sh->local_pct);
	case_metric(c, "mem_first_touch_pct", "%", BETTER_NONE, sh->first_touch_pct);
	case_metric(c, "mem_unlocated_pct", "%", BETTER_NONE, sh->unlocated_pct);
	for (int n = 0; n < ns->nr_nodes; n++) {
		snprintf(name, sizeof(name), "mem_node%d_pct", n);
		case_metric(c, name, "%", BETTER_NONE, sh->node_pct[n]);
	}
}
