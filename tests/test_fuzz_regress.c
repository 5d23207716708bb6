/* Every input in fuzz/regress/ once crashed the reader under the fuzzer: each must now load or be refused cleanly. */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "harness.h"

static size_t file_size(const char *path)
{
	FILE *f = fopen(path, "r");
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

/* Each file: its expected result in the name, "*.ok" loads, anything else is refused. */
static void test_regress(void **state)
{
	char scratch[PATH_MAX];
	glob_t g;
	size_t i;

	(void)state;
	snprintf(scratch, sizeof(scratch), "%s/fuzz", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "mkdir -p %s", scratch), 0);
	if (glob("fuzz/regress/*", 0, NULL, &g) || !g.gl_pathc)
		skip();
	/* compare's tables are not what is tested */
	assert_non_null(freopen("/dev/null", "w", stdout));
	for (i = 0; i < g.gl_pathc; i++) {
		const char *name = g.gl_pathv[i];
		char *data = tu_slurp("%s", name);
		size_t len;
		int r;

		assert_non_null(data);
		/* the input may hold NULs: its length is the file's, not strlen() */
		len = file_size(name);
		r = fuzz_one(scratch, "tests/data/run-base", (const uint8_t *)data, len);
		if ((strlen(name) > 3 && !strcmp(name + strlen(name) - 3, ".ok")) != (r == 0))
			fail_msg("%s: rl_load returned %d", name, r);
		free(data);
	}
	globfree(&g);
	fuzz_cleanup(scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regress),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
