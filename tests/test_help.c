/*
 * Every command's --help comes from its page in docs/man/ and names every option the command
 * parses; every page becomes a man page that man renders; docs/benches.md has every bench.
 */
#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <string.h>
#include "testutil.h"
#include "cmd/registry.h"

#define MAX_CMDS	64

/*
 * The scripts behind run.sh's own commands: their option tables are what they parse. @own:
 * the script's -h prints the page too (lava's scripts keep a usage of their own).
 */
static const struct { const char *cmd, *script; bool own; } scripts[] = {
	{ "vm", "vm/run-vm.sh", true }, { "ab", "flows/ab.sh", true },
	{ "bisect-run", "flows/bisect.sh", true }, { "lava", "lava/job.sh", false },
	{ "lava", "lava/run.sh", false }, { "lava", "lava/collect.sh", false },
	{ "lava", "lava/submit.sh", false },
};

/* Whether @text has @opt as a word of its own ("--check" is not in "--check-only"). */
static bool names(const char *text, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt)) {
		bool start = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '-');
		bool end = !(isalnum((unsigned char)p[n]) || p[n] == '-');

		if (start && end)
			return true;
	}
	return false;
}

/* The names of mmbench's dispatch table, read from lib/cmd/main.c's { "name", cmd_x } rows. */
static int dispatched(char names_out[][32])
{
	char *src = tu_slurp("lib/cmd/main.c"), *p;
	int n = 0;

	assert_non_null(src);
	for (p = strstr(src, "{ \""); p && n < MAX_CMDS; p = strstr(p + 1, "{ \"")) {
		char name[32];

		if (sscanf(p, "{ \"%31[^\"]\", cmd_", name) == 1 && strstr(p, "\", cmd_") ==
		    p + 3 + strlen(name))
			snprintf(names_out[n++], 32, "%s", name);
	}
	free(src);
	return n;
}

/* The man page of @cmd exists, man renders it with its sections, and groff warns of nothing. */
static void man_renders(const char *cmd)
{
	char *out = NULL, page[128];
	int rc;

	snprintf(page, sizeof(page), "build/man/man1/mmbench%s%s.1", *cmd ? "-" : "", cmd);
	rc = tu_run(&out, "MANWIDTH=80 man -P cat -l %s", page);
	if (rc || !strstr(out, "SYNOPSIS") || !strstr(out, "NAME"))
		fail_msg("man -l %s: exit %d: %s", page, rc, out);
	free(out);
	/* -ww: every warning (undefined macros and strings, bad escapes) goes to stderr */
	rc = tu_run(&out, "groff -ww -z -man %s", page);
	if (rc || *out)
		fail_msg("groff -ww %s: exit %d: %s", page, rc, out);
	free(out);
}

/* `mmbench CMD --help` and `./run.sh CMD --help`: exit 0, the same text, its synopsis. */
static char *help_of(const char *cmd)
{
	char *text = NULL, *viarun = NULL, synopsis[64];

	/* stdout alone: help is output, not a complaint */
	if (tu_run(&text, "{ ./build/mmbench %s --help 2>/dev/null; }", cmd))
		fail_msg("mmbench %s --help: %s", cmd, text);
	if (tu_run(&viarun, "{ ./run.sh %s --help 2>/dev/null; }", cmd))
		fail_msg("./run.sh %s --help: %s", cmd, viarun);
	assert_string_equal(text, viarun);
	snprintf(synopsis, sizeof(synopsis), "mmbench %s", cmd);
	if (!strstr(text, "SYNOPSIS") || !strstr(text, synopsis))
		fail_msg("mmbench %s --help has no synopsis: %s", cmd, text);
	free(viarun);
	return text;
}

/* The options `mmbench CMD` gives getopt_long (optdump.so): checked in @help; how many. */
static int check_parsed_options(const char *cmd, const char *help)
{
	char dump[512], *out = NULL, *opts, *save, *o;
	int n = 0, rc;

	snprintf(dump, sizeof(dump), "%s/%s.opts", tu_tmpdir(), cmd);
	rc = tu_run(&out, "MMBENCH_OPTDUMP=%s LD_PRELOAD=build/tests/optdump.so "
		    "./build/mmbench %s --no-such-option-of-mmbench", dump, cmd);
	/* bad input is a usage error for every command, before it does anything */
	if (rc != 2)
		fail_msg("mmbench %s --no-such-option: exit %d: %s", cmd, rc, out);
	free(out);
	opts = tu_slurp("%s", dump);
	for (o = opts ? strtok_r(opts, "\n", &save) : NULL; o; o = strtok_r(NULL, "\n", &save), n++)
		if (!names(help, o))
			fail_msg("mmbench %s parses %s, which its help does not name", cmd, o);
	free(opts);
	return n;
}

