/* Sampled profiles without sampling: symbol resolution against a recorded kallsyms, shares and diffs of recorded samples, the few-samples rule, the file and its reader, the cost verdict. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"
#include "core/bench.h"
#include "core/kprofile.h"
#include "analysis/kprofile_diff.h"
#include "results/kprofile_file.h"
#include "report/kprofile_report.h"
#include "sys/ksyms.h"

#define DATA	"tests/data/kprofile"

static struct ksyms ks;

static int setup(void **state)
{
	(void)state;
	return ksyms_load(&ks, DATA "/kallsyms", NULL, 0);
}

static int teardown(void **state)
{
	ksyms_free(&ks);
	return tu_teardown(state);
}

static const char *sym(uint64_t addr)
{
	const struct ksym *s = ksyms_find(&ks, addr);

	return s ? s->name : NULL;
}

static void test_resolve(void **state)
{
	char why[256];
	struct ksyms z;
	char path[PATH_MAX];

	(void)state;
	/* the file is in no order (as modules' symbols are not): the loader sorts */
	assert_int_equal(ks.nr, 32);
	assert_string_equal(sym(0xffffffff821f2ed0), "exc_page_fault");	/* its first byte */
	assert_string_equal(sym(0xffffffff821f363f), "exc_page_fault");	/* its last */
	assert_string_equal(sym(0xffffffff821f3640), "__pfx_get_cpu_entry_area");
	assert_string_equal(sym(0xffffffff815dc7a0), "lock_vma_under_rcu");
	assert_string_equal(sym(0xffffffff815e9bd0), "do_anonymous_page");	/* a local (t) symbol */
	/* aliases at one address: the same name on every load */
	assert_string_equal(sym(0xffffffff81000004), "srso_alias_untrain_ret");
	/* a module's symbol keeps its module */
	assert_null(sym(0xffffffffc0201010));	/* the last symbol: nothing above it, no known end */
	assert_null(sym(0xffffffff80000000));	/* below the first */
	assert_null(sym(0xffffffff82400010));	/* inside data (__start_rodata), not text */
	/* kptr_restrict: every address 0 is refused, not resolved to the first symbol */
	snprintf(path, sizeof(path), "%s/kallsyms-zero", tu_tmpdir());
	tu_write_file(path, "0000000000000000 T _text\n0000000000000000 T exc_page_fault\n");
	assert_int_equal(ksyms_load(&z, path, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "kptr_restrict"));
	assert_int_equal(ksyms_load(&z, "/nonexistent/kallsyms", why, sizeof(why)), -ENOENT);
}

/* Every line of a recorded samples file into @p: "COUNT k:ADDR|u:NAME ..", leaf first. */
static void load_samples(struct kprofile *p, const char *path, int times)
{
	char *text = tu_slurp("%s", path), *save, *line;
	static char addr[KPROFILE_MAX_FRAMES][48];

	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct kprofile_frame f[KPROFILE_MAX_FRAMES];
		char *s2, *tok = strtok_r(line, " ", &s2);
		long count;
		int n = 0;

		if (line[0] == '#')
			continue;
		count = strtol(tok, NULL, 10);
		while ((tok = strtok_r(NULL, " ", &s2))) {
			if (!strncmp(tok, "k:", 2)) {
				kprofile_frame_kernel(&ks, strtoull(tok + 2, NULL, 16), &f[n], addr[n], sizeof(addr[n]));
			} else {
				f[n].name = tok + 2;
				f[n].kind = KPROFILE_USER;
			}
			n++;
		}
		for (long i = 0; i < count * times; i++)
			assert_int_equal(kprofile_add(p, f, n), 0);
	}
	free(text);
}

static const struct kprofile_entry *entry(const struct kprofile *p, const char *name)
{
	long k = kprofile_table_find(&p->syms, name);

	assert_true(k >= 0);
	return &p->syms.v[k];
}

