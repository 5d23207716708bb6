/*
 * The command line of the subcommands that run benches (run, sweep, list, and the guest's
 * side of vm, ab and bisect-run): one getopt_long table for the options they share, to
 * which each adds its own. --opt=value and --opt value both work.
 */
#ifndef MMBENCH_ARGS_H
#define MMBENCH_ARGS_H

#include <getopt.h>
#include "core/driver.h"

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
int run_args_parse(int argc, char **argv, const struct arg_extra *extra, struct run_args *a,
		   int *first_operand, int *nr_operands);

/* Every selected bench's options are valid: 0, or KSFT_USAGE after one line. */
int run_check_opts(const struct run_args *a);
/*
 * Before a run changes anything: every bench's options, then the knob journal's lock
 * (restoring what a killed run left), then a trial write of each --set value.
 * 0, KSFT_USAGE or KSFT_FAIL after one line on stderr prefixed with @who.
 */
int run_prepare(const struct run_args *a, const char *who);
/* One line "@who: ..." on stderr; returns KSFT_USAGE. */
int run_usage(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * getopt_long over @opts with our own messages: the next option's code (its .val), -1 at
 * the end, or '?' after one line "@who: ..." on stderr. @opts's short letters are in @shorts.
 */
int arg_next(int argc, char **argv, const char *shorts, const struct option *opts,
	     const char *who);

#endif
