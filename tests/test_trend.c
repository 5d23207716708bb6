/* Unit tests of the trend's parts: kernel version order and change points on synthetic series. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "core/bench.h"
#include "stats/changepoint.h"
#include "analysis/kversion.h"

static void test_version_order(void **state)
{
	static const char *const sorted[] = {
		"6.1.0-56-cloud-amd64", "6.1.0-57-cloud-amd64", "6.12.0-rc3", "6.12.0-rc10",
		"6.12.117+deb12-cloud-amd64", "6.18.44-fc-v1045", "my-kernel",
	};
	size_t n = sizeof(sorted) / sizeof(sorted[0]);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			int c = kversion_cmp(sorted[i], sorted[j]);

			if ((i < j && c >= 0) || (i > j && c <= 0) || (i == j && c))
				fail_msg("%s vs %s: %d", sorted[i], sorted[j], c);
		}
}

/* Six kernels, two runs each, three samples a run, at @level[k] with a little spread. */
static int series(const double *level, struct cp_point *cp)
{
	static double x[6][2][3];
	static const double *xs[6][2];
	static size_t ns[6][2];
	struct vside g[6];

	for (int k = 0; k < 6; k++) {
		for (int r = 0; r < 2; r++) {
			for (int i = 0; i < 3; i++)
				x[k][r][i] = level[k] * (1 + 0.01 * ((k + r + i) % 3 - 1));
			xs[k][r] = x[k][r];
			ns[k][r] = 3;
		}
		g[k] = (struct vside){ .x = xs[k], .n = ns[k], .nr_runs = 2 };
	}
	return changepoint_find(g, 6, BETTER_HIGHER, cp);
}

static void test_step_found(void **state)
{
	const double level[6] = { 100, 101, 99, 70, 71, 70 };
	struct cp_point cp[CP_MAX];

	(void)state;
	assert_int_equal(series(level, cp), 1);
	assert_int_equal(cp[0].at, 3);
	assert_int_equal(cp[0].res.v, VERDICT_WORSE);
}

static void test_flat_none(void **state)
{
	const double level[6] = { 100, 101, 99, 100, 102, 100 };
	struct cp_point cp[CP_MAX];

	(void)state;
	assert_int_equal(series(level, cp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_order),
		cmocka_unit_test(test_step_found),
		cmocka_unit_test(test_flat_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
