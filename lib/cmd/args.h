/*
 * The command line of the subcommands that run benches (run, sweep, list, and the guest's
 * side of vm, ab and bisect-run): one getopt_long table for the options they share, to
 * which each adds its own. --opt=value and --opt value both work.
 */
#ifndef MMBENCH_ARGS_H
#define MMBENCH_ARGS_H

#include <getopt.h>
#include "core/driver.h"

/* --runs auto without --budget: at most this many seconds of runs. */
#define ARGS_BUDGET_DEFAULT	1800

/* getopt_long codes at or above this are the subcommand's own options. */
#define ARG_OWN		0x400

/* A subcommand's own options: @opts (ending with a zero entry), handed to @take. */
struct arg_extra {
	const struct option *opts;
	/* 0, or KSFT_USAGE after one line on stderr */
	int (*take)(void *priv, int code, const char *arg);
	void *priv;
};

/* The @take of a subcommand whose one own option is a flag: sets the bool @priv points to. */
int arg_flag(void *priv, int code, const char *arg);

/*
 * Parse argv[1..] of subcommand argv[0] into @a: the shared options, @extra's (may be
 * NULL), and operands when @operands is not NULL (their index in argv, and how many;
 * else an operand is an error). 0, or KSFT_USAGE after one line on stderr.
 */
int args_parse(int argc, char **argv, const struct arg_extra *extra, struct run_args *a,
		   int *first_operand, int *nr_operands);

/* Every selected bench's options are valid: 0, or KSFT_USAGE after one line. */
int args_check_opts(const struct run_args *a);
/*
 * Before a run changes anything: every bench's options, then the knob journal's lock
 * (restoring what a killed run left), then a trial write of each --set value.
 * 0, KSFT_USAGE or KSFT_FAIL after one line on stderr prefixed with @who.
 */
int args_prepare(const struct run_args *a, const char *who);
/* --mde's "5%" or "5" (a percentage from 0.1 to 50) as a fraction: 0, or -EINVAL. */
int arg_mde(const char *s, double *mde);
/*
 * A sequential design's looks "3,4,5": replicates at each look so far, increasing, each at
 * most @max, as information fractions into @t (at most SEQ_MAX_LOOKS): 0, or -EINVAL.
 */
int arg_looks(const char *s, double max, double *t, unsigned *n);
/* One line "@who: ..." on stderr; returns KSFT_USAGE. */
int args_usage(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * getopt_long over @opts with our own messages: the next option's code (its .val), -1 at
 * the end, or '?' after one line "@who: ..." on stderr. @opts's short letters are in @shorts.
 */
int arg_next(int argc, char **argv, const char *shorts, const struct option *opts,
	     const char *who);

#endif
