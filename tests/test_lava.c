/* Unit tests of ./run.sh lava: jobs LAVA's dispatcher validates, bad input, collecting job logs, submit against a fake lab. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define RELEASE	"6.12.0-1-test"
#define RUN_ID	"20260101-120000"
#define FIXTURE	"tests/data/run-tcg"

static char img[4096], logs[4096], why_no_lava[256];

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The command (printf-style) must exit 2 with one line holding @needle, and @made must not exist. */
static void refused(const char *made, const char *needle, const char *fmt, ...)
{
	char cmd[16384], *out;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (tu_run(&out, "%s", cmd) != 2 || !strstr(out, needle) || lines(out) != 1)
		fail_msg("%s: expected exit 2 and one line with '%s', got:\n%s", cmd, needle, out);
	free(out);
	assert_false(exists(made));
}

/*
 * A fake bzImage (the boot header is all the job writer checks), and job logs made of the
 * fixture run framed by guest/frame.sh inside LAVA's records, one a line as lava-run prints them.
 */
static int group_setup(void **state)
{
	char hdr[1024] = { 0 };
	FILE *f;

	(void)state;
	snprintf(img, sizeof(img), "%s/bzImage", tu_tmpdir());
	memcpy(hdr + 0x202, "HdrS", 4);
	f = fopen(img, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(hdr, 1, sizeof(hdr), f), sizeof(hdr));
	fclose(f);
	snprintf(logs, sizeof(logs), "%s/logs", tu_tmpdir());
	/* each log: boot chatter, the frame, the end marker, as LAVA's "target" records */
	assert_int_equal(tu_run(NULL,
		"set -e; d='%1$s'; mkdir -p $d/g/" RELEASE "/" RUN_ID " $d/bad/" RELEASE "/" RUN_ID "; "
		"cp -r " FIXTURE "/. $d/g/" RELEASE "/" RUN_ID "/; cp -r " FIXTURE "/. $d/bad/" RELEASE "/" RUN_ID "/; "
		/* a run the reader refuses: a terminal escape in its manifest */
		"jq '.label = \"\\u001b[2J\"' " FIXTURE "/manifest.json > $d/bad/" RELEASE "/" RUN_ID "/manifest.json; "
		"rec() { jq -Rc '{dt: \"2026-01-01T00:00:00\", lvl: \"target\", msg: .}'; }; "
		"hdr() { echo '{\"dt\": \"2026-01-01T00:00:00\", \"lvl\": \"info\", \"msg\": \"start: 0 validate\"}'; "
		"  printf 'Linux version 6.12\\nmmbench-lava: cases begin\\n' | rec; }; "
		"{ hdr; sh guest/frame.sh $d/g release=" RELEASE " rc=0 | rec; echo 'mmbench-lava: cases end' | rec; } > $d/good.log; "
		"{ hdr; sh guest/frame.sh $d/bad release=" RELEASE " rc=0 | rec; } > $d/refused.log; "
		"n=$(grep -c MMB: $d/good.log); head -n $((n / 2)) $d/good.log > $d/truncated.log; "
		/* one base64 character changed in the middle of the frame: length and count still right */
		"awk -v k=$((n / 2)) '/MMB:/ && ++i == k { sub(/MMB:./, \"MMB:!\") } { print }' $d/good.log > $d/corrupt.log; "
		"grep -v MMB: $d/good.log | grep -v FRAME > $d/noframe.log; "
		"sed 's/^{.*\"msg\": \"//; s/\"}$//' $d/good.log > $d/foreign.log",
		logs), 0);
	if (!tu_is_root())
		snprintf(why_no_lava, sizeof(why_no_lava), "not root: lava-run runs as root");
	else if (tu_run(NULL, "command -v lava-run"))
		snprintf(why_no_lava, sizeof(why_no_lava), "no lava-run (make deps installs lava-dispatcher)");
	return 0;
}

static void need_lava(void)
{
	if (why_no_lava[0])
		tu_skip("%s", why_no_lava);
}

