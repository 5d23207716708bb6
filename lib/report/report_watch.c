/* What a run's watchers saw, at the top of its report (report_watch.h). */
#include <stdio.h>
#include <string.h>
#include "report/report_watch.h"
#include "report/wrap.h"
#include "results/run_watch.h"
#include "sys/loadwatch.h"

/* The shown lines, as kmsg.txt has them: cut to the report's width in text. */
static void shown_lines(FILE *f, json_t *log, bool md)
{
	json_t *shown = json_object_get(log, "shown"), *l;
	json_int_t lines = watch_num(log, "lines");
	char line[400];
	size_t i;

	if (md)
		fprintf(f, "```\n");
	json_array_foreach(shown, i, l) {
		snprintf(line, sizeof(line), "[%12.6f] <%lld> (%s) %s",
			 json_number_value(json_object_get(l, "time")),
			 (long long)watch_num(l, "level"),
			 json_string_value(json_object_get(l, "phase")) ?: "?",
			 json_string_value(json_object_get(l, "text")) ?: "");
		if (md)
			fprintf(f, "%s\n", line);
		else if (strlen(line) <= (size_t)(WRAP_WIDTH - 2))
			fprintf(f, "  %s\n", line);
		else	/* cut with its "..." inside the width */
			fprintf(f, "  %.*s...\n", WRAP_WIDTH - 5, line);
	}
	if (lines > (json_int_t)json_array_size(shown))
		fprintf(f, "%s%lld more in kmsg.txt\n", md ? "" : "  ",
			(long long)(lines - (json_int_t)json_array_size(shown)));
	if (md)
		fprintf(f, "```\n");
}

/* What the kernel logged: whether there was anything to say (a run before the watch: no). */
static bool kmsg_section(FILE *f, const struct rl_run *run, bool md)
{
	json_t *log = json_object_get(run->manifest, "kernel_log");
	char buf[512];
	size_t n;

	if (!watch_kmsg_summary(run->manifest, &n, buf, sizeof(buf)))
		return false;
	if (!strcmp(buf, "none"))
		snprintf(buf, sizeof(buf), "nothing at warning level or worse during the run");
	if (n && watch_num(log, "problems") > 0) {
		snprintf(buf, sizeof(buf), "the kernel logged %lld problem%s during this run: "
			 "its numbers may not be the kernel's usual ones",
			 (long long)watch_num(log, "problems"), watch_num(log, "problems") == 1 ? "" : "s");
		if (md)
			fprintf(f, "> **%s**\n\n", buf);
		else
			wrap_words(f, "*** ", 4, buf);
		watch_kmsg_summary(run->manifest, &n, buf, sizeof(buf));
	}
	if (md) {
		fprintf(f, "**kernel log** (warnings and worse during the run): %s\n\n", n ? "" : buf);
	} else {
		wrap_words(f, "kernel log  ", 12, n ? "warnings and worse during the run (kmsg.txt):" : buf);
	}
	if (n)
		shown_lines(f, log, md);
	if (md && n)
		fputc('\n', f);
	return true;
}

/* How many repetitions shared the bench's CPUs, per bench that had any; whether any was watched. */
static bool load_section(FILE *f, const struct rl_run *run, bool md)
{
	size_t reps = 0, shared = 0, off = 0;
	char cpus[64] = "?", per[512] = "", line[768];

	for (size_t i = 0; i < run->nr_benches; i++) {
		size_t r = 0, s = 0;

		watch_load_count(&run->benches[i], &r, &s, cpus, sizeof(cpus));
		reps += r;
		shared += s;
		if (s && off < sizeof(per))
			off += snprintf(per + off, sizeof(per) - off, "%s%s %zu of %zu", off ? ", " : "",
					run->benches[i].name, s, r);
	}
	if (!reps)
		return false;
	if (shared)
		snprintf(line, sizeof(line), "%zu of %zu repetitions shared CPUs %s with other work "
			 "(others' CPU time or steal above %.0f%% of a CPU): %s; marked in each case's "
			 "load.shared, kept in the statistics", shared, reps, cpus,
			 LOAD_SHARED_SHARE * 100, per);
	else
		snprintf(line, sizeof(line), "no repetition shared CPUs %s with other work "
			 "(%zu watched)", cpus, reps);
	if (md)
		fprintf(f, "**load**: %s\n\n", line);
	else
		wrap_words(f, "load        ", 12, line);
	return true;
}

void report_watch(FILE *f, const struct rl_run *run, bool md)
{
	bool said = kmsg_section(f, run, md);

	said |= load_section(f, run, md);
	if (said && !md)
		fputc('\n', f);
}
