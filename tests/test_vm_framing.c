/* Unit tests of the VM console transfer: guest/frame.sh, guest/unframe.sh and archiving a console log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define RELEASE	"6.1.0-1-test"
#define RUN_ID	"20260101-120000"
#define BIG	(200 * 1024)	/* larger than one frame line by far: truncation lands inside it */

static char src[4096], frame_txt[4096 + 16];

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

/* A text file's contents and length; fails the test when it cannot be read. */
static char *read_file(const char *path, size_t *len)
{
	char *buf = tu_slurp("%s", path);

	if (!buf)
		fail_msg("%s: cannot read", path);
	*len = strlen(buf);
	return buf;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A run directory as the guest leaves it under /results, framed once by guest/frame.sh. */
static int group_setup(void **state)
{
	char path[4096 + 128], *big;
	unsigned seed = 12345;

	(void)state;
	snprintf(src, sizeof(src), "%s/src", tu_tmpdir());
	snprintf(path, sizeof(path), "%s/" RELEASE "/" RUN_ID "/sub", src);
	assert_int_equal(tu_run(NULL, "mkdir -p '%s'", path), 0);
	snprintf(path, sizeof(path), "%s/" RELEASE "/" RUN_ID "/manifest.json", src);
	write_file(path, "{\"kernel\":{\"release\":\"" RELEASE "\"}}\n", 38);
	snprintf(path, sizeof(path), "%s/" RELEASE "/" RUN_ID "/sub/big.bin", src);
	big = malloc(BIG);
	assert_non_null(big);
	for (size_t i = 0; i < BIG; i++)
		big[i] = rand_r(&seed) >> 7;	/* incompressible, so it dominates the frame */
	write_file(path, big, BIG);
	free(big);
	snprintf(path, sizeof(path), "%s/guest-output.txt", src);
	write_file(path, "mmbench run\n", 12);
	snprintf(frame_txt, sizeof(frame_txt), "%s/frame.txt", tu_tmpdir());
	assert_int_equal(tu_run(NULL, "sh guest/frame.sh '%s' release=" RELEASE " rc=0 state=done > '%s'",
				src, frame_txt), 0);
	return 0;
}

/*
 * The console as the host sees it: CRLF line ends, kernel messages before, inside and after
 * the frame. @edit, when set, may change a frame line (1 = the begin marker) or drop it (NULL).
 */
static void make_console(const char *path, size_t keep_bytes,
			 const char *(*edit)(int lineno, const char *line, char *buf))
{
	size_t len, out_len = 0;
	char *txt = read_file(frame_txt, &len), *out = malloc(2 * len + 4096), *save = NULL, buf[256];
	int lineno = 0;

	assert_non_null(out);
	out_len += sprintf(out, "[    0.000000] Linux version " RELEASE "\r\n"
			   "mmbench-vm: guest " RELEASE " up: 2 cpus, 2 nodes\r\n");
	for (char *l = strtok_r(txt, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *line = l;

		lineno++;
		if (edit)
			line = edit(lineno, l, buf);
		if (line)
			out_len += sprintf(out + out_len, "%s\r\n", line);
		if (lineno == 40)
			out_len += sprintf(out + out_len, "[   12.345678] random: crng init done\r\n");
	}
	out_len += sprintf(out + out_len, "[   20.000000] reboot: Power down\r\n");
	write_file(path, out, keep_bytes && keep_bytes < out_len ? keep_bytes : out_len);
	free(out);
	free(txt);
}

static int unframe(const char *console, const char *dest, char **out)
{
	return tu_run(out, "bash guest/unframe.sh '%s' '%s'", console, dest);
}

static int same_file(const char *a, const char *b)
{
	return tu_run(NULL, "cmp -s '%s' '%s'", a, b) == 0;
}

static void paths(const char *name, char *console, char *dest, size_t n)
{
	snprintf(console, n, "%s/%s.log", tu_tmpdir(), name);
	snprintf(dest, n, "%s/%s.out", tu_tmpdir(), name);
}

static void test_whole_despite_noise(void **state)
{
	char console[4200], dest[4200], a[8400], b[8400], *out;

	(void)state;
	paths("whole", console, dest, sizeof(console));
	make_console(console, 0, NULL);
	assert_int_equal(unframe(console, dest, &out), 0);
	assert_non_null(strstr(out, "status=whole"));
	assert_non_null(strstr(out, "release=" RELEASE "\n"));
	assert_non_null(strstr(out, "rc=0\n"));
	free(out);
	snprintf(a, sizeof(a), "%s/" RELEASE "/" RUN_ID "/sub/big.bin", src);
	snprintf(b, sizeof(b), "%s/" RELEASE "/" RUN_ID "/sub/big.bin", dest);
	assert_true(same_file(a, b));
	snprintf(a, sizeof(a), "%s/" RELEASE "/" RUN_ID "/manifest.json", src);
	snprintf(b, sizeof(b), "%s/" RELEASE "/" RUN_ID "/manifest.json", dest);
	assert_true(same_file(a, b));
	snprintf(b, sizeof(b), "%s/INCOMPLETE", dest);
	assert_false(exists(b));
}

static void test_truncated(void **state)
{
	char console[4200], dest[4200], a[8400], b[8400], *out;
	size_t len;

	(void)state;
	paths("truncated", console, dest, sizeof(console));
	free(read_file(frame_txt, &len));
	make_console(console, len / 2, NULL);
	assert_int_equal(unframe(console, dest, &out), 3);
	assert_non_null(strstr(out, "status=incomplete"));
	assert_non_null(strstr(out, "no end marker"));
	snprintf(b, sizeof(b), "%s/INCOMPLETE", dest);
	assert_true(exists(b));
	/* half the frame cannot hold big.bin whole: it is absent or named as truncated */
	snprintf(a, sizeof(a), "%s/" RELEASE "/" RUN_ID "/sub/big.bin", src);
	snprintf(b, sizeof(b), "%s/" RELEASE "/" RUN_ID "/sub/big.bin", dest);
	assert_false(same_file(a, b));
	if (exists(b))
		assert_non_null(strstr(out, "truncated_files=" RELEASE "/" RUN_ID "/sub/big.bin"));
	/* a file not named as truncated is exactly the original */
	snprintf(a, sizeof(a), "%s/" RELEASE "/" RUN_ID "/manifest.json", src);
	snprintf(b, sizeof(b), "%s/" RELEASE "/" RUN_ID "/manifest.json", dest);
	if (exists(b) && !strstr(out, "manifest.json"))
		assert_true(same_file(a, b));
	free(out);
}

static const char *flip_one_char(int lineno, const char *line, char *buf)
{
	if (lineno != 100)
		return line;
	snprintf(buf, 256, "%s", line);
	buf[20] = buf[20] == 'A' ? 'B' : 'A';	/* still valid base64: only the digest can tell */
	return buf;
}

static const char *drop_line(int lineno, const char *line, char *buf)
{
	(void)buf;
	return lineno == 100 ? NULL : line;
}

static const char *garble_line(int lineno, const char *line, char *buf)
{
	if (lineno != 100)
		return line;
	snprintf(buf, 256, "%.30s[  9.1] oops%s", line, line + 30);	/* a message mid-line */
	return buf;
}

static const char *bad_end(int lineno, const char *line, char *buf)
{
	if (strncmp(line, "==MMBENCH-FRAME-END", 19))
		return line;
	snprintf(buf, 256, "%s", line);
	*strstr(buf, "bytes=") = 'B';
	(void)lineno;
	return buf;
}

static void expect_incomplete(const char *name, const char *(*edit)(int, const char *, char *),
			      const char *reason)
{
	char console[4200], dest[4200], b[8400], *out;

	paths(name, console, dest, sizeof(console));
	make_console(console, 0, edit);
	assert_int_equal(unframe(console, dest, &out), 3);
	assert_non_null(strstr(out, "status=incomplete"));
	if (!strstr(out, reason))
		fail_msg("%s: expected reason '%s' in:\n%s", name, reason, out);
	assert_null(strstr(out, "status=whole"));
	snprintf(b, sizeof(b), "%s/INCOMPLETE", dest);
	assert_true(exists(b));
	free(out);
}

static void test_corrupted(void **state)
{
	(void)state;
	expect_incomplete("flip", flip_one_char, "sha256 mismatch");
	expect_incomplete("drop", drop_line, "line count");
	expect_incomplete("garble", garble_line, "corrupted line");
	expect_incomplete("badend", bad_end, "markers disagree");
}

/* A guest tar that failed (busybox sh has no pipefail) makes the frame incomplete, not whole. */
static void test_tar_failed(void **state)
{
	char bin[4200], tar[4300], frame[4200], dest[4200], *out;

	(void)state;
	snprintf(bin, sizeof(bin), "%s/failing-tar", tu_tmpdir());
	snprintf(tar, sizeof(tar), "%s/tar", bin);
	snprintf(frame, sizeof(frame), "%s/tarfail.log", tu_tmpdir());
	snprintf(dest, sizeof(dest), "%s/tarfail.out", tu_tmpdir());
	/* first on PATH: the real tar (PATH without this directory) writes all, then "fails" */
	tu_write_file(tar, "#!/bin/sh\nPATH=${PATH#*:} tar \"$@\"\nexit 2\n");
	assert_int_equal(chmod(tar, 0755), 0);
	assert_int_equal(tu_run(NULL, "PATH='%s':$PATH sh guest/frame.sh '%s' rc=0 > '%s'",
				bin, src, frame), 0);
	assert_int_equal(unframe(frame, dest, &out), 3);
	if (!strstr(out, "status=incomplete") || !strstr(out, "tar failed"))
		fail_msg("a frame from a failed tar:\n%s", out);
	free(out);
}

static void test_no_frame(void **state)
{
	char console[4200], dest[4200], *out;

	(void)state;
	paths("none", console, dest, sizeof(console));
	write_file(console, "[ 1.0] Kernel panic - not syncing: VFS\r\n", 40);
	assert_int_equal(unframe(console, dest, &out), 1);
	assert_non_null(strstr(out, "status=absent"));
	free(out);
	assert_int_equal(tu_run(NULL, "[ -z \"$(ls -A '%s')\" ]", dest), 0);
}

/*
 * Archive console @name (cut to @keep bytes when not 0) under @root: exit @rc, the run
 * directory @id printed, INCOMPLETE there exactly when @incomplete. Its transfer.json (free it).
 */
static char *archive(const char *name, size_t keep, const char *root, int rc, const char *id,
		     int incomplete)
{
	char console[4200], dest[4200], p[8400], *out;
	size_t len;

	paths(name, console, dest, sizeof(console));
	make_console(console, keep, NULL);
	assert_int_equal(tu_run(&out, "vm/run-vm.sh --from-console '%s' --out '%s' --no-report",
				console, root), rc);
	snprintf(p, sizeof(p), "%s/" RELEASE "/%s\n", root, id);
	assert_non_null(strstr(out, p));
	free(out);
	snprintf(p, sizeof(p), "%s/" RELEASE "/%s/INCOMPLETE", root, id);
	assert_int_equal(exists(p), incomplete);
	snprintf(p, sizeof(p), "%s/" RELEASE "/%s/vm/transfer.json", root, id);
	return read_file(p, &len);
}

/* The whole path to the archive: an incomplete transfer is archived marked, never as whole. */
static void test_archive(void **state)
{
	char root[4200], *j;
	size_t len;

	(void)state;
	snprintf(root, sizeof(root), "%s/archive", tu_tmpdir());
	j = archive("arch-whole", 0, root, 0, RUN_ID, 0);
	assert_non_null(strstr(j, "\"complete\":true"));
	free(j);

	free(read_file(frame_txt, &len));
	/* the same run id is taken: this one goes beside it, not over it */
	j = archive("arch-cut", len / 3, root, 1, RUN_ID ".1", 1);
	assert_non_null(strstr(j, "\"complete\":false"));
	assert_non_null(strstr(j, "no end marker"));
	free(j);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Bad input: one line, exit 2, nothing created. A fake image with the boot header passes the kernel check. */
static void test_bad_input(void **state)
{
	static const char *const cases[][2] = {
		{ "--kernel /etc/hostname", "not a kernel image" },
		{ "--kernel %s --numa 3 --cpus 2", "larger than --cpus" },
		{ "--kernel %s --numa 2 --cpus 3", "does not split evenly" },
		{ "--kernel %s --mem 256M", "too small for the smoke profile" },
		{ "--kernel %s --mem 1G -- --profile quick", "too small for the quick profile" },
		{ "--kernel %s --mem 64T", "MemAvailable" },
		{ "--kernel %s --accel xen", "not one of auto, kvm, tcg" },
		{ "--kernel %s -- --out /tmp", "--out is for the host" },
	};
	char img[4200], root[4200], args[8600], *out;
	char hdr[1024] = { 0 };

	(void)state;
	snprintf(img, sizeof(img), "%s/fake-bzImage", tu_tmpdir());
	memcpy(hdr + 0x202, "HdrS", 4);
	write_file(img, hdr, sizeof(hdr));
	snprintf(root, sizeof(root), "%s/bad-root", tu_tmpdir());
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(args, sizeof(args), cases[i][0], img);
		assert_int_equal(tu_run(&out, "vm/run-vm.sh --out '%s' --no-report %s", root, args), 2);
		if (!strstr(out, cases[i][1]) || count_lines(out) != 1)
			fail_msg("vm %s: expected one line with '%s', got:\n%s", args, cases[i][1], out);
		free(out);
	}
	assert_false(exists(root));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_despite_noise),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_tar_failed),
		cmocka_unit_test(test_no_frame),
		cmocka_unit_test(test_archive),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, group_setup, tu_teardown);
}
