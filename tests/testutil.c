/* Helpers shared by the cmocka tests: running the harness, reading its JSON, snapshotting knobs. */
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static char tmp[PATH_MAX];

int tu_run(char **out, const char *fmt, ...)
{
	char cmd[8192], *buf = NULL;
	size_t len = 0, cap = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd) - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	p = popen(cmd, "r");
	if (!p)
		return -1;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *grown;

			cap = cap ? cap * 2 : 65536;
			grown = realloc(buf, cap);
			assert_non_null(grown);
			buf = grown;
		}
		size_t n = fread(buf + len, 1, 4096, p);

		if (!n)
			break;
		len += n;
	}
	buf[len] = 0;
	st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

const char *tu_tmpdir(void)
{
	if (!tmp[0]) {
		snprintf(tmp, sizeof(tmp), "/tmp/mmbench-test.XXXXXX");
		assert_non_null(mkdtemp(tmp));
	}
	return tmp;
}

void tu_cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (!tmp[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd)) {
		/* a leftover temp dir is not worth failing a test for */
	}
	tmp[0] = 0;
}

const char *tu_run_dir(const char *root)
{
	static char best[PATH_MAX];
	struct utsname u;
	char pat[PATH_MAX];
	glob_t g;

	uname(&u);
	snprintf(pat, sizeof(pat), "%s/%s/*", root, u.release);
	if (glob(pat, 0, NULL, &g) || !g.gl_pathc)
		return NULL;
	/* run ids start with the date and time: the last in order is the newest */
	snprintf(best, sizeof(best), "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return best;
}

json_t *tu_json(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (!j)
		fail_msg("%s: %s (line %d)", path, err.text, err.line);
	return j;
}

json_t *tu_case(json_t *bench, const char *key)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(bench, "cases"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "case")) ?: "", key))
			return c;
	return NULL;
}

double tu_median(json_t *c, const char *metric)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(c, "metrics"), i, m)
		if (!strcmp(json_string_value(json_object_get(m, "name")) ?: "", metric))
			return json_number_value(json_object_get(m, "median"));
	fail_msg("case %s has no metric %s",
		 json_string_value(json_object_get(c, "case")), metric);
	return -1;
}

double tu_counter(json_t *c, const char *name)
{
	json_t *v = json_object_get(json_object_get(c, "counters"), name);

	if (!v || !json_object_get(v, "val"))
		return -1;
	return json_number_value(json_object_get(v, "val"));
}

double tu_vmstat(json_t *c, const char *name)
{
	json_t *v = json_object_get(json_object_get(c, "vmstat"), name);

	if (!v)
		fail_msg("case %s has no vmstat %s",
			 json_string_value(json_object_get(c, "case")), name);
	return json_number_value(v);
}

static void append_file(char **s, size_t *len, const char *path)
{
	char buf[512] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	*s = realloc(*s, *len + strlen(path) + n + 4);
	*len += sprintf(*s + *len, "%s=%s\n", path, buf);
}

char *tu_knob_snapshot(void)
{
	static const char *const pats[] = {
		"/sys/kernel/mm/transparent_hugepage/*",
		"/sys/kernel/mm/transparent_hugepage/hugepages-*/*enabled",
		"/sys/kernel/mm/transparent_hugepage/khugepaged/*",
		"/proc/sys/kernel/numa_balancing",
	};
	char *s = calloc(1, 1);
	size_t len = 0;

	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		glob_t g;

		if (glob(pats[i], 0, NULL, &g))
			continue;
		for (size_t k = 0; k < g.gl_pathc; k++) {
			struct stat st;

			/* counters such as pages_collapsed move on their own: only knobs */
			if (strstr(g.gl_pathv[k], "pages_collapsed") || strstr(g.gl_pathv[k], "full_scans") ||
			    stat(g.gl_pathv[k], &st) || !S_ISREG(st.st_mode) || !(st.st_mode & 0200))
				continue;
			append_file(&s, &len, g.gl_pathv[k]);
		}
		globfree(&g);
	}
	return s;
}

int tu_is_root(void)
{
	return geteuid() == 0;
}
