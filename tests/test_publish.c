/*
 * mmbench publish on a small archive (two kernels, three runs each, copies of the fixtures
 * with noise, one labelled <script>alert(1)</script>, and a TCG run): every page well formed,
 * every local link resolving, the label escaped everywhere, a second publish writing
 * nothing, one more run rewriting only what depends on it, HTML Tidy finding nothing to say
 * (test_int_browser opens the pages in Chromium).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "htmlcheck.h"
#include "publish_archive.h"

static int publish(char **out)
{
	return tu_run(out, "./build/mmbench publish --root %s --out %s", root, site);
}

/* "N written" of publish's line. */
static long written(const char *out)
{
	const char *w = strstr(out, " written");

	while (w && w > out && w[-1] >= '0' && w[-1] <= '9')
		w--;
	return w ? strtol(w, NULL, 10) : -1;
}

/* Every verdict cell's class is its verdict's: the style colours only better and worse. */
static void verdict_cells(const char *html)
{
	static const char *const v[] = { "better", "worse", "inconclusive", "same" };
	char cell[64];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		snprintf(cell, sizeof(cell), "<td class=\"%s\"", v[i]);
		for (const char *p = html; (p = strstr(p, cell)); p++, n++)
			assert_int_equal(strncmp(strchr(p, '>') + 1, v[i], strlen(v[i])), 0);
	}
	assert_true(n > 0);
	assert_non_null(strstr(html, ".better{background:"));
	assert_non_null(strstr(html, ".worse{background:"));
	assert_non_null(strstr(html, ".inconclusive{color:#777}"));
	assert_null(strstr(html, ".same{background"));
}

static int pages, links, escaped;

