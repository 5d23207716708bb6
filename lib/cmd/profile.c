/* mmbench profile RUN_DIR --case KEY [--bench NAME] [--top N] [--folded FILE]: one case's sampled profile. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd/registry.h"
#include "sys/atomic.h"
#include "core/bench.h"
#include "cmd/cmds.h"
#include "results/kprofile_file.h"
#include "core/options.h"

#define PROFILE_TOP	20

static int usage(const char *why)
{
	fprintf(stderr, "mmbench profile: %s (usage: mmbench profile RUN_DIR --case KEY "
		"[--bench NAME] [--top N] [--folded FILE])\n", why);
	return KSFT_USAGE;
}

/* The bench of @dir whose profile has case @key; @bench names it when given. */
static int find_profile(const char *dir, const char *bench, const char *key, struct kprofile_file *out)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), found = 0, err = 0;

	if (n < 0) {
		fprintf(stderr, "mmbench profile: %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	for (int i = 0; i < n; i++) {
		const char *d = names[i]->d_name, *ext = strstr(d, ".kprofile.json");
		char name[64];
		struct kprofile_file f;

		if (!err && ext && !ext[14] && d[0] != '.' && (size_t)(ext - d) < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)(ext - d), d);
			if (!bench || !strcmp(bench, name)) {
				err = kprofile_file_load_run(dir, name, &f);
				if (!err && kprofile_file_find(&f, key) && !found++)
					*out = f;
				else if (!err)
					kprofile_file_free(&f);
			}
		}
		free(names[i]);
	}
	free(names);
	if (err)
		return err;
	if (found > 1) {
		kprofile_file_free(out);
		fprintf(stderr, "mmbench profile: case '%s' is in %d benches of %s: name one with --bench\n",
			key, found, dir);
		return -EINVAL;
	}
	if (!found)
		fprintf(stderr, "mmbench profile: %s: no profile of case '%s'%s%s (a run with --kprofile "
			"writes <bench>.kprofile.json)\n", dir, key, bench ? " of bench " : "", bench ? bench : "");
	return found ? 0 : -ENOENT;
}

static void print_head(const struct kprofile_file *f, const struct kprofile *p, const char *dir)
{
	printf("%s: %s (%s)\n", f->bench, p->key, dir);
	if (f->freq)
		printf("%s at %llu Hz", f->event, (unsigned long long)f->period);
	else
		printf("%s every %.3g ms", f->event, f->period / 1e6);
	printf(", %u repetition%s sampled: %llu samples (%llu kernel, %llu user, %llu unresolved), "
	       "%llu lost, %llu throttled, %llu unresolved frames\n", p->reps, p->reps == 1 ? "" : "s",
	       (unsigned long long)p->samples, (unsigned long long)p->kernel_samples,
	       (unsigned long long)p->user_samples, (unsigned long long)p->unresolved_samples,
	       (unsigned long long)p->lost, (unsigned long long)p->throttled,
	       (unsigned long long)p->unresolved_frames);
	printf("covers: %s\n", f->covers);
	if (p->whole)
		printf("region: whole repetitions, setup included (no counters around this bench's timed region)\n");
}

static void print_symbols(const struct kprofile *p, unsigned top, bool by_children)
{
	const struct kprofile_entry **v = kprofile_sorted(&p->syms, by_children);

	if (by_children)
		printf("\nby call chain (children: samples with the symbol anywhere in their chain), top %u:\n"
		       "  children     self  samples  symbol\n", top);
	else
		printf("\nflat (self: samples in the symbol itself), top %u:\n"
		       "      self children  samples  symbol\n", top);
	for (size_t i = 0; v && i < p->syms.nr && i < top; i++) {
		double s = 100 * kprofile_share(p, v[i]->self), c = 100 * kprofile_share(p, v[i]->children);

		printf("  %7.2f%% %7.2f%% %8llu  %s%s\n", by_children ? c : s, by_children ? s : c,
		       (unsigned long long)(by_children ? v[i]->children : v[i]->self), v[i]->name,
		       v[i]->kind == KPROFILE_USER ? " (user)" : "");
	}
	free(v);
}

static void print_stacks(const struct kprofile *p, unsigned top)
{
	const struct kprofile_entry **v = kprofile_sorted(&p->stacks, false);

	printf("\ncall chains (root first), top %u of %zu%s:\n", top, p->stacks.nr,
	       p->stacks_dropped ? " (some not kept: see stacks_dropped)" : "");
	for (size_t i = 0; v && i < p->stacks.nr && i < top; i++)
		printf("  %7.2f%% %8llu  %s\n", 100 * kprofile_share(p, v[i]->self),
		       (unsigned long long)v[i]->self, v[i]->name);
	free(v);
}

/* Folded stacks, "frame;frame;leaf count" a line: what flamegraph.pl and speedscope read. */
static int fill_folded(FILE *out, void *arg)
{
	const struct kprofile *p = arg;
	const struct kprofile_entry **v = kprofile_sorted(&p->stacks, false);

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < p->stacks.nr; i++)
		fprintf(out, "%s %llu\n", v[i]->name, (unsigned long long)v[i]->self);
	free(v);
	return 0;
}

static int show(const char *dir, const char *bench, const char *key, unsigned top, const char *folded)
{
	struct kprofile_file f;
	const struct kprofile *p;
	int err = find_profile(dir, bench, key, &f), rc = KSFT_PASS;

	if (err)
		return err == -ENOMEM ? KSFT_FAIL : KSFT_USAGE;
	p = kprofile_file_find(&f, key);
	if (!p->ok) {
		printf("%s: %s: profile skipped: %s\n", f.bench, key, p->reason);
		kprofile_file_free(&f);
		return KSFT_SKIP;
	}
	print_head(&f, p, dir);
	print_symbols(p, top, false);
	print_symbols(p, top, true);
	print_stacks(p, top);
	if (folded) {
		err = atomic_write(folded, fill_folded, (void *)p);
		if (err) {
			fprintf(stderr, "mmbench profile: %s: %s\n", folded, strerror(-err));
			rc = KSFT_FAIL;
		} else {
			printf("\nfolded stacks: %s (%zu stacks)\n", folded, p->stacks.nr);
		}
	}
	kprofile_file_free(&f);
	return rc;
}

int cmd_profile(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "case", required_argument, NULL, 'c' }, { "bench", required_argument, NULL, 'b' },
		{ "top", required_argument, NULL, 't' }, { "folded", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *bench = NULL, *folded = NULL;
	unsigned top = PROFILE_TOP;
	uint64_t n;
	int o;

	opterr = 0;
	optind = 0;	/* getopt starts afresh (and permutes: RUN_DIR may come first) */
	while ((o = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (o == 'c')
			key = optarg;
		else if (o == 'b')
			bench = optarg;
		else if (o == 'f' && *optarg)
			folded = optarg;
		else if (o == 't' && !parse_u64(optarg, &n) && n >= 1 && n <= 100000)
			top = (unsigned)n;
		else if (o == 't')
			return usage("--top takes a number from 1 to 100000");
		else if (o == ':')
			return usage("an option needs its value");
		else
			return usage(o == 'f' ? "--folded needs a file name" : "unknown option");
	}
	if (optind != argc - 1)
		return usage("one RUN_DIR");
	if (!key || !*key)
		return usage("--case KEY is required");
	if (bench && !bench_find(bench))
		return usage("unknown bench (see 'mmbench list')");
	return show(argv[optind], bench, key, top, folded);
}
