/* Option parsing: sizes with suffixes, numbers, lists, ranges and choices, as a bench table declares them. */
#include <errno.h>
#include <string.h>
#include "testutil.h"
#include "cmd/registry.h"
#include "core/bench.h"
#include "core/options.h"
#include "sys/procfs.h"

static void test_parse_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64K", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(parse_size("64k", &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(parse_size("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("10GiB", &v), 0);
	assert_int_equal(v, 10ull << 30);
	assert_int_equal(parse_size("2MB", &v), 0);
	assert_int_equal(v, 2ull << 20);
	assert_int_equal(parse_size("1T", &v), 0);
	assert_int_equal(v, 1ull << 40);
	assert_int_equal(parse_size("", &v), -EINVAL);
	assert_int_equal(parse_size("G", &v), -EINVAL);
	assert_int_equal(parse_size("-1G", &v), -EINVAL);
	assert_int_equal(parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(parse_size("12Q", &v), -EINVAL);
	assert_int_equal(parse_size("1GX", &v), -EINVAL);
	assert_int_equal(parse_size("99999999999T", &v), -ERANGE);
	assert_int_equal(parse_size("99999999999999999999999", &v), -ERANGE);
}

static void test_format_size(void **state)
{
	char b[32];

	(void)state;
	format_size(1ull << 30, b, sizeof(b));
	assert_string_equal(b, "1G");
	format_size(1536 << 10, b, sizeof(b));
	assert_string_equal(b, "1536K");
	format_size(4097, b, sizeof(b));
	assert_string_equal(b, "4097");
}

#define PLACES(X) X(PLACE_COMPACT, "compact") X(PLACE_SCATTER, "scatter")
enum place { PLACES(ENUM_VALUE) };

struct fake_opts {
	uint64_t size, stride;
	struct opt_nums threads;
	struct opt_choices mode;
	enum place place;
};

static const struct bench_opt opts[] = {
	{ .name = "size", .type = OPT_SIZE, OPT_AT(struct fake_opts, size),
	  .def = { "64M", "1G", "10G" }, .min = 4096, .max = 1ull << 40, .unit = "B", .help = "region" },
	{ .name = "stride", .type = OPT_UINT, OPT_AT(struct fake_opts, stride), .def = { "16" },
	  .min = 1, .max = 4096, .help = "pages" },
	{ .name = "threads", .type = OPT_UINT_LIST, OPT_AT(struct fake_opts, threads),
	  .def = { "1,2", "1,ncpus", "pow2,2ncpus" }, .min = 1, .max_per_cpu = 8, .help = "threads" },
	{ .name = "mode", .type = OPT_LIST, OPT_AT(struct fake_opts, mode), .def = { "c,a" },
	  .choices = "a|b|c", .help = "modes" },
	{ .name = "place", .type = OPT_CHOICE, OPT_AT(struct fake_opts, place), .def = { "scatter" },
	  .choices = PLACES(CHOICE_WORD), .help = "placement" },
	{ 0 },
};

static int noop_cases(struct bench_ctx *ctx, struct case_list *l)
{
	(void)ctx;
	(void)l;
	return 0;
}

static const struct bench fake = {
	.name = "fake", .summary = "s", .unit_of_work = "u", .opts = opts,
	.opts_size = sizeof(struct fake_opts), .cases = noop_cases,
};

/* A table whose member does not hold its type: said before the bench runs. */
struct wrong_opts {
	int size;
};

static const struct bench_opt wrong_table[] = {
	{ .name = "size", .type = OPT_SIZE, OPT_AT(struct wrong_opts, size), .def = { "1M" },
	  .help = "region" },
	{ 0 },
};

static const struct bench wrong = {
	.name = "wrong", .opts = wrong_table, .opts_size = sizeof(struct wrong_opts),
	.cases = noop_cases,
};

