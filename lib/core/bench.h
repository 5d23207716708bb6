/* The contract between a bench file in benches/ and the harness, and the registry. */
#ifndef MMBENCH_BENCH_H
#define MMBENCH_BENCH_H

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sys/loadwatch.h"

/* kselftest exit codes, also used as return values of bench callbacks */
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_USAGE	2
#define KSFT_SKIP	4

/* A bench callback returns 0, -errno (the case fails), or BENCH_SKIP (see case_skip()). */
#define BENCH_SKIP	KSFT_SKIP

enum profile { PROFILE_SMOKE, PROFILE_QUICK, PROFILE_FULL, NR_PROFILES };
extern const char *const profile_names[NR_PROFILES];	/* "smoke", "quick", "full" (options.c) */

enum better { BETTER_LOWER, BETTER_HIGHER, BETTER_NONE };

enum opt_type {
	OPT_SIZE,	/* bytes, with K/M/G/T suffixes (powers of 1024) */
	OPT_UINT,	/* an unsigned number */
	OPT_CHOICE,	/* one word of .choices */
	OPT_LIST,	/* comma-separated words of .choices (or any words if NULL) */
	OPT_UINT_LIST,	/* comma-separated numbers; tokens ncpus, 2ncpus, pow2 expand */
};

/*
 * An enum, its words and an option's choices from one list, so that they cannot drift
 * apart: #define MODES(X) X(MODE_A, "a") X(MODE_B, "b"), then
 *   enum mode { MODES(ENUM_VALUE) NR_MODES };
 *   static const char *const mode_words[] = { MODES(ENUM_WORD) };
 *   .choices = MODES(CHOICE_WORD)
 * and an OPT_LIST's default of every word, in the list's order ("a,b"):
 *   .def = { ALL_WORDS(MODES) }
 */
#define ENUM_VALUE(id, word)	id,
#define ENUM_WORD(id, word)	[id] = word,
#define CHOICE_WORD(id, word)	word "|"
#define LIST_WORD(id, word)	"," word
/* Every word of a list as an OPT_LIST default, "a,b,c" (the first comma skipped). */
#define ALL_WORDS(LIST)		(&(LIST(LIST_WORD))[1])

/* How option values are stored in a bench's options struct, by type. */
#define OPT_LIST_MAX	64
struct opt_choices {		/* OPT_LIST: indices into .choices, in the order given */
	int n;
	int v[OPT_LIST_MAX];
};
struct opt_nums {		/* OPT_UINT_LIST: the numbers, expanded, ascending */
	int n;
	uint64_t v[OPT_LIST_MAX];
};
/* OPT_SIZE and OPT_UINT: uint64_t; OPT_CHOICE: an int (the bench's enum), index into .choices */

/* Where an option's value goes: a member of the bench's options struct (a typo does not compile). */
#define OPT_AT(T, member) \
	.off = offsetof(T, member), .field_size = sizeof(((T *)0)->member)

/*
 * One option of a bench: data, with its help text and unit, stored at OPT_AT() in the
 * bench's options struct (struct bench .opts_size), which the bench reads as ctx->o.
 * Defaults are text, one per profile (a NULL entry takes the previous profile's),
 * parsed like user input. .max_per_cpu, when set, bounds numbers by that many times
 * the online CPUs.
 */
struct bench_opt {
	const char *name;
	enum opt_type type;
	size_t off, field_size;		/* OPT_AT() */
	const char *def[NR_PROFILES];
	uint64_t min, max;
	unsigned max_per_cpu;
	const char *choices;	/* "a|b|c" (or "a|b|c|", CHOICE_WORD) for OPT_CHOICE and OPT_LIST */
	const char *unit;
	const char *help;
};

/* Every bench that allocates has this option (what a repetition's memory is touched with first). */
#define PREWARM_WORDS(X) X(PREWARM_ON, "on") X(PREWARM_OFF, "off")
enum prewarm { PREWARM_WORDS(ENUM_VALUE) };
#define BENCH_OPT_PREWARM(T) \
	{ .name = "prewarm", .type = OPT_CHOICE, OPT_AT(T, prewarm), .def = { "on" }, \
	  .choices = PREWARM_WORDS(CHOICE_WORD), \
	  .help = "touch and free the memory a repetition allocates right before it, untimed: " \
		  "a guest's host may have taken free memory back (free page reporting)" }

/* What one case can hold; a case that records more fails with the reason (lib/core/case.c). */
#define CASE_MAX_PARAMS	20
#define CASE_MAX_KNOBS	16
#define CASE_MAX_METRICS 128	/* numa-scan: up to 24 and 3 a node: 34 nodes fit */
#define CASE_MAX_COUNTERS 48
#define CASE_MAX_VMSTAT	64
#define CASE_MAX_SAMPLES 4096
#define CASE_DATA_MAX	64
#define CASE_MAX_LOAD	256	/* repetitions whose load is recorded (the rest run unwatched) */

/* The bench's own struct of case @c (struct uffd_wp_case), kept in the case itself. */
#define CASE_DATA(c, T) (__extension__({ \
	_Static_assert(sizeof(T) <= CASE_DATA_MAX, #T " does not fit in a case"); \
	(T *)(c)->data; }))

struct case_param {
	char name[32];
	char str[96];		/* the value as text (numbers too) */
	double num;
	bool is_num;
	bool in_key;		/* part of the case key (set before enumerate returns) */
};

struct case_knob {
	char knob[64];		/* a name from the knob table, e.g. "thp.enabled" */
	char value[64];
};

