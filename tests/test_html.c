/* Unit tests of the HTML pages' pieces: escaping, the escaping printf, the SVG charts' axes and markup, and report/compare --format html on the fixtures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "htmlcheck.h"
#include "report/html.h"

#define DATA	"tests/data/"

/* What @fn writes to a stream, as a string (malloc'd). */
#define CAPTURE(buf, f, ...) do { \
		size_t len_; \
		FILE *f = open_memstream(&(buf), &len_); \
		assert_non_null(f); \
		__VA_ARGS__; \
		assert_int_equal(fclose(f), 0); \
	} while (0)

static void test_escape(void **state)
{
	char *out = NULL;

	(void)state;
	CAPTURE(out, f, html_text(f, "<script>alert(1)</script> & \"q\" 'a'"));
	assert_string_equal(out, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;");
	free(out);
	/* UTF-8 kept; a byte that is not UTF-8, and a control character, become U+FFFD */
	CAPTURE(out, f, html_text(f, "caf\xc3\xa9 \xff \x1b[31m"));
	assert_string_equal(out, "caf\xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd[31m");
	free(out);
	CAPTURE(out, f, html_text(f, NULL));
	assert_string_equal(out, "-");
	free(out);
}

static void test_printf(void **state)
{
	const char *volatile nil = NULL;	/* hidden from gcc's check of a NULL %s */
	char *out = NULL;

	(void)state;
	CAPTURE(out, f, html_printf(f, "<b class=\"%s\">%s</b> %zu %.2f %d%% %c %5.1f|%-3d|%x %ld",
				    "a\"b", "<x>", (size_t)3, 1.5, -2, 'A', 2.25, 7, 255u, -9L));
	assert_string_equal(out, "<b class=\"a&quot;b\">&lt;x&gt;</b> 3 1.50 -2% A   2.2|7  |ff -9");
	free(out);
	/* a precision cuts a string, never inside a character; NULL shows as "-" */
	CAPTURE(out, f, html_printf(f, "[%.3s][%.1s][%s]", "ab\xc3\xa9z", "\xc3\xa9", nil));
	assert_string_equal(out, "[ab][][-]");
	free(out);
}

static void test_axis(void **state)
{
	double a, b, t[16];
	size_t n;

	(void)state;
	n = svg_axis(3, 97, false, true, &a, &b, t, 16);
	assert_true(a == 0 && b == 100);
	assert_int_equal(n, 6);
	assert_true(t[1] == 20 && t[5] == 100);
	/* a trend's line need not start at zero */
	n = svg_axis(1020, 1090, false, false, &a, &b, t, 16);
	assert_true(a == 1020 && b == 1100 && n == 5);
	n = svg_axis(0.5, 2000, true, false, &a, &b, t, 16);
	assert_true(fabs(a - 0.1) < 1e-12 && fabs(b - 1e4) < 1e-9);
	assert_int_equal(n, 6);
	assert_true(fabs(t[2] - 10) < 1e-12);
	/* one value: still a range around it */
	n = svg_axis(5, 5, false, false, &a, &b, t, 16);
	assert_true(a < 5 && b > 5 && n >= 2);
	assert_false(svg_log_axis(1, 99));
	assert_true(svg_log_axis(1, 100));
	assert_false(svg_log_axis(0, 1000));
}

static void test_num(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(svg_num(12500, b, sizeof(b)), "12.5k");
	assert_string_equal(svg_num(3.5e6, b, sizeof(b)), "3.5M");
	assert_string_equal(svg_num(250, b, sizeof(b)), "250");
	assert_string_equal(svg_num(0.5, b, sizeof(b)), "0.5");
	assert_string_equal(svg_num(1e-5, b, sizeof(b)), "1e-05");
	assert_string_equal(svg_num(0, b, sizeof(b)), "0");
	assert_string_equal(svg_num(NAN, b, sizeof(b)), "-");
}

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (; (s = strstr(s, needle)); s++)
		n++;
	return n;
}

/* A page around @svg, for the checker. */
static void check_svg(const char *svg)
{
	char *page = NULL, err[200];
	size_t len;
	FILE *f = open_memstream(&page, &len);

	html_head(f, "t", NULL);
	fputs(svg, f);
	html_foot(f);
	fclose(f);
	if (hc_check(page, err, sizeof(err)))
		fail_msg("%s", err);
	free(page);
}

static void test_bars(void **state)
{
	const char *x[] = { "<script>alert(1)</script>", "b", "c", "d" };
	const double y[] = { 2, 300, NAN, 50000 }, lo[] = { 1, 250, NAN, 40000 },
		     hi[] = { 3, 350, NAN, 60000 };
	struct svg_series s = { "run", y, lo, hi };
	char *out = NULL;

	(void)state;
	CAPTURE(out, f, svg_chart(f, &(struct svg_chart){ .title = "fake: m & n", .ylabel = "m [ns]",
		.xlabel = "case", .x = x, .nx = 4, .s = &s, .ns = 1 }));
	check_svg(out);
	assert_non_null(strstr(out, "<title>fake: m &amp; n</title>"));
	/* values from 2 to 60000 span decades: a log axis, said on the axis */
	assert_non_null(strstr(out, "m [ns] (log scale)"));
	assert_non_null(strstr(out, ">10k</text>"));
	assert_non_null(strstr(out, "&lt;script&gt;"));
	assert_null(strstr(out, "<script"));
	/* one bar per value (NaN has none), no legend for one series */
	assert_int_equal(count(out, "<rect"), 3);
	assert_null(strstr(out, "nan"));
	assert_null(strstr(out, "inf"));
	free(out);
}

