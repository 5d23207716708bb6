/* Writing and reading <bench>.kprofile.json; the reader trusts nothing in the file. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/kprofile.h"
#include "results/kprofile_file.h"
#include "results/results_read.h"
#include "results/untrusted.h"
#include "sys/atomic.h"

static json_t *table_json(const struct kprofile_table *t, bool stacks)
{
	const struct kprofile_entry **v = kprofile_sorted(t, false);
	json_t *a = json_array();

	for (size_t i = 0; v && i < t->nr; i++) {
		if (stacks)
			json_array_append_new(a, json_pack("{sssI}", "stack", v[i]->name,
							   "count", (json_int_t)v[i]->self));
		else
			json_array_append_new(a, json_pack("{sssssIsI}", "name", v[i]->name,
							   "kind", kprofile_kind_names[v[i]->kind],
							   "self", (json_int_t)v[i]->self,
							   "children", (json_int_t)v[i]->children));
	}
	free(v);
	return a;
}

static json_t *case_json(const struct kprofile *p)
{
	const struct { const char *name; uint64_t v; } n[] = {
		{ "reps_sampled", p->reps }, { "samples", p->samples },
		{ "kernel_samples", p->kernel_samples }, { "user_samples", p->user_samples },
		{ "lost", p->lost }, { "throttled", p->throttled },
		{ "unresolved_samples", p->unresolved_samples },
		{ "unresolved_frames", p->unresolved_frames }, { "stacks_dropped", p->stacks_dropped },
	};
	json_t *o = json_pack("{sssssssO}", "case", p->key, "status", p->ok ? "ok" : "skip",
			      "region", p->whole ? "repetition" : "timed", "overhead", p->overhead);

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		json_object_set_new(o, n[i].name, json_integer((json_int_t)n[i].v));
	json_object_set_new(o, "reason", p->ok ? json_null() : json_string(p->reason));
	json_object_set_new(o, "symbols", table_json(&p->syms, false));
	json_object_set_new(o, "stacks", table_json(&p->stacks, true));
	return o;
}

int kprofile_file_write(const char *dir, const struct kprofile_file *f)
{
	char path[PATH_MAX];
	json_t *cases = json_array(), *root;
	int r;

	for (size_t i = 0; i < f->nr; i++)
		json_array_append_new(cases, case_json(&f->cases[i]));
	root = json_pack("{sssssssssssIsbsisssfso}", "schema", KPROFILE_SCHEMA, "bench", f->bench,
			 "status", f->ok ? "ok" : "skip", "event", f->event,
			 "period_unit", f->freq ? "Hz" : "ns", "period", (json_int_t)f->period,
			 "freq", f->freq, "max_stack", (int)f->max_stack, "covers", f->covers,
			 "process_ms", f->process_ms, "cases", cases);
	if (!root)
		return -ENOMEM;
	json_object_set_new(root, "reason", f->ok ? json_null() : json_string(f->reason));
	snprintf(path, sizeof(path), "%s/%s.kprofile.json", dir, f->bench);
	r = atomic_write_json(path, root, JSON_INDENT(1) | JSON_REAL_PRECISION(12));
	json_decref(root);
	return r;
}

/* A count: a whole number, at least 0 (check_tree already bounded its magnitude). */
static bool count(json_t *o, const char *key, uint64_t *v)
{
	json_t *x = json_object_get(o, key);

	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return false;
	*v = (uint64_t)json_integer_value(x);
	return true;
}

static int kind_of(const char *s)
{
	for (int k = 0; s && k < NR_KPROFILE_KINDS; k++)
		if (!strcmp(s, kprofile_kind_names[k]))
			return k;
	return -1;
}

static int load_table(const char *path, const char *key, json_t *a, bool stacks,
		      struct kprofile_table *t, uint64_t samples, uint64_t *sum)
{
	size_t i;
	json_t *e;

