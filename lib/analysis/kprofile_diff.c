/* Profile diffs: shares, the test of two proportions, and the text beside a verdict. */
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include "analysis/kprofile_diff.h"
#include "results/kprofile_file.h"
#include "stats/stats.h"

/* Fisher's exact test, two-sided: every table with the margins as likely as this one, or less. */
static double fisher(uint64_t xb, uint64_t nb, uint64_t xc, uint64_t nc)
{
	unsigned k = (unsigned)(xb + xc), n1 = k, n2 = (unsigned)(nb + nc - k);
	unsigned lo = nb > n2 ? (unsigned)(nb - n2) : 0, hi = k < nb ? k : (unsigned)nb;
	double p0 = gsl_ran_hypergeometric_pdf((unsigned)xb, n1, n2, (unsigned)nb), p = 0;

	for (unsigned i = lo; i <= hi; i++) {
		double pi = gsl_ran_hypergeometric_pdf(i, n1, n2, (unsigned)nb);

		/* a relative tolerance, as R's fisher.test, so ties in floating point count */
		if (pi <= p0 * (1 + 1e-7))
			p += pi;
	}
	return p > 1 ? 1 : p;
}

double kprofile_prop_test(uint64_t xb, uint64_t nb, uint64_t xc, uint64_t nc, const char **test)
{
	double n = (double)(nb + nc), k = (double)(xb + xc), pool, se, z;

	if (!nb || !nc) {
		*test = "none";
		return NAN;
	}
	if (xb > nb || xc > nc) {
		*test = "none";
		return NAN;
	}
	/*
	 * Expected counts of the four cells: any below 5 and the normal approximation is off.
	 * (GSL's hypergeometric takes unsigned ints: beyond them, every cell is large anyway
	 * but in a profile no run can make.)
	 */
	if ((nb * k / n < 5 || nc * k / n < 5 || nb * (n - k) / n < 5 || nc * (n - k) / n < 5) &&
	    nb + nc < (1u << 31)) {
		*test = "fisher";
		return fisher(xb, nb, xc, nc);
	}
	*test = "z";
	pool = k / n;
	se = sqrt(pool * (1 - pool) * (1.0 / nb + 1.0 / nc));
	z = ((double)xb / nb - (double)xc / nc) / se;
	return 2 * gsl_cdf_ugaussian_Q(fabs(z));
}

static int add_table(struct kprofile_table *dst, const struct kprofile_table *src)
{
	for (size_t i = 0; i < src->nr; i++) {
		long k = kprofile_table_get(dst, src->v[i].name, src->v[i].kind);

		if (k < 0)
			return -ENOMEM;
		dst->v[k].self += src->v[i].self;
		dst->v[k].children += src->v[i].children;
	}
	return 0;
}

int kprofile_merge(struct kprofile *dst, const struct kprofile *src)
{
	dst->reps += src->reps;
	dst->samples += src->samples;
	dst->kernel_samples += src->kernel_samples;
	dst->user_samples += src->user_samples;
	dst->lost += src->lost;
	dst->throttled += src->throttled;
	dst->unresolved_samples += src->unresolved_samples;
	dst->unresolved_frames += src->unresolved_frames;
	dst->stacks_dropped += src->stacks_dropped;
	return add_table(&dst->syms, &src->syms) ?: add_table(&dst->stacks, &src->stacks);
}

