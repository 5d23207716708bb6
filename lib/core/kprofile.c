/*
 * The sampler: one cpu-clock (or cycles) event per CPU on this process with inherit, so the
 * threads and processes a bench creates after kprofile_start() are sampled into the same
 * per-CPU ring buffers; kernel and user call chains, resolved against kallsyms and this
 * process's executable mappings when a repetition ends, outside its timed region.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <perf/cpumap.h>
#include <perf/event.h>
#include <perf/evlist.h>
#include <perf/evsel.h>
#include <perf/mmap.h>
#include <perf/threadmap.h>
#include "sys/counters.h"
#include "core/kprofile.h"
#include "core/kprofile_agg.h"
#include "sys/ksyms.h"
#include "sys/privs.h"
#include "sys/procfs.h"
#include "sys/timing.h"

struct umap {
	uint64_t start, end;
	char name[64];
};

static struct {
	bool requested, ready, armed;
	char why[320];
	pid_t owner;
	struct perf_evlist *evlist;
	struct perf_cpu_map *cpus;
	struct perf_thread_map *threads;
	struct ksyms ksyms;
	struct umap maps[256];
	int nr_maps;
	struct kprofile_file bench;		/* the profiles of the bench running */
	long cur;			/* its case of the repetition running, or -1 */
	bool sampled;			/* whether that repetition is sampled */
	unsigned resumed;		/* counters_enable() calls in it */
	size_t metric_n[CASE_MAX_METRICS];
	int nr_metrics;
	char event[32];
	uint64_t period;
	bool freq;
	int mmap_errno;			/* why the ring buffers could not be mapped */
	unsigned ring_pages;		/* data pages a CPU: kprofile_ring_pages(), halved while mmap refuses */
} kp = { .cur = -1 };

static const char covers[] =
	"this process, its threads and the processes it forks (inherited per-CPU events); "
	"not kernel threads (kswapd, khugepaged, kcompactd) nor other processes";

bool kprofile_requested(void)
{
	return kp.requested;
}

/* Opens one sampling event on every CPU; 0 or -errno. */
static int open_event(__u32 type, __u64 config, bool freq)
{
	struct perf_event_attr attr = {
		.type = type, .size = sizeof(attr), .config = config,
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_CALLCHAIN,
		.disabled = 1, .inherit = 1, .exclude_hv = 1, .freq = freq,
		.sample_max_stack = KPROFILE_MAX_STACK,
	};
	struct perf_evsel *evsel;
	int err;

	if (freq)
		attr.sample_freq = KPROFILE_FREQ_HZ;
	else
		attr.sample_period = KPROFILE_PERIOD_NS;
	kp.evlist = perf_evlist__new();
	evsel = perf_evsel__new(&attr);
	if (!kp.evlist || !evsel) {
		perf_evlist__delete(kp.evlist);
		kp.evlist = NULL;
		return -ENOMEM;
	}
	perf_evlist__add(kp.evlist, evsel);
	perf_evlist__set_maps(kp.evlist, kp.cpus, kp.threads);
	err = perf_evlist__open(kp.evlist);
	/* other perf users of this uid share its allowance: less than the rule gave may be left */
	while (!err && perf_evlist__mmap(kp.evlist, kp.ring_pages)) {
		/* libperf says -1: the reason is mmap's errno (EPERM: over perf_event_mlock_kb) */
		kp.mmap_errno = errno ? errno : ENOMEM;
		if (kp.ring_pages / 2 >= KPROFILE_MIN_PAGES) {
			kp.ring_pages /= 2;
			continue;
		}
		err = -ENOBUFS;
		perf_evlist__close(kp.evlist);
	}
	if (err) {
		perf_evlist__delete(kp.evlist);	/* deletes the evsel too */
		kp.evlist = NULL;
	}
	return err;
}

/* cycles where the PMU has them, else the cpu-clock software event. */
static int open_sampler(void)
{
	pid_t self = 0;
	int err;

	counters_libperf_init();
	kp.cpus = perf_cpu_map__new(NULL);
	kp.threads = perf_thread_map__new_array(1, &self);
	if (!kp.cpus || !kp.threads)
		return -ENOMEM;
	err = open_event(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, true);
	if (!err) {
		snprintf(kp.event, sizeof(kp.event), "cycles");
		kp.freq = true;
		kp.period = KPROFILE_FREQ_HZ;
		return 0;
	}
	err = open_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, false);
	if (!err) {
		snprintf(kp.event, sizeof(kp.event), "cpu-clock");
		kp.period = KPROFILE_PERIOD_NS;
	}
	return err;
}