struct metric {
	char name[48];
	char unit[16];
	enum better better;
	size_t n;
	double *samples;	/* grows as samples are added */
};

struct counter_total {
	char name[64];
	bool supported;
	char reason[96];	/* why not, when !supported */
	uint64_t val, ena, run;	/* summed over repetitions */
};

struct vmstat_total {
	char name[64];
	int64_t delta;		/* summed over repetitions */
};

enum case_status { CASE_PENDING, CASE_OK, CASE_SKIP, CASE_ERROR };

struct bench_case {
	char key[192];
	struct case_param params[CASE_MAX_PARAMS];
	int nr_params;
	struct case_knob knobs[CASE_MAX_KNOBS];
	int nr_knobs;
	/* the bench's own struct for the case (CASE_DATA()): what the case is, typed */
	_Alignas(16) unsigned char data[CASE_DATA_MAX];

	enum case_status status;
	char reason[256];	/* skip or error reason */

	struct metric metrics[CASE_MAX_METRICS];
	int nr_metrics;
	struct counter_total counters[CASE_MAX_COUNTERS];
	int nr_counters;
	struct vmstat_total vmstat[CASE_MAX_VMSTAT];
	int nr_vmstat;
	/* who else used the bench's CPUs in each repetition that succeeded, in order (driver.c) */
	struct load_rep load[CASE_MAX_LOAD];
	unsigned nr_load;
	unsigned reps_cut;	/* repetitions --max-time left out (driver.c) */
};

struct case_list {
	struct bench_case *cases;
	int nr, alloc;
};

struct counter_value;
struct counters;
struct opt_values;
struct run_args;
struct topology;
struct vmstat_snap;

/* What a bench sees of the run. */
struct bench_ctx {
	const struct bench *bench;
	enum profile profile;
	unsigned reps;			/* repetitions per case */
	unsigned ncpus;			/* online CPUs */
	const struct opt_values *opts;	/* the options as text (results, messages) */
	const void *o;			/* the bench's options struct, filled from them */
	const char *run_dir;		/* the run directory (on the archive's filesystem) */
	bool verbose;
	void *priv;			/* the bench's state, from setup to teardown */

	/* the driver's (core/driver.c): what the run was asked, its log, its progress */
	const struct run_args *args;
	FILE *log;			/* the run's log.txt, or NULL */
	uint64_t start_ns;		/* when the bench's first case began */
	unsigned units_done;		/* repetitions done, for the estimate of what remains */
	unsigned reps_run;		/* repetitions that ran, for --max-time's estimate */
	uint64_t deadline_ns;		/* --max-time: no repetition starts that would end after it (0: none) */
	double rep_est_s;		/* the plan's seconds a repetition (< 0: none) */
	struct loadwatch lw;		/* the CPUs whose other users each repetition records */
};

struct bench {
	const char *name;		/* "uffd-wp" */
	const char *summary;		/* one line */
	const char *unit_of_work;	/* "one page write-protected" */
	const struct bench_opt *opts;	/* terminated by an entry with .name == NULL */
	size_t opts_size;		/* sizeof its options struct (OPT_AT's type) */
	/*
	 * Optional: the most memory one of its cases allocates under these options, in bytes
	 * (`mmbench list --sizes`, by which the vm runners size a guest).
	 */
	uint64_t (*mem_bytes)(const struct bench_ctx *ctx);
	/*
	 * Optional: the model's seconds for one repetition of case @c under these options,
	 * its setup shared among the repetitions: what `run`'s plan estimates where this host
	 * has no history (cmd/plan.c). Fitted to runs on the 2-CPU development guest.
	 */
	double (*rep_seconds)(const struct bench_ctx *ctx, const struct bench_case *c);
	const char *const *knobs;	/* knob names its cases may set, NULL-terminated */
	unsigned reps[NR_PROFILES];	/* default repetitions per profile */
	/*
	 * The metrics and counters that explain its headline metrics (fnmatch patterns:
	 * a metric name, "counter:NAME" or "vmstat:NAME"), NULL-terminated: compare shows
	 * them beside every change, and says so when a change came without them.
	 */
	const char *const *mechanism;
	/*
	 * Metrics derived from the same repetitions ("write_phase_us write_us_per_fault": the
	 * first names the family), NULL-terminated: one measurement, which the verdicts' one
	 * Benjamini-Hochberg correction counts once and compare shows together.
	 */
	const char *const *families;

	/* NULL when the bench can run here, else the reason it cannot. */
	const char *(*probe)(struct bench_ctx *ctx);
	/* Adds the cases (case_new + case_param_* + case_knob; case_skip for those that cannot run). */
	int (*cases)(struct bench_ctx *ctx, struct case_list *list);
	/* Per case, after its knobs are applied; outside the timed region. */
	int (*setup)(struct bench_ctx *ctx, struct bench_case *c);
	/* One repetition: adds samples with case_metric(), counters, vmstat deltas. */
	int (*run)(struct bench_ctx *ctx, struct bench_case *c, unsigned rep);
	/* After every setup, whatever it returned: takes what setup got as far as making. */
	void (*teardown)(struct bench_ctx *ctx, struct bench_case *c);
	/*
	 * Optional: after every case has run, in whatever order the run chose. Metrics that
	 * relate cases to each other (vma-lock's scaling over its 1-thread case) go here, so
	 * they never depend on the order of cases.
	 */
	void (*finish)(struct bench_ctx *ctx, struct case_list *list);
};

#include "core/case.h"

/* Log a line on stderr (and into log.txt) prefixed with the bench name. */
void bench_log(const struct bench_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
