/*
 * A verdict's numbers as words. Every renderer says a ratio, a change, a step and an mde
 * through here, so "from 0" and "to 0" (the exact test's results, which have no ratio to
 * speak of) and an untested ratio read the same in every report.
 */
#include <math.h>
#include <stdio.h>

#include "results/results_read.h"
#include "report/vtext.h"

const char *vt_ratio(const struct vresult *r, char *buf, size_t len)
{
	const char *f = r->ratio < 10 ? "%.3f [%.3f, %.3f]" : "%.4g [%.4g, %.4g]";

	if (r->linear) {
		if (isinf(r->ratio))
			snprintf(buf, len, "from 0");
		else if (r->ratio == 0)
			snprintf(buf, len, "to 0");
		else if (r->ratio == 1 && r->mde == 0)
			snprintf(buf, len, "equal");
		else
			snprintf(buf, len, "-");
	} else if (isnan(r->ratio)) {
		snprintf(buf, len, "-");
	} else if (isnan(r->lo)) {
		snprintf(buf, len, "%.3f", r->ratio);	/* untested: no interval to give */
	} else {
		snprintf(buf, len, f, r->ratio, r->lo, r->hi > 1e9 ? INFINITY : r->hi);
	}
	return buf;
}

const char *vt_change(const struct vresult *r, char *buf, size_t len)
{
	if (isinf(r->ratio))
		snprintf(buf, len, "from 0");
	else if (r->ratio == 0)
		snprintf(buf, len, "to 0");
	else if (isnan(r->ratio))
		snprintf(buf, len, "changed");
	else
		snprintf(buf, len, "%+.1f%%", (r->ratio - 1) * 100);
	return buf;
}

const char *vt_step(const struct vresult *r, char *buf, size_t len)
{
	char n[32];

	if (isnan(r->ratio))
		snprintf(buf, len, "-");
	else if (isinf(r->ratio))
		snprintf(buf, len, "from 0");
	else if (r->ratio == 0)
		snprintf(buf, len, "to 0");
	else
		snprintf(buf, len, "x%s", rl_fmt(r->ratio, n, sizeof(n)));
	return buf;
}

const char *vt_pct(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.0f%%", v * 100);
	return buf;
}

const char *vt_line(const struct vresult *r, char *buf, size_t len)
{
	char x[32], lo[32], hi[32], m[16];

	if (isnan(r->lo))
		snprintf(buf, len, "%s %s, mde %s", verdict_name(r->v), vt_step(r, x, sizeof(x)),
			 vt_pct(r->mde, m, sizeof(m)));
	else
		snprintf(buf, len, "%s x%s [%s, %s], mde %s", verdict_name(r->v),
			 rl_fmt(r->ratio, x, sizeof(x)), rl_fmt(r->lo, lo, sizeof(lo)),
			 rl_fmt(r->hi, hi, sizeof(hi)), vt_pct(r->mde, m, sizeof(m)));
	return buf;
}