	if (!json_is_array(a))
		return ut_bad(path, "case '%s': %s is not a list", key, stacks ? "stacks" : "symbols");
	*sum = 0;
	json_array_foreach(a, i, e) {
		const char *name = json_string_value(json_object_get(e, stacks ? "stack" : "name"));
		int kind = stacks ? KPROFILE_KERNEL : kind_of(json_string_value(json_object_get(e, "kind")));
		uint64_t self, children = 0;
		long k;

		if (!name || kind < 0 || !count(e, stacks ? "count" : "self", &self) ||
		    (!stacks && !count(e, "children", &children)))
			return ut_bad(path, "case '%s': %s entry %zu lacks a name, kind or counts", key,
				   stacks ? "stack" : "symbol", i);
		if (kprofile_table_find(t, name) >= 0)
			return ut_bad(path, "case '%s': '%.80s' twice", key, name);
		if (!stacks && (self > children || children > samples))
			return ut_bad(path, "case '%s': symbol '%.80s' has self %llu, children %llu of %llu samples",
				   key, name, (unsigned long long)self, (unsigned long long)children,
				   (unsigned long long)samples);
		k = kprofile_table_get(t, name, kind);
		if (k < 0)
			return -ENOMEM;
		t->v[k].self = self;
		t->v[k].children = children;
		*sum += self;
	}
	return 0;
}

static int load_counts(const char *path, json_t *c, struct kprofile *p)
{
	struct { const char *name; uint64_t *v; } f[] = {
		{ "samples", &p->samples }, { "kernel_samples", &p->kernel_samples },
		{ "user_samples", &p->user_samples }, { "lost", &p->lost },
		{ "throttled", &p->throttled }, { "unresolved_samples", &p->unresolved_samples },
		{ "unresolved_frames", &p->unresolved_frames },
		{ "stacks_dropped", &p->stacks_dropped },
	};
	uint64_t reps;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!count(c, f[i].name, f[i].v))
			return ut_bad(path, "case '%s': %s is not a count", p->key, f[i].name);
	if (!count(c, "reps_sampled", &reps) || reps > 100000)
		return ut_bad(path, "case '%s': reps_sampled is not a count", p->key);
	p->reps = (unsigned)reps;
	if (p->kernel_samples + p->user_samples + p->unresolved_samples != p->samples)
		return ut_bad(path, "case '%s': kernel, user and unresolved samples do not add up to %llu",
			   p->key, (unsigned long long)p->samples);
	return 0;
}

static int load_overhead(const char *path, json_t *o, struct kprofile *p)
{
	const char *k;
	json_t *m;

	if (!json_is_object(o))
		return ut_bad(path, "case '%s': overhead is not an object", p->key);
	json_object_foreach(o, k, m) {
		json_t *w = json_object_get(m, "with"), *wo = json_object_get(m, "without"), *x;
		size_t i;

		if (!json_is_array(w) || !json_is_array(wo) ||
		    !json_is_string(json_object_get(m, "unit")) ||
		    !json_is_string(json_object_get(m, "better")))
			return ut_bad(path, "case '%s': overhead of %.40s lacks unit, better, with or without",
				   p->key, k);
		json_array_foreach(w, i, x)
			if (!json_is_number(x))
				return ut_bad(path, "case '%s': overhead of %.40s: not a number", p->key, k);
		json_array_foreach(wo, i, x)
			if (!json_is_number(x))
				return ut_bad(path, "case '%s': overhead of %.40s: not a number", p->key, k);
	}
	json_decref(p->overhead);
	p->overhead = json_incref(o);
	return 0;
}