static int by_change(const void *a, const void *b)
{
	const struct kprofile_change *x = a, *y = b;
	double dx = fabs(x->sc - x->sb), dy = fabs(y->sc - y->sb);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Symbols of @p not yet in @d (kernel ones: the diff is of where the kernel spends the time). */
static int collect(struct kprofile_diff *d, struct kprofile_table *seen, const struct kprofile *p, size_t *alloc)
{
	for (size_t i = 0; i < p->syms.nr; i++) {
		const struct kprofile_entry *e = &p->syms.v[i];

		if (e->kind != KPROFILE_KERNEL || kprofile_table_find(seen, e->name) >= 0)
			continue;
		if (kprofile_table_get(seen, e->name, e->kind) < 0)
			return -ENOMEM;
		if (d->nr == *alloc) {
			size_t n = *alloc ? 2 * *alloc : 64;
			struct kprofile_change *v = realloc(d->v, n * sizeof(*v));

			if (!v)
				return -ENOMEM;
			d->v = v;
			*alloc = n;
		}
		/* the name stays the profile's (@seen is freed when the diff is made) */
		d->v[d->nr++] = (struct kprofile_change){ .name = e->name };
	}
	return 0;
}

static uint64_t self_of(const struct kprofile *p, const char *name)
{
	long k = kprofile_table_find(&p->syms, name);

	return k < 0 ? 0 : p->syms.v[k].self;
}

int kprofile_diff_build(const struct kprofile *b, const struct kprofile *c, struct kprofile_diff *d)
{
	struct kprofile_table seen = { 0 };
	size_t alloc = 0;
	double *p, *q;
	int err;

	memset(d, 0, sizeof(*d));
	d->nb = b->samples;
	d->nc = c->samples;
	d->few = b->samples < KPROFILE_FEW_SAMPLES || c->samples < KPROFILE_FEW_SAMPLES;
	err = collect(d, &seen, b, &alloc) ?: collect(d, &seen, c, &alloc);
	p = calloc(d->nr + 1, sizeof(*p));
	q = calloc(d->nr + 1, sizeof(*q));
	if (err || !p || !q) {
		free(p);
		free(q);
		kprofile_table_free(&seen);
		kprofile_diff_free(d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->nr; i++) {
		struct kprofile_change *x = &d->v[i];

		x->xb = self_of(b, x->name);
		x->xc = self_of(c, x->name);
		x->sb = kprofile_share(b, x->xb);
		x->sc = kprofile_share(c, x->xc);
		p[i] = x->p = kprofile_prop_test(x->xb, d->nb, x->xc, d->nc, &x->test);
	}
	stats_bh(p, d->nr, q);
	for (size_t i = 0; i < d->nr; i++)
		d->v[i].q = q[i];
	qsort(d->v, d->nr, sizeof(*d->v), by_change);
	free(p);
	free(q);
	kprofile_table_free(&seen);
	return 0;
}

void kprofile_diff_free(struct kprofile_diff *d)
{
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int kprofile_side_profile(struct rl_run *const *runs, size_t nr, const char *bench, const char *key,
		    struct kprofile *out, char *why, size_t len)
{
	size_t none = 0, skipped = 0, used = 0;
	int err = 0;

	kprofile_init(out, key);
	snprintf(why, len, "no run has a profile (run with --kprofile)");
	for (size_t r = 0; r < nr && !err; r++) {
		struct kprofile_file f;
		const struct kprofile *p;

		if (kprofile_file_load_run(runs[r]->dir, bench, &f)) {
			none++;
			continue;
		}
		p = kprofile_file_find(&f, key);
		if (p && p->ok) {
			err = kprofile_merge(out, p);
			used++;
		} else if (p) {
			snprintf(why, len, "profile skipped: %s", p->reason);
			skipped++;
		} else {
			none++;
		}
		kprofile_file_free(&f);
	}
	if (err)
		return err;
	if (used && (none || skipped))
		snprintf(why, len, "%zu of %zu runs profiled", used, nr);
	else if (used)
		why[0] = 0;
	return used ? 0 : -ENOENT;
}

static const char *q_text(double q, char *buf, size_t len)
{
	if (isnan(q))
		snprintf(buf, len, "untested");
	else if (q < 0.001)
		snprintf(buf, len, "q<0.001");
	else
		snprintf(buf, len, "q=%.3f%s", q, q > KPROFILE_DIFF_ALPHA ? " n.s." : "");
	return buf;
}

static size_t change_text(const struct kprofile_diff *d, const struct kprofile_change *x, bool first,
			  char *buf, size_t len)
{
	char q[32];

	return (size_t)snprintf(buf, len, "%s%s %.1f%% (%llu) -> %.1f%% (%llu) %s%s",
				first ? "" : ", ", x->name, 100 * x->sb, (unsigned long long)x->xb,
				100 * x->sc, (unsigned long long)x->xc, q_text(x->q, q, sizeof(q)),
				d->few ? " few-samples" : "");
}

/* A path that appears or vanishes (one side 0, and tested so): the mechanism, more than a share's size. */
static bool appeared(const struct kprofile_change *x)
{
	return (!x->xb || !x->xc) && x->q <= KPROFILE_DIFF_ALPHA;
}

void kprofile_diff_text(const struct kprofile_diff *d, size_t top, char *buf, size_t len)
{
	size_t off = 0, extra = 0;

	buf[0] = 0;
	for (size_t i = 0; i < d->nr && i < top && off < len; i++)
		off += change_text(d, &d->v[i], !i, buf + off, len - off);
	for (size_t i = top; i < d->nr && extra < top && off < len; i++) {
		if (!appeared(&d->v[i]))
			continue;
		if (!extra++ && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%sfrom or to none: ", off ? "; " : "");
		if (off < len)
			off += change_text(d, &d->v[i], extra == 1, buf + off, len - off);
	}
	if (off < len)
		snprintf(buf + off, len - off, "%s[of %llu -> %llu samples%s]", off ? "; " : "",
			 (unsigned long long)d->nb, (unsigned long long)d->nc,
			 d->few ? ": few-samples, under 100 a side, each share moves in steps over 1%" : "");
}
