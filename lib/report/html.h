/*
 * HTML pages that stand alone (inline CSS and SVG, no font, script or network), for a mail,
 * a bug or a static site. Everything a run directory holds is untrusted text: it reaches a
 * page only through html_text() or a %s of html_printf(), which escape it; markup comes
 * only from format strings in this tree.
 */
#ifndef MMBENCH_HTML_H
#define MMBENCH_HTML_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "stats/verdict.h"

/* @s as HTML text, also fit for a double- or single-quoted attribute; invalid UTF-8 as U+FFFD. */
void html_text(FILE *f, const char *s);
/*
 * printf() whose every %s is escaped as html_text() does (NULL prints "-"); %d %i %u %x %c
 * %f %g %e with the usual flags, width, precision and the l and z lengths. No '*'.
 */
void html_printf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void html_vprintf(FILE *f, const char *fmt, va_list ap);

/*
 * The page up to <body> and its first heading: @title, the inline style sheet, and @canonical
 * (NULL: none) as the page's address; html_foot() closes it.
 */
void html_head(FILE *f, const char *title, const char *canonical);
void html_foot(FILE *f);

/* The CSS class of a verdict: only better and worse are coloured, inconclusive is grey. */
const char *html_verdict_class(enum verdict v);
/* A verdict as a table cell: its name, and with inconclusive its mde and why (as a tooltip). */
void html_verdict_cell(FILE *f, const struct vresult *r);
/* "1.052 [0.98, 1.13]" or less where the result has less. */
const char *html_ratio_text(const struct vresult *r, char *buf, size_t len);
/* A fraction as a percentage ("4.2%", "12%"), "-" for NaN. */
const char *html_pct(double v, char *buf, size_t len);

/* One series of a chart: a value per x (NaN: none) and, when not NULL, its 95% interval. */
struct svg_series {
	const char *name;
	const double *y, *lo, *hi;
};

struct svg_chart {
	const char *title;		/* above the chart, and its accessible name */
	const char *ylabel;		/* with the unit: "faults_per_sec [1/s]" */
	const char *xlabel;
	const char *const *x;		/* a label per x position */
	size_t nx;
	const struct svg_series *s;
	size_t ns;
	bool lines;			/* lines over x (a trend); else bars grouped by x */
	const char *const *mark;	/* per x: a change point's note, NULL where none */
};

/* The chart as an inline <svg>: axes with ticks, a log y axis where values span decades. */
void svg_chart(FILE *f, const struct svg_chart *c);
/* Whether values from @lo to @hi (the finite positive extremes) get a log axis. */
bool svg_log_axis(double lo, double hi);
/*
 * The y axis of a chart holding values in [@lo, @hi]: its ends into @a and @b and up to @max
 * ticks into @t (log: decades); returns how many ticks. Bars start at zero on a linear axis.
 */
size_t svg_axis(double lo, double hi, bool log, bool from_zero, double *a, double *b,
		double *t, size_t max);
/* A tick's label: "0.5", "250", "12k", "3.5M", "1e-05". */
const char *svg_num(double v, char *buf, size_t len);

#endif
