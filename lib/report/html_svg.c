/*
 * Charts as inline SVG written by C, so a page needs no gnuplot, script or fetch: bars with
 * 95% whiskers grouped by case, or lines over kernels with change points marked. Titles,
 * axis labels with units, ticks at round values, a log axis where values span decades.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/html.h"

#define W		760.0	/* the viewBox; CSS scales it down on a narrow screen */
#define ML		84.0	/* left: tick labels and the y label */
#define MR		16.0
#define PH		260.0	/* the plot area's height */
#define CH		7.4	/* width of a character of the 12px labels: DejaVu Sans, with room */
#define LABEL_MAX	32	/* an x label longer than this is cut (the whole in its tooltip) */
#define MAX_TICKS	16

/* Okabe and Ito's palette: told apart by most colour-blind readers too. */
static const char *const palette[] = {
	"#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#f0e442",
};
#define NR_COLOURS	(sizeof(palette) / sizeof(palette[0]))

bool svg_log_axis(double lo, double hi)
{
	return lo > 0 && isfinite(hi) && hi / lo >= 100;
}

const char *svg_num(double v, char *buf, size_t len)
{
	/* k from 10000 up: 1000 to 9999 read better as themselves */
	static const struct { double at, unit; const char *sfx; } si[] = {
		{ 1e12, 1e12, "T" }, { 1e9, 1e9, "G" }, { 1e6, 1e6, "M" }, { 1e4, 1e3, "k" },
	};
	double av = fabs(v);

	if (!isfinite(v)) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (v == 0) {
		snprintf(buf, len, "0");
		return buf;
	}
	if (av >= 1e15 || av < 1e-3) {
		snprintf(buf, len, "%.2g", v);
		return buf;
	}
	for (size_t i = 0; i < sizeof(si) / sizeof(si[0]); i++)
		if (av >= si[i].at) {
			snprintf(buf, len, "%.3g%s", v / si[i].unit, si[i].sfx);
			return buf;
		}
	snprintf(buf, len, "%.4g", v);
	return buf;
}

/* 1, 2, 2.5 or 5 times a power of ten, at least @x. */
static double nice_step(double x)
{
	double e = pow(10, floor(log10(x))), f = x / e;

	return e * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10);
}

size_t svg_axis(double lo, double hi, bool log, bool from_zero, double *a, double *b,
		double *t, size_t max)
{
	size_t n = 0;
	double step;

	if (log) {
		double e0 = floor(log10(lo)), e1 = ceil(log10(hi));
		double every = ceil((e1 - e0 + 1) / (double)max);

		if (e1 == e0)
			e1++;
		*a = pow(10, e0);
		*b = pow(10, e1);
		for (double e = e0; e <= e1 && n < max; e += every)
			t[n++] = pow(10, e);
		return n;
	}
	if (from_zero) {
		lo = fmin(lo, 0);
		hi = fmax(hi, 0);
	}
	if (hi == lo) {		/* one value: a range around it */
		hi = lo == 0 ? 1 : hi + fabs(hi) * 0.1;
		lo = lo == 0 || (from_zero && lo > 0) ? lo : lo - fabs(lo) * 0.1;
	}
	step = nice_step((hi - lo) / 5);
	*a = floor(lo / step) * step;
	*b = ceil(hi / step) * step;
	for (double v = *a; v <= *b + step * 1e-9 && n < max; v += step)
		t[n++] = fabs(v) < step * 1e-9 ? 0 : v;
	return n;
}

/* A chart's geometry, worked out once. */
struct geom {
	double a, b;		/* the y axis' ends */
	bool log;
	double top, bottom;	/* the plot area's top and bottom y */
	double gw;		/* width of one x position */
	double height;
	bool rotate;		/* x labels slanted: they would not fit side by side */
	size_t label_every;	/* x labels shown: every n-th */
	size_t legend_rows;
};

static double ymap(const struct geom *g, double v)
{
	double f = g->log ? (log10(v) - log10(g->a)) / (log10(g->b) - log10(g->a)) :
		   (v - g->a) / (g->b - g->a);

	return g->bottom - fmin(fmax(f, 0), 1) * PH;
}

/* The finite extremes of every value, interval end included; false when there is none. */
static bool extremes(const struct svg_chart *c, double *lo, double *hi, double *pos)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	*pos = INFINITY;	/* the smallest positive value: where a log axis would start */
	for (size_t s = 0; s < c->ns; s++)
		for (size_t i = 0; i < c->nx; i++) {
			double v[3] = { c->s[s].y[i], c->s[s].lo ? c->s[s].lo[i] : NAN,
					c->s[s].hi ? c->s[s].hi[i] : NAN };

			for (int k = 0; k < 3; k++) {
				if (!isfinite(v[k]))
					continue;
				*lo = fmin(*lo, v[k]);
				*hi = fmax(*hi, v[k]);
				if (v[k] > 0)
					*pos = fmin(*pos, v[k]);
			}
		}
	return isfinite(*lo);
}