/* Why kallsyms shows this process no address: kptr_restrict, and what would lift it. */
static void hidden_why(const struct privs *p, char *why, size_t len)
{
	char buf[32] = "?";

	read_text("/proc/sys/kernel/kptr_restrict", buf, sizeof(buf));
	buf[strcspn(buf, "\n")] = 0;
	snprintf(why, len, "/proc/kallsyms shows every address as 0: kptr_restrict is %s%s and uid %u "
		 "lacks CAP_SYSLOG", buf, strcmp(buf, "0") ? "" : ", perf_event_paranoid above 1,",
		 (unsigned)p->uid);
}

void kprofile_start(FILE *log)
{
	char ks_why[160] = "", perf_why[160] = "", ring_why[160] = "";
	struct kprofile_limits lim;
	struct privs p;
	int ks, err;
	unsigned ncpus = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);

	kp.requested = true;
	kp.owner = getpid();
	snprintf(kp.event, sizeof(kp.event), "cpu-clock");
	kp.period = KPROFILE_PERIOD_NS;
	privs_read(&p);
	ks = ksyms_load(&kp.ksyms, "/proc/kallsyms", ks_why, sizeof(ks_why));
	if (ks == -EPERM)
		hidden_why(&p, ks_why, sizeof(ks_why));
	/* the rings and the fds grow with the CPUs: sized, and checked, before anything opens */
	kprofile_limits_read(&lim, ncpus);
	kp.ring_pages = kprofile_ring_pages(&lim, ring_why, sizeof(ring_why));
	err = kprofile_fds_ensure(ncpus + KPROFILE_FD_MARGIN, perf_why, sizeof(perf_why));
	if (!kp.ring_pages) {
		snprintf(perf_why, sizeof(perf_why), "%s", ring_why);
		err = -ENOBUFS;
	}
	/* tried either way, so that a user learns every privilege that is missing at once */
	if (!err)
		err = open_sampler();
	if (err == -ENOBUFS && !perf_why[0])
		snprintf(perf_why, sizeof(perf_why), "cannot map %d KiB of ring buffer a CPU: %s "
			 "(perf_event_mlock_kb, RLIMIT_MEMLOCK; CAP_IPC_LOCK lifts them)",
			 KPROFILE_MIN_PAGES * (int)(sysconf(_SC_PAGESIZE) / 1024), strerror(kp.mmap_errno));
	else if (err == -EACCES || err == -EPERM)
		privs_why_perf(&p, false, perf_why, sizeof(perf_why));
	else if (err && !perf_why[0])
		snprintf(perf_why, sizeof(perf_why), "cannot open a sampling event: %s", strerror(-err));
	snprintf(kp.why, sizeof(kp.why), "%s%s%s", perf_why, *perf_why && *ks_why ? "; " : "", ks_why);
	kp.ready = !err && !ks;
	if (!kp.ready)
		kprofile_stop();
	else
		counters_region_hook(kprofile_resume, kprofile_pause);
	kp.requested = true;
	if (log && kp.ready)
		fprintf(log, "mmbench: kprofile: %s at %" PRIu64 " %s, call chains, kernel and user; "
			"%u KiB of ring a CPU on %u CPUs (%.1f s of the deepest chains a CPU between drains)%s%s\n",
			kp.event, kp.period, kp.freq ? "Hz" : "ns per sample",
			(unsigned)(kp.ring_pages * lim.page / 1024), ncpus, kprofile_ring_seconds(kp.ring_pages, lim.page),
			ring_why[0] ? ": " : "", ring_why);
	else if (log)
		fprintf(log, "mmbench: kprofile: skipped: %s\n", kp.why);
}

void kprofile_stop(void)
{
	counters_region_hook(NULL, NULL);
	if (kp.evlist) {
		perf_evlist__disable(kp.evlist);
		perf_evlist__munmap(kp.evlist);
		perf_evlist__close(kp.evlist);
		perf_evlist__delete(kp.evlist);
		kp.evlist = NULL;
	}
	perf_thread_map__put(kp.threads);
	perf_cpu_map__put(kp.cpus);
	kp.threads = NULL;
	kp.cpus = NULL;
	ksyms_free(&kp.ksyms);
	kprofile_file_free(&kp.bench);
	kp.ready = kp.armed = false;
	kp.cur = -1;
}

