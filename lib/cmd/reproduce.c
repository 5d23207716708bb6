/*
 * mmbench reproduce RUN_DIR [--runs N]: the run again on this machine, as its manifest says
 * it was made (the command line, the seed of its order, every bench option it ran with),
 * archived beside it, and compared with it. What differs from the original's machine is
 * said before anything runs.
 */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "cmd/system.h"
#include "core/manifest.h"
#include "core/options.h"
#include "analysis/compare.h"
#include "analysis/compare_diff.h"
#include "results/results_read.h"

#define MAX_WORDS	256

struct words {
	char *w[MAX_WORDS + 1];
	int n;
	char buf[8192];			/* the original command line, cut into words */
	char extra[MAX_WORDS][192];	/* the words we add */
	int nr_extra;
};

static int add(struct words *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(struct words *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n == MAX_WORDS || w->nr_extra == MAX_WORDS)
		return -E2BIG;
	va_start(ap, fmt);
	vsnprintf(w->extra[w->nr_extra], sizeof(w->extra[0]), fmt, ap);
	va_end(ap);
	w->w[w->n++] = w->extra[w->nr_extra++];
	w->w[w->n] = NULL;
	return 0;
}

/* Whether @word is option @name, alone (its value the next word) or as --name=value. */
static int is_opt(const char *word, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(word, "--", 2) || strncmp(word + 2, name, n))
		return 0;
	return word[n + 2] == '\0' ? 2 : word[n + 2] == '=' ? 1 : 0;
}

/*
 * The original's words ("run", then its options) into @w->buf: from the manifest's
 * command_argv, or, for a run made before it was kept, its command_line cut at spaces
 * (a word with a space in it then comes apart). 0, or -E2BIG.
 */
static int split_original(json_t *m, const char *cmdline, struct words *w, char **word, int *n)
{
	json_t *argv = json_object_get(m, "command_argv"), *v;
	size_t off = 0, i;
	char *save = NULL, *t;

	*n = 0;
	if (!json_is_array(argv)) {
		snprintf(w->buf, sizeof(w->buf), "%s", cmdline);
		/* "mmbench" first: the words after it */
		for (t = strtok_r(w->buf, " ", &save); t && *n < MAX_WORDS; t = strtok_r(NULL, " ", &save))
			if (t != w->buf || strcmp(t, "mmbench"))
				word[(*n)++] = t;
		return 0;
	}
	json_array_foreach(argv, i, v) {
		const char *s = json_string_value(v) ?: "";
		size_t len = strlen(s) + 1;

		if (off + len > sizeof(w->buf) || *n == MAX_WORDS)
			return -E2BIG;
		word[(*n)++] = memcpy(w->buf + off, s, len);
		off += len;
	}
	return 0;
}

/*
 * The original's words after "mmbench run", without what reproduce decides itself: where
 * the run goes, how many runs, the seed, and the host-side check. 0, or a usage error.
 */
static int original_words(json_t *m, const char *cmdline, struct words *w)
{
	static const char *const ours[] = { "out", "runs", "seed", "check-only", NULL };
	char *word[MAX_WORDS];
	int n, i = 1;

	if (split_original(m, cmdline, w, word, &n))
		return args_usage("mmbench reproduce", "the run's command line is too long to take up");
	if (!n || strcmp(word[0], "run"))
		return args_usage("mmbench reproduce", "the run was made by '%.60s', not 'mmbench run': "
				 "only runs are reproduced", cmdline);
	w->w[w->n++] = word[0];
	for (; i < n; i++) {
		int skip = 0;

		for (const char *const *o = ours; *o && !skip; o++)
			skip = is_opt(word[i], *o);
		/* --out ROOT: its value goes too (--check-only has none) */
		if (skip == 2 && strcmp(word[i], "--check-only"))
			i++;
		if (!skip)
			w->w[w->n++] = word[i];
	}
	w->w[w->n] = NULL;
	return 0;
}

/*
 * Every option the original's benches ran with that would come out otherwise here (the
 * profile's defaults may have changed since): pinned with --opt BENCH.NAME=VALUE.
 */
static int pin_options(struct words *w, json_t *settings)
{
	json_t *opts = json_object_get(settings, "options"), *bench_opts;
	struct run_args a;
	int r = args_parse(w->n, w->w, NULL, &a, NULL, NULL);

	for (int i = 0; !r && i < a.nr_benches; i++) {
		const struct bench *b = a.benches[i];
		struct bench_ctx ctx;

		bench_opts = json_object_get(opts, b->name);
		if (!json_is_object(bench_opts) || bench_ctx_init(&ctx, b, &a, NULL, NULL))
			continue;
		for (int k = 0; !r && k < opt_values_count(ctx.opts); k++) {
			const char *name = opt_values_name(ctx.opts, k);
			const char *was = json_string_value(json_object_get(bench_opts, name));

			if (was && strcmp(was, opt_values_text(ctx.opts, k)))
				r = add(w, "--opt=%s.%s=%s", b->name, name, was);
		}
		bench_ctx_fini(&ctx);
	}
	return r ? KSFT_USAGE : 0;
}

