/* Integration (root): the smoke profile of every bench as uid 65534 measures what it may and skips the rest with the privilege named. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"
#include "cmd/registry.h"
#include "knobs/knobs.h"
#include "sys/util.h"

#define NOBODY		"65534"
#define ROOT_LOCK	"/var/lib/mmbench/journal.lock"
/* a user, with no capability left and a state directory of its own */
#define AS_NOBODY	"setpriv --reuid=" NOBODY " --regid=" NOBODY " --clear-groups --inh-caps=-all " \
			"env -u MMBENCH_JOURNAL -u MMBENCH_SYSROOT HOME=/nonexistent XDG_STATE_HOME=%s/state "

/* Every knob of the table, its whole text or why it cannot be read: before and after must be equal. */
static char *all_knobs(void)
{
	char *s = calloc(1, 1), buf[512];
	size_t len = 0;

	for (const char *const *n = knob_names(); *n; n++) {
		int r = knob_read_raw(*n, buf, sizeof(buf));

		if (r)
			snprintf(buf, sizeof(buf), "unreadable: %s", strerror(-r));
		char *grown = realloc(s, len + strlen(*n) + strlen(buf) + 3);

		assert_non_null(grown);
		s = grown;
		len += sprintf(s + len, "%s=%s\n", *n, buf);
	}
	return s;
}

static char *var_lib(void)
{
	char *out = NULL;

	tu_run(&out, "ls -la --time-style=full-iso /var/lib/mmbench");
	return out;
}

/* A reason that names what this user lacks. */
static int names_privilege(const char *why)
{
	return strstr(why, "uid " NOBODY) || strstr(why, "CAP_") || strstr(why, "perf_event_paranoid") ||
	       strstr(why, "unprivileged_userfaultfd");
}

static char *root_list;		/* `mmbench list --profile smoke` as root: skips that are not about privilege */

static void check_bench(const char *dir, const char *name, int *ok, int *skipped)
{
	char path[PATH_MAX];
	json_t *j, *c, *v;
	const char *st, *k;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	j = tu_json(path);
	st = json_string_value(json_object_get(j, "status"));
	if (!strcmp(st, "skip")) {
		const char *why = json_string_value(json_object_get(j, "reason"));

		if (!names_privilege(why) && !strstr(root_list, why))
			fail_msg("%s skipped without naming a privilege: %s", name, why);
		json_decref(j);
		return;
	}
	assert_string_equal(st, "ok");
	json_array_foreach(json_object_get(j, "cases"), i, c) {
		const char *cs = json_string_value(json_object_get(c, "status"));
		const char *key = json_string_value(json_object_get(c, "case"));
		const char *why = json_string_value(json_object_get(c, "reason"));

		if (!strcmp(cs, "skip")) {
			if (!why || (!names_privilege(why) && !strstr(root_list, why)))
				fail_msg("%s %s: skipped without naming a privilege: %s", name, key, why ?: "");
			(*skipped)++;
			continue;
		}
		if (strcmp(cs, "ok"))
			fail_msg("%s %s: %s: %s", name, key, cs, why ?: "");
		assert_true(json_array_size(json_object_get(c, "metrics")) > 0);
		(*ok)++;
		/* a counter perf would not give us says why in the same words */
		json_object_foreach(json_object_get(c, "counters"), k, v) {
			const char *r = json_string_value(json_object_get(v, "reason"));

			if (json_is_true(json_object_get(v, "supported")))
				continue;
			if (!r || (!names_privilege(r) && !strstr(r, "not supported here") &&
				   !strstr(r, "no tracepoint")))
				fail_msg("%s %s: counter %s: %s", name, key, k, r ?: "no reason");
		}
	}
	json_decref(j);
}

static struct tu_harness run;

static int group_setup(void **state)
{
	char cmd[PATH_MAX * 2];

	*state = &run;
	if (!tu_is_root())
		return 0;
	/* nobody must reach its output and state directories */
	chmod(tu_tmpdir(), 0755);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/out %s/state && chown " NOBODY ":" NOBODY " %s/out %s/state",
		 tu_tmpdir(), tu_tmpdir(), tu_tmpdir(), tu_tmpdir());
	return tu_run(NULL, "%s", cmd);
}