static void test_defaults_per_profile(void **state)
{
	struct opt_values *v = opt_values_new(&fake, PROFILE_FULL);
	struct fake_opts o;
	char err[256];
	unsigned n = online_cpus();

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(opt_values_validate(v, err, sizeof(err)), 0);
	assert_int_equal(opt_values_fill(v, &o, err, sizeof(err)), 0);
	assert_int_equal(o.size, 10ull << 30);
	/* a profile without its own default takes the previous one's */
	assert_int_equal(o.stride, 16);
	/* pow2,2ncpus: 1, 2, 4.. up to ncpus, then 2*ncpus; sorted, no duplicates */
	assert_true(o.threads.n >= 2);
	assert_int_equal(o.threads.v[0], 1);
	assert_int_equal(o.threads.v[o.threads.n - 1], 2 * n);
	assert_int_equal(o.threads.v[o.threads.n - 2], n);
	/* list words as indices into the choices, in the order given */
	assert_int_equal(o.mode.n, 2);
	assert_int_equal(o.mode.v[0], 2);
	assert_int_equal(o.mode.v[1], 0);
	assert_int_equal(o.place, PLACE_SCATTER);
	assert_int_equal(opt_values_set(v, "place", "compact", err, sizeof(err)), 0);
	assert_int_equal(opt_values_fill(v, &o, err, sizeof(err)), 0);
	assert_int_equal(o.place, PLACE_COMPACT);
	opt_values_free(v);

	v = opt_values_new(&wrong, PROFILE_QUICK);
	assert_int_equal(opt_values_fill(v, &o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "does not hold a uint64_t"));
	opt_values_free(v);
}

/* Every bench's option table fits its options struct: each member holds its type. */
static void test_bench_tables(void **state)
{
	(void)state;
	for (int i = 0; i < nr_benches; i++) {
		const struct bench *b = benches[i];

		if (b->opts && b->opts[0].name && !b->opts_size)
			fail_msg("%s: options without their struct (.opts_size)", b->name);
		for (const struct bench_opt *o = b->opts; o && o->name; o++) {
			if (o->field_size != opt_storage_size(o->type) ||
			    o->off + o->field_size > b->opts_size)
				fail_msg("%s: option %s: %zu bytes at %zu of %zu", b->name, o->name,
					 o->field_size, o->off, b->opts_size);
			if ((o->type == OPT_CHOICE || o->type == OPT_LIST) && !o->choices)
				fail_msg("%s: option %s has no choices", b->name, o->name);
		}
	}
}

static void test_bad_values(void **state)
{
	struct opt_values *v = opt_values_new(&fake, PROFILE_QUICK);
	char err[256], big[32];

	(void)state;
	assert_int_equal(opt_values_set(v, "size", "12Q", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "size"));
	assert_int_equal(opt_values_set(v, "size", "1K", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "below the minimum"));
	assert_int_equal(opt_values_set(v, "threads", "0", err, sizeof(err)), -EINVAL);
	snprintf(big, sizeof(big), "%u", 8 * online_cpus() + 1);
	assert_int_equal(opt_values_set(v, "threads", big, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "above the maximum"));
	snprintf(big, sizeof(big), "%u", 8 * online_cpus());
	assert_int_equal(opt_values_set(v, "threads", big, err, sizeof(err)), 0);
	assert_int_equal(opt_values_set(v, "mode", "a,d", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'d'"));
	assert_int_equal(opt_values_set(v, "mode", "a,,b", err, sizeof(err)), -EINVAL);
	assert_int_equal(opt_values_set(v, "place", "compact,scatter", err, sizeof(err)), -EINVAL);
	assert_int_equal(opt_values_set(v, "place", "scatter", err, sizeof(err)), 0);
	assert_int_equal(opt_values_set(v, "nope", "1", err, sizeof(err)), -ENOENT);
	assert_int_equal(opt_values_set(v, "stride", "", err, sizeof(err)), -EINVAL);
	/* a rejected value leaves the old one in place */
	assert_int_equal(opt_values_set(v, "stride", "x", err, sizeof(err)), -EINVAL);
	assert_int_equal(opt_values_validate(v, err, sizeof(err)), 0);
	opt_values_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_defaults_per_profile),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bench_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