/* ./run.sh lava job for @type into DIR (returned, static), RUN_ARGS of one bench's smoke. */
static const char *job(const char *type, const char *extra)
{
	static char dir[4200];
	char *out;
	int rc;

	snprintf(dir, sizeof(dir), "%s/job-%s", tu_tmpdir(), type);
	rc = tu_run(&out, "lava/job.sh --kernel %s --device-type %s --numa 2 --out %s %s "
		    "-- --profile smoke --bench vma-lock", img, type, dir, extra);
	if (rc)
		fail_msg("lava job %s exited %d:\n%s", type, rc, out);
	free(out);
	return dir;
}

static void test_qemu_job_validates(void **state)
{
	const char *dir;
	char *out, *y;

	(void)state;
	need_lava();
	dir = job("qemu", "");
	y = tu_slurp("%s/job.yaml", dir);
	assert_non_null(y);
	assert_non_null(strstr(y, "device_type: \"qemu\""));
	assert_non_null(strstr(y, "- name: mmbench\n"));
	assert_non_null(strstr(y, "url: \"file://"));
	free(y);
	/* a lab's server refuses context keys its qemu template does not take (cpus, machine) */
	if (tu_run(&out, "python3 -c 'import sys, yaml; c = yaml.safe_load(open(sys.argv[1]))[\"context\"]; "
		   "sys.exit(set(c) != {\"arch\", \"memory\", \"no_kvm\", \"extra_options\"} or c[\"no_kvm\"] is not True "
		   "or \"-cpu max\" not in c[\"extra_options\"])' %s/job.yaml", dir))
		fail_msg("the qemu job's context has other keys than a lab takes, or KVM:\n%s", out);
	free(out);
	/* the device carries the topology asked for: 2 sockets, a node each with half the memory */
	y = tu_slurp("%s/device.yaml", dir);
	assert_non_null(y);
	assert_non_null(strstr(y, "\"-smp 2,sockets=2,cores=1,threads=1\""));
	assert_non_null(strstr(y, "\"-numa node,nodeid=1,cpus=1-1,memdev=mem1\""));
	assert_non_null(strstr(y, "\"-object memory-backend-ram,id=mem1,size=2048M\""));
	free(y);
	assert_true(tu_run(NULL, "test -s %s/ramdisk.cpio.gz && gzip -dc %s/ramdisk.cpio.gz | cpio -t 2>/dev/null | "
			   "grep -qx etc/lava-results.sh", dir, dir) == 0);
	/* job ids name the dispatcher's work directory: one of this process, not another test's */
	if (tu_run(&out, "cd %s && timeout 120 lava-run --validate --job-id mmbench-test-%d-1 --output-dir %s/val "
		   "--device device.yaml job.yaml 2>&1", dir, (int)getpid(), dir))
		fail_msg("lava-run --validate refused the qemu job:\n%s", out);
	assert_non_null(strstr(out, "\"case\": \"job\", \"definition\": \"lava\", \"result\": \"pass\""));
	free(out);
	/* a validation of a qemu job leaves its (empty) work directory behind */
	assert_int_equal(tu_run(NULL, "rm -rf /var/lib/lava/dispatcher/tmp/mmbench-test-%d-1", (int)getpid()), 0);
}

/*
 * A real device type: LAVA's x86 (iPXE over TFTP) against a device dictionary as a lab renders
 * it. Validation looks up the lab's TFTP directory in /etc/default/tftpd-hpa and the TFTP
 * server and console commands by name, which a lab's dispatcher has: here a private mount
 * namespace gets such a file and PATH gets placeholders for the two commands (never run by a
 * validation), so nothing outside the test changes.
 */
