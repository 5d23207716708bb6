/* Runs without root on a fake sysroot: each missing privilege's reason, the user's journal and lock, the manifest, compare. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"
#include "knobs/knobs.h"
#include "core/manifest.h"
#include "sys/privs.h"

#define THP	"/sys/kernel/mm/transparent_hugepage"
#define NOBODY	65534

static char root[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	tu_write_file(p, "%s\n", text);
}

/* A fake machine seen by a process without capabilities; knob files nobody but root may write. */
static int setup(void **state)
{
	char p[PATH_MAX + 64];

	(void)state;
	/* a user (nobody, when we are root) must reach the tree */
	chmod(tu_tmpdir(), 0755);
	snprintf(root, sizeof(root), "%s/root", tu_tmpdir());
	put(THP "/enabled", "always [madvise] never");
	put("/proc/sys/kernel/perf_event_paranoid", "2");
	put("/proc/sys/vm/unprivileged_userfaultfd", "0");
	put("/proc/self/status", "Name:\tmmbench\nCapInh:\t0000000000000000\nCapEff:\t0000000000000000\n");
	put("/sys/kernel/debug/fault_around_bytes", "65536");
	snprintf(p, sizeof(p), "%s" THP "/enabled", root);
	chmod(p, 0444);
	/* root's debugfs: a user may not look inside */
	snprintf(p, sizeof(p), "%s/sys/kernel/debug", root);
	chmod(p, 0);
	setenv("MMBENCH_SYSROOT", root, 1);
	return 0;
}

static int teardown(void **state)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/sys/kernel/debug", root);
	chmod(p, 0755);
	return tu_teardown(state);
}

/* In a child: drop to nobody when root (a user stays who it is). */
static void become_user(void)
{
	if (geteuid())
		return;
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
		_exit(90);
}