static void test_smoke_as_nobody(void **state)
{
	char path[PATH_MAX], *knobs_before, *knobs_after, *lib_before, *lib_after;
	const char *dir;
	json_t *m, *pv;
	int ok = 0, skipped = 0;

	(void)state;
	tu_need_root("switches to uid " NOBODY " with setpriv");
	assert_int_equal(tu_run(&root_list, "./build/mmbench list --profile smoke"), 0);
	knobs_before = all_knobs();
	lib_before = var_lib();
	tu_run_locked(&run, AS_NOBODY "./run.sh --profile smoke --label unpriv --out %s/out",
		      tu_tmpdir(), tu_tmpdir());
	knobs_after = all_knobs();
	lib_after = var_lib();
	if (run.rc != 0 && run.rc != 4)
		fail_msg("./run.sh as uid " NOBODY ": exit %d\n%s", run.rc, run.out);
	/* no knob changed, to the letter; nothing of root's touched */
	assert_string_equal(run.knobs_before, run.knobs_after);
	assert_string_equal(knobs_before, knobs_after);
	assert_string_equal(lib_before, lib_after);
	assert_null(strstr(run.out, "could not restore"));

	dir = tu_run_dir(strcat(strcpy(path, tu_tmpdir()), "/out"));
	assert_non_null(dir);
	assert_non_null(strstr(dir, "-unpriv"));
	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	m = tu_json(path);
	pv = json_object_get(m, "privileges");
	assert_int_equal(json_integer_value(json_object_get(pv, "uid")), 65534);
	assert_true(json_is_false(json_object_get(json_object_get(pv, "capabilities"), "CAP_SYS_ADMIN")));
	json_decref(m);
	/* every bench of the registry: a new one is checked without a line here */
	for (int i = 0; i < nr_benches; i++)
		check_bench(dir, benches[i]->name, &ok, &skipped);
	if (!ok && run.rc != 4)
		fail_msg("no case ran, yet exit %d", run.rc);
	print_message("as uid " NOBODY ": %d cases ok, %d skipped\n", ok, skipped);
	snprintf(path, sizeof(path), "%s/report.txt", dir);
	assert_int_equal(access(path, R_OK), 0);
	/* the user's lock is in its state directory; no journal: it wrote no knob */
	snprintf(path, sizeof(path), "%s/state/mmbench/journal.lock", tu_tmpdir());
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/state/mmbench/journal", tu_tmpdir());
	assert_int_not_equal(access(path, F_OK), 0);
	free(knobs_before);
	free(knobs_after);
	free(lib_before);
	free(lib_after);
	free(root_list);
}

/* While a root run holds its lock, a user run refuses in one line and measures nothing. */
static void test_refused_while_root_runs(void **state)
{
	char *out = NULL;
	int fd, rc, lines = 0;

	(void)state;
	tu_need_root("holds root's lock, then switches to uid " NOBODY);
	/* what a root run leaves anyway: the directory and the lock, readable by all */
	assert_int_equal(mkdir_p("/var/lib/mmbench"), 0);
	fd = open(ROOT_LOCK, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		tu_skip("a root run holds " ROOT_LOCK " now");
	}
	rc = tu_run(&out, AS_NOBODY "./build/mmbench run --bench vma-lock --profile smoke --out %s/refused",
		    tu_tmpdir(), tu_tmpdir());
	close(fd);
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	if (rc != 1 || lines != 1 || !strstr(out, ROOT_LOCK) || !strstr(out, "one run at a time"))
		fail_msg("exit %d, %d lines:\n%s", rc, lines, out);
	assert_int_equal(tu_run(NULL, "test -e %s/refused", tu_tmpdir()), 1);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_while_root_runs),
		cmocka_unit_test(test_smoke_as_nobody),
	};

	return cmocka_run_group_tests(tests, group_setup, tu_harness_teardown);
}