static int check_page(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char err[PATH_MAX + 200], *html;
	int n;

	(void)st;
	(void)ftw;
	if (type != FTW_F || !strstr(path, ".html"))
		return 0;
	html = tu_slurp("%s", path);
	assert_non_null(html);
	if (hc_check(html, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	n = hc_links(path, html, err, sizeof(err));
	if (n < 0)
		fail_msg("%s", err);
	if (strcasestr(html, "<script"))
		fail_msg("%s: a <script> reached the page", path);
	if (strcasestr(html, "onmouseover=\""))
		fail_msg("%s: the TCG run's label left its attribute", path);
	escaped += strstr(html, ESCAPED_LABEL) != NULL;
	links += n;
	pages++;
	free(html);
	return 0;
}

static void test_site(void **state)
{
	char *out = NULL, path[PATH_MAX * 2], *html;

	(void)state;
	assert_int_equal(publish(&out), 0);
	assert_non_null(strstr(out, "7 runs (0 unreadable)"));
	free(out);
	pages = links = escaped = 0;
	assert_int_equal(nftw(site, check_page, 16, FTW_PHYS), 0);
	/* index, regressions, 7 runs, 2 kernels, one comparison, a trend per headline metric */
	assert_true(pages >= 16);
	assert_true(links > 3 * pages);
	/* the run's page, its kernel's page and the index's latest runs at least */
	assert_true(escaped >= 3);

	html = tu_slurp("%s/index.html", site);
	assert_non_null(strstr(html, "class=\"tcg\""));
	assert_non_null(strstr(html, "6.18.0-new"));
	free(html);
	find_page(site, "compare/*/6.1.0-base--6.18.0-new.html", path, sizeof(path));
	html = tu_slurp("%s", path);
	/* the verdict table, three runs a side: only better and worse coloured */
	assert_non_null(strstr(html, "<th>verdict</th>"));
	assert_non_null(strstr(html, "<svg"));
	verdict_cells(html);
	free(html);
	find_page(site, "trends/*/uffd-wp--total_us.html", path, sizeof(path));
	html = tu_slurp("%s", path);
	assert_non_null(strstr(html, "over kernels</title>"));
	free(html);
	html = tu_slurp("%s/regressions.html", site);
	assert_non_null(strstr(html, "<h2>Changes</h2>"));
	assert_non_null(strstr(html, "<h2>Could not tell</h2>"));
	/* a comparison's change carries compare's mechanism line: minor faults did not move */
	assert_non_null(strstr(html, "mechanism: minor-faults x1.00; unchanged: look for another "
			       "cause"));
	free(html);
}

static json_t *stamps;		/* page -> when it was written (ns), for changed_pages() */
static size_t changed;

static int stamp_page(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	json_int_t ns = st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
	json_t *was = json_object_get(stamps, path);

	(void)ftw;
	if (type == FTW_F && strstr(path, ".html")) {
		changed += !was || json_integer_value(was) != ns;
		json_object_set_new(stamps, path, json_integer(ns));
	}
	return 0;
}

/* Pages written since the last call (new ones too); the first call counts every page. */
static size_t changed_pages(void)
{
	changed = 0;
	assert_int_equal(nftw(site, stamp_page, 16, FTW_PHYS), 0);
	return changed;
}

static void test_incremental(void **state)
{
	char *out = NULL, pattern[PATH_MAX];
	size_t all;

	(void)state;
	stamps = json_object();
	assert_int_equal(publish(&out), 0);
	free(out);
	all = changed_pages();
	/* nothing changed: nothing written */
	assert_int_equal(publish(&out), 0);
	assert_int_equal(written(out), 0);
	free(out);
	assert_int_equal(changed_pages(), 0);
	/*
	 * One more run of the new kernel: its page, its kernel's, the comparison and the kvm
	 * host's 4 trends it is in, the index and the regressions (9); not the other runs, the
	 * base kernel's page or the TCG host's trends.
	 */
	make_run("run-new", "6.18.0-new", "20240607-110000-new", "new", 11);
	assert_int_equal(publish(&out), 0);
	assert_non_null(strstr(out, "8 runs"));
	assert_int_equal(changed_pages(), written(out));
	free(out);
	printf("one more run: %zu of %zu pages written\n", changed, all + 1);
	assert_int_equal(changed, 9);
	snprintf(pattern, sizeof(pattern), "%s/runs/6.18.0-new/20240607-110000-new.html", site);
	assert_int_equal(access(pattern, F_OK), 0);
	/* the run gone again: its page goes too */
	assert_int_equal(tu_run(NULL, "rm -r %s/6.18.0-new/20240607-110000-new", root), 0);
	assert_int_equal(publish(&out), 0);
	assert_non_null(strstr(out, "1 removed"));
	free(out);
	assert_int_not_equal(access(pattern, F_OK), 0);
	json_decref(stamps);
}

static size_t tidied;

static int tidy_page(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char *out = NULL;

	(void)st;
	(void)ftw;
	if (type != FTW_F || !strstr(path, ".html"))
		return 0;
	/* 0: neither warnings nor errors (1 and 2 are those) */
	if (tu_run(&out, "tidy -quiet -errors '%s'", path))
		fail_msg("%s: HTML Tidy says: %s", path, out);
	free(out);
	tidied++;
	return 0;
}

/* Every page passes HTML Tidy (an HTML5 checker, not ours) without a warning. */
static void test_tidy(void **state)
{
	(void)state;
	if (tu_run(NULL, "command -v tidy")) {
		tu_skip("HTML Tidy is not installed (make deps installs it)");
		return;
	}
	assert_int_equal(publish(NULL), 0);
	tidied = 0;
	assert_int_equal(nftw(site, tidy_page, 16, FTW_PHYS), 0);
	assert_true(tidied >= 16);
}

static void test_bad_input(void **state)
{
	char *out = NULL, other[PATH_MAX];

	(void)state;
	snprintf(other, sizeof(other), "%s/not-a-site", tu_tmpdir());
	tu_write_file(other, "%s", "mine\n");
	snprintf(other, sizeof(other), "%s", tu_tmpdir());
	assert_int_equal(tu_run(&out, "./build/mmbench publish --root %s --out %s", root, other), 2);
	assert_non_null(strstr(out, "nothing written"));
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench publish --root %s", root), 2);
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench publish --root %s --out %s/s2 --base-url "
				"'javascript:alert(1)'", root, tu_tmpdir()), 2);
	free(out);
	snprintf(other, sizeof(other), "%s/s2", tu_tmpdir());
	assert_int_not_equal(access(other, F_OK), 0);
	assert_int_equal(tu_run(&out, "./build/mmbench publish --root %s/nowhere --out %s/s3",
				tu_tmpdir(), tu_tmpdir()), 2);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_site),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_tidy),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, pa_setup, tu_teardown);
}
