/* Helpers shared by the cmocka tests: running the harness, reading its JSON and files, snapshotting knobs. */
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"
#include "knobs/knobs.h"
#include "sys/util.h"

#define LOCK_TRIES	300	/* 2 s apart: another run may hold the machine for minutes */

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

char *tu_knob_snapshot_idle(void)
{
	char lock[PATH_MAX + 8], *s;
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", knob_journal_path());
	/* a shared lock for the moment of the snapshot: a run holds it exclusively until restored */
	fd = open(lock, O_RDONLY | O_CLOEXEC);
	for (int tries = 0; fd >= 0 && tries < LOCK_TRIES && flock(fd, LOCK_SH | LOCK_NB); tries++)
		sleep(2);
	s = tu_knob_snapshot();
	if (fd >= 0)
		close(fd);
	return s;
}

int tu_is_root(void)
{
	return geteuid() == 0;
}

void tu_skip(const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	print_message("SKIP: %s\n", why);
	skip();
}

void tu_need_root(const char *what)
{
	if (!tu_is_root())
		tu_skip("not root (uid %u): %s", (unsigned)geteuid(), what);
}

int tu_teardown(void **state)
{
	(void)state;
	unsetenv("MMBENCH_SYSROOT");
	unsetenv("MMBENCH_JOURNAL");
	tu_cleanup();
	return 0;
}

char *tu_slurp(const char *fmt, ...)
{
	char path[PATH_MAX + 256], *buf;
	va_list ap;
	FILE *f;
	long len;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	fclose(f);
	return buf;
}

void tu_write_file(const char *path, const char *fmt, ...)
{
	va_list ap;
	FILE *f;

	assert_int_equal(mkdir_parents(path), 0);
	f = fopen(path, "w");
	if (!f)
		fail_msg("%s: %m", path);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	assert_int_equal(fclose(f), 0);
}

const char *tu_copy_dir(const char *src, const char *name)
{
	static char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/%s", tu_tmpdir(), name);
	assert_int_equal(tu_run(NULL, "rm -rf %s && cp -r %s %s", dir, src, dir), 0);
	return dir;
}

void tu_golden(const char *path, const char *text)
{
	char *want;

	if (getenv("MMBENCH_GOLDEN_UPDATE"))
		tu_write_file(path, "%s", text);
	want = tu_slurp("%s", path);
	if (!want)
		fail_msg("%s: no golden file (MMBENCH_GOLDEN_UPDATE=1 writes it)", path);
	assert_string_equal(text, want);
	free(want);
}

void tu_assert_width(const char *text, int cols)
{
	for (const char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if ((nl ? nl - line : (long)strlen(line)) > cols)
			fail_msg("line over %d columns: %.100s", cols, line);
	}
}

void tu_last_line(const char *out, char *buf, size_t len)
{
	const char *last;

	out = out ?: "";
	last = out + strlen(out);
	while (last > out && last[-1] == '\n')
		last--;
	while (last > out && last[-1] != '\n')
		last--;
	snprintf(buf, len, "%.*s", (int)strcspn(last, "\n"), last);
}

int tu_mounts(const char *type, const char *where)
{
	char line[1024], t[64], w[PATH_MAX + 2] = "";
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int n = 0;

	if (!f)
		return -1;
	snprintf(t, sizeof(t), " - %s ", type);
	if (where)
		snprintf(w, sizeof(w), " %s ", where);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, t) && strstr(line, w);
	fclose(f);
	return n;
}

pid_t tu_fork_root(void)
{
	pid_t pid;

	tu_need_root("the test's child changes what only root may");
	pid = fork();
	assert_true(pid >= 0);
	return pid;
}

void tu_wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

char *tu_map_pages(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	/* one fault a page only if no THP or mTHP fills several pages at once */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

void tu_touch(char *p, size_t pages)
{
	long ps = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < pages; i++)
		p[i * ps] = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int tu_run_locked(struct tu_harness *h, const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	for (int tries = 0; tries < LOCK_TRIES; tries++) {
		double t0;

		if (h->before_try)
			h->before_try();
		/* taken again per try: a run that held the lock may have held knobs set too */
		free(h->knobs_before);
		h->knobs_before = tu_knob_snapshot();
		free(h->out);
		h->out = NULL;
		t0 = now_s();
		h->rc = tu_run(&h->out, "%s", cmd);
		h->secs = now_s() - t0;
		if (h->rc != 1 || !h->out || !strstr(h->out, "one run at a time"))
			break;
		sleep(2);
	}
	free(h->knobs_after);
	h->knobs_after = tu_knob_snapshot();
	return h->rc;
}

json_t *tu_bench_run(struct tu_harness *h, const char *name, const char *root, const char *args)
{
	char path[PATH_MAX + 64];
	const char *dir;

	tu_run_locked(h, "./build/mmbench run --bench %s --out %s %s", name, root, args);
	dir = tu_run_dir(root);
	if (h->rc || !dir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	h->bench = json_load_file(path, 0, NULL);
	return h->bench;
}

void tu_need_bench(const struct tu_harness *h, const char *what)
{
	if (h->rc || !h->bench)
		fail_msg("%s exited %d:\n%s", what, h->rc, h->out ?: "");
}

void tu_harness_free(struct tu_harness *h)
{
	json_decref(h->bench);
	free(h->out);
	free(h->knobs_before);
	free(h->knobs_after);
	memset(h, 0, sizeof(*h));
}

int tu_harness_teardown(void **state)
{
	if (*state)
		tu_harness_free(*state);
	return tu_teardown(state);
}

json_t *tu_ok_case(json_t *bench, const char *key)
{
	json_t *c = tu_case(bench, key);
	const char *st;

	if (!c)
		fail_msg("no case '%s'", key);
	st = json_string_value(json_object_get(c, "status"));
	if (!st || strcmp(st, "ok"))
		fail_msg("case '%s': status %s: %s", key, st ?: "(none)",
			 json_string_value(json_object_get(c, "reason")) ?: "");
	return c;
}

char *tu_bad_opt(const char *name, const char *opt)
{
	char *out = NULL, root[PATH_MAX];
	int rc, lines = 0;

	snprintf(root, sizeof(root), "%s/bad", tu_tmpdir());
	rc = tu_run(&out, "./build/mmbench run --bench %s --profile smoke --out %s --no-report "
		    "--opt %s", name, root, opt);
	for (const char *p = out; p && *p; p++)
		lines += *p == '\n';
	if (rc != 2 || lines != 1)
		fail_msg("--opt %s: exit %d, %d lines:\n%s", opt, rc, lines, out ?: "");
	assert_int_not_equal(access(root, F_OK), 0);
	return out;
}

int tu_glob_last(const char *pattern, char *buf, size_t len)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g) || !g.gl_pathc)
		return -1;
	snprintf(buf, len, "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	return 0;
}
