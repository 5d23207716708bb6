/* Bench options: parsing sizes, numbers and lists, checked against each option's table entry. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/bench.h"
#include "core/options.h"
#include "sys/procfs.h"

#define OPT_TEXT_MAX	256

const char *const profile_names[NR_PROFILES] = { "smoke", "quick", "full" };

struct opt_value {
	const struct bench_opt *opt;
	char text[OPT_TEXT_MAX];
};

struct opt_values {
	const struct bench *bench;
	int nr;
	struct opt_value v[];
};

/* The decimal number at the start of @s (no sign, no space); *end points past it. */
static int leading_u64(const char *s, unsigned long long *v, char **end)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, end, 10);
	return errno == ERANGE ? -ERANGE : 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	int r = leading_u64(s, &v, &end);

	if (r)
		return r;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	char *end;
	unsigned long long v;
	const char *u;
	int shift, r = leading_u64(s, &v, &end);

	if (r)
		return r;
	if (!*end) {
		*out = v;
		return 0;
	}
	u = strchr(units, toupper((unsigned char)*end));
	if (!u || !*u)
		return -EINVAL;
	end++;
	/* accept 64K, 64KB, 64KiB */
	if ((*end == 'i' || *end == 'I') && (end[1] == 'B' || end[1] == 'b'))
		end += 2;
	else if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -EINVAL;
	shift = 10 * (int)(u - units + 1);
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int i = -1;

	while (bytes && !(bytes & 1023) && i < 3) {
		bytes >>= 10;
		i++;
	}
	if (i < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes, units[i]);
}

/* Where @word (@wlen bytes) is among "a|b|c" (a trailing '|' allowed), or -1. */
static int choice_index(const char *choices, const char *word, size_t wlen)
{
	const char *p = choices;

	for (int i = 0; p && *p; i++) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == wlen && !strncmp(p, word, n))
			return i;
		p = bar ? bar + 1 : NULL;
	}
	return -1;
}

static bool choice_ok(const char *choices, const char *word, size_t wlen)
{
	return choice_index(choices, word, wlen) >= 0;
}

int choices_len(const char *choices)
{
	int n = choices ? (int)strlen(choices) : 0;

	return n && choices[n - 1] == '|' ? n - 1 : n;
}

static uint64_t opt_max(const struct bench_opt *o)
{
	if (o->max_per_cpu)
		return (uint64_t)o->max_per_cpu * online_cpus();
	return o->max ? o->max : UINT64_MAX;
}