static void test_shares(void **state)
{
	const struct kprofile_entry **v;
	struct kprofile p;

	(void)state;
	kprofile_init(&p, "mode=shared-vma threads=1");
	load_samples(&p, DATA "/samples-base.txt", 1);
	assert_int_equal(p.samples, 101);
	assert_int_equal(p.kernel_samples, 99);
	assert_int_equal(p.unresolved_samples, 2);
	assert_int_equal(entry(&p, "exc_page_fault")->self, 40);
	/* in every chain: 100% children */
	assert_int_equal(entry(&p, "exc_page_fault")->children, 101);
	assert_int_equal(entry(&p, "asm_exc_page_fault")->self, 0);
	assert_int_equal(entry(&p, "[mmbench]")->children, 101);
	/* 30 below it, plus the recursive sample counted once */
	assert_int_equal(entry(&p, "handle_mm_fault")->self, 1);
	assert_int_equal(entry(&p, "handle_mm_fault")->children, 31);
	assert_int_equal(entry(&p, "0xffffffffc0300000 [unresolved kernel]")->self, 2);
	assert_true(fabs(kprofile_share(&p, entry(&p, "find_vma")->self) - 20.0 / 101) < 1e-12);
	v = kprofile_sorted(&p.syms, false);
	assert_string_equal(v[0]->name, "exc_page_fault");
	assert_string_equal(v[1]->name, "do_anonymous_page");
	free(v);
	/* folded, root first */
	assert_true(kprofile_table_find(&p.stacks, "[mmbench];asm_exc_page_fault;exc_page_fault;handle_mm_fault;"
				  "__handle_mm_fault;do_anonymous_page") >= 0);
	assert_int_equal(p.stacks.v[kprofile_table_find(&p.stacks, "[mmbench];asm_exc_page_fault;exc_page_fault")].self, 40);
	kprofile_free(&p);
}

static void test_prop_test(void **state)
{
	const char *t;

	(void)state;
	/* Fisher's exact test (worked in exact rational arithmetic), where a cell is small */
	assert_true(fabs(kprofile_prop_test(0, 100, 5, 100, &t) - 0.0593832104685866) < 1e-9);
	assert_string_equal(t, "fisher");
	assert_true(fabs(kprofile_prop_test(1, 20, 6, 20, &t) - 0.0914760914760915) < 1e-9);
	assert_true(fabs(kprofile_prop_test(3, 10, 3, 10, &t) - 1) < 1e-9);
	assert_string_equal(t, "fisher");
	/* 11 of 85 in the symbol: every cell expects at least 5 (5.2 the least) */
	assert_true(fabs(kprofile_prop_test(2, 40, 9, 45, &t) - 0.0397361436247601) < 1e-9);
	assert_string_equal(t, "z");
	/* the pooled z test where every cell expects 5 or more */
	assert_true(fabs(kprofile_prop_test(100, 1000, 130, 1000, &t) - 0.0354884504664747) < 1e-9);
	assert_string_equal(t, "z");
	assert_true(kprofile_prop_test(220, 5000, 15, 5000, &t) < 1e-40);
	assert_true(isnan(kprofile_prop_test(0, 0, 3, 10, &t)));
}

static void diff_of(int times, struct kprofile *b, struct kprofile *c, struct kprofile_diff *d)
{
	kprofile_init(b, "k");
	kprofile_init(c, "k");
	load_samples(b, DATA "/samples-base.txt", times);
	load_samples(c, DATA "/samples-new.txt", times);
	assert_int_equal(kprofile_diff_build(b, c, d), 0);
}

static const struct kprofile_change *change(const struct kprofile_diff *d, const char *name)
{
	for (size_t i = 0; i < d->nr; i++)
		if (!strcmp(d->v[i].name, name))
			return &d->v[i];
	fail_msg("no change of %s", name);
	return NULL;
}

static void test_diff(void **state)
{
	struct kprofile b, c;
	struct kprofile_diff d;
	char text[2048];

	(void)state;
	/* 101 and 96 samples: too few (under KPROFILE_FEW_SAMPLES), and marked so */
	diff_of(1, &b, &c, &d);
	assert_true(d.few);
	assert_string_equal(d.v[0].name, "lock_vma_under_rcu");	/* the largest move first */
	assert_int_equal(d.v[0].xb, 0);
	assert_int_equal(d.v[0].xc, 25);
	assert_true(fabs(d.v[0].sc - 25.0 / 96) < 1e-12);
	kprofile_diff_text(&d, 2, text, sizeof(text));
	assert_non_null(strstr(text, "lock_vma_under_rcu 0.0% (0) -> 26.0% (25) q<0.001 few-samples"));
	assert_non_null(strstr(text, "[of 101 -> 96 samples: few-samples"));
	/* down_read_trylock 8 of 101 -> 0 of 96: Fisher, and alone not enough after BH */
	assert_string_equal(change(&d, "down_read_trylock")->test, "fisher");
	assert_true(change(&d, "down_read_trylock")->q > 0.001);
	/* only kernel symbols are diffed */
	for (size_t i = 0; i < d.nr; i++)
		assert_null(strstr(d.v[i].name, "[mmbench]"));
	kprofile_diff_free(&d);
	kprofile_free(&b);
	kprofile_free(&c);

	/* ten times the samples: not few, and the 8 -> 0 of down_read_trylock is now clear */
	diff_of(10, &b, &c, &d);
	assert_false(d.few);
	assert_true(change(&d, "down_read_trylock")->q < 0.001);
	/* exc_page_fault 40/101 -> 40/96: a change of 2 points, not significant */
	assert_true(change(&d, "exc_page_fault")->q > KPROFILE_DIFF_ALPHA);
	kprofile_diff_text(&d, 2, text, sizeof(text));
	assert_null(strstr(text, "few-samples"));
	assert_non_null(strstr(text, "from or to none: down_read_trylock 7.9% (80) -> 0.0% (0) q<0.001"));
	kprofile_diff_free(&d);
	kprofile_free(&b);
	kprofile_free(&c);
}

