/* What a run's watchers saw, read back from its files (run_watch.h): report and compare use it. */
#include <stdio.h>
#include "results/run_watch.h"

json_int_t watch_num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* "WARNING 1, BUG 2" from the kinds object. */
static void kinds_text(json_t *kinds, char *buf, size_t len)
{
	const char *k;
	size_t off = 0;
	json_t *v;

	buf[0] = '\0';
	json_object_foreach(kinds, k, v)
		if (off < len)
			off += snprintf(buf + off, len - off, "%s%s %lld", off ? ", " : "", k,
					(long long)json_integer_value(v));
}

/* The first shown line with a kind, else the first shown line; "" when none. */
static const char *first_text(json_t *log)
{
	json_t *shown = json_object_get(log, "shown"), *l;
	size_t i;

	json_array_foreach(shown, i, l)
		if (json_object_get(l, "kind"))
			return json_string_value(json_object_get(l, "text")) ?: "";
	l = json_array_get(shown, 0);
	return l ? json_string_value(json_object_get(l, "text")) ?: "" : "";
}

const char *watch_kmsg_summary(json_t *manifest, size_t *count, char *buf, size_t len)
{
	json_t *log = json_object_get(manifest, "kernel_log");
	json_int_t lines = watch_num(log, "lines"), problems = watch_num(log, "problems");
	char kinds[256];

	*count = 0;
	if (!json_is_object(log))
		return NULL;
	if (!json_is_true(json_object_get(log, "readable"))) {
		snprintf(buf, len, "not watched: %s",
			 json_string_value(json_object_get(log, "why")) ?: "unreadable");
		return buf;
	}
	*count = lines > 0 ? (size_t)lines : 0;
	if (lines <= 0) {
		snprintf(buf, len, "none");
	} else if (problems > 0) {
		kinds_text(json_object_get(log, "kinds"), kinds, sizeof(kinds));
		snprintf(buf, len, "%lld problem%s (%s) in %lld line%s: %.70s", (long long)problems,
			 problems == 1 ? "" : "s", kinds, (long long)lines, lines == 1 ? "" : "s",
			 first_text(log));
	} else {
		snprintf(buf, len, "%lld line%s at warning level: %.70s", (long long)lines,
			 lines == 1 ? "" : "s", first_text(log));
	}
	return buf;
}

void watch_load_count(const struct rl_bench *b, size_t *reps, size_t *shared, char *cpus, size_t len)
{
	json_t *c, *load, *v;
	size_t i, k;

	json_array_foreach(json_object_get(b->root, "cases"), i, c) {
		load = json_object_get(c, "load");
		if (!json_is_object(load))
			continue;
		if (cpus && json_is_string(json_object_get(load, "cpus")))
			snprintf(cpus, len, "%s", json_string_value(json_object_get(load, "cpus")));
		json_array_foreach(json_object_get(load, "shared"), k, v) {
			(*reps)++;
			*shared += json_is_true(v);
		}
	}
}

