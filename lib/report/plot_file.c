/* The pieces every chart's files are made of (plot_file.h): names, gnuplot strings and numbers, the common variables. */
#include <math.h>
#include <stdio.h>

#include "report/plot_file.h"

/* File names: letters, digits, '.', '_' and '-' only. */
void plot_sanitize(char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			*s = '_';
}

/* A gnuplot double-quoted string. */
void plot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void plot_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, " %.10g", v);
	else
		fputs(" ?", f);
}

/* The common variables of a chart: where, what, the legend names. */
void plot_head(FILE *v, const char *kind, const char *name, const char *title,
		     const char *ylabel, const char *xlabel)
{
	char file[220];

	snprintf(file, sizeof(file), "%s.dat", name);
	fprintf(v, "kind = ");
	plot_str(v, kind);
	fprintf(v, "\ndatafile = ");
	plot_str(v, file);
	fprintf(v, "\noutbase = ");
	plot_str(v, name);
	fprintf(v, "\nplottitle = ");
	plot_str(v, title);
	fprintf(v, "\nylab = ");
	plot_str(v, ylabel);
	fprintf(v, "\nxlab = ");
	plot_str(v, xlabel);
	fputc('\n', v);
}