/* The executable mappings of this process (forked children share them): user frames resolve to their object. */
static void load_maps(void)
{
	char line[512], perms[8], path[400];
	FILE *f = fopen("/proc/self/maps", "re");

	kp.nr_maps = 0;
	while (f && kp.nr_maps < (int)(sizeof(kp.maps) / sizeof(kp.maps[0])) && fgets(line, sizeof(line), f)) {
		struct umap *m = &kp.maps[kp.nr_maps];
		const char *base;

		path[0] = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %399s", &m->start, &m->end,
			   perms, path) < 3 || perms[2] != 'x')
			continue;
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		snprintf(m->name, sizeof(m->name), "[%.60s]", *base == '[' ? "" : *base ? base : "anon");
		if (*base == '[')
			snprintf(m->name, sizeof(m->name), "%.63s", base);
		kp.nr_maps++;
	}
	if (f)
		fclose(f);
}

/* What @ip is: a kernel symbol, an object of this process, or its address, kept and counted. */
static void resolve(uint64_t ip, bool kernel, struct kprofile_frame *fr, char *buf, size_t len)
{
	if (kernel) {
		kprofile_frame_kernel(&kp.ksyms, ip, fr, buf, len);
		return;
	}
	for (int i = 0; i < kp.nr_maps; i++)
		if (kp.maps[i].start <= ip && ip < kp.maps[i].end) {
			fr->name = kp.maps[i].name;
			fr->kind = KPROFILE_USER;
			return;
		}
	snprintf(buf, len, "0x%" PRIx64 " [unresolved user]", ip);
	fr->name = buf;
	fr->kind = KPROFILE_UNRESOLVED;
}

static char addr_names[KPROFILE_MAX_FRAMES][48];