static void test_x86_job_validates(void **state)
{
	const char *dir;
	char dev[4300], *out, *y;

	(void)state;
	need_lava();
	if (tu_run(NULL, "unshare -m true"))
		tu_skip("no mount namespaces (unshare -m) for a private /etc/default/tftpd-hpa");
	dir = job("x86", "");
	snprintf(dev, sizeof(dev), "%s/device.yaml", dir);
	assert_false(exists(dev));	/* a lab's device, not one for lava-run here */
	y = tu_slurp("%s/job.yaml", dir);
	assert_non_null(y);
	assert_non_null(strstr(y, "to: tftp"));
	assert_non_null(strstr(y, "method: ipxe"));
	assert_non_null(strstr(y, "# FILL-IN"));	/* local files: the lab must serve them */
	free(y);
	if (tu_run(&out, "set -e; t=%1$s/x86val; mkdir -p $t/etc $t/tftp $t/bin; cp -a /etc/default/. $t/etc/; "
		   "echo \"TFTP_DIRECTORY=$t/tftp\" > $t/etc/tftpd-hpa; "
		   "for c in in.tftpd telnet; do printf '#!/bin/sh\\nexit 1\\n' > $t/bin/$c; chmod +x $t/bin/$c; done; "
		   "cd %2$s; PATH=$t/bin:$PATH unshare -m sh -c \"mount --make-rprivate / && "
		   "mount --bind $t/etc /etc/default && timeout 120 lava-run --validate --job-id mmbench-test-$$-2 "
		   "--output-dir $t/out --device $OLDPWD/tests/data/lava/x86-device.yaml job.yaml\" 2>&1",
		   tu_tmpdir(), dir))
		fail_msg("lava-run --validate refused the x86 job:\n%s", out);
	assert_non_null(strstr(out, "\"case\": \"job\", \"definition\": \"lava\", \"result\": \"pass\""));
	free(out);
	/* --url-base: every URL the lab's, nothing left to fill in */
	assert_int_equal(tu_run(NULL, "rm -rf %s", dir), 0);
	job("x86", "--url-base https://lab.example/mmbench/ --timeout 1200");
	y = tu_slurp("%s/job-x86/job.yaml", tu_tmpdir());
	assert_non_null(y);
	assert_non_null(strstr(y, "url: \"https://lab.example/mmbench/ramdisk.cpio.gz\""));
	assert_non_null(strstr(y, "url: \"https://lab.example/mmbench/bzImage\""));
	assert_null(strstr(y, "FILL-IN"));
	free(y);
}

/* Bad input: one line, exit 2, no directory made. */
static void test_job_bad_input(void **state)
{
	static const char *const cases[][2] = {
		{ "--kernel %s --device-type beaglebone", "no template" },
		{ "--kernel /etc/hostname", "not a kernel image" },
		{ "--kernel ftp://lab/bzImage", "not a file, file://, http:// or https:// URL" },
		{ "--kernel %s -- --bench nosuch", "RUN_ARGS" },
		{ "--kernel %s -- --profile smoke --opt vma-lock.threads=0", "RUN_ARGS" },
		{ "--kernel %s -- --out /tmp", "for the host" },
		{ "--kernel %s --numa 3 --cpus 2", "larger than --cpus" },
		{ "--kernel %s --mem 512M", "at least 1G" },
		{ "--kernel %s --mem 1G -- --profile quick", "too small for the quick profile" },
		{ "--kernel %s --url-base lab:/x", "not an http(s):// or file:// URL" },
		{ "--device-type qemu", "--kernel IMAGE_OR_URL is required" },
		{ "--kernel %s --frobnicate", "unknown argument" },
	};
	char args[8600], dir[4200];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/bad-%zu", tu_tmpdir(), i);
		snprintf(args, sizeof(args), cases[i][0], img);
		refused(dir, cases[i][1], "lava/job.sh --out %s %s", dir, args);
	}
	assert_int_equal(tu_run(NULL, "./run.sh lava frob"), 2);
}

/* A number jq computes over the fixture's files (slurped). */
static int jq_count(const char *prog)
{
	char *out;
	int n;

	assert_int_equal(tu_run(&out, "jq -s '%s' " FIXTURE "/*.json", prog), 0);
	n = atoi(out);
	free(out);
	return n;
}

