/* A sweep of one knob over a list of values (struct sweep), and its verdict per case family into sweep.txt (sweep_report.c). */
#ifndef MMBENCH_SWEEP_REPORT_H
#define MMBENCH_SWEEP_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SWEEP_MAX_VALUES 16

struct bench;
struct case_list;

/* One sweep, shared by cmd/sweep.c (which runs it) and sweep_report.c (which writes its verdicts). */
struct sweep {
	char knob[96];
	char param[32];			/* the knob's name as a case param (they are shorter) */
	char values[SWEEP_MAX_VALUES][64];
	unsigned nr_values;
	unsigned orig;			/* index of the value the machine had */
	bool numeric;
	uint64_t seed;			/* of the repetitions' orders: fresh per sweep, or --seed */
	const char *metric;		/* --metric, or NULL: each family's first judged metric */
	FILE *txt;			/* sweep.txt */
};

/*
 * Tables and one recommendation line per case family into @sw->txt: @lists[i] holds the
 * cases of bench @bs[i], every case once per value, in the order of @sw->values.
 */
void sweep_report(struct sweep *sw, const struct bench *const *bs,
		  struct case_list *lists, int nr);

#endif