static void test_file(void **state)
{
	struct kprofile_file f = { 0 }, g;
	struct kprofile *p;
	char dir[PATH_MAX], path[PATH_MAX + 32], *text;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	snprintf(f.bench, sizeof(f.bench), "vma-lock");
	snprintf(f.event, sizeof(f.event), "cpu-clock");
	f.ok = true;
	f.period = 1000000;
	f.max_stack = 64;
	p = kprofile_file_case(&f, "mode=shared-vma threads=1");
	load_samples(p, DATA "/samples-base.txt", 1);
	p->reps = 3;
	p->lost = 7;
	p = kprofile_file_case(&f, "mode=processes threads=2");
	p->ok = false;
	snprintf(p->reason, sizeof(p->reason), "case skipped: not enough memory");
	assert_int_equal(kprofile_file_write(dir, &f), 0);
	kprofile_file_free(&f);

	assert_int_equal(kprofile_file_load_run(dir, "vma-lock", &g), 0);
	assert_int_equal(g.nr, 2);
	p = (struct kprofile *)kprofile_file_find(&g, "mode=shared-vma threads=1");
	assert_non_null(p);
	assert_int_equal(p->samples, 101);
	assert_int_equal(p->lost, 7);
	assert_int_equal(p->reps, 3);
	assert_int_equal(entry(p, "handle_mm_fault")->children, 31);
	assert_int_equal(entry(p, "0xffffffffc0300000 [unresolved kernel]")->kind, KPROFILE_UNRESOLVED);
	assert_false(kprofile_file_find(&g, "mode=processes threads=2")->ok);
	assert_string_equal(kprofile_file_find(&g, "mode=processes threads=2")->reason,
			    "case skipped: not enough memory");
	kprofile_file_free(&g);
	assert_int_equal(kprofile_file_load_run(dir, "thp", &g), -ENOENT);

	/* a file that says more than its samples allow is refused, not trusted */
	snprintf(path, sizeof(path), "%s/vma-lock.kprofile.json", dir);
	text = tu_slurp("%s", path);
	tu_write_file(path, "%s", text);
	assert_int_equal(tu_run(NULL, "sed -i '0,/\"self\": 40/s//\"self\": 400/' %s", path), 0);
	assert_int_equal(kprofile_file_load(path, &g), -EINVAL);
	tu_write_file(path, "%s", text);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"lost\": 7/\"lost\": -7/' %s", path), 0);
	assert_int_equal(kprofile_file_load(path, &g), -EINVAL);
	tu_write_file(path, "%s", text);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"find_vma\"/\"exc_page_fault\"/' %s", path), 0);
	assert_int_equal(kprofile_file_load(path, &g), -EINVAL);	/* a symbol twice */
	tu_write_file(path, "%s", text);
	assert_int_equal(tu_run(NULL, "sed -i 's/\"count\": 40/\"count\": 41/' %s", path), 0);
	assert_int_equal(kprofile_file_load(path, &g), -EINVAL);	/* stacks count more than the samples */
	tu_write_file(path, "%s", text);
	assert_int_equal(tu_run(NULL, "sed -i 's/mmbench-kprofile\\/1/mmbench-kprofile\\/9/' %s", path), 0);
	assert_int_equal(kprofile_file_load(path, &g), -EINVAL);
	tu_write_file(path, "%s", text);
	assert_int_equal(kprofile_file_load(path, &g), 0);
	kprofile_file_free(&g);
	free(text);
}