/* What differs between the original's machine and this one, as compare would mark it. */
static void machine_diffs(const char *dir, struct rl_run *orig)
{
	struct cmp *c = calloc(1, sizeof(*c));
	struct rl_run *here = calloc(1, sizeof(*here));
	size_t shown = 0;

	if (!c || !here) {
		free(c);
		free(here);
		return;
	}
	here->manifest = manifest_build(NULL);
	json_object_set_new(here->manifest, "noise", sys_manifest_items());
	snprintf(here->dir, sizeof(here->dir), "this machine");
	c->sides[0].set.runs[0] = orig;
	c->sides[0].set.nr = 1;
	c->sides[1].set.runs[0] = here;
	c->sides[1].set.nr = 1;
	c->nr_sides = 2;
	printf("mmbench reproduce: %s\nthe original's machine (A) against this one (B):\n", dir);
	if (!cmp_manifest_diffs(c))
		for (size_t i = 0; i < c->nr_diffs; i++) {
			const struct cmp_diff *d = &c->diffs[i];

			/*
			 * what the run was asked (pinned above) or saw while it ran (the kernel
			 * log, the load): no difference of the machine
			 */
			if (!strncmp(d->key, "settings.", 9) || !strncmp(d->key, "harness.", 8) ||
			    !strcmp(d->key, "profile") || !strcmp(d->key, "kernel_log") ||
			    !strcmp(d->key, "load.shared"))
				continue;
			printf("%c %s  A %s | B %s\n", d->kernel ? ' ' : '!', d->key,
			       d->val[0] ?: "(absent)", d->val[1] ?: "(absent)");
			shown++;
		}
	if (!shown)
		printf("  none: the same kernel, host and knobs\n");
	printf("\n");
	fflush(stdout);
	c->sides[0].set.nr = 0;		/* the original is the caller's */
	cmp_free(c);
	free(c);
}

/* Runs this binary with @w; the run directories it prints go into @dirs ("A,B,.."). Its exit code. */
static int run_child(struct words *w, char *dirs, size_t len)
{
	char line[PATH_MAX + 2], *av[MAX_WORDS + 2] = { "mmbench" };
	int fd[2], st = 0;
	size_t off = 0;
	pid_t pid;
	FILE *in;

	memcpy(av + 1, w->w, (w->n + 1) * sizeof(*av));
	fflush(stdout);
	if (pipe(fd))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execv("/proc/self/exe", av);
		_exit(127);
	}
	close(fd[1]);
	in = fdopen(fd[0], "r");
	dirs[0] = '\0';
	/* the run prints its directories on stdout, one a line (the contract run.sh reads) */
	while (in && fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		printf("%s\n", line);
		if (off < len)
			off += snprintf(dirs + off, len - off, "%s%s", off ? "," : "", line);
	}
	if (in)
		fclose(in);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The words of the new run: the original's, its options pinned, its seed, beside it, @runs. */
static int new_words(const char *dir, struct rl_run *orig, unsigned runs, struct words *w)
{
	json_t *m = orig->manifest, *seed = json_object_get(json_object_get(m, "run_set"), "seed");
	const char *cmdline = json_string_value(json_object_get(m, "command_line"));
	char real[PATH_MAX];
	int r;

	if (!cmdline || !json_is_integer(seed))
		return args_usage("mmbench reproduce", "%s: its manifest has no command_line or no "
				 "run_set.seed (a run made before they were recorded)", dir);
	if (!realpath(dir, real))
		return args_usage("mmbench reproduce", "%s: %s", dir, strerror(errno));
	r = original_words(m, cmdline, w);
	if (!r)
		r = pin_options(w, json_object_get(m, "settings"));
	/* results/<kernel>/<run id>: the new run goes under the same results/ */
	if (!r)
		r = add(w, "--seed=%lld", (long long)json_integer_value(seed)) ||
		    add(w, "--out=%s", dirname(dirname(real)));
	if (!r && runs)
		r = add(w, "--runs=%u", runs);
	return r ? KSFT_USAGE : 0;
}

int cmd_reproduce(int argc, char **argv)
{
	static const struct option opts[] = { { "runs", required_argument, NULL, 0x100 }, { 0 } };
	static struct words w;
	char dirs[4096], *end;
	const char *dir;
	struct rl_run *orig;
	unsigned long runs = 0;
	int code, r;

	optind = 0;
	while ((code = arg_next(argc, argv, "", opts, "mmbench reproduce")) != -1) {
		if (code != 0x100)
			return KSFT_USAGE;
		runs = strtoul(optarg, &end, 10);
		if (*end || !runs || runs > 100)
			return args_usage("mmbench reproduce", "--runs takes 1 to 100, not '%s'", optarg);
	}
	if (optind != argc - 1)
		return args_usage("mmbench reproduce", "takes one RUN_DIR (mmbench reproduce RUN_DIR "
				 "[--runs N])");
	/* kept now: parsing the original's words below starts getopt afresh */
	dir = argv[optind];
	orig = calloc(1, sizeof(*orig));
	if (!orig)
		return KSFT_FAIL;
	/* the reader has said what is wrong with it, in one line */
	if (rl_load_whole(dir, orig)) {
		free(orig);
		return KSFT_USAGE;
	}
	memset(&w, 0, sizeof(w));
	r = new_words(dir, orig, (unsigned)runs, &w);
	if (!r) {
		machine_diffs(dir, orig);
		printf("running: mmbench");
		for (int i = 0; i < w.n; i++)
			printf(strchr(w.w[i], ' ') ? " '%s'" : " %s", w.w[i]);
		printf("\n");
		r = run_child(&w, dirs, sizeof(dirs));
		if (!dirs[0]) {
			fprintf(stderr, "mmbench reproduce: the run made no run directory (exit %d)\n", r);
			r = KSFT_FAIL;
		} else {
			char *cav[] = { "compare", (char *)dir, dirs, NULL };
			int failed = r;

			printf("\n");
			fflush(stdout);
			r = cmd_compare(3, cav);
			/* a case that failed is no reproduction, whatever the numbers say */
			if (failed) {
				fprintf(stderr, "mmbench reproduce: the run exited %d\n", failed);
				r = KSFT_FAIL;
			}
		}
	}
	rl_free(orig);
	free(orig);
	return r;
}
