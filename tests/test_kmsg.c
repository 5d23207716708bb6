/* Unit tests of lib/sys/kmsg.c: the classifier on lines the kernel prints, records parsed, a watch's manifest object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "sys/kmsg.h"

/* Lines as kernels print them (from real logs), and the kind each tells of. */
static const struct {
	const char *text, *kind;
} lines[] = {
	{ "WARNING: CPU: 1 PID: 4242 at mm/huge_memory.c:2967 split_huge_page_to_list+0x5/0x10",
	  "WARNING" },
	{ "WARNING: mmbench test", "WARNING" },
	{ "BUG: unable to handle page fault for address: ffffffffc0000000", "BUG" },
	{ "kernel BUG at mm/memory.c:1234!", "BUG" },
	{ "BUG: Bad page state in process mmbench  pfn:12345", "BUG" },
	{ "Oops: general protection fault, probably for non-canonical address 0xdead: 0000 [#1] SMP",
	  "Oops" },
	{ "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [mmbench:4242]", "soft lockup" },
	{ "Watchdog detected hard LOCKUP on cpu 1", "hard lockup" },
	{ "INFO: task khugepaged:52 blocked for more than 122 seconds.", "hung task" },
	{ "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "RCU stall" },
	{ "rcu: INFO: rcu_sched self-detected stall on CPU", "RCU stall" },
	{ "mmbench: page allocation failure: order:9, mode:0x140cca(GFP_HIGHUSER_MOVABLE)",
	  "page allocation failure" },
	{ "mmbench invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE), order=0",
	  "OOM" },
	{ "Out of memory: Killed process 4242 (mmbench) total-vm:4194304kB", "OOM" },
	{ "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),task=mmbench,pid=4242", "OOM" },
	/* ordinary lines, at whatever level */
	{ "NET: Registered PF_INET6 protocol family", NULL },
	{ "random: crng init done", NULL },
	{ "clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as unstable", NULL },
	{ "Bugs: none", NULL },
	{ "warning: process 'x' used the deprecated sysctl", NULL },
};

static void test_classify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *k = kmsg_classify(lines[i].text);

		if (!lines[i].kind) {
			if (k)
				fail_msg("'%s' is no problem, classified %s", lines[i].text, k);
			continue;
		}
		if (!k || strcmp(k, lines[i].kind))
			fail_msg("'%s': want %s, got %s", lines[i].text, lines[i].kind, k ? k : "none");
	}
	/* kept: warning level or worse, or a problem at any level (a BUG printed at KERN_INFO) */
	assert_true(kmsg_keep(4, "clocksource: Marking clocksource 'tsc' as unstable"));
	assert_true(kmsg_keep(0, "anything at all"));
	assert_false(kmsg_keep(5, "NET: Registered PF_INET6 protocol family"));
	assert_false(kmsg_keep(6, "random: crng init done"));
	assert_true(kmsg_keep(6, "BUG: Bad page state in process x"));
}

static void test_parse(void **state)
{
	static const char rec[] = "12,811,5140900123,-,caller=T4242;WARNING: `mmbench`\\x1b test\n"
				  " SUBSYSTEM=mem\n DEVICE=c1:11\n";
	struct kmsg_line l;
	char big[600];

	(void)state;
	assert_int_equal(kmsg_parse(rec, strlen(rec), &l), 0);
	assert_int_equal(l.level, 4);
	assert_int_equal(l.facility, 1);	/* user space: <4> through /dev/kmsg is LOG_USER */
	assert_int_equal(l.seq, 811);
	assert_int_equal(l.usec, 5140900123ull);
	/* backquotes would be refused by the run reader; the kernel escapes the rest */
	assert_string_equal(l.text, "WARNING: 'mmbench'\\x1b test");
	assert_int_equal(kmsg_parse("6,1,2,-;x", 9, &l), 0);
	assert_int_equal(l.level, 6);
	assert_string_equal(l.text, "x");
	assert_int_equal(kmsg_parse("no semicolon here", 17, &l), -EINVAL);
	assert_int_equal(kmsg_parse("a,b,c;text", 10, &l), -EINVAL);
	/* a long line is cut, not overrun */
	memset(big, 'y', sizeof(big));
	memcpy(big, "3,5,6,-;", 8);
	assert_int_equal(kmsg_parse(big, sizeof(big), &l), 0);
	assert_int_equal(strlen(l.text), KMSG_TEXT_MAX);
	/* a raw control byte (none should come) becomes '?' */
	assert_int_equal(kmsg_parse("4,1,1,-;a\tb", 11, &l), 0);
	assert_string_equal(l.text, "a?b");
}