static size_t legend_rows(const struct svg_chart *c)
{
	double x = ML;
	size_t rows = 1;

	if (c->ns < 2)
		return 0;
	for (size_t s = 0; s < c->ns; s++) {
		double w = 22 + CH * fmin(strlen(c->s[s].name ?: "-"), 40);

		if (x + w > W - MR && x > ML) {
			rows++;
			x = ML;
		}
		x += w;
	}
	return rows;
}

static void layout(const struct svg_chart *c, struct geom *g, double *t, size_t *nt)
{
	double lo, hi, pos, pw = W - ML - MR, longest = 1;

	g->legend_rows = legend_rows(c);
	g->top = 34 + 16.0 * g->legend_rows;
	g->bottom = g->top + PH;
	g->gw = pw / (c->nx ? c->nx : 1);
	for (size_t i = 0; i < c->nx; i++)
		longest = fmax(longest, fmin(strlen(c->x[i] ?: "-"), LABEL_MAX));
	g->rotate = longest * CH > g->gw - 4;
	/* slanted labels at 40 degrees take about 12 px each along the axis */
	g->label_every = g->rotate ? (size_t)ceil(14.0 / g->gw) : 1;
	if (!g->label_every)
		g->label_every = 1;
	g->height = g->bottom + (g->rotate ? longest * CH * 0.65 + 22 : 22) + 28;
	*nt = 0;
	if (!extremes(c, &lo, &hi, &pos))
		return;
	g->log = svg_log_axis(pos, hi) && lo > 0;
	*nt = svg_axis(g->log ? pos : lo, hi, g->log, !c->lines, &g->a, &g->b, t, MAX_TICKS);
}

/* Whether a change point's label is within @every positions of x @i (its label wins the room). */
static bool near_mark(const struct svg_chart *c, size_t i, size_t every)
{
	for (size_t j = i >= every ? i - every + 1 : 0; c->mark && j < c->nx && j < i + every; j++)
		if (j != i && c->mark[j])
			return true;
	return false;
}

static void axes(FILE *f, const struct svg_chart *c, const struct geom *g, const double *t,
		 size_t nt)
{
	char num[32];

	for (size_t i = 0; i < nt; i++) {
		double y = ymap(g, t[i]);

		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", ML,
			y, W - MR, y);
		html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"12\">%s"
			    "</text>\n", ML - 6, y + 4, svg_num(t[i], num, sizeof(num)));
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", ML,
		g->top, ML, g->bottom);
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ML,
		g->bottom, W - MR, g->bottom);
	html_printf(f, "<text transform=\"translate(16 %.1f) rotate(-90)\" text-anchor=\"middle\" "
		    "font-size=\"12\">%s%s</text>\n", (g->top + g->bottom) / 2, c->ylabel,
		    g->log ? " (log scale)" : "");
	for (size_t i = 0; i < c->nx; i++) {
		double x = ML + (i + 0.5) * g->gw, y = g->bottom + 16;
		bool marked = c->mark && c->mark[i];

		/* every label_every-th, the last and the change points; one too near those gives way */
		if (!marked && i + 1 != c->nx && (i % g->label_every || i + g->label_every >= c->nx))
			continue;
		if (!marked && near_mark(c, i, g->label_every))
			continue;
		if (g->rotate)
			html_printf(f, "<text transform=\"translate(%.1f %.1f) rotate(-40)\" "
				    "text-anchor=\"end\" font-size=\"12\"><title>%s</title>%.32s%s</text>\n",
				    x + 4, y, c->x[i], c->x[i],
				    strlen(c->x[i] ?: "") > LABEL_MAX ? "\xe2\x80\xa6" : "");
		else
			html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
				    "font-size=\"12\">%s</text>\n", x, y, c->x[i]);
	}
	html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">%s"
		    "</text>\n", ML + (W - ML - MR) / 2, g->height - 8, c->xlabel);
}

static void legend(FILE *f, const struct svg_chart *c, const struct geom *g)
{
	double x = ML, y = 34;

	if (!g->legend_rows)
		return;
	for (size_t s = 0; s < c->ns; s++) {
		double w = 22 + CH * fmin(strlen(c->s[s].name ?: "-"), 40);

		if (x + w > W - MR && x > ML) {
			x = ML;
			y += 16;
		}
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/>", x,
			y - 10, palette[s % NR_COLOURS]);
		html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%.40s</text>\n", x + 16,
			    y, c->s[s].name);
		x += w;
	}
}