/* One number of an OPT_UINT_LIST: a number or one of the tokens; appends to vals. */
static int list_token(const char *tok, uint64_t *vals, int *n, int max)
{
	unsigned ncpus = online_cpus();
	uint64_t v;

	if (!strcmp(tok, "ncpus")) {
		v = ncpus;
	} else if (!strcmp(tok, "2ncpus")) {
		v = 2ull * ncpus;
	} else if (!strcmp(tok, "pow2")) {
		for (v = 1; v < ncpus && *n < max; v *= 2)
			vals[(*n)++] = v;
		v = ncpus;
	} else if (parse_u64(tok, &v)) {
		return -EINVAL;
	}
	if (*n < max)
		vals[(*n)++] = v;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Numbers of a list, expanded, sorted, without duplicates. */
static int u64_list(const char *text, uint64_t *vals, int max)
{
	char buf[OPT_TEXT_MAX], *save, *tok;
	int n = 0, k = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (list_token(tok, vals, &n, max))
			return -EINVAL;
	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (int i = 0; i < n; i++)
		if (!k || vals[k - 1] != vals[i])
			vals[k++] = vals[i];
	return k;
}

static int check_value(const struct bench_opt *o, const char *text, char *err, size_t len)
{
	uint64_t v, vals[OPT_LIST_MAX];
	const char *what = "";
	int n = 0, r;

	if (!*text) {
		snprintf(err, len, "option %s: empty value", o->name);
		return -EINVAL;
	}
	switch (o->type) {
	case OPT_SIZE:
	case OPT_UINT:
		r = o->type == OPT_SIZE ? parse_size(text, &v) : parse_u64(text, &v);
		if (r) {
			snprintf(err, len, "option %s: '%s' is not a %s", o->name, text,
				 o->type == OPT_SIZE ? "size (a number with K, M, G or T)" : "number");
			return -EINVAL;
		}
		vals[0] = v;
		n = 1;
		break;
	case OPT_UINT_LIST:
		n = u64_list(text, vals, OPT_LIST_MAX);
		if (n <= 0) {
			snprintf(err, len, "option %s: '%s' is not a list of numbers (or ncpus, 2ncpus, pow2)",
				 o->name, text);
			return -EINVAL;
		}
		break;
	case OPT_CHOICE:
	case OPT_LIST:
		for (const char *p = text; *p; ) {
			size_t w = strcspn(p, ",");

			if (!w || (o->type == OPT_CHOICE && p[w]) ||
			    (o->choices && !choice_ok(o->choices, p, w))) {
				snprintf(err, len, "option %s: '%.*s' is not one of %.*s", o->name,
					 (int)(w ? w : strlen(p)), p, o->choices ? choices_len(o->choices) : 11,
					 o->choices ? o->choices : "the choices");
				return -EINVAL;
			}
			p += w + (p[w] == ',');
		}
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (vals[i] < o->min) {
			what = "below the minimum";
			v = o->min;
		} else if (vals[i] > opt_max(o)) {
			what = "above the maximum";
			v = opt_max(o);
		} else {
			continue;
		}
		snprintf(err, len, "option %s: %llu%s%s is %s %llu%s%s%s", o->name,
			 (unsigned long long)vals[i], o->unit ? " " : "", o->unit ? o->unit : "", what,
			 (unsigned long long)v, o->unit ? " " : "", o->unit ? o->unit : "",
			 o->max_per_cpu && v == opt_max(o) ? " (per-CPU bound)" : "");
		return -ERANGE;
	}
	return 0;
}

struct opt_values *opt_values_new(const struct bench *b, enum profile p)
{
	int nr = 0;
	struct opt_values *v;

	while (b->opts && b->opts[nr].name)
		nr++;
	v = calloc(1, sizeof(*v) + nr * sizeof(v->v[0]));
	if (!v)
		return NULL;
	v->bench = b;
	v->nr = nr;
	for (int i = 0; i < nr; i++) {
		const char *def = NULL;

		for (int k = 0; k <= (int)p; k++)
			if (b->opts[i].def[k])
				def = b->opts[i].def[k];
		v->v[i].opt = &b->opts[i];
		snprintf(v->v[i].text, OPT_TEXT_MAX, "%s", def ? def : "");
	}
	return v;
}

void opt_values_free(struct opt_values *v)
{
	free(v);
}

static struct opt_value *find(const struct opt_values *v, const char *name)
{
	for (int i = 0; v && i < v->nr; i++)
		if (!strcmp(v->v[i].opt->name, name))
			return (struct opt_value *)&v->v[i];
	return NULL;
}

int opt_values_set(struct opt_values *v, const char *name, const char *value, char *err, size_t len)
{
	struct opt_value *o = find(v, name);
	int r;

	if (!o) {
		snprintf(err, len, "bench %s has no option '%s'", v->bench->name, name);
		return -ENOENT;
	}
	if (strlen(value) >= OPT_TEXT_MAX) {
		snprintf(err, len, "option %s: value too long", name);
		return -EINVAL;
	}
	r = check_value(o->opt, value, err, len);
	if (r)
		return -EINVAL;
	snprintf(o->text, OPT_TEXT_MAX, "%s", value);
	return 0;
}

int opt_values_validate(const struct opt_values *v, char *err, size_t len)
{
	for (int i = 0; i < v->nr; i++)
		if (check_value(v->v[i].opt, v->v[i].text, err, len))
			return -EINVAL;
	return 0;
}

int opt_values_count(const struct opt_values *v)
{
	return v ? v->nr : 0;
}

const char *opt_values_name(const struct opt_values *v, int i)
{
	return v->v[i].opt->name;
}

const char *opt_values_text(const struct opt_values *v, int i)
{
	return v->v[i].text;
}

size_t opt_storage_size(enum opt_type type)
{
	switch (type) {
	case OPT_SIZE:
	case OPT_UINT:
		return sizeof(uint64_t);
	case OPT_CHOICE:
		return sizeof(int);
	case OPT_LIST:
		return sizeof(struct opt_choices);
	case OPT_UINT_LIST:
		return sizeof(struct opt_nums);
	}
	return 0;
}

/* One validated value into its member at @dst. */
static void fill_one(const struct opt_value *ov, unsigned char *dst)
{
	const struct bench_opt *o = ov->opt;
	uint64_t u = 0;

	switch (o->type) {
	case OPT_SIZE:
	case OPT_UINT:
		if (o->type == OPT_SIZE)
			parse_size(ov->text, &u);
		else
			parse_u64(ov->text, &u);
		memcpy(dst, &u, sizeof(u));
		break;
	case OPT_CHOICE: {
		int i = choice_index(o->choices, ov->text, strlen(ov->text));

		memcpy(dst, &i, sizeof(i));
		break;
	}
	case OPT_LIST: {
		struct opt_choices l = { 0 };

		for (const char *p = ov->text; *p && l.n < OPT_LIST_MAX; ) {
			size_t w = strcspn(p, ",");

			l.v[l.n++] = choice_index(o->choices, p, w);
			p += w + (p[w] == ',');
		}
		memcpy(dst, &l, sizeof(l));
		break;
	}
	case OPT_UINT_LIST: {
		struct opt_nums l = { 0 };

		l.n = u64_list(ov->text, l.v, OPT_LIST_MAX);
		if (l.n < 0)
			l.n = 0;
		memcpy(dst, &l, sizeof(l));
		break;
	}
	}
}

int opt_values_fill(const struct opt_values *v, void *dst, char *err, size_t len)
{
	const struct bench *b = v->bench;

	for (int i = 0; i < v->nr; i++) {
		const struct bench_opt *o = v->v[i].opt;

		/* the table and the struct disagree: the bench's bug, said before it runs */
		if (o->field_size != opt_storage_size(o->type) || o->off + o->field_size > b->opts_size) {
			snprintf(err, len, "option %s: its member (%zu bytes at %zu of %zu) does not hold a %s",
				 o->name, o->field_size, o->off, b->opts_size,
				 o->type == OPT_LIST ? "struct opt_choices" : o->type == OPT_UINT_LIST ?
				 "struct opt_nums" : o->type == OPT_CHOICE ? "int (enum)" : "uint64_t");
			return -EINVAL;
		}
		if (o->type == OPT_LIST || o->type == OPT_CHOICE) {
			/* every option with words has its list of them */
			if (!o->choices) {
				snprintf(err, len, "option %s: no .choices", o->name);
				return -EINVAL;
			}
		}
		fill_one(&v->v[i], (unsigned char *)dst + o->off);
	}
	return 0;
}
