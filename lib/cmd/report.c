/* mmbench report RUN_DIR: (re)render a run's report.txt and report.md, or one self-contained report.html. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "core/bench.h"
#include "report/html_pages.h"
#include "report/report.h"
#include "sys/atomic.h"

static int usage(const char *why)
{
	fprintf(stderr, "mmbench report: %s (usage: mmbench report RUN_DIR [--format text|html] "
		"[--out FILE|-])\n", why);
	return KSFT_USAGE;
}

static int fill_html(FILE *f, void *arg)
{
	html_run_page(f, arg);
	return ferror(f) ? -EIO : 0;
}

/* RUN_DIR/report.html, or @out ("-": stdout): inline CSS and SVG, nothing fetched. */
static int render_html(const char *dir, const char *out)
{
	char path[PATH_MAX + 16];
	struct rl_run run;
	int err = rl_load(dir, &run);

	if (err)
		return err == -ENOMEM ? KSFT_FAIL : KSFT_USAGE;
	if (out && !strcmp(out, "-")) {
		html_run_page(stdout, &run);
		err = fflush(stdout) ? -EIO : 0;
	} else {
		snprintf(path, sizeof(path), "%s", out ?: "");
		if (!out)
			snprintf(path, sizeof(path), "%s/report.html", dir);
		err = atomic_write(path, fill_html, &run);
		if (err)
			fprintf(stderr, "mmbench: report: %s: %s\n", path, strerror(-err));
		else
			printf("%s\n", path);
	}
	rl_free(&run);
	return err ? KSFT_FAIL : KSFT_PASS;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "out", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *fmt = "text", *out = NULL;
	int code, err;

	optind = 0;
	while ((code = arg_next(argc, argv, "", opts, "mmbench report")) != -1) {
		switch (code) {
		case 'f': fmt = optarg; break;
		case 'o': out = optarg; break;
		default: return KSFT_USAGE;
		}
	}
	if (strcmp(fmt, "text") && strcmp(fmt, "html"))
		return usage("--format is text or html");
	if (optind + 1 != argc || argv[optind][0] == '-')
		return usage("one RUN_DIR");
	if (!strcmp(fmt, "html"))
		return render_html(argv[optind], out);
	if (out)
		return usage("--out goes with --format html");
	err = report_render(argv[optind]);
	if (err == -EINVAL || err == -ENOENT || err == -ENOTDIR)
		return KSFT_USAGE;
	return err ? KSFT_FAIL : KSFT_PASS;
}
