/* Questions asked of a run once it is read (results_read.h): its benches, cases and metrics by name, manifest fields as text, what left it incomplete, numbers for tables. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results/results_read.h"
#include "results/results_write.h"
#include "results/untrusted.h"

struct rl_bench *rl_find_bench(const struct rl_run *run, const char *name)
{
	size_t i;

	for (i = 0; i < run->nr_benches; i++)
		if (run->benches[i].name && !strcmp(run->benches[i].name, name))
			return &run->benches[i];
	return NULL;
}

struct rl_case *rl_find_case(const struct rl_bench *b, const char *key)
{
	size_t i;

	for (i = 0; b && i < b->nr_cases; i++)
		if (!strcmp(b->cases[i].key, key))
			return &b->cases[i];
	return NULL;
}

struct rl_metric *rl_find_metric(const struct rl_case *c, const char *name)
{
	size_t i;

	for (i = 0; c && i < c->nr_metrics; i++)
		if (!strcmp(c->metrics[i].name, name))
			return &c->metrics[i];
	return NULL;
}

const char *rl_json_text(json_t *v, char *buf, size_t len)
{
	char *dump;

	if (!v)
		return NULL;
	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
	} else if (json_is_number(v)) {
		snprintf(buf, len, "%.15g", json_number_value(v));
	} else {
		dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
		snprintf(buf, len, "%s", dump ? dump : "?");
		free(dump);
	}
	return buf;
}

const char *rl_manifest_str(const struct rl_run *run, const char *path, char *buf, size_t len)
{
	char key[128], *dot, *p = key;
	json_t *v = run->manifest;

	snprintf(key, sizeof(key), "%s", path);
	while (v && p) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, p);
		p = dot ? dot + 1 : NULL;
	}
	if (!v || json_is_null(v))
		return NULL;
	return rl_json_text(v, buf, len);
}

const char *rl_incomplete(const struct rl_run *run, char *buf, size_t len)
{
	char path[PATH_MAX + 16], *text;
	size_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/INCOMPLETE", run->dir);
	/* quietly: rl_load() has said what is wrong with the file, if anything */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return NULL;
		snprintf(buf, len, "unreadable: %s", strerror(errno));
		return buf;
	}
	text = calloc(1, len + 1);
	n = text ? (size_t)read(fd, text, len) : 0;
	close(fd);
	if (!text || n > len || !n) {
		free(text);
		snprintf(buf, len, "no reason given");
		return buf;
	}
	text[strcspn(text, "\n")] = 0;
	ut_printable(text, buf, len);
	free(text);
	return buf;
}

int rl_emulated(const struct rl_run *run)
{
	char buf[64];
	const char *v = rl_manifest_str(run, "virtualization", buf, sizeof(buf));

	if (v && !strcmp(v, "tcg"))
		return 1;
	v = rl_manifest_str(run, "vm.accel", buf, sizeof(buf));
	return v && !strcmp(v, "tcg");
}

const char *rl_fmt(double v, char *buf, size_t len)
{
	double a = fabs(v);

	if (isnan(v))
		snprintf(buf, len, "-");
	else if (a >= 1e7 || (a < 1e-3 && a > 0))
		snprintf(buf, len, "%.3g", v);
	else if (a >= 1000 || a == 0 || v == rint(v))
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3f", v);
	return buf;
}