/* What the guest prints for the monitors: a line per case, a measurement per judged metric. */
static void test_results_lines(void **state)
{
	char *out;
	int n;

	(void)state;
	assert_int_equal(tu_run(&out, "./build/mmbench lava-results --cases " FIXTURE), 0);
	assert_non_null(strstr(out, "mmbench-lava-case: pass uffd-wp/mode=default,thp=never\n"));
	assert_non_null(strstr(out, "mmbench-lava-case: skip uffd-wp/mode=wp-unpopulated,thp=never ; "
			       "reason: kernel lacks UFFD_FEATURE_WP_UNPOPULATED (needs 6.4)\n"));
	/* one line per case of every bench in the run */
	assert_int_equal(lines(out), jq_count("map(.cases // [] | length) | add"));
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench lava-results --metrics " FIXTURE), 0);
	assert_non_null(strstr(out, "mmbench-lava-metric: uffd-wp/mode=default,thp=never/total_us 150.649 us\n"));
	/* as many as the fixture has metrics with a direction and samples */
	n = jq_count("[.[] | .cases[]? | .metrics[]? | select(.better != \"none\" and "
		     "(.samples | map(select(. != null)) | length) > 0)] | length");
	assert_true(n > 0);
	assert_int_equal(lines(out), n);
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench lava-results --cases --metrics " FIXTURE), 2);
	assert_int_equal(lines(out), 1);
	free(out);
	assert_int_equal(tu_run(&out, "./build/mmbench lava-results --check %s/bad/" RELEASE "/" RUN_ID, logs), 2);
	assert_int_equal(lines(out), 1);
	free(out);
}

/* A whole log is archived with the job in its manifest; the control for the refusals below. */
static void test_collect_good(void **state)
{
	char root[4200], *out, *m;

	(void)state;
	snprintf(root, sizeof(root), "%s/archive-good", tu_tmpdir());
	if (tu_run(&out, "lava/collect.sh %s/good.log --out %s --job-id 4711 --device rack3-x86 --no-such 2>&1",
		   logs, root) != 2 || lines(out) != 1)
		fail_msg("an unknown option must be refused in one line:\n%s", out);
	free(out);
	assert_false(exists(root));
	if (tu_run(&out, "lava/collect.sh %s/good.log --out %s --job-id=4711 --device rack3-x86 2>/dev/null",
		   logs, root))
		fail_msg("collect of a whole log failed:\n%s", out);
	free(out);
	m = tu_slurp("%s/" RELEASE "/" RUN_ID "/manifest.json", root);
	assert_non_null(m);
	assert_non_null(strstr(m, "\"job_id\": \"4711\""));
	assert_non_null(strstr(m, "\"device\": \"rack3-x86\""));
	free(m);
	assert_int_equal(tu_run(NULL, "diff -q " FIXTURE "/uffd-wp.json %s/" RELEASE "/" RUN_ID "/uffd-wp.json", root), 0);
	assert_int_equal(tu_run(NULL, "./build/mmbench lava-results --check %s/" RELEASE "/" RUN_ID, root), 0);
	/* the same records as `lavacli jobs logs ID --raw` prints them: a YAML list */
	assert_int_equal(tu_run(&out, "sed 's/^/- /' %s/good.log > %s/lavacli.log && "
				"lava/collect.sh %s/lavacli.log --out %s-lavacli 2>&1", logs, logs, logs, root), 0);
	free(out);
	assert_int_equal(tu_run(NULL, "diff -q " FIXTURE "/uffd-wp.json %s-lavacli/" RELEASE "/" RUN_ID "/uffd-wp.json",
				root), 0);
	/* which job ran it describes the run, not the system: compare names no difference */
	assert_int_equal(tu_run(&out, "./build/mmbench compare " FIXTURE " %s/" RELEASE "/" RUN_ID " --history none",
				root), 0);
	if (strstr(out, "lava.") || strstr(out, "differ in"))
		fail_msg("compare of the run with its archived copy shows the job as a difference:\n%s", out);
	free(out);
}

static void test_collect_refuses(void **state)
{
	static const char *const cases[][2] = {
		{ "truncated", "not whole (transfer cut off" },
		{ "corrupt", "not whole (1 corrupted line(s)" },
		{ "noframe", "no mmbench frame" },
		{ "foreign", "not a LAVA job log" },
		{ "refused", "fails the reader's checks" },
	};
	char root[4200];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(root, sizeof(root), "%s/archive-%s", tu_tmpdir(), cases[i][0]);
		refused(root, cases[i][1], "lava/collect.sh %s/%s.log --out %s", logs, cases[i][0], root);
	}
}

