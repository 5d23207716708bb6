/* Tests of what the run's watchers saw, read back: the kernel log and the load marks at the top of report.txt, and compare's warning of them. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define DATA	"tests/data/"

/* A copy of fixture @src named @name with the manifest's kernel_log set to @log (JSON text). */
static const char *with_log(const char *src, const char *name, const char *log)
{
	static char dirs[4][PATH_MAX];
	static int next;
	char path[PATH_MAX + 32], *dir = dirs[next++ % 4];
	json_t *m, *l;

	snprintf(dir, PATH_MAX, "%s", tu_copy_dir(src, name));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	m = tu_json(path);
	l = json_loads(log, 0, NULL);
	assert_non_null(l);
	json_object_set_new(m, "kernel_log", l);
	assert_int_equal(json_dump_file(m, path, JSON_INDENT(1)), 0);
	json_decref(m);
	return dir;
}

static const char warned[] =
	"{\"source\": \"/dev/kmsg\", \"readable\": true, \"lines\": 2, \"problems\": 1, \"lost\": 0,"
	" \"dropped\": 0, \"file\": \"kmsg.txt\", \"kinds\": {\"WARNING\": 1}, \"shown\": ["
	" {\"phase\": \"uffd-wp\", \"level\": 4, \"time\": 5140.9, \"text\": \"WARNING: mmbench test 42\","
	"  \"kind\": \"WARNING\", \"from\": \"user space (written to /dev/kmsg)\"},"
	" {\"phase\": \"uffd-wp\", \"level\": 4, \"time\": 5141.0, \"text\": \"Call Trace:\"}]}";
static const char clean[] =
	"{\"source\": \"/dev/kmsg\", \"readable\": true, \"lines\": 0, \"problems\": 0, \"lost\": 0,"
	" \"dropped\": 0, \"file\": \"kmsg.txt\", \"kinds\": {}, \"shown\": []}";
static const char plain[] =
	"{\"source\": \"/dev/kmsg\", \"readable\": true, \"lines\": 1, \"problems\": 0, \"lost\": 0,"
	" \"dropped\": 0, \"file\": \"kmsg.txt\", \"kinds\": {}, \"shown\": ["
	" {\"phase\": \"vma-lock\", \"level\": 4, \"time\": 20371.6,"
	"  \"text\": \"lockdown_is_locked_down: 10 callbacks suppressed\"}]}";
static const char unreadable[] =
	"{\"source\": \"/dev/kmsg\", \"readable\": false, \"why\": \"/dev/kmsg: Operation not "
	"permitted: reading the kernel log needs root or CAP_SYSLOG (kernel.dmesg_restrict is 1, "
	"uid 65534)\"}";

static void test_report_top(void **state)
{
	const char *dir = with_log(DATA "run-base", "warned", warned);
	char *out = NULL, *txt, *md, *warn, *header;

	(void)state;
	assert_int_equal(tu_run(&out, "./build/mmbench report %s", dir), 0);
	free(out);
	txt = tu_slurp("%s/report.txt", dir);
	assert_non_null(txt);
	warn = strstr(txt, "WARNING: mmbench test 42");
	header = strstr(txt, "\nkernel      ");
	assert_non_null(warn);
	assert_non_null(header);
	/* at the top: before the machine's description */
	assert_true(warn < header);
	assert_non_null(strstr(txt, "the kernel logged 1 problem during this run"));
	assert_non_null(strstr(txt, "(uffd-wp) Call Trace:"));
	tu_assert_width(txt, 80);
	md = tu_slurp("%s/report.md", dir);
	assert_non_null(strstr(md, "> **the kernel logged 1 problem"));
	assert_non_null(strstr(md, "[ 5140.900000] <4> (uffd-wp) WARNING: mmbench test 42"));
	free(txt);
	free(md);

	dir = with_log(DATA "run-base", "unreadable", unreadable);
	assert_int_equal(tu_run(&out, "./build/mmbench report %s", dir), 0);
	free(out);
	txt = tu_slurp("%s/report.txt", dir);
	assert_non_null(strstr(txt, "kernel log  not watched: /dev/kmsg: Operation not permitted"));
	free(txt);

	dir = with_log(DATA "run-base", "clean", clean);
	assert_int_equal(tu_run(&out, "./build/mmbench report %s", dir), 0);
	free(out);
	txt = tu_slurp("%s/report.txt", dir);
	assert_non_null(strstr(txt, "kernel log  nothing at warning level or worse during the run"));
	assert_null(strstr(txt, "***"));
	free(txt);
}

