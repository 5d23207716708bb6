/* <bench>.kprofile.json: one bench's sampled profiles, per case; written whole, read back validated. */
#ifndef MMBENCH_KPROFILE_FILE_H
#define MMBENCH_KPROFILE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kprofile_agg.h"

#define KPROFILE_SCHEMA	"mmbench-kprofile/1"

struct kp_file {
	char bench[64];
	bool ok;		/* false: nothing was sampled, @reason says why */
	char reason[320];
	char event[32];		/* "cpu-clock" (a period in ns) or "cycles" (a frequency in Hz) */
	uint64_t period;
	bool freq;
	unsigned max_stack;
	char covers[200];	/* which tasks were sampled */
	double process_ms;	/* time spent reading and resolving samples, outside the timed regions */
	struct kprof *cases;
	size_t nr, alloc;
};

/* The case @key of @f, added when absent (NULL without memory). */
struct kprof *kp_file_case(struct kp_file *f, const char *key);
const struct kprof *kp_file_find(const struct kp_file *f, const char *key);
void kp_file_free(struct kp_file *f);
/* Writes <dir>/<bench>.kprofile.json whole (lib/atomic.h); 0 or -errno. */
int kp_file_write(const char *dir, const struct kp_file *f);
/*
 * Reads @path and checks it: the schema, every count a whole number, no symbol with
 * more self than children or more children than the case has samples, no case or symbol
 * twice. Bad input: one line on stderr naming the file, -EINVAL (@f empty).
 */
int kp_file_load(const char *path, struct kp_file *f);
/* The same for @bench of run directory @dir; -ENOENT, silently, when it has no profile. */
int kp_file_load_run(const char *dir, const char *bench, struct kp_file *f);

#endif
