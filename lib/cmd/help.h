/*
 * The help of every subcommand. Its one source is the man page sources in docs/man/, which
 * scripts/help.sh turns into build/help_pages.c (and scdoc into the man pages).
 */
#ifndef MMBENCH_HELP_H
#define MMBENCH_HELP_H

#include <stdbool.h>

struct help_page {
	const char *name;	/* the subcommand */
	int script;		/* 1: a command of ./run.sh (a script), which mmbench only explains */
	const char *text;	/* what `mmbench NAME --help` prints */
};

/* Every subcommand's synopsis: what `mmbench --help` prints. */
extern const char help_usage[];
/* One per subcommand with a page, then one with a NULL name. */
extern const struct help_page help_pages[];

/* The page of subcommand @name, or NULL when it has none. */
const struct help_page *help_find(const char *name);
/* `mmbench CMD` for a CMD of ./run.sh: its help when asked, else KSFT_USAGE; -1: not one. */
int help_script(int argc, char **argv);
/* Whether a subcommand's arguments argv[1..] ask for its help: -h or --help before any "--". */
bool help_asked(int argc, char **argv);
/* A subcommand's --help on stdout and 0; KSFT_FAIL after one line when it has no page. */
int help_show(const char *name);
/* `mmbench help [CMD]`: the synopsis of all, or CMD's help; KSFT_USAGE for an unknown CMD. */
int help_main(int argc, char **argv);

#endif
