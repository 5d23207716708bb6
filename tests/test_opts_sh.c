/* Unit tests of opts_parse (vm/common.sh), the option parser of every script behind run.sh. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* A table of every kind and check; PARSE prints what the variables got, one line. */
#define TABLE	"MMBENCH_TOP=$PWD; vm_who=t; . vm/common.sh; set -euo pipefail; " \
		"n=\"\" f=0 ks=() vo=() rest=() d=\"\"; " \
		"tab=(\"-h|--help help echo HELP\" \"--n value n int:1-20\" \"--t value t secs:30\" " \
		"\"--f flag f\" \"--k list ks\" \"--numa pass vo once\" \"--file value p file\" " \
		"\"-- rest rest\" \"DIR arg d\"); "
#define PARSE	TABLE "opts_parse tab %s; echo \"n=$n f=$f ks=${ks[*]} vo=${vo[*]} " \
		"rest=${rest[*]} d=$d\""

/* @args parse to @want on stdout, exit 0. */
static void parses(const char *args, const char *want)
{
	char *out = NULL;

	if (tu_run(&out, "bash -c '" PARSE "'", args) || strcmp(out, want))
		fail_msg("opts_parse %s: expected '%s', got '%s'", args, want, out);
	free(out);
}

/* @args are refused: exit 2 and one line, "t: " and @says. */
static void refused(const char *args, const char *says)
{
	char *out = NULL;
	int rc = tu_run(&out, "bash -c '" PARSE "'", args);

	if (rc != 2 || strncmp(out, "t: ", 3) || !strstr(out, says) ||
	    strchr(out, '\n') != out + strlen(out) - 1)
		fail_msg("opts_parse %s: expected exit 2 and one line '%s', got %d: '%s'", args, says,
			 rc, out);
	free(out);
}

static void test_parses(void **state)
{
	(void)state;
	parses("", "n= f=0 ks= vo= rest= d=\n");
	parses("--n 3 --f --k a --k=b x", "n=3 f=1 ks=a b vo= rest= d=x\n");
	/* --opt=VAL, an empty value, the last of a value given twice */
	parses("--n=4 --n 5 --k=", "n=5 f=0 ks= vo= rest= d=\n");
	/* pass: the option and its value, as another script takes them; once: the same twice */
	parses("--numa 2 --numa=2", "n= f=0 ks= vo=--numa 2 --numa 2 rest= d=\n");
	/* after --, everything is the guest's, options too */
	parses("--f -- --n 99 --frob", "n= f=1 ks= vo= rest=--n 99 --frob d=\n");
	parses("--file /etc/hostname --t 30", "n= f=0 ks= vo= rest= d=\n");
	parses("--help --frob", "HELP\n");
}

static void test_refuses(void **state)
{
	char *out = NULL;

	(void)state;
	refused("--frob", "unknown argument '--frob' (see ./run.sh t --help)");
	refused("--n", "--n needs a value");
	refused("--f=1", "--f takes no value");
	refused("--n 0", "--n 0: a number from 1 to 20");
	refused("--n=21", "--n 21: a number from 1 to 20");
	refused("--n x", "--n x: a number from 1 to 20");
	refused("--t 29", "--t 29: at least 30 seconds");
	refused("--file /nonexistent", "/nonexistent: no such readable file");
	refused("--numa 2 --numa 1", "--numa given twice with different values ('2', '1')");
	refused("a b", "one DIR only ('a', 'b')");
	refused("-x", "unknown argument '-x'");
	/* a usage error exits $usage_rc when a script sets it (bisect-run: 255 in a bisect) */
	assert_int_equal(tu_run(&out, "bash -c '" TABLE "usage_rc=255; opts_parse tab --frob'"), 255);
	free(out);
}

/* A table without a rest row takes no --; one without an arg row no bare word. */
static void test_no_rest(void **state)
{
	char *out = NULL;

	(void)state;
	assert_int_equal(tu_run(&out, "bash -c 'MMBENCH_TOP=$PWD; vm_who=t; . vm/common.sh; "
				"tab=(\"--f flag f\"); opts_parse tab --f -- x'"), 2);
	assert_non_null(strstr(out, "unknown argument '--'"));
	free(out);
	assert_int_equal(tu_run(&out, "bash -c 'MMBENCH_TOP=$PWD; vm_who=t; . vm/common.sh; "
				"tab=(\"--f flag f\"); opts_parse tab x'"), 2);
	assert_non_null(strstr(out, "unknown argument 'x'"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parses),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_no_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
