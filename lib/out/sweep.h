/* Sweeping one knob over a list of values: the order of values per repetition, and the verdict per case family. */
#ifndef MMBENCH_SWEEP_H
#define MMBENCH_SWEEP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SWEEP_SEED	0x5377ee9ull	/* fixed: the same orders on every run */
#define SWEEP_MAX_VALUES 16

struct bench;
struct case_list;

/* One sweep, shared by sweep.c (which runs it) and sweep_report.c (which writes its verdicts). */
struct sweep {
	char knob[96];
	char param[32];			/* the knob's name as a case param (they are shorter) */
	char values[SWEEP_MAX_VALUES][64];
	unsigned nr_values;
	unsigned orig;			/* index of the value the machine had */
	bool numeric;
	const char *metric;		/* --metric, or NULL: each family's first judged metric */
	FILE *txt;			/* sweep.txt */
};

/*
 * The order in which repetition @rep applies @n values: a permutation of 0..n-1 into
 * @out, drawn afresh per repetition from (@seed, @rep) alone, so that slow drift of the
 * machine does not line up with one value and a run can be reproduced.
 */
void sweep_order(unsigned n, unsigned rep, uint64_t seed, unsigned *out);

/*
 * Tables and one recommendation line per case family into @sw->txt: @lists[i] holds the
 * cases of bench @bs[i], every case once per value, in the order of @sw->values.
 */
void sweep_report(struct sweep *sw, const struct bench *const *bs,
		  struct case_list *lists, int nr);

#endif
