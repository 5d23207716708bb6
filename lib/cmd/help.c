/* `mmbench help`, and `mmbench CMD --help` for every subcommand alike, from the generated pages. */
#include <stdio.h>
#include <string.h>
#include "cmd/help.h"
#include "core/bench.h"

const struct help_page *help_find(const char *name)
{
	for (const struct help_page *p = help_pages; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

bool help_asked(int argc, char **argv)
{
	/* after "--" come a guest's or another program's arguments, not ours */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

int help_show(const char *name)
{
	const struct help_page *p = help_find(name);

	if (!p) {
		fprintf(stderr, "mmbench: %s has no help page (docs/man/mmbench-%s.1.scd)\n", name,
			name);
		return KSFT_FAIL;
	}
	fputs(p->text, stdout);
	return 0;
}

int help_script(int argc, char **argv)
{
	const struct help_page *p = help_find(argv[0]);

	if (!p || !p->script)
		return -1;
	if (help_asked(argc, argv))
		return help_show(argv[0]);
	/* vm, ab, bisect-run and lava drive qemu or LAVA around mmbench: they are run.sh's */
	fprintf(stderr, "mmbench: %s is a command of run.sh: ./run.sh %s ..\n", argv[0], argv[0]);
	return KSFT_USAGE;
}

int help_main(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "mmbench: help takes one command ('%s')\n", argv[2]);
		return KSFT_USAGE;
	}
	if (argc == 2 && !help_find(argv[1])) {
		fprintf(stderr, "mmbench: no command '%s' (try 'mmbench --help')\n", argv[1]);
		return KSFT_USAGE;
	}
	fputs(argc == 2 ? help_find(argv[1])->text : help_usage, stdout);
	return 0;
}
