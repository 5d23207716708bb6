/* A comparison as text (80 columns, for an email) and markdown (with plots). */
#ifndef MMBENCH_COMPARE_OUT_H
#define MMBENCH_COMPARE_OUT_H

#include <stdio.h>
#include "analysis/compare.h"
#include "report/plots.h"

/* @plot_prefix is where the plot links point ("" for none). */
void cmp_print_text(FILE *f, const struct cmp *c);
void cmp_print_md(FILE *f, const struct cmp *c, const struct plot_list *plots,
		  const char *plot_prefix);

#endif