static void test_commands(void **state)
{
	char cmds[MAX_CMDS][32], *usage = NULL;
	int nr = dispatched(cmds), nr_opts = 0;

	(void)state;
	/* run, list, sysinfo, report, compare, sweep, trend, bisect-decide, lava-results, profile */
	assert_true(nr >= 10);
	assert_int_equal(tu_run(&usage, "./build/mmbench --help"), 0);
	for (int i = 0; i < nr; i++) {
		char *help = help_of(cmds[i]), synopsis[64];

		nr_opts += check_parsed_options(cmds[i], help);
		man_renders(cmds[i]);
		snprintf(synopsis, sizeof(synopsis), "  mmbench %s", cmds[i]);
		if (!names(usage, synopsis))
			fail_msg("mmbench --help leaves out %s: %s", cmds[i], usage);
		free(help);
	}
	/* the shared options of run, sweep and list alone are 12 each */
	assert_true(nr_opts >= 50);
	free(usage);
	tu_cleanup();
}

/*
 * The options of a script's table for opts_parse (vm/common.sh): rows "NAME KIND ..", NAME
 * an option or options "-a|--b".
 */
static int check_script_options(const char *script, const char *help)
{
	char *src = tu_slurp("%s", script), *save, *line;
	regex_t re;
	int n = 0;

	assert_non_null(src);
	assert_int_equal(regcomp(&re, "^[[:space:]]*\"-{1,2}[a-z][a-z0-9-]*(\\|-{1,2}[a-z][a-z0-9-]*)*"
				 "[[:space:]]+(value|flag|list|pass|help)[[:space:]]",
				 REG_EXTENDED | REG_NOSUB), 0);
	for (line = strtok_r(src, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok, *s2, *name = strchr(line, '"') + 1;

		if (regexec(&re, line, 0, NULL, 0))
			continue;
		name[strcspn(name, " \t")] = 0;
		for (tok = strtok_r(name, "|", &s2); tok; tok = strtok_r(NULL, "|", &s2), n++)
			if (!names(help, tok))
				fail_msg("%s parses %s, which its help does not name", script, tok);
	}
	regfree(&re);
	free(src);
	return n;
}

static void test_run_sh_commands(void **state)
{
	char *out = NULL, *direct = NULL;
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		assert_int_equal(tu_run(&out, "{ ./run.sh %s --help 2>/dev/null; }", scripts[i].cmd), 0);
		/* mmbench explains run.sh's commands too, from the same page */
		assert_int_equal(tu_run(&direct, "{ ./build/mmbench %s --help 2>/dev/null; }",
					scripts[i].cmd), 0);
		assert_string_equal(out, direct);
		free(direct);
		if (scripts[i].own) {
			assert_int_equal(tu_run(&direct, "%s -h", scripts[i].script), 0);
			assert_string_equal(out, direct);
			free(direct);
		}
		n = check_script_options(scripts[i].script, out);
		if (n < (scripts[i].own ? 8 : 2))
			fail_msg("%s: only %d options found in its option table", scripts[i].script, n);
		man_renders(scripts[i].cmd);
		free(out);
	}
	/* not mmbench's to run: one line, exit 2 */
	assert_int_equal(tu_run(&out, "./build/mmbench vm --kernel x"), 2);
	assert_non_null(strstr(out, "./run.sh vm"));
	free(out);
	/* run.sh's usage and mmbench's come from the same pages */
	assert_int_equal(tu_run(&out, "./run.sh --help"), 0);
	assert_non_null(strstr(out, "  ./run.sh vm --kernel IMAGE"));
	assert_non_null(strstr(out, "  ./run.sh compare BASE NEW [MORE..]"));
	assert_null(strstr(out, "bisect-decide"));	/* mmbench's, for the scripts */
	free(out);
}

static void test_man_mmbench(void **state)
{
	char *out = NULL;

	(void)state;
	man_renders("");
	/* `man mmbench` with build/man in the search path: the whole, listing each page */
	assert_int_equal(tu_run(&out, "MANWIDTH=80 man -M build/man -P cat mmbench"), 0);
	assert_non_null(strstr(out, "mmbench-run(1)"));
	assert_non_null(strstr(out, "mmbench-vm(1)"));
	free(out);
	/* bad input: one line, exit 2 */
	assert_int_equal(tu_run(&out, "./build/mmbench help frobnicate"), 2);
	assert_non_null(strstr(out, "no command 'frobnicate'"));
	free(out);
	assert_int_equal(tu_run(&out, "./run.sh help frobnicate"), 2);
	assert_non_null(strstr(out, "no page 'frobnicate'"));
	free(out);
}

/*
 * docs/benches.md describes the benches of the registry, no more and no fewer: a "### NAME"
 * section each, and no such section (a name in lower case) of a bench that is not there.
 */
static void test_bench_docs(void **state)
{
	char *doc = tu_slurp("docs/benches.md"), *save, *line, head[64];
	int sections = 0;

	(void)state;
	assert_non_null(doc);
	for (int i = 0; i < nr_benches; i++) {
		snprintf(head, sizeof(head), "\n### %s\n", benches[i]->name);
		if (!strstr(doc, head))
			fail_msg("docs/benches.md has no section \"### %s\"", benches[i]->name);
	}
	for (line = strtok_r(doc, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "### ", 4) || strspn(line + 4, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
		    strlen(line + 4))
			continue;
		if (!bench_find(line + 4))
			fail_msg("docs/benches.md: \"%s\" is not a bench of the registry", line);
		sections++;
	}
	assert_int_equal(sections, nr_benches);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_run_sh_commands),
		cmocka_unit_test(test_man_mmbench),
		cmocka_unit_test(test_bench_docs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
