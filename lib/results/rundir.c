/* The run directory's life (rundir.h): <out>/<kernel>/<run id>, its manifest, log and INCOMPLETE marker. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/manifest.h"
#include "core/options.h"
#include "results/results_write.h"
#include "results/rundir.h"
#include "sys/atomic.h"
#include "sys/kconfig.h"
#include "sys/topology.h"
#include "sys/util.h"

static char *join_args(int argc, char **argv)
{
	size_t len = sizeof("mmbench");
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	strcpy(s, "mmbench");
	for (int i = 0; i < argc; i++)
		strcat(strcat(s, " "), argv[i]);
	return s;
}

/* The command's words as given: reproduce runs them again without cutting a line at spaces. */
static json_t *argv_array(int argc, char **argv)
{
	json_t *a = json_array();

	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}

static void iso_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int rundir_create(const struct run_args *a, int argc, char **argv, struct rundir *rd)
{
	char stamp[32], base[PATH_MAX];
	struct run_meta meta = { 0 };
	time_t t = time(NULL);
	struct tm tm;
	int r;

	memset(rd, 0, sizeof(*rd));
	localtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(base, sizeof(base), "%s/%s", a->out_root, kernel_release());
	r = mkdir_p(base);
	if (r) {
		fprintf(stderr, "%s: %s: %s\n", __func__, base, strerror(-r));
		return r;
	}
	/* two runs in one second get -2, -3, ... rather than sharing a directory */
	for (int n = 1; ; n++) {
		char suffix[16] = "";

		if (n > 1)
			snprintf(suffix, sizeof(suffix), "-%d", n);
		snprintf(rd->run_id, sizeof(rd->run_id), "%s%s%s%s", stamp, suffix,
			 a->label ? "-" : "", a->label ? a->label : "");
		snprintf(rd->path, sizeof(rd->path), "%s/%s", base, rd->run_id);
		if (!mkdir(rd->path, 0755)) {
			/* marked from the start: a run killed halfway is never taken for a whole one */
			r = results_mark_started(rd->path);
			if (!r)
				break;
			fprintf(stderr, "%s: %s/INCOMPLETE: %s\n", __func__, rd->path, strerror(-r));
			rmdir(rd->path);
			return r;
		}
		r = -errno;
		/* never fall back to a directory another run owns */
		if (r != -EEXIST || n == 99) {
			fprintf(stderr, "%s: %s: %s\n", __func__, rd->path, strerror(-r));
			return r;
		}
	}
	/* the run starts here: what the kernel logs from now on belongs to it */
	kmsg_watch_start(&rd->kmsg, NULL);
	snprintf(base, sizeof(base), "%s/plots", rd->path);
	mkdir(base, 0755);
	snprintf(base, sizeof(base), "%s/log.txt", rd->path);
	rd->log = atomic_stream_open(base, rd->log_partial, sizeof(rd->log_partial));
	rd->start = (double)t;
	rd->cmdline = join_args(argc, argv);

	meta.run_id = rd->run_id;
	meta.label = a->label;
	meta.cmdline = rd->cmdline;
	meta.profile = profile_names[a->profile];
	meta.start_time = rd->start;
	rd->manifest = manifest_build(&meta);
	rundir_annotate(rd, "command_argv", argv_array(argc, argv));
	snprintf(base, sizeof(base), "%s/topology.xml", rd->path);
	topo_export_xml(base);
	return 0;
}


int rundir_finish(struct rundir *rd)
{
	char when[32], path[PATH_MAX + 16];
	int errors = 0, r;

	iso_time((double)time(NULL), when, sizeof(when));
	if (rd->manifest) {
		json_object_set_new(rd->manifest, "end_time", json_string(when));
		snprintf(path, sizeof(path), "%s/manifest.json", rd->path);
		r = manifest_write(path, rd->manifest);
		if (r) {
			fprintf(stderr, "%s: %s: %s\n", __func__, path, strerror(-r));
			results_unwritten(path, r);
		}
		json_decref(rd->manifest);
		rd->manifest = NULL;
	} else {
		results_unwritten("manifest.json", ENOMEM);
	}
	free(rd->cmdline);
	rd->cmdline = NULL;
	kmsg_watch_stop(&rd->kmsg);
	errors += results_mark_finished(rd->path);
	if (rd->log) {
		char path[PATH_MAX + 16];

		/* the log is whole now: it takes its name (a killed run leaves log.txt.partial) */
		snprintf(path, sizeof(path), "%s/log.txt", rd->path);
		r = atomic_stream_close(rd->log, rd->log_partial, path);
		if (r) {
			errors++;
			results_unwritten("log.txt", r);
			results_mark_finished(rd->path);
		}
	}
	rd->log = NULL;
	return errors;
}


json_t *rundir_settings(const struct run_args *a)
{
	json_t *sets = json_object(), *opts = json_object();

	for (int i = 0; i < a->nr_sets; i++)
		json_object_set_new(sets, a->sets[i].name, json_string(a->sets[i].value));
	for (int i = 0; i < a->nr_benches; i++) {
		struct bench_ctx ctx;
		json_t *o;

		if (bench_ctx_init(&ctx, a->benches[i], a, NULL, NULL))
			continue;
		o = json_object();
		for (int k = 0; k < opt_values_count(ctx.opts); k++)
			json_object_set_new(o, opt_values_name(ctx.opts, k),
					    json_string(opt_values_text(ctx.opts, k)));
		json_object_set_new(o, "reps", json_integer(ctx.reps));
		json_object_set_new(opts, a->benches[i]->name, o);
		bench_ctx_fini(&ctx);
	}
	return json_pack("{soso}", "set", sets, "options", opts);
}

void rundir_annotate(struct rundir *rd, const char *key, json_t *value)
{
	if (rd->manifest)
		json_object_set_new(rd->manifest, key, value);
	else
		json_decref(value);
}