/* @cases cases of metric "rate", 3 sampled and 2 unsampled repetitions, sampled at @f times the rest. */
static void cost_file(struct kprofile_file *f, int cases, double factor)
{
	static const double noise[5] = { 1.0, 1.012, 0.991, 1.004, 0.995 };

	memset(f, 0, sizeof(*f));
	for (int c = 0; c < cases; c++) {
		char key[32];
		struct kprofile *p;
		json_t *m;

		snprintf(key, sizeof(key), "threads=%d", c + 1);
		p = kprofile_file_case(f, key);
		m = json_pack("{sssss[]s[]}", "unit", "1/s", "better", "higher", "with", "without");
		/* cases of different sizes: scaling by each case's mean pools them */
		for (int r = 0; r < 5; r++)
			json_array_append_new(json_object_get(m, r % 2 ? "without" : "with"),
					      json_real(1000.0 * (c + 1) * noise[(r + c) % 5] *
							(r % 2 ? 1 : factor)));
		json_object_set_new(p->overhead, "rate", m);
	}
}

static void test_cost(void **state)
{
	struct kprofile_file f;
	struct kprofile_cost c;
	struct vresult *rs[1] = { &c.res };

	(void)state;
	cost_file(&f, 10, 0.90);
	kprofile_cost_measure(&f, "rate", &c);
	verdict_correct(rs, 1);
	verdict_decide(&c.res, BETTER_HIGHER);
	assert_int_equal(c.cases, 10);
	assert_int_equal(c.res.nc, 30);
	assert_int_equal(c.res.nb, 20);
	assert_true(fabs(c.res.ratio - 0.90) < 0.01);
	assert_int_equal(c.res.v, VERDICT_WORSE);
	kprofile_file_free(&f);
	cost_file(&f, 10, 1.0);
	kprofile_cost_measure(&f, "rate", &c);
	verdict_correct(rs, 1);
	verdict_decide(&c.res, BETTER_HIGHER);
	assert_true(fabs(c.res.ratio - 1) < 0.01);
	assert_int_equal(c.res.v, VERDICT_SAME);
	kprofile_file_free(&f);
}

/* @dir: a copy of run-base with every sample times @f and a profile of one case from @samples. */
static void profiled_run(const char *dir, double f, const char *samples)
{
	struct kprofile_file kf = { 0 };

	assert_int_equal(tu_run(NULL, "rm -rf %s && mkdir -p %s && cp tests/data/run-base/* %s && "
				"sed -i 's/\\(\"run_id\": \"[^\"]*\\)\"/\\1-%s\"/' %s/manifest.json && "
				"python3 -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); "
				"[m.__setitem__(\"samples\", [x * %g for x in m[\"samples\"]]) "
				"for c in d[\"cases\"] for m in c[\"metrics\"]]; "
				"json.dump(d, open(p, \"w\"))' %s/fault-scale.json", dir, dir, dir,
				strrchr(dir, '/') + 1, dir, f, dir), 0);
	snprintf(kf.bench, sizeof(kf.bench), "fault-scale");
	snprintf(kf.event, sizeof(kf.event), "cpu-clock");
	kf.ok = true;
	kf.period = 1000000;
	load_samples(kprofile_file_case(&kf, "mode=vma-lock threads=8"), samples, 1);
	assert_int_equal(kprofile_file_write(dir, &kf), 0);
	kprofile_file_free(&kf);
}

/* compare's summary: beside the changed case, the symbols that moved, over the runs of each side pooled. */
static void test_compare_summary(void **state)
{
	static const double level[3] = { 1.0, 1.011, 0.992 };
	char a[3][PATH_MAX], b[3][PATH_MAX], *out = NULL;

	(void)state;
	for (int i = 0; i < 3; i++) {
		snprintf(a[i], sizeof(a[i]), "%s/a%d", tu_tmpdir(), i);
		snprintf(b[i], sizeof(b[i]), "%s/b%d", tu_tmpdir(), i);
		profiled_run(a[i], level[i], DATA "/samples-base.txt");
		profiled_run(b[i], 0.8 * level[i], DATA "/samples-new.txt");
	}
	assert_int_equal(tu_run(&out, "./build/mmbench compare %s,%s,%s %s,%s,%s --history none",
				a[0], a[1], a[2], b[0], b[1], b[2]), 3);
	/* 3 runs a side: 0 of 303 samples -> 75 of 288, and not few */
	if (!strstr(out, "[of 303 -> 288 samples]"))
		fail_msg("%s", out);
	assert_non_null(strstr(out, "in mode=vma-lock threads=8\n    kernel profile (self, A -> B): "
				    "lock_vma_under_rcu 0.0% (0) -> 26.0% (75)\n       q<0.001, find_vma "
				    "19.8% (60) -> 1.0% (3) q<0.001, down_read_trylock"));
	assert_non_null(strstr(out, "[of 303 -> 288 samples]"));
	/* a case profiled on neither side says nothing; one side only says which */
	assert_int_equal(tu_run(NULL, "rm %s/fault-scale.kprofile.json %s/fault-scale.kprofile.json "
				"%s/fault-scale.kprofile.json", b[0], b[1], b[2]), 0);
	free(out);
	tu_run(&out, "./build/mmbench compare %s,%s,%s %s,%s,%s --history none", a[0], a[1], a[2],
	       b[0], b[1], b[2]);
	assert_non_null(strstr(out, "A -> B): A: profiled; B: no run has a profile"));
	free(out);
}