static void test_lines(void **state)
{
	const char *x[] = { "6.1", "6.6", "6.12", "6.18" }, *mark[] = { NULL, NULL, "worse x1.3", NULL };
	const double y[] = { 100, 101, 130, 131 };
	struct svg_series s[2] = { { "A", y, NULL, NULL }, { "B", y, NULL, NULL } };
	char *out = NULL;

	(void)state;
	CAPTURE(out, f, svg_chart(f, &(struct svg_chart){ .title = "t", .ylabel = "m [ns]",
		.xlabel = "kernel", .x = x, .nx = 4, .s = s, .ns = 2, .lines = true, .mark = mark }));
	check_svg(out);
	assert_null(strstr(out, "log scale"));
	assert_int_equal(count(out, "<circle"), 8);
	assert_int_equal(count(out, "class=\"cp\""), 1);
	assert_non_null(strstr(out, ">worse x1.3</text>"));
	/* a legend for two series: a swatch each */
	assert_int_equal(count(out, "<rect"), 2);
	free(out);
}

/* 50 kernels: every other x labelled, the change point's and the last always, none crowding them. */
static void test_crowded_labels(void **state)
{
	char names[50][16], label[32], *out = NULL;
	const char *x[50], *mark[50] = { NULL };
	double y[50];
	struct svg_series s = { "A", y, NULL, NULL };

	(void)state;
	for (int i = 0; i < 50; i++) {
		snprintf(names[i], sizeof(names[i]), "6.%d.0-syn", i);
		x[i] = names[i];
		y[i] = i < 25 ? 150 : 173;
	}
	mark[25] = "worse x1.15";
	CAPTURE(out, f, svg_chart(f, &(struct svg_chart){ .title = "t", .ylabel = "m [us]",
		.xlabel = "kernel", .x = x, .nx = 50, .s = &s, .ns = 1, .lines = true, .mark = mark }));
	check_svg(out);
	for (int i = 0; i < 50; i++) {
		bool shown = i == 25 || i == 49 || (i % 2 == 0 && i != 24 && i != 26 && i != 48);

		snprintf(label, sizeof(label), "</title>%s</text>", names[i]);
		if (shown != (strstr(out, label) != NULL))
			fail_msg("x %d (%s) is %s", i, names[i], shown ? "missing" : "shown");
	}
	free(out);
}

static void test_checker(void **state)
{
	char err[200];

	(void)state;
	assert_non_null(hc_check("<!DOCTYPE html><div><span></div></span>", err, sizeof(err)));
	assert_non_null(hc_check("<!DOCTYPE html><p>a < b</p>", err, sizeof(err)));
	assert_non_null(hc_check("<!DOCTYPE html><p>R&D</p>", err, sizeof(err)));
	assert_non_null(hc_check("<!DOCTYPE html><p><script>x</script></p>", err, sizeof(err)));
	assert_non_null(hc_check("<!DOCTYPE html><img src=\"http://x/y.png\">", err, sizeof(err)));
	assert_non_null(hc_check("<!DOCTYPE html><p class=a>x</p>", err, sizeof(err)));
	assert_null(hc_check("<!DOCTYPE html><p class=\"a\">x &amp; y<br></p><svg><path d=\"M0 0\"/></svg>",
			     err, sizeof(err)));
}

/* A page of the binary, checked: well formed, the label escaped, charts drawn. */
static char *checked(const char *path)
{
	char *html = tu_slurp("%s", path), err[300];

	assert_non_null(html);
	if (hc_check(html, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	return html;
}

static void test_report_html(void **state)
{
	const char *dir = tu_copy_dir(DATA "run-base", "run-html");
	char out[PATH_MAX];
	char *html, *txt;

	(void)state;
	assert_int_equal(tu_run(NULL, "sed -i 's|\"label\": \"base\"|\"label\": \"<script>alert(1)</script>\"|' "
				"%s/manifest.json", dir), 0);
	assert_int_equal(tu_run(&txt, "./build/mmbench report %s --format html", dir), 0);
	snprintf(out, sizeof(out), "%s/report.html", dir);
	assert_non_null(strstr(txt, out));
	free(txt);
	html = checked(out);
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "<h2 id=\"bench-uffd-wp\">uffd-wp</h2>"));
	/* a chart per metric of each bench: fault-scale 2, uffd-wp 3 */
	assert_int_equal(count(html, "<svg"), 5);
	free(html);
	/* bad input: one line, exit 2, nothing written */
	assert_int_equal(tu_run(&txt, "./build/mmbench report %s --format pdf", dir), 2);
	assert_non_null(strstr(txt, "--format is text or html"));
	free(txt);
}

static void test_compare_html(void **state)
{
	char path[PATH_MAX], *html;
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s/compare.html", tu_tmpdir());
	rc = tu_run(NULL, "./build/mmbench compare %srun-base %srun-new --history none --format html > %s",
		    DATA, DATA, path);
	assert_true(rc == 0 || rc == 3);
	html = checked(path);
	/* one replicate a side: inconclusive, grey, and nothing coloured */
	assert_non_null(strstr(html, "<td class=\"inconclusive\""));
	assert_null(strstr(html, "<td class=\"better\""));
	assert_null(strstr(html, "<td class=\"worse\""));
	assert_non_null(strstr(html, "knobs.khugepaged.max_ptes_none"));
	assert_true(count(html, "<svg") >= 5);
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_axis),
		cmocka_unit_test(test_num),
		cmocka_unit_test(test_bars),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_crowded_labels),
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_report_html),
		cmocka_unit_test(test_compare_html),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
