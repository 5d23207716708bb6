/* Unit test of vma-lock's scaling: computed after every case ran, from the case list, whatever the order of cases. */
#include <string.h>
#include "testutil.h"
#include "cmd/registry.h"
#include "core/bench.h"
#include "../benches/vma_lock_work.h"

/* A case as vma-lock's cases() makes it (its struct vl_case: mode, kind, placement, threads), with its rates. */
static struct bench_case *add(struct case_list *l, enum vl_mode mode, unsigned threads,
			      const double *fps, size_t n, enum case_status st)
{
	struct bench_case *c = case_new(l);

	assert_non_null(c);
	snprintf(c->key, sizeof(c->key), "mode=%d threads=%u", mode, threads);
	*CASE_DATA(c, struct vl_case) = (struct vl_case){
		.mode = mode, .kind = VL_ANON_WRITE, .place = PLACE_COMPACT, .nr = threads };
	c->status = st;
	for (size_t i = 0; i < n; i++)
		case_metric(c, "faults_per_sec", "faults/s", BETTER_HIGHER, fps[i]);
	return c;
}

static void finish(struct case_list *l)
{
	const struct bench *b = bench_find("vma-lock");
	struct bench_ctx ctx = { .bench = b, .reps = 3 };

	assert_non_null(b);
	assert_non_null(b->finish);
	b->finish(&ctx, l);
}

/* The 2-thread case first: its scaling still divides by the 1-thread median. */
static void test_order_independent(void **state)
{
	static const double two[] = { 400e3, 520e3, 600e3 }, one[] = { 270e3, 250e3, 260e3 };
	struct case_list l = { 0 };
	struct metric *m;

	(void)state;
	add(&l, VL_SHARED, 2, two, 3, CASE_OK);
	add(&l, VL_SHARED, 1, one, 3, CASE_OK);
	finish(&l);
	m = case_find_metric(&l.cases[0], "scaling");
	assert_non_null(m);
	assert_int_equal(m->n, 3);
	/* one value per repetition: its rate over 2 x 260k */
	assert_float_equal(m->samples[0], 400e3 / 520e3, 1e-12);
	assert_float_equal(m->samples[1], 1.0, 1e-12);
	assert_float_equal(m->samples[2], 600e3 / 520e3, 1e-12);
	m = case_find_metric(&l.cases[1], "scaling");
	assert_non_null(m);
	assert_float_equal(m->samples[0], 270.0 / 260.0, 1e-12);
	/* called again (a driver that finishes twice): still one value per repetition */
	finish(&l);
	assert_int_equal(case_find_metric(&l.cases[0], "scaling")->n, 3);
	case_list_free(&l);
}

/* Another mode's 1-thread case is not a base; one that did not run gives no scaling. */
static void test_base_of_own_family(void **state)
{
	static const double fps[] = { 100e3, 110e3 }, other[] = { 900e3, 900e3 };
	struct case_list l = { 0 };

	(void)state;
	add(&l, VL_PRIVATE, 1, other, 2, CASE_OK);
	add(&l, VL_SHARED, 2, fps, 2, CASE_OK);
	add(&l, VL_SHARED, 1, fps, 0, CASE_SKIP);
	add(&l, VL_PRIVATE, 2, fps, 2, CASE_OK);
	finish(&l);
	assert_null(case_find_metric(&l.cases[1], "scaling"));
	assert_float_equal(case_find_metric(&l.cases[3], "scaling")->samples[1], 110e3 / 1800e3, 1e-12);
	case_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_base_of_own_family),
	};

	return cmocka_run_group_tests(tests, NULL, tu_teardown);
}