/*
 * ./run.sh lava submit against a fake lab (tests/lava/fake-lavacli: each job's states look by
 * look, its log): two jobs waited for at once, each handled as it finishes; bad input submits
 * nothing. The real lab's round trip is test_int_lava_lab's.
 */
static int submit(const char *lab, char **out, const char *args)
{
	/* in a subshell: ARGS may send stderr away, which tu_run's own 2>&1 would undo */
	return tu_run(out, "(PATH=%1$s/bin:$PATH FAKE_LAVA=%1$s MMBENCH_LAVA_POLL_S=0.2 lava/submit.sh %2$s)",
		     lab, args);
}

static const char *fake_lab(const char *name, const char *states1, const char *states2)
{
	static char lab[4200];

	snprintf(lab, sizeof(lab), "%s/%s", tu_tmpdir(), name);
	assert_int_equal(tu_run(NULL, "mkdir -p %1$s/bin && ln -s \"$PWD/tests/lava/fake-lavacli\" %1$s/bin/lavacli && "
				"echo lab > %1$s/identities && printf '%2$s' > %1$s/states1 && printf '%3$s' > %1$s/states2 && "
				"cp %4$s/good.log %1$s/log1 && cp %4$s/noframe.log %1$s/log2",
				lab, states1, states2, logs), 0);
	return lab;
}

static void test_submit_parallel(void **state)
{
	char args[16384], *out, *m, *complete, *incomplete;
	const char *lab = fake_lab("lab-parallel", "Submitted Unknown\nRunning Unknown\nRunning Unknown\nFinished Complete\n",
				   "Running Unknown\nFinished Incomplete boom: http://k.example/bzImage answered 404\n");
	int rc;

	(void)state;
	snprintf(args, sizeof(args), "--kernel %1$s --kernel %1$s --identity lab --job-dir %2$s/sub --out %2$s/sub-archive "
		 "-- --profile smoke --bench vma-lock", img, tu_tmpdir());
	rc = submit(lab, &out, args);
	/* the second job ended first: it is reported first, while the first still ran */
	complete = strstr(out, "1\tComplete\t");
	incomplete = strstr(out, "2\tIncomplete\t-\n");
	if (rc != 1 || !complete || !incomplete || incomplete > complete)
		fail_msg("submit of two jobs, one Incomplete: expected exit 1, job 2 then job 1, got %d:\n%s", rc, out);
	if (!strstr(out, "job 2 (2-qemu, bzImage): Incomplete: boom: http://k.example/bzImage answered 404 (log: ") ||
	    !strstr(out, "job 1 (1-qemu, bzImage): Running on fake-qemu01"))
		fail_msg("submit of two jobs: no line with job 2's reason or job 1's progress:\n%s", out);
	assert_non_null(strstr(complete, "/sub-archive/" RELEASE "/" RUN_ID "\n"));
	free(out);
	m = tu_slurp("%s/sub-archive/" RELEASE "/" RUN_ID "/manifest.json", tu_tmpdir());
	assert_non_null(m);
	assert_non_null(strstr(m, "\"job_id\": \"1\""));
	assert_non_null(strstr(m, "\"device\": \"fake-qemu01\""));
	free(m);
	/* each job's own files: its id, LAVA's log and results, its details */
	assert_int_equal(tu_run(NULL, "grep -qx 1 %1$s/sub/1-qemu/lava-job-id && cmp -s %2$s/noframe.log %1$s/sub/2-qemu/lava.log && "
				"test -s %1$s/sub/2-qemu/results.yaml && jq -e '.health == \"Incomplete\"' %1$s/sub/2-qemu/job.json",
				tu_tmpdir(), logs), 0);
	/* one job alone that completes: exit 0, its one line on stdout */
	lab = fake_lab("lab-one", "Running Unknown\nFinished Complete\n", "Finished Complete\n");
	snprintf(args, sizeof(args), "--kernel %1$s --identity lab --job-dir %2$s/one --out %2$s/one-archive 2>/dev/null",
		 img, tu_tmpdir());
	rc = submit(lab, &out, args);
	if (rc != 0 || lines(out) != 1 || strncmp(out, "1\tComplete\t", 11))
		fail_msg("submit of one job that completes: expected exit 0 and one line, got %d:\n%s", rc, out);
	free(out);
	/* --db: the archive pushed after the jobs; a database that does not answer is exit 1 */
	lab = fake_lab("lab-db", "Finished Complete\n", "Finished Complete\n");
	snprintf(args, sizeof(args), "--kernel %1$s --identity lab --job-dir %2$s/db --out %2$s/db-archive "
		 "--db 'postgresql:///x?host=%2$s/no-server&port=1'", img, tu_tmpdir());
	rc = submit(lab, &out, args);
	if (rc != 1 || !strstr(out, "1\tComplete\t") ||
	    !strstr(out, "lava submit: push of ") || !strstr(out, "the runs stay in "))
		fail_msg("submit --db to a database that does not answer: expected exit 1 and why, got %d:\n%s",
			 rc, out);
	free(out);
}

