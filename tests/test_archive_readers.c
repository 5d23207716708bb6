/*
 * The readers of the archive read the same through its index as from the run directories
 * themselves (MMBENCH_INDEX=off): compare's sets (refused, INCOMPLETE and labelled runs among
 * them), bisect-decide's references and step, and publish's site, byte for byte.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_fixture.h"
#include "testutil.h"

/* What @args print (stdout and stderr) and exit with, with MMBENCH_INDEX=@mode. */
static int both(const char *mode, const char *args, char **out)
{
	*out = NULL;
	return tu_run(out, "MMBENCH_INDEX=%s " MMBENCH " %s", mode, args);
}

/* @args exit and print alike both ways; what they printed, for the caller to check. */
static char *same_both_ways(const char *args, int want_rc)
{
	char *off, *on;
	int rc_off = both("off", args, &off), rc_on = both("on", args, &on);

	if (rc_off != want_rc || rc_on != want_rc)
		fail_msg("%s: exit %d without the index, %d with it, not %d:\n%s\n--\n%s", args,
			 rc_off, rc_on, want_rc, off, on);
	assert_string_equal(off, on);
	free(off);
	return on;
}

/* @out says @text (or, when @yes is false, does not). */
static void says(const char *out, const char *text, bool yes)
{
	if (!strstr(out, text) == yes)
		fail_msg("'%s' %s in:\n%s", text, yes ? "missing" : "found", out);
}

static const char *rich(const char *name)
{
	static char root[4200];

	snprintf(root, sizeof(root), "%s/%s", tu_tmpdir(), name);
	rich_archive(root);
	/* made first: each command below then reads through it, or not at all (off) */
	assert_int_equal(tu_run(NULL, MMBENCH " index --root %s", root), 0);
	return root;
}

static void test_compare_sets(void **state)
{
	const char *root = rich("cmp");
	char args[9000], ja[4300], jb[4300], *out, *a, *b;

	(void)state;
	snprintf(ja, sizeof(ja), "%s/a.json", tu_tmpdir());
	snprintf(jb, sizeof(jb), "%s/b.json", tu_tmpdir());
	/* 6.2.0/2026-8 is refused, 6.4.0/2026-6 was cut short: both said, both left out */
	snprintf(args, sizeof(args), "compare %s/6.2.0 %s/6.4.0 --json %s", root, root, ja);
	out = same_both_ways(args, 0);
	says(out, "6.2.0/2026-8: skipped: not a whole run", true);
	says(out, "6.4.0/2026-6: skipped: INCOMPLETE: vm: the transfer", true);
	says(out, "(5 runs)", true);
	free(out);
	/* the JSON of the last run (with the index) against one without it */
	snprintf(args, sizeof(args), "compare %s/6.2.0 %s/6.4.0 --json %s", root, root, jb);
	out = NULL;
	assert_int_equal(both("off", args, &out), 0);
	free(out);
	a = tu_slurp("%s", ja);
	b = tu_slurp("%s", jb);
	assert_non_null(a);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* a label narrows the sets; a trailing slash is kept in every path said */
	snprintf(args, sizeof(args), "compare %s/6.1.0/ %s/6.5.0/ --label b", root, root);
	out = same_both_ways(args, 0);
	says(out, "6.1.0//2026-4", true);
	says(out, "6.1.0//2026-0", false);
	free(out);
	/* runs named one by one; a set of other options refused alike */
	snprintf(args, sizeof(args), "compare %s/6.1.0/2026-0,%s/6.1.0/2026-1 %s/6.3.0", root,
		 root, root);
	out = same_both_ways(args, 2);
	says(out, "fake options {\"size\":\"2M\"} differ", true);
	free(out);
	/* a label no run has */
	snprintf(args, sizeof(args), "compare %s/6.1.0 %s/6.2.0 --label zz", root, root);
	out = same_both_ways(args, 2);
	says(out, "no whole run labelled 'zz'", true);
	free(out);
}

static void test_bisect_references(void **state)
{
	const char *root = rich("bisect");
	char args[9000], *out;

	(void)state;
	/* levels 100 (6.1.0) and 70 (6.4.0, a run cut short among them); 6.2.0 is at 101 */
	snprintf(args, sizeof(args), "bisect-decide --good %s/6.1.0 --bad %s/6.4.0 --bench fake "
		 "--metric m --case mode=a %s/6.2.0", root, root, root);
	out = same_both_ways(args, 0);
	says(out, "good: 5 runs", true);
	free(out);
	snprintf(args, sizeof(args), "bisect-decide --good %s/6.1.0/2026-0,%s/6.1.0/2026-2,"
		 "%s/6.1.0/2026-3 --bad %s/6.4.0 --bench fake --metric m --case mode=a %s/6.6.0",
		 root, root, root, root, root);
	out = same_both_ways(args, 1);
	says(out, "bad: 5 runs", true);
	free(out);
	/* a step of other options: refused alike */
	snprintf(args, sizeof(args), "bisect-decide --good %s/6.1.0 --bad %s/6.4.0 --bench fake "
		 "--metric m --case mode=a %s/6.3.0/2026-9", root, root, root);
	out = same_both_ways(args, 2);
	says(out, "with options {\"size\":\"2M\"}, the references", true);
	free(out);
}

static void test_publish_site(void **state)
{
	char root[4200], args[9000], *off = NULL, *on = NULL;

	(void)state;
	snprintf(root, sizeof(root), "%s/pub", tu_tmpdir());
	rich_archive(root);
	/* the same words but for the site's name and the time taken */
	assert_int_equal(tu_run(&off, "MMBENCH_INDEX=off " MMBENCH " publish --root %s --out "
				"%s/site-off | sed 's#/site-off##; s/, [0-9.]* s$//'", root,
				tu_tmpdir()), 0);
	assert_int_equal(tu_run(NULL, "test -e %s/index.sqlite", root), 1);
	assert_int_equal(tu_run(&on, MMBENCH " publish --root %s --out %s/site-on | "
				"sed 's#/site-on##; s/, [0-9.]* s$//'", root, tu_tmpdir()), 0);
	assert_int_equal(tu_run(NULL, "test -e %s/index.sqlite", root), 0);
	assert_string_equal(off, on);
	says(on, "(1 unreadable)", true);
	snprintf(args, sizeof(args), "diff -r %s/site-off %s/site-on", tu_tmpdir(), tu_tmpdir());
	free(off);
	off = NULL;
	if (tu_run(&off, "%s", args))
		fail_msg("the sites differ:\n%s", off);
	free(off);
	free(on);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_sets),
		cmocka_unit_test(test_bisect_references),
		cmocka_unit_test(test_publish_site),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	tu_cleanup();
	return rc;
}