static int in_child_status(void (*fn)(void))
{
	int st;
	pid_t pid = fork();

	if (!pid) {
		become_user();
		fn();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The child's checks exit with a code that names the one that failed. */
#define CHILD_CHECK(n, cond) do { if (!(cond)) { fprintf(stderr, "check %d failed\n", n); _exit(n); } } while (0)

static void child_knob_reasons(void)
{
	char why[512], want[256], j[PATH_MAX + 64];
	unsigned uid = geteuid();
	int r;

	snprintf(j, sizeof(j), "%s/user-journal", tu_tmpdir());
	setenv("MMBENCH_JOURNAL", j, 1);
	r = knob_probe_set("thp.enabled", "never", why, sizeof(why));
	snprintf(want, sizeof(want),
		 "thp.enabled is not writable by uid %u: run as root or set it to 'never' first", uid);
	CHILD_CHECK(10, (r == -EACCES || r == -EPERM) && !strcmp(why, want));
	/* the value in force needs no write: settable, by anyone */
	CHILD_CHECK(11, knob_probe_set("thp.enabled", "madvise", why, sizeof(why)) == 0 && !why[0]);
	CHILD_CHECK(12, knob_set("thp.enabled", "madvise") == 0);
	/* refused before anything is journaled */
	CHILD_CHECK(13, knob_set("thp.enabled", "never") == -EACCES);
	CHILD_CHECK(14, access(j, F_OK) && knob_restore_all() == 0);
	snprintf(want, sizeof(want), "thp.enabled is not writable by uid %u: run as root", uid);
	CHILD_CHECK(15, knob_probe_write("thp.enabled", why, sizeof(why)) && !strcmp(why, want));
	/* debugfs that is root's: said so, not "does not exist" */
	snprintf(want, sizeof(want), "%s/sys/kernel/debug/fault_around_bytes: debugfs is root's "
		 "(uid %u may not read it): run as root", root, uid);
	CHILD_CHECK(16, knob_probe_write("fault_around_bytes", why, sizeof(why)) == -EACCES &&
		    !strcmp(why, want));
	/* --set gets the same words */
	CHILD_CHECK(17, knob_try_value("thp.enabled", "always", why, sizeof(why)) &&
		    strstr(why, "not writable by uid") && strstr(why, "'always' first"));
}

static void test_knob_reasons(void **state)
{
	(void)state;
	assert_int_equal(in_child_status(child_knob_reasons), 0);
}

/* Root too: a value in force is not written and not journaled (the file keeps its mtime). */
static void test_noop_set(void **state)
{
	char p[PATH_MAX + 64], j[PATH_MAX + 64];
	struct stat a, b;

	(void)state;
	snprintf(p, sizeof(p), "%s" THP "/defrag", root);
	put(THP "/defrag", "always defer defer+madvise [madvise] never");
	snprintf(j, sizeof(j), "%s/noop-journal", tu_tmpdir());
	setenv("MMBENCH_JOURNAL", j, 1);
	assert_int_equal(stat(p, &a), 0);
	usleep(20000);
	assert_int_equal(knob_set("thp.defrag", "madvise"), 0);
	assert_int_equal(stat(p, &b), 0);
	assert_true(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
	assert_int_not_equal(access(j, F_OK), 0);
	unsetenv("MMBENCH_JOURNAL");
}

/* perf_event_paranoid with its value and CAP_PERFMON; the uffd sysctl; CAP_SYS_ADMIN for kpageflags. */
static void test_privilege_reasons(void **state)
{
	char why[256], want[256];
	struct privs p;
	unsigned uid = geteuid();

	(void)state;
	privs_read(&p);
	assert_true(p.caps_known && p.cap_eff == 0);
	assert_true(p.paranoid_known && p.perf_event_paranoid == 2);
	assert_false(privs_has(&p, PRIV_CAP_PERFMON));

	privs_why_perf(&p, false, why, sizeof(why));
	snprintf(want, sizeof(want),
		 "not permitted: perf_event_paranoid is 2 (needs <= 1) and uid %u lacks CAP_PERFMON", uid);
	assert_string_equal(why, want);
	/* it must fit a counter's reason (96 bytes) whole */
	assert_true(strlen(why) < 90);
	privs_why_perf(&p, true, why, sizeof(why));
	assert_non_null(strstr(why, "(needs <= 0)"));
	put("/proc/sys/kernel/perf_event_paranoid", "3");
	privs_read(&p);
	privs_why_perf(&p, false, why, sizeof(why));
	assert_non_null(strstr(why, "perf_event_paranoid is 3 (no perf events)"));
	put("/proc/sys/kernel/perf_event_paranoid", "2");

	privs_why_uffd(&p, EPERM, EINVAL, why, sizeof(why));
	snprintf(want, sizeof(want), "userfaultfd: %s: vm.unprivileged_userfaultfd is 0 and uid %u lacks "
		 "CAP_SYS_PTRACE; UFFD_USER_MODE_ONLY (Linux 5.11): %s", strerror(EPERM), uid,
		 strerror(EINVAL));
	assert_string_equal(why, want);
	privs_why_uffd(&p, ENOSYS, 0, why, sizeof(why));
	assert_non_null(strstr(why, "userfaultfd unavailable"));

	privs_why_cap(&p, PRIV_CAP_SYS_ADMIN, "/proc/kpageflags", EACCES, why, sizeof(why));
	snprintf(want, sizeof(want), "/proc/kpageflags needs CAP_SYS_ADMIN, which uid %u lacks", uid);
	assert_string_equal(why, want);

	/* CAP_PERFMON (bit 38) in force: the reason no longer blames its absence */
	put("/proc/self/status", "CapEff:\t0000004000000000\n");
	privs_read(&p);
	assert_true(privs_has(&p, PRIV_CAP_PERFMON));
	privs_why_perf(&p, false, why, sizeof(why));
	assert_null(strstr(why, "lacks"));
	put("/proc/self/status", "CapEff:\t0000000000000000\n");
}

static void test_manifest_privileges(void **state)
{
	json_t *m, *pv;

	(void)state;
	m = manifest_build(NULL);
	pv = json_object_get(m, "privileges");
	assert_non_null(pv);
	assert_int_equal(json_integer_value(json_object_get(pv, "uid")), geteuid());
	assert_true(json_is_false(json_object_get(json_object_get(pv, "capabilities"), "CAP_SYS_ADMIN")));
	assert_true(json_is_false(json_object_get(json_object_get(pv, "capabilities"), "CAP_PERFMON")));
	assert_true(json_is_false(json_object_get(json_object_get(pv, "capabilities"), "CAP_SYS_NICE")));
	assert_int_equal(json_integer_value(json_object_get(pv, "perf_event_paranoid")), 2);
	assert_string_equal(json_string_value(json_object_get(pv, "cap_eff")), "0000000000000000");
	json_decref(m);
}

static char path_seen[PATH_MAX];

static void child_journal_path(void)
{
	/* a pipe would do; a file is simpler to hand back */
	FILE *f = fopen(path_seen, "w");

	if (!f)
		_exit(20);
	fprintf(f, "%s", knob_journal_path());
	fclose(f);
}

/* The journal path of a user in a child with @xdg and @home (NULL: unset); the child's answer. */
static char *user_journal(const char *xdg, const char *home)
{
	snprintf(path_seen, sizeof(path_seen), "%s/path", tu_tmpdir());
	unlink(path_seen);
	tu_write_file(path_seen, "%s", "");
	chmod(path_seen, 0666);
	unsetenv("MMBENCH_JOURNAL");
	if (xdg)
		setenv("XDG_STATE_HOME", xdg, 1);
	else
		unsetenv("XDG_STATE_HOME");
	if (home)
		setenv("HOME", home, 1);
	else
		unsetenv("HOME");
	assert_int_equal(in_child_status(child_journal_path), 0);
	return tu_slurp("%s", path_seen);
}

static void test_user_journal_path(void **state)
{
	char dir[PATH_MAX], want[PATH_MAX + 64], *got, *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	unsigned uid = geteuid() ? geteuid() : NOBODY;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/home", tu_tmpdir());
	mkdir(dir, 0777);
	chmod(dir, 01777);
	snprintf(want, sizeof(want), "%s/xdg/mmbench/journal", dir);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/xdg");
	got = user_journal(dir, NULL);
	assert_string_equal(got, want);
	free(got);
	*strrchr(dir, '/') = 0;
	snprintf(want, sizeof(want), "%s/.local/state/mmbench/journal", dir);
	got = user_journal(NULL, dir);
	assert_string_equal(got, want);
	free(got);
	/* nobody's home is /nonexistent: a directory of its own in /tmp */
	snprintf(want, sizeof(want), "/tmp/mmbench-%u/journal", uid);
	got = user_journal("relative/is/ignored", "/nonexistent");
	assert_string_equal(got, want);
	free(got);
	unsetenv("XDG_STATE_HOME");
	if (home)
		setenv("HOME", home, 1);
	free(home);
}

/* The user's run while root's lock is held: refused, naming root's lock; once free, it holds it. */
static void child_user_lock(void)
{
	char j[PATH_MAX + 64], want[PATH_MAX + 64];

	snprintf(j, sizeof(j), "%s/user-lock/journal", tu_tmpdir());
	setenv("MMBENCH_JOURNAL", j, 1);
	snprintf(want, sizeof(want), "%s/var/lib/mmbench/journal.lock", root);
	CHILD_CHECK(30, knobs_init(NULL) == -EBUSY);
	CHILD_CHECK(31, !strcmp(knob_lock_path(), want));
}

static void child_user_lock_free(void)
{
	char j[PATH_MAX + 64], lock[PATH_MAX + 64];
	int fd;

	snprintf(j, sizeof(j), "%s/user-lock/journal", tu_tmpdir());
	setenv("MMBENCH_JOURNAL", j, 1);
	CHILD_CHECK(40, knobs_init(NULL) == 0);
	/* while this run lasts, root's lock is taken: a root run cannot start */
	snprintf(lock, sizeof(lock), "%s/var/lib/mmbench/journal.lock", root);
	fd = open(lock, O_RDONLY);
	CHILD_CHECK(41, fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK);
	close(fd);
}

static void test_user_sees_root_lock(void **state)
{
	char lock[PATH_MAX + 64], dir[PATH_MAX + 64];
	int fd;

	(void)state;
	snprintf(lock, sizeof(lock), "%s/var/lib/mmbench/journal.lock", root);
	tu_write_file(lock, "%s", "");
	chmod(lock, 0644);
	snprintf(dir, sizeof(dir), "%s/user-lock", tu_tmpdir());
	mkdir(dir, 0777);
	chmod(dir, 0777);
	fd = open(lock, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(in_child_status(child_user_lock), 0);
	close(fd);
	assert_int_equal(in_child_status(child_user_lock_free), 0);
}

static void child_root_lock_mode(void)
{
	umask(077);
	unsetenv("MMBENCH_JOURNAL");
	CHILD_CHECK(50, knobs_init(NULL) == 0);
}

/* Root makes its lock readable by everyone, whatever its umask: users must be able to test it. */
static void test_root_lock_world_readable(void **state)
{
	char lock[PATH_MAX + 64];
	struct stat st;
	pid_t pid;

	(void)state;
	pid = tu_fork_root();
	if (!pid) {
		snprintf(lock, sizeof(lock), "%s/var/lib/mmbench", root);
		tu_run(NULL, "rm -rf %s", lock);
		child_root_lock_mode();
		_exit(0);
	}
	tu_wait_ok(pid);
	snprintf(lock, sizeof(lock), "%s/var/lib/mmbench/journal.lock", root);
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	*strrchr(lock, '/') = 0;
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
}

/* One side run by root, the other by a user: each privilege field is a warning, not the kernel's. */
static void test_compare_warns_on_privileges(void **state)
{
	static const char *const fields[] = {
		"privileges.uid", "privileges.capabilities.CAP_SYS_ADMIN",
		"privileges.capabilities.CAP_PERFMON", "privileges.perf_event_paranoid",
	};
	char json[PATH_MAX + 32];
	const char *a, *b;
	json_t *j, *d;
	size_t i;
	int found = 0;

	(void)state;
	unsetenv("MMBENCH_SYSROOT");
	a = strdup(tu_copy_dir("tests/data/run-base", "priv-a"));
	b = tu_copy_dir("tests/data/run-base", "priv-b");
	assert_int_equal(tu_run(NULL, "cd %s && python3 -c 'import json; m = json.load(open(\"manifest.json\"));"
				" m[\"privileges\"] = {\"uid\": 0, \"capabilities\": {\"CAP_SYS_ADMIN\": True,"
				" \"CAP_PERFMON\": True, \"CAP_SYS_NICE\": True}, \"perf_event_paranoid\": 2};"
				" json.dump(m, open(\"manifest.json\", \"w\"))'", a), 0);
	assert_int_equal(tu_run(NULL, "cd %s && python3 -c 'import json; m = json.load(open(\"manifest.json\"));"
				" m[\"privileges\"] = {\"uid\": 65534, \"capabilities\": {\"CAP_SYS_ADMIN\": False,"
				" \"CAP_PERFMON\": False, \"CAP_SYS_NICE\": True}, \"perf_event_paranoid\": 3};"
				" json.dump(m, open(\"manifest.json\", \"w\"))'", b), 0);
	snprintf(json, sizeof(json), "%s/priv.json", tu_tmpdir());
	tu_run(NULL, "./build/mmbench compare %s %s --json %s", a, b, json);
	j = tu_json(json);
	json_array_foreach(json_object_get(j, "manifest_differences"), i, d) {
		const char *field = json_string_value(json_object_get(d, "field"));

		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			if (strcmp(field, fields[k]))
				continue;
			assert_false(json_is_true(json_object_get(d, "kernel")));
			found++;
		}
		/* the same on both sides is no difference */
		assert_string_not_equal(field, "privileges.capabilities.CAP_SYS_NICE");
	}
	assert_int_equal(found, 4);
	assert_int_equal(json_integer_value(json_object_get(j, "non_kernel_differences")), 4);
	json_decref(j);
	free((char *)a);
	setenv("MMBENCH_SYSROOT", root, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knob_reasons),
		cmocka_unit_test(test_noop_set),
		cmocka_unit_test(test_privilege_reasons),
		cmocka_unit_test(test_manifest_privileges),
		cmocka_unit_test(test_user_journal_path),
		cmocka_unit_test(test_user_sees_root_lock),
		cmocka_unit_test(test_root_lock_world_readable),
		cmocka_unit_test(test_compare_warns_on_privileges),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