static int load_case(const char *path, json_t *c, struct kprofile_file *f)
{
	const char *key = json_string_value(json_object_get(c, "case"));
	const char *status = json_string_value(json_object_get(c, "status"));
	const char *reason = json_string_value(json_object_get(c, "reason"));
	const char *region = json_string_value(json_object_get(c, "region"));
	uint64_t sum;
	struct kprofile *p;
	int err;

	if (!key || strlen(key) >= sizeof(p->key) || !status || !region ||
	    (strcmp(status, "ok") && strcmp(status, "skip")) ||
	    (strcmp(region, "timed") && strcmp(region, "repetition")))
		return ut_bad(path, "a case without a key, a status ok or skip, or a region timed or repetition");
	if (kprofile_file_find(f, key))
		return ut_bad(path, "case '%s' twice", key);
	p = kprofile_file_case(f, key);
	if (!p)
		return -ENOMEM;
	p->ok = !strcmp(status, "ok");
	p->whole = !strcmp(region, "repetition");
	snprintf(p->reason, sizeof(p->reason), "%s", reason ? reason : "");
	err = load_counts(path, c, p);
	if (!err)
		err = load_table(path, key, json_object_get(c, "symbols"), false, &p->syms, p->samples, &sum);
	if (!err && sum != p->samples)
		err = ut_bad(path, "case '%s': self counts add up to %llu, not its %llu samples", key,
			  (unsigned long long)sum, (unsigned long long)p->samples);
	if (!err)
		err = load_table(path, key, json_object_get(c, "stacks"), true, &p->stacks, p->samples, &sum);
	if (!err && sum + p->stacks_dropped != p->samples)
		err = ut_bad(path, "case '%s': stacks count %llu samples, not %llu", key,
			  (unsigned long long)(sum + p->stacks_dropped), (unsigned long long)p->samples);
	if (!err)
		err = load_overhead(path, json_object_get(c, "overhead"), p);
	return err;
}

static int load_head(const char *path, json_t *j, struct kprofile_file *f)
{
	const char *schema = json_string_value(json_object_get(j, "schema"));
	const char *bench = json_string_value(json_object_get(j, "bench"));
	const char *status = json_string_value(json_object_get(j, "status"));
	const char *event = json_string_value(json_object_get(j, "event"));
	const char *reason = json_string_value(json_object_get(j, "reason"));
	const char *covers = json_string_value(json_object_get(j, "covers"));
	json_t *ms = json_object_get(j, "process_ms");
	uint64_t stack;

	if (!schema || strcmp(schema, KPROFILE_SCHEMA))
		return ut_bad(path, "schema is not %s", KPROFILE_SCHEMA);
	if (!bench || strlen(bench) >= sizeof(f->bench) || !status || !event ||
	    strlen(event) >= sizeof(f->event) || (strcmp(status, "ok") && strcmp(status, "skip")) ||
	    !count(j, "period", &f->period) || !count(j, "max_stack", &stack) ||
	    !json_is_boolean(json_object_get(j, "freq")) || !json_is_number(ms))
		return ut_bad(path, "bench, status, event, period, freq, max_stack or process_ms missing");
	snprintf(f->bench, sizeof(f->bench), "%s", bench);
	snprintf(f->event, sizeof(f->event), "%s", event);
	snprintf(f->reason, sizeof(f->reason), "%s", reason ? reason : "");
	snprintf(f->covers, sizeof(f->covers), "%s", covers ? covers : "");
	f->ok = !strcmp(status, "ok");
	f->freq = json_is_true(json_object_get(j, "freq"));
	f->max_stack = (unsigned)(stack > 1024 ? 1024 : stack);
	f->process_ms = json_number_value(ms);
	return 0;
}

int kprofile_file_load(const char *path, struct kprofile_file *f)
{
	json_t *j, *cases, *c;
	size_t i;
	int err;

	memset(f, 0, sizeof(*f));
	j = rl_load_json(path, &err);
	if (!j)
		return err;
	err = load_head(path, j, f);
	cases = json_object_get(j, "cases");
	if (!err && !json_is_array(cases))
		err = ut_bad(path, "cases is not a list");
	json_array_foreach(cases, i, c) {
		if (err)
			break;
		err = load_case(path, c, f);
	}
	json_decref(j);
	if (err)
		kprofile_file_free(f);
	return err;
}

int kprofile_file_load_run(const char *dir, const char *bench, struct kprofile_file *f)
{
	char path[PATH_MAX];
	struct stat st;

	memset(f, 0, sizeof(*f));
	snprintf(path, sizeof(path), "%s/%s.kprofile.json", dir, bench);
	if (lstat(path, &st) && errno == ENOENT)
		return -ENOENT;
	return kprofile_file_load(path, f);
}

int kprofile_write(const char *dir, const struct bench_ctx *ctx, const struct case_list *list)
{
	struct kprofile_file *f;
	int r = kprofile_collect(ctx, list, &f);

	if (r || !f)
		return r;
	r = kprofile_file_write(dir, f);
	kprofile_bench_done();
	return r;
}