static void test_submit_refusals(void **state)
{
	static const char *const cases[][2] = {
		{ "--kernel %s --identity nope", "--identity nope: no such lavacli identity" },
		{ "--kernel %s --identity lab --device-type arm64", "the lab has no such device type (it has: qemu x86)" },
		{ "--kernel %s --identity lab --device-type x86", "the lab has no device of that type" },
		{ "--kernel %s --identity lab --db ''", "--db needs a database URL" },
		{ "--kernel %s --identity lab --wait 10", "--wait 10: at least 60 seconds" },
		{ "--kernel %s --identity lab --mem 1", "--mem 1" },
		{ "--kernel %s --identity lab -- --bench no-such-bench", "no-such-bench" },
		{ "--identity lab --numa 2", "--kernel IMAGE_OR_URL is required" },
	};
	const char *lab = fake_lab("lab-bad", "Finished Complete\n", "Finished Complete\n");
	char args[8600], *out;
	int rc;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(args, sizeof(args), cases[i][0], img);
		snprintf(args + strlen(args), sizeof(args) - strlen(args), " --job-dir %s/bad-sub-%zu", tu_tmpdir(), i);
		rc = submit(lab, &out, args);
		if (rc != 2 || lines(out) != 1 || !strstr(out, cases[i][1]))
			fail_msg("submit %s: expected exit 2 and one line with '%s', got %d:\n%s", args, cases[i][1], rc, out);
		free(out);
		assert_int_equal(tu_run(NULL, "test -e %s/bad-sub-%zu", tu_tmpdir(), i), 1);
	}
	/* nothing reached the lab's queue */
	assert_int_equal(tu_run(NULL, "grep -q 'jobs submit' %s/calls", lab), 1);
	/* a job the lab refuses (lavacli says so on stdout, exit 0): a line, exit 1, nothing waited for */
	snprintf(args, sizeof(args), "--kernel %s --identity lab --job-dir %s/refused -- --label refuse-me", img, tu_tmpdir());
	rc = submit(lab, &out, args);
	if (rc != 1 || !strstr(out, "the lab refused ") || !strstr(out, "extra keys not allowed") || !strstr(out, "-\tRefused\t-\n"))
		fail_msg("a job the lab refuses: expected exit 1 with its reason, got %d:\n%s", rc, out);
	free(out);
	assert_int_equal(tu_run(NULL, "grep -q 'jobs show' %s/calls", lab), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results_lines),
		cmocka_unit_test(test_job_bad_input),
		cmocka_unit_test(test_qemu_job_validates),
		cmocka_unit_test(test_x86_job_validates),
		cmocka_unit_test(test_collect_good),
		cmocka_unit_test(test_collect_refuses),
		cmocka_unit_test(test_submit_parallel),
		cmocka_unit_test(test_submit_refusals),
	};

	return cmocka_run_group_tests(tests, group_setup, tu_teardown);
}
