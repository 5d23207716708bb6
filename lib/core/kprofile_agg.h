/*
 * One case's sampled profile: symbols with their self and children counts, folded call
 * stacks, and the counts of what could not be attributed. Built from samples by the
 * sampler (lib/core/kprofile.c), written and read back by lib/results/kprofile_file.c.
 */
#ifndef MMBENCH_KPROFILE_AGG_H
#define MMBENCH_KPROFILE_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define KPROFILE_MAX_FRAMES	128
#define KPROFILE_KEPT_STACKS	50000	/* distinct stacks kept per case; more are counted, not kept */
#define KPROFILE_FOLDED_MAX	4096

enum kprofile_kind { KPROFILE_KERNEL, KPROFILE_USER, KPROFILE_UNRESOLVED, NR_KPROFILE_KINDS };

extern const char *const kprofile_kind_names[NR_KPROFILE_KINDS];	/* "kernel", "user", "unresolved" */

/* A symbol (self: samples whose leaf it is; children: samples with it anywhere in the chain) or a stack. */
struct kprofile_entry {
	char *name;
	enum kprofile_kind kind;
	uint64_t self, children;
};

/* Entries by name: an array (the order they came) and an open-addressing index into it. */
struct kprofile_table {
	struct kprofile_entry *v;
	size_t nr, alloc;
	size_t *slot;		/* index + 1; 0 empty */
	size_t nr_slots;
};

/* One frame of a sample: what it resolved to. */
struct kprofile_frame {
	const char *name;
	enum kprofile_kind kind;
};

struct kprofile {
	char key[192];
	bool ok;			/* false: skipped, @reason says why */
	char reason[320];
	unsigned reps;			/* repetitions sampled */
	/*
	 * Sampled around the counters (the timed region), or the whole repetition: a bench
	 * whose timed region has no counters (thp's collapse cases) is sampled from its first
	 * sampled repetition without one on, setup included, and says so.
	 */
	bool whole;
	uint64_t samples;		/* every sample attributed (its leaf resolved or kept as an address) */
	uint64_t kernel_samples, user_samples;
	uint64_t lost;			/* PERF_RECORD_LOST: samples the kernel dropped (buffer full) */
	uint64_t throttled;		/* PERF_RECORD_THROTTLE records */
	uint64_t unresolved_samples;	/* samples whose leaf resolved to no symbol */
	uint64_t unresolved_frames;	/* frames of chains resolving to no symbol (a user walk stops there) */
	uint64_t stacks_dropped;	/* samples whose stack was not kept (over KPROFILE_KEPT_STACKS) */
	struct kprofile_table syms, stacks;
	/* sampled and unsampled repetitions' values: {"metric": {"unit","better","with":[],"without":[]}} */
	json_t *overhead;
};

void kprofile_init(struct kprofile *p, const char *key);
void kprofile_free(struct kprofile *p);
/* Index of @name in @t, added (zero counts) when absent; -1 without memory. */
long kprofile_table_get(struct kprofile_table *t, const char *name, enum kprofile_kind kind);
/* The index of @name, or -1. */
long kprofile_table_find(const struct kprofile_table *t, const char *name);
void kprofile_table_free(struct kprofile_table *t);
/*
 * One sample: @f[0] its leaf (the sampled instruction), @f[1..n-1] the callers. Self goes
 * to the leaf, children once to every distinct symbol, the stack (root first) is counted.
 */
int kprofile_add(struct kprofile *p, const struct kprofile_frame *f, int n);
/* The symbols ordered by self, then children, then name (for output); free() the array. */
const struct kprofile_entry **kprofile_sorted(const struct kprofile_table *t, bool by_children);
struct ksyms;
/* Kernel address @ip as a frame: its symbol, or the address itself in @buf, kind unresolved. */
void kprofile_frame_kernel(const struct ksyms *k, uint64_t ip, struct kprofile_frame *f, char *buf, size_t len);
/* A symbol's share of the case's samples (0 when it has none). */
double kprofile_share(const struct kprofile *p, uint64_t count);

/* One bench's profiles, per case: what the sampler collects and the file holds. */
#define KPROFILE_SCHEMA	"mmbench-kprofile/1"

struct kprofile_file {
	char bench[64];
	bool ok;		/* false: nothing was sampled, @reason says why */
	char reason[320];
	char event[32];		/* "cpu-clock" (a period in ns) or "cycles" (a frequency in Hz) */
	uint64_t period;
	bool freq;
	unsigned max_stack;
	char covers[200];	/* which tasks were sampled */
	double process_ms;	/* time spent reading and resolving samples, outside the timed regions */
	struct kprofile *cases;
	size_t nr, alloc;
};

/* The case @key of @f, added when absent (NULL without memory). */
struct kprofile *kprofile_file_case(struct kprofile_file *f, const char *key);
const struct kprofile *kprofile_file_find(const struct kprofile_file *f, const char *key);
void kprofile_file_free(struct kprofile_file *f);


#endif
