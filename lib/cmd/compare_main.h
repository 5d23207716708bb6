/* compare, from the sides' names to its outputs (compare_main.c). */
#ifndef MMBENCH_COMPARE_MAIN_H
#define MMBENCH_COMPARE_MAIN_H

#include <stdbool.h>
#include <stddef.h>
#include "analysis/compare.h"

/* What compare is asked (cmd/compare.c parses it). */
struct compare_args {
	const char *sides[CMP_MAX_SIDES];
	size_t nr_sides;
	bool md;
	bool html;		/* one self-contained page (report/html_compare.c) */
	const char *html_file;	/* --html FILE: that page written there too */
	bool paired;		/* run i of each side against run i of the base: a block */
	const char *json, *plots, *label, *history;
};

/*
 * Read every side (nothing is written before all is read and checked), judge, and write
 * what @a asks: 0, 3 when something got worse, KSFT_USAGE or KSFT_FAIL after one line.
 */
int compare_main(const struct compare_args *a);

#endif