/* One PERF_RECORD_SAMPLE: ip, pid/tid, then the call chain with its context markers. */
static void one_sample(struct kprofile *p, const struct perf_record_sample *s)
{
	const __u64 *a = s->array;
	size_t words = (s->header.size - sizeof(s->header)) / sizeof(__u64), nr;
	bool kernel = (s->header.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
	bool user_done = false;
	struct kprofile_frame f[KPROFILE_MAX_FRAMES];
	int n = 0;

	if (words < 3)
		return;
	nr = a[2] < words - 3 ? a[2] : words - 3;
	resolve(a[0], kernel, &f[n], addr_names[n], sizeof(addr_names[n]));
	n++;
	for (size_t i = 0; i < nr && n < KPROFILE_MAX_FRAMES; i++) {
		__u64 x = a[3 + i];

		if (x >= (__u64)PERF_CONTEXT_MAX) {
			kernel = x == (__u64)PERF_CONTEXT_KERNEL;
			user_done |= x != (__u64)PERF_CONTEXT_KERNEL && x != (__u64)PERF_CONTEXT_USER;
			continue;
		}
		/* the chain opens with the sampled instruction itself */
		if ((n == 1 && x == a[0]) || (!kernel && user_done))
			continue;
		resolve(x, kernel, &f[n], addr_names[n], sizeof(addr_names[n]));
		if (f[n].kind == KPROFILE_UNRESOLVED) {
			p->unresolved_frames++;
			/*
			 * A user walk follows frame pointers, which code built without them
			 * does not keep: past an address in no mapping it is noise.
			 */
			if (!kernel) {
				user_done = true;
				continue;
			}
		}
		n++;
	}
	kprofile_add(p, f, n);
}

/* Everything in the ring buffers goes to @p (NULL: read and dropped). */
static void drain(struct kprofile *p)
{
	struct perf_mmap *map;
	union perf_event *ev;
	uint64_t t0 = now_ns();

	load_maps();
	perf_evlist__for_each_mmap(kp.evlist, map, false) {
		if (perf_mmap__read_init(map) < 0)
			continue;
		while ((ev = perf_mmap__read_event(map))) {
			if (p && ev->header.type == PERF_RECORD_SAMPLE)
				one_sample(p, &ev->sample);
			else if (p && ev->header.type == PERF_RECORD_LOST)
				p->lost += ev->lost.lost;
			else if (p && ev->header.type == PERF_RECORD_LOST_SAMPLES)
				p->lost += ev->lost_samples.lost;
			else if (p && ev->header.type == PERF_RECORD_THROTTLE)
				p->throttled++;
			perf_mmap__consume(map);
		}
		perf_mmap__read_done(map);
	}
	kp.bench.process_ms += (now_ns() - t0) / 1e6;
}

void kprofile_resume(void)
{
	kp.resumed++;
	if (kp.armed && kp.cur >= 0 && !kp.bench.cases[kp.cur].whole)
		perf_evlist__enable(kp.evlist);
}

void kprofile_pause(void)
{
	if (kp.armed && kp.cur >= 0 && !kp.bench.cases[kp.cur].whole)
		perf_evlist__disable(kp.evlist);
}

/* The profiles collected so far belong to @bench; another bench's are dropped (written already). */
static void bench_is(const char *bench)
{
	if (strcmp(kp.bench.bench, bench)) {
		kprofile_file_free(&kp.bench);
		snprintf(kp.bench.bench, sizeof(kp.bench.bench), "%s", bench);
	}
}

void kprofile_rep_begin(const struct bench_ctx *ctx, struct bench_case *c, unsigned rep)
{
	struct kprofile *p;

	/* a forked child running the driver's loop never owns the buffers */
	if (!kp.requested || getpid() != kp.owner)
		return;
	bench_is(ctx->bench->name);
	p = kprofile_file_case(&kp.bench, c->key);
	kp.cur = p ? p - kp.bench.cases : -1;
	/*
	 * Every other repetition sampled: the same case with and without, interleaved. Half
	 * the cases sample their even repetitions, half their odd ones, so whatever sets a
	 * repetition's place apart (the first one's memory) falls on both kinds alike. A case
	 * of one repetition is sampled.
	 */
	kp.sampled = ctx->reps == 1 || (rep + (unsigned)kp.cur) % 2 == 0;
	kp.nr_metrics = c->nr_metrics;
	for (int i = 0; i < c->nr_metrics; i++)
		kp.metric_n[i] = c->metrics[i].n;
	kp.resumed = 0;
	if (kp.ready && p) {
		drain(NULL);	/* nothing before the repetition is its */
		kp.armed = kp.sampled;
		if (kp.armed && p->whole)
			perf_evlist__enable(kp.evlist);
	}
}

/* The value each metric took in this repetition, beside those of the other kind of repetition. */
static void record_overhead(struct kprofile *p, const struct bench_case *c)
{
	for (int i = 0; i < c->nr_metrics; i++) {
		const struct metric *m = &c->metrics[i];
		size_t before = i < kp.nr_metrics ? kp.metric_n[i] : 0;
		json_t *o;

		if (m->n != before + 1 || m->better == BETTER_NONE)
			continue;
		o = json_object_get(p->overhead, m->name);
		if (!o) {
			o = json_pack("{sssss[]s[]}", "unit", m->unit, "better",
				      m->better == BETTER_HIGHER ? "higher" : "lower", "with", "without");
			json_object_set_new(p->overhead, m->name, o);
		}
		json_array_append_new(json_object_get(o, kp.sampled ? "with" : "without"),
				      json_real(m->samples[m->n - 1]));
	}
}

void kprofile_rep_end(struct bench_case *c)
{
	struct kprofile *p;

	if (kp.cur < 0 || getpid() != kp.owner)
		return;
	p = &kp.bench.cases[kp.cur];
	kp.cur = -1;
	if (!kp.ready)
		return;
	/* a bench that left the counters enabled on an error path stops being sampled here */
	perf_evlist__disable(kp.evlist);
	kp.armed = false;
	drain(kp.sampled ? p : NULL);
	p->reps += kp.sampled;
	/* nothing to hook in this bench's timed region: its next sampled repetitions are sampled whole */
	if (kp.sampled && !kp.resumed && !p->whole && !p->samples)
		p->whole = true;
	record_overhead(p, c);
}

int kprofile_collect(const struct bench_ctx *ctx, const struct case_list *list, struct kprofile_file **out)
{
	struct kprofile_file *f = &kp.bench;

	*out = NULL;
	if (!kp.requested)
		return 0;
	bench_is(ctx->bench->name);
	f->ok = kp.ready;
	snprintf(f->reason, sizeof(f->reason), "%s", kp.ready ? "" : kp.why);
	snprintf(f->event, sizeof(f->event), "%s", kp.event);
	f->period = kp.period;
	f->freq = kp.freq;
	f->max_stack = KPROFILE_MAX_STACK;
	snprintf(f->covers, sizeof(f->covers), "%s", covers);
	for (int i = 0; list && i < list->nr; i++) {
		const struct bench_case *c = &list->cases[i];
		struct kprofile *p = kprofile_file_case(f, c->key);

		if (!p)
			return -ENOMEM;
		if (!kp.ready || c->status != CASE_OK) {
			p->ok = false;
			snprintf(p->reason, sizeof(p->reason), "%s%s",
				 !kp.ready ? "" : c->status == CASE_SKIP ? "case skipped: " : "case failed: ",
				 !kp.ready ? kp.why : c->reason);
		}
	}
	*out = f;
	return 0;
}

void kprofile_bench_done(void)
{
	kprofile_file_free(&kp.bench);
}
