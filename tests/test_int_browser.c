/*
 * Published pages as a person sees them: the small archive of test_publish published, and its
 * index, the comparison of the two kernels, a trend, the run labelled <script>, the
 * regressions page and the one-file report and comparison opened in headless Chromium
 * (tests/browser.py drives it). Each must load without a console error or an exception,
 * fetch nothing beyond its own file, hold no script or event handler, resolve every link to a file that is
 * there, and render its tables and charts; a screenshot of each must not be blank.
 * Skipped, with the reason, without chromium or ImageMagick (make deps installs both).
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "publish_archive.h"

/* What the browser must have rendered on one page. */
struct want {
	const char *name;
	char path[PATH_MAX * 2];
	json_int_t tables, svgs, verdict_cells;
	bool escaped_label;		/* the <script> label shows as text */
};

static bool have(const char *tool)
{
	return tu_run(NULL, "command -v %s", tool) == 0;
}

/* Distinct colours of a screenshot: one for a blank page, hundreds for text and charts. */
static long colours(const char *png)
{
	char *out = NULL;
	long n;

	assert_int_equal(tu_run(&out, "identify -format %%k %s", png), 0);
	n = strtol(out, NULL, 10);
	free(out);
	return n;
}

static void check(const struct want *w, json_t *seen)
{
	const char *shot = json_string_value(json_object_get(seen, "screenshot"));
	const char *keep = getenv("MMBENCH_SCREENSHOTS");
	char *text = NULL;

	printf("%s: %lld tables, %lld SVG, %lld verdict cells, %lld links, %ld colours\n", w->name,
	       json_integer_value(json_object_get(seen, "tables")),
	       json_integer_value(json_object_get(seen, "svgs")),
	       json_integer_value(json_object_get(seen, "verdict_cells")),
	       json_integer_value(json_object_get(seen, "links")), colours(shot));
	text = json_dumps(seen, JSON_COMPACT);
	if (json_array_size(json_object_get(seen, "errors")) ||
	    json_array_size(json_object_get(seen, "requests")) ||
	    json_array_size(json_object_get(seen, "broken")))
		fail_msg("%s: %s", w->name, text);
	free(text);
	assert_int_equal(json_integer_value(json_object_get(seen, "scripts")), 0);
	assert_int_equal(json_integer_value(json_object_get(seen, "handlers")), 0);
	assert_true(json_integer_value(json_object_get(seen, "tables")) >= w->tables);
	assert_true(json_integer_value(json_object_get(seen, "svgs")) >= w->svgs);
	assert_true(json_integer_value(json_object_get(seen, "verdict_cells")) >= w->verdict_cells);
	assert_true(json_integer_value(json_object_get(seen, "text_len")) > 300);
	assert_true(colours(shot) > 16);
	if (w->escaped_label)
		assert_true(json_is_true(json_object_get(seen, "script_label_as_text")));
	if (keep && *keep)
		assert_int_equal(tu_run(NULL, "mkdir -p %s && cp %s %s/", keep, shot, keep), 0);
}

static void test_pages(void **state)
{
	struct want w[] = {
		{ .name = "index", .tables = 2 },
		{ .name = "compare", .tables = 4, .svgs = 1, .verdict_cells = 8 },
		{ .name = "trend", .tables = 2, .svgs = 2, .verdict_cells = 1 },
		{ .name = "run", .tables = 2, .svgs = 1 },
		{ .name = "regressions", .tables = 1, .verdict_cells = 1 },
		{ .name = "report-1file", .tables = 2, .svgs = 1 },
		{ .name = "compare-1file", .tables = 4, .svgs = 1, .verdict_cells = 8 },
	};
	char abs[PATH_MAX], list[8192] = "", *out = NULL, *line;
	size_t n = 0, len = 0;

	(void)state;
	if (!have("chromium") || !have("identify")) {
		tu_skip("chromium or ImageMagick's identify is not installed (make deps installs them)");
		return;
	}
	assert_int_equal(tu_run(NULL, "./build/mmbench publish --root %s --out %s", root, site), 0);
	assert_non_null(realpath(site, abs));
	snprintf(w[0].path, sizeof(w[0].path), "%s/index.html", abs);
	find_page(abs, "compare/*/6.1.0-base--6.18.0-new.html", w[1].path, sizeof(w[1].path));
	find_page(abs, "trends/*/uffd-wp--total_us.html", w[2].path, sizeof(w[2].path));
	snprintf(w[3].path, sizeof(w[3].path), "%s/runs/6.18.0-new/20240605-110000-new.html", abs);
	w[3].escaped_label = true;
	snprintf(w[4].path, sizeof(w[4].path), "%s/regressions.html", abs);
	snprintf(w[5].path, sizeof(w[5].path), "%s/report-%s.html", tu_tmpdir(), w[5].name);
	assert_int_equal(tu_run(NULL, "./build/mmbench report %s/6.18.0-new/20240605-110000-new "
				"--format html --out %s", root, w[5].path), 0);
	snprintf(w[6].path, sizeof(w[6].path), "%s/%s.html", tu_tmpdir(), w[6].name);
	/* exit 3: something is worse, as the fixtures have it; the text still on stdout */
	assert_int_equal(tu_run(&out, "./build/mmbench compare %s/6.1.0-base %s/6.18.0-new "
				"--history none --html %s", root, root, w[6].path), 3);
	assert_non_null(strstr(out, "worse"));
	assert_null(strstr(out, "<html"));
	free(out);
	out = NULL;
	/* the one-file pages pass HTML Tidy as the site's do (test_publish) */
	for (size_t i = 5; i < 7 && have("tidy"); i++) {
		if (tu_run(&out, "tidy -quiet -errors '%s'", w[i].path))
			fail_msg("%s: HTML Tidy says: %s", w[i].path, out);
		free(out);
		out = NULL;
	}
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		len += snprintf(list + len, sizeof(list) - len, " '%s'", w[i].path);
	assert_int_equal(tu_run(&out, "timeout 300 python3 tests/browser.py --shots %s%s",
				tu_tmpdir(), list), 0);
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		json_t *seen = json_loads(line, 0, NULL);

		if (!seen)
			continue;	/* chromium's own chatter on stderr */
		assert_true(n < sizeof(w) / sizeof(w[0]));
		assert_string_equal(json_string_value(json_object_get(seen, "page")), w[n].path);
		check(&w[n++], seen);
		json_decref(seen);
	}
	free(out);
	assert_int_equal(n, sizeof(w) / sizeof(w[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages),
	};

	return cmocka_run_group_tests(tests, pa_setup, tu_teardown);
}