/* The ring buffer a CPU, sized by the CPU count, the memory and the lock limits (kprofile_ring.c). */
static void test_ring_sizing(void **state)
{
	const uint64_t G = 1ull << 30;
	struct kprofile_limits root = { .ncpus = 2, .page = 4096, .mem_total = 4 * G, .mlock_kb = 516,
					.memlock = 8 << 20, .exempt = true };
	struct kprofile_limits user = root;
	char why[160];

	(void)state;
	user.exempt = false;
	/* a 2-CPU guest: 4 MiB a CPU either way (2 x 1025 pages fit 516 KiB a CPU plus 8 MiB) */
	assert_int_equal(kprofile_ring_pages(&root, why, sizeof(why)), 1024);
	assert_string_equal(why, "");
	assert_int_equal(kprofile_ring_pages(&user, why, sizeof(why)), 1024);
	/* 256 CPUs and 512 GiB, with CAP_IPC_LOCK: 1 GiB in all, under 1/64 of the memory */
	root.ncpus = 256;
	root.mem_total = 512 * G;
	assert_int_equal(kprofile_ring_pages(&root, why, sizeof(why)), 1024);
	/* 256 CPUs and 64 GiB: 1 GiB is the whole 1/64 and the header pages do not fit: halved */
	root.mem_total = 64 * G;
	assert_int_equal(kprofile_ring_pages(&root, why, sizeof(why)), 512);
	assert_non_null(strstr(why, "1/64 of MemTotal"));
	/* without CAP_IPC_LOCK: 129 pages a CPU for the user plus 2048 for the process */
	user.ncpus = 256;
	user.mem_total = 512 * G;
	assert_int_equal(kprofile_ring_pages(&user, why, sizeof(why)), 128);
	assert_non_null(strstr(why, "perf_event_mlock_kb"));
	user.ncpus = 8;
	assert_int_equal(kprofile_ring_pages(&user, why, sizeof(why)), 256);
	/* the 32-CPU, 8 GiB guest: 2 MiB with CAP_IPC_LOCK, 512 KiB without */
	root.ncpus = user.ncpus = 32;
	root.mem_total = user.mem_total = 8 * G;
	assert_int_equal(kprofile_ring_pages(&root, why, sizeof(why)), 512);
	assert_int_equal(kprofile_ring_pages(&user, why, sizeof(why)), 128);
	user.mem_total = 512 * G;
	user.memlock = UINT64_MAX;	/* ulimit -l unlimited: only the memory bounds it */
	assert_int_equal(kprofile_ring_pages(&user, why, sizeof(why)), 1024);
	/* not even 8 pages a CPU: none, and why */
	root.ncpus = 256;
	root.mem_total = 256ull << 20;
	assert_int_equal(kprofile_ring_pages(&root, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "256 CPUs"));
	/* 4 MiB holds 7.7 s of 544-byte samples at 1000 Hz */
	assert_true(fabs(kprofile_ring_seconds(1024, 4096) - 7.71) < 0.01);
}

/* The fd limit is raised to what the per-CPU events need when the hard limit allows, never lowered. */
static void test_nofile(void **state)
{
	(void)state;
	assert_int_equal(kprofile_nofile_for(300, 1024, 4096), 1024);
	assert_int_equal(kprofile_nofile_for(2000, 1024, 4096), 2000);
	assert_int_equal(kprofile_nofile_for(5000, 1024, 4096), 0);
	assert_true(kprofile_nofile_for(5000, 1024, UINT64_MAX) == 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_prop_test),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_cost),
		cmocka_unit_test(test_compare_summary),
		cmocka_unit_test(test_ring_sizing),
		cmocka_unit_test(test_nofile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
