/* Pieces of a chart's files (plot_file.c), for every writer of charts: plots.c and trend. */
#ifndef MMBENCH_PLOT_FILE_H
#define MMBENCH_PLOT_FILE_H

#include <stdio.h>

void plot_sanitize(char *s);			/* a file name: [A-Za-z0-9._-], others '_' */
void plot_str(FILE *f, const char *s);		/* a gnuplot double-quoted string */
void plot_num(FILE *f, double v);		/* " %.10g", or " ?" (missing) */
/* The common variables of a .vars file: kind, datafile, outbase, title, axis labels. */
void plot_head(FILE *v, const char *kind, const char *name, const char *title,
	       const char *ylabel, const char *xlabel);

#endif