/* A 95% interval as a whisker with caps, at @x. */
static void whisker(FILE *f, const struct geom *g, double x, double lo, double hi, double cap)
{
	if (!isfinite(lo) || !isfinite(hi) || (g->log && (lo <= 0 || hi <= 0)))
		return;
	fprintf(f, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fh%.1fM%.1f %.1fh%.1f\" stroke=\"#333\" "
		"fill=\"none\"/>", x, ymap(g, lo), ymap(g, hi), x - cap, ymap(g, lo), 2 * cap,
		x - cap, ymap(g, hi), 2 * cap);
}

static void value_title(FILE *f, const struct svg_chart *c, size_t s, size_t i)
{
	char v[32], lo[32], hi[32];
	const struct svg_series *se = &c->s[s];

	html_printf(f, "<title>%s%s%s: %s", se->name ?: "", se->name ? ", " : "", c->x[i],
		    svg_num(se->y[i], v, sizeof(v)));
	if (se->lo && se->hi && isfinite(se->lo[i]))
		html_printf(f, " [%s, %s]", svg_num(se->lo[i], lo, sizeof(lo)),
			    svg_num(se->hi[i], hi, sizeof(hi)));
	fputs("</title>", f);
}

static void bars(FILE *f, const struct svg_chart *c, const struct geom *g)
{
	double bw = g->gw * 0.8 / c->ns;
	double base = g->log ? g->bottom : ymap(g, fmin(fmax(0, g->a), g->b));

	for (size_t i = 0; i < c->nx; i++)
		for (size_t s = 0; s < c->ns; s++) {
			double v = c->s[s].y[i], x = ML + i * g->gw + g->gw * 0.1 + s * bw, y;

			if (!isfinite(v) || (g->log && v <= 0))
				continue;
			y = ymap(g, v);
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\">", x, fmin(y, base), fmax(bw - 1, 0.5), fabs(base - y),
				palette[s % NR_COLOURS]);
			value_title(f, c, s, i);
			fputs("</rect>", f);
			if (c->s[s].lo && c->s[s].hi)
				whisker(f, g, x + bw / 2, c->s[s].lo[i], c->s[s].hi[i], fmin(bw / 4, 5));
			fputc('\n', f);
		}
}

static void lines(FILE *f, const struct svg_chart *c, const struct geom *g)
{
	for (size_t s = 0; s < c->ns; s++) {
		const char *col = palette[s % NR_COLOURS];
		bool pen = false;

		fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", col);
		for (size_t i = 0; i < c->nx; i++) {
			double v = c->s[s].y[i];

			if (!isfinite(v) || (g->log && v <= 0))
				continue;	/* a kernel without runs: the line skips it */
			fprintf(f, "%c%.1f %.1f", pen ? 'L' : 'M', ML + (i + 0.5) * g->gw, ymap(g, v));
			pen = true;
		}
		fputs("\"/>\n", f);
		for (size_t i = 0; i < c->nx; i++) {
			double v = c->s[s].y[i], x = ML + (i + 0.5) * g->gw;

			if (!isfinite(v) || (g->log && v <= 0))
				continue;
			if (c->s[s].lo && c->s[s].hi)
				whisker(f, g, x, c->s[s].lo[i], c->s[s].hi[i], fmin(g->gw / 4, 5));
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">", x,
				ymap(g, v), col);
			value_title(f, c, s, i);
			fputs("</circle>\n", f);
		}
	}
}

/* A change point: a dashed line where the new segment starts, and its note. */
static void marks(FILE *f, const struct svg_chart *c, const struct geom *g)
{
	for (size_t i = 0; c->mark && i < c->nx; i++) {
		double x = ML + i * g->gw;

		if (!c->mark[i])
			continue;
		fprintf(f, "<line class=\"cp\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
			g->top, x, g->bottom);
		html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#a40\">%.48s"
			    "</text>\n", x + 3, g->top + 12, c->mark[i]);
	}
}

void svg_chart(FILE *f, const struct svg_chart *c)
{
	double t[MAX_TICKS];
	struct geom g = { 0 };
	size_t nt;

	layout(c, &g, t, &nt);
	html_printf(f, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">"
		    "<title>%s</title>\n", W, g.height, W, g.height, c->title);
	html_printf(f, "<text x=\"%.1f\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
		    ML, c->title);
	legend(f, c, &g);
	if (!nt) {
		html_printf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">no values to draw</text>",
			    ML, g.top + PH / 2);
	} else {
		axes(f, c, &g, t, nt);
		if (c->lines)
			lines(f, c, &g);
		else
			bars(f, c, &g);
		marks(f, c, &g);
	}
	fputs("</svg>\n", f);
}
