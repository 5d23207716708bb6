/* mmbench list and sysinfo: what can run here, and the system manifest. */
#include <stdio.h>
#include <string.h>
#include "cmd/args.h"
#include "cmd/cmds.h"
#include "core/manifest.h"
#include "core/options.h"
#include "knobs/knobs.h"
#include "sys/topology.h"

static void list_opts(const struct bench *b)
{
	static const char *const types[] = {
		[OPT_SIZE] = "size", [OPT_UINT] = "number", [OPT_CHOICE] = "choice",
		[OPT_LIST] = "list", [OPT_UINT_LIST] = "numbers",
	};

	for (const struct bench_opt *o = b->opts; o && o->name; o++) {
		const char *def[NR_PROFILES], *prev = "-";

		/* a profile without its own default takes the previous one's */
		for (int p = 0; p < NR_PROFILES; p++)
			def[p] = prev = o->def[p] ? o->def[p] : prev;
		printf("    --opt %s=<%s>  %s", o->name, types[o->type], o->help);
		if (o->unit)
			printf(" [%s]", o->unit);
		if (o->choices)
			printf(" (%.*s)", choices_len(o->choices), o->choices);
		if (!strcmp(def[0], def[1]) && !strcmp(def[1], def[2]))
			printf("; default %s\n", def[0]);
		else
			printf("; default smoke %s, quick %s, full %s\n", def[0], def[1], def[2]);
	}
}

enum { LIST_KNOBS = ARG_OWN, LIST_SIZES };

struct list_flags {
	bool knobs, sizes;
};

static int take_list_flag(void *priv, int code, const char *arg)
{
	struct list_flags *f = priv;

	(void)arg;
	if (code == LIST_KNOBS)
		f->knobs = true;
	else
		f->sizes = true;
	return 0;
}

/* --sizes: "bench<TAB>MiB" per bench, the most one case allocates (scripts size guests by it). */
static int list_sizes(const struct run_args *a)
{
	topo_init();
	for (int i = 0; i < a->nr_benches; i++) {
		const struct bench *b = a->benches[i];
		struct bench_ctx ctx;
		uint64_t bytes;

		if (bench_ctx_init(&ctx, b, a, NULL, NULL))
			return KSFT_USAGE;
		bytes = b->mem_bytes ? b->mem_bytes(&ctx) : 0;
		printf("%s\t%llu\n", b->name, (unsigned long long)((bytes + (1 << 20) - 1) >> 20));
		bench_ctx_fini(&ctx);
	}
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option own[] = {
		{ "knobs", no_argument, NULL, LIST_KNOBS },
		{ "sizes", no_argument, NULL, LIST_SIZES },
		{ 0 },
	};
	struct list_flags flags = { 0 };
	struct arg_extra extra = { own, take_list_flag, &flags };
	struct run_args a;
	int r;

	r = args_parse(argc, argv, &extra, &a, NULL, NULL);
	if (!r)
		r = args_check_opts(&a);
	if (r)
		return r;
	if (flags.sizes)
		return list_sizes(&a);
	if (flags.knobs) {
		for (const char *const *n = knob_names(); *n; n++) {
			char val[256], why[256];

			if (knob_read(*n, val, sizeof(val)))
				snprintf(val, sizeof(val), "unreadable");
			knob_probe_write(*n, why, sizeof(why));
			printf("%-40s %-12s %s\n", *n, val, why[0] ? why : "writable");
		}
		return 0;
	}
	topo_init();
	for (int i = 0; i < a.nr_benches; i++) {
		const struct bench *b = a.benches[i];
		struct case_list list = { 0 };
		struct bench_ctx ctx;
		const char *why;

		if (bench_ctx_init(&ctx, b, &a, NULL, NULL))
			return KSFT_USAGE;
		why = b->probe ? b->probe(&ctx) : NULL;
		printf("%s: %s\n  unit of work: %s\n  %s profile, %u reps: %s\n", b->name,
		       b->summary, b->unit_of_work, profile_names[a.profile], ctx.reps,
		       why ? "cannot run here: " : "can run here");
		if (why)
			printf("    %s\n", why);
		list_opts(b);
		if (!why && b->cases(&ctx, &list) >= 0) {
			for (int k = 0; k < list.nr; k++) {
				case_freeze_key(&list.cases[k]);
				printf("    case %-50s %s%s\n", list.cases[k].key,
				       list.cases[k].status == CASE_SKIP ? "SKIP: " : "ok",
				       list.cases[k].status == CASE_SKIP ? list.cases[k].reason : "");
			}
		}
		case_list_free(&list);
		bench_ctx_fini(&ctx);
	}
	return 0;
}

int cmd_sysinfo(int argc, char **argv)
{
	struct run_meta meta = { 0 };
	json_t *m;

	if (argc > 1) {
		fprintf(stderr, "mmbench: sysinfo takes no arguments ('%s')\n", argv[1]);
		return KSFT_USAGE;
	}
	topo_init();
	meta.cmdline = "mmbench sysinfo";
	m = manifest_build(&meta);
	if (!m)
		return KSFT_FAIL;
	json_dumpf(m, stdout, JSON_INDENT(2));
	printf("\n");
	json_decref(m);
	return 0;
}