/* compare warns when either side's kernel complained, in the banner and a row marked '!'. */
static void test_compare_warns(void **state)
{
	const char *a = with_log(DATA "run-base", "cmp-clean", clean);
	const char *b = with_log(DATA "run-new", "cmp-warned", warned);
	char *out = NULL, *ok = NULL, *row;

	(void)state;
	tu_run(&out, "./build/mmbench compare %s %s", a, b);
	row = strstr(out, "! kernel_log");
	if (!row)
		fail_msg("no kernel_log row in:\n%s", out);
	assert_true(strstr(row, "A none") || strstr(row, "A: none"));
	assert_non_null(strstr(row, "1 problem (WARNING 1) in 2 lines: WARNING: mmbench test 42"));
	/* the golden pair differs in 1 setting; the kernel log makes 2 */
	assert_non_null(strstr(out, "the sides differ in more than the kernel: 2 settings"));
	/* the other way round too: the base's warning counts as much */
	tu_run(&ok, "./build/mmbench compare %s %s", b, a);
	assert_non_null(strstr(ok, "! kernel_log"));
	free(ok);
	free(out);
	/* both clean: no row */
	b = with_log(DATA "run-new", "cmp-clean2", clean);
	tu_run(&out, "./build/mmbench compare %s %s", a, b);
	assert_null(strstr(out, "kernel_log"));
	assert_non_null(strstr(out, "the sides differ in more than the kernel: 1 setting"));
	free(out);
	/* warning-level lines that tell of no problem ("callbacks suppressed"): no row either */
	b = with_log(DATA "run-new", "cmp-plain", plain);
	tu_run(&out, "./build/mmbench compare %s %s", a, b);
	assert_null(strstr(out, "kernel_log"));
	free(out);
}

/* @s with every line break and the indent after it made one space (wrapped text read as one line). */
static void unwrap(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '\n') {
			*w++ = *r;
			continue;
		}
		*w++ = ' ';
		while (r[1] == ' ')
			r++;
	}
	*w = '\0';
}

/* Repetitions marked shared are counted at the top of the report and shown by compare. */
static void test_load_marks(void **state)
{
	const char *dir = tu_copy_dir(DATA "run-new", "load");
	char path[PATH_MAX + 32], *out = NULL, *txt;
	json_t *b, *c;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/uffd-wp.json", dir);
	b = tu_json(path);
	json_array_foreach(json_object_get(b, "cases"), i, c)
		json_object_set_new(c, "load", json_pack("{sss[bbb]s[fff]s[fff]s[fff]}", "cpus", "0-1",
				    "shared", i == 0, 0, 0, "other_cpu_s", i == 0 ? 0.4 : 0.0, 0.0, 0.0,
				    "steal_s", 0.0, 0.0, 0.0, "wall_s", 1.0, 1.0, 1.0));
	assert_int_equal(json_dump_file(b, path, JSON_INDENT(1)), 0);
	assert_int_equal(tu_run(&out, "./build/mmbench report %s", dir), 0);
	free(out);
	txt = tu_slurp("%s/report.txt", dir);
	assert_non_null(strstr(txt, "load        1 of "));
	unwrap(txt);
	assert_non_null(strstr(txt, "repetitions shared CPUs 0-1"));
	assert_non_null(strstr(txt, "uffd-wp 1 of "));
	free(txt);
	/* against the same run unmarked: the row is shown, but it is no setting the sides
	 * differ in, so no WARNING */
	tu_run(&out, "./build/mmbench compare %s %s", DATA "run-new", dir);
	assert_non_null(strstr(out, "! load.shared"));
	assert_null(strstr(out, "WARNING: the sides differ"));
	free(out);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_top),
		cmocka_unit_test(test_compare_warns),
		cmocka_unit_test(test_load_marks),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, tu_teardown);
}