static void add(struct kmsg_watch *w, const char *rec)
{
	assert_int_equal(kmsg_watch_add(w, rec, strlen(rec)), 0);
}

static void test_watch(void **state)
{
	struct kmsg_watch w;
	json_t *j, *shown;
	char *txt = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	/* not a log at all, but opened and at its end as /dev/kmsg would be */
	kmsg_watch_start(&w, "/dev/null");
	assert_true(w.readable);
	add(&w, "6,100,1000000,-;random: crng init done");
	kmsg_watch_phase(&w, "vma-lock");
	add(&w, "4,101,2000000,-;WARNING: CPU: 1 PID: 7 at mm/memory.c:1 f+0x1/0x2");
	add(&w, "4,102,2000100,-;Call Trace:");
	/* 103..104 overwritten before they were read */
	add(&w, "3,105,3500000,-;BUG: Bad page state in process mmbench  pfn:1");
	kmsg_watch_phase(&w, "thp");
	add(&w, "5,106,4000000,-;audit: type=1400");
	assert_int_equal(w.nr, 3);
	assert_int_equal(w.problems, 2);
	assert_int_equal(w.lost, 2);
	assert_string_equal(w.lines[0].phase, "vma-lock");
	assert_string_equal(w.lines[2].kind, "BUG");

	j = kmsg_watch_json(&w);
	assert_true(json_is_true(json_object_get(j, "readable")));
	assert_int_equal(json_integer_value(json_object_get(j, "lines")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "problems")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "lost")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "kinds"), "WARNING")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "kinds"), "BUG")), 1);
	shown = json_object_get(j, "shown");
	assert_int_equal(json_array_size(shown), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(shown, 1), "text")),
			    "Call Trace:");
	assert_null(json_object_get(json_array_get(shown, 1), "kind"));
	assert_true(json_number_value(json_object_get(json_array_get(shown, 2), "time")) == 3.5);
	json_decref(j);

	f = open_memstream(&txt, &len);
	assert_int_equal(kmsg_watch_write(f, &w), 0);
	fclose(f);
	assert_string_equal(txt, "[    2.000000] <4> (vma-lock) WARNING: CPU: 1 PID: 7 at mm/memory.c:1 f+0x1/0x2\n"
				 "[    2.000100] <4> (vma-lock) Call Trace:\n"
				 "[    3.500000] <3> (vma-lock) BUG: Bad page state in process mmbench  pfn:1\n");
	free(txt);
	kmsg_watch_stop(&w);
	assert_false(w.started);
}

/* Problems are shown first when there are more lines than the manifest holds. */
static void test_shown_problems_first(void **state)
{
	struct kmsg_watch w;
	char rec[128];
	json_t *j, *shown;

	(void)state;
	kmsg_watch_start(&w, "/dev/null");
	for (int i = 0; i < 30; i++) {
		snprintf(rec, sizeof(rec), "4,%d,%d,-;%s %d", i + 1, i * 1000,
			 i == 27 ? "WARNING: late" : "trace line", i);
		add(&w, rec);
	}
	j = kmsg_watch_json(&w);
	shown = json_object_get(j, "shown");
	assert_int_equal(json_array_size(shown), KMSG_SHOWN);
	/* in log order: 19 ordinary lines, then the late warning */
	assert_string_equal(json_string_value(json_object_get(json_array_get(shown, KMSG_SHOWN - 1),
							      "text")), "WARNING: late 27");
	assert_int_equal(json_integer_value(json_object_get(j, "lines")), 30);
	json_decref(j);
	kmsg_watch_stop(&w);
}

static void test_unreadable(void **state)
{
	struct kmsg_watch w;
	json_t *j;

	(void)state;
	kmsg_watch_start(&w, "/nonexistent/kmsg");
	assert_false(w.readable);
	assert_non_null(strstr(w.why, "No such file"));
	kmsg_watch_poll(&w);	/* nothing to read, nothing breaks */
	j = kmsg_watch_json(&w);
	assert_false(json_is_true(json_object_get(j, "readable")));
	assert_non_null(strstr(json_string_value(json_object_get(j, "why")), "/nonexistent/kmsg"));
	json_decref(j);
	kmsg_watch_stop(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_watch),
		cmocka_unit_test(test_shown_problems_first),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests_name("kmsg", tests, NULL, NULL);
}
