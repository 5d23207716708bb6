/* Unit tests of the tracepoint helpers: the __print_symbolic parser on recorded format files, and ids from tracefs. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "fixtures.h"
#include "sys/counters.h"
#include "sys/tracepoint.h"

/* Two symbolic fields, one a prefix of the other's name, hex values, out of order. */
static const char two_fields_format[] =
	"name: made_up\n"
	"print fmt: \"mode=%s mode_ext=%s\", "
	"__print_symbolic(REC->mode_ext, { 0x10, \"ext_a\" }, { 0x20, \"ext_b\" }), "
	"__print_symbolic(REC->mode, { 7, \"seven\" }, { 0x3, \"three\" })\n";

static void test_skip_vma_numa(void **state)
{
	char names[16][32];
	int values[16];

	(void)state;
	assert_int_equal(tracepoint_parse_symbol(skip_vma_numa_6_18, "reason", "unsuitable"), 0);
	assert_int_equal(tracepoint_parse_symbol(skip_vma_numa_6_18, "reason", "pid_inactive"), 4);
	assert_int_equal(tracepoint_parse_symbol(skip_vma_numa_6_18, "reason", "seq_completed"), 6);
	assert_int_equal(tracepoint_parse_symbol(skip_vma_numa_6_18, "reason", "pid"), -ENOENT);
	assert_int_equal(tracepoint_parse_symbol(skip_vma_numa_6_18, "vm_start", "x"), -ENOENT);
	assert_int_equal(tracepoint_parse_symbols(skip_vma_numa_6_18, "reason", names, values, 16), 7);
	assert_string_equal(names[2], "inaccessible");
	assert_int_equal(values[2], 2);
	assert_string_equal(names[5], "ignore_pid_inactive");
	assert_int_equal(values[5], 5);
	/* Room for fewer than there are: the first ones, and the count stored. */
	assert_int_equal(tracepoint_parse_symbols(skip_vma_numa_6_18, "reason", names, values, 3), 3);
	assert_string_equal(names[2], "inaccessible");
}

static void test_field_choice(void **state)
{
	char names[4][32];
	int values[4];

	(void)state;
	assert_int_equal(tracepoint_parse_symbol(two_fields_format, "mode", "three"), 3);
	assert_int_equal(tracepoint_parse_symbol(two_fields_format, "mode", "seven"), 7);
	assert_int_equal(tracepoint_parse_symbol(two_fields_format, "mode", "ext_a"), -ENOENT);
	assert_int_equal(tracepoint_parse_symbol(two_fields_format, "mode_ext", "ext_b"), 0x20);
	assert_int_equal(tracepoint_parse_symbols(two_fields_format, "mode_ext", names, values, 4), 2);
	assert_string_equal(names[0], "ext_a");
	assert_int_equal(values[0], 16);
}

static void test_malformed(void **state)
{
	(void)state;
	assert_int_equal(tracepoint_parse_symbol("name: x\nformat:\n", "reason", "a"), -EINVAL);
	assert_int_equal(tracepoint_parse_symbol("print fmt: \"%s\", __print_symbolic(REC->r, { x, \"a\" })",
						 "r", "a"), -EINVAL);
	assert_int_equal(tracepoint_parse_symbol("print fmt: \"%s\", __print_symbolic(REC->r, { 1, \"a\" ",
						 "r", "a"), -EINVAL);
}

static void test_bad_names(void **state)
{
	(void)state;
	assert_int_equal(tracepoint_id("nocolon"), -EINVAL);
	assert_int_equal(tracepoint_id(":event"), -EINVAL);
	assert_int_equal(tracepoint_id("sched:"), -EINVAL);
	assert_int_equal(tracepoint_id("../..:x"), -EINVAL);
}

/* The live kernel: ids exist, and the live format agrees with what tracefs says. */
static void test_live(void **state)
{
	int id, v;

	(void)state;
	tu_need_root("reads the live tracefs, which is root's");
	if (!tracefs_dir())
		tu_skip("no tracefs: %s", strerror(errno));
	id = tracepoint_id("sched:sched_switch");
	assert_true(id > 0);
	assert_true(tracepoint_id("sched:sched_switch") == id);
	assert_int_equal(tracepoint_id("sched:no_such_event"), -ENOENT);
	v = tracepoint_symbol_value("sched:sched_skip_vma_numa", "reason", "pid_inactive");
	if (v == -ENOENT && tracepoint_id("sched:sched_skip_vma_numa") == -ENOENT)
		tu_skip("no sched:sched_skip_vma_numa: a kernel before 6.4");
	/* NUMAB_SKIP_PID_INACTIVE: fifth in the enum since 6.4, later reasons were added after it */
	assert_int_equal(v, 4);
	assert_int_equal(tracepoint_symbol_value("sched:sched_skip_vma_numa", "reason", "no_such"), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skip_vma_numa),
		cmocka_unit_test(test_field_choice),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests_name("tracepoint", tests, NULL, NULL);
}
