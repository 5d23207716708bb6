/*
 * The low-noise values (tune.h) and system tune's record. A run's journal is put back when
 * the run ends; system tune's changes must outlive it, so they go to a record of their
 * own beside the journal, each original on disk before its knob changes, until system
 * reset writes them back. A run that changes a tuned knob journals the tuned value and
 * puts it back, as it does any value it finds.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "knobs/knobs.h"
#include "knobs/tune.h"
#include "sys/atomic.h"
#include "sys/procfs.h"
#include "sys/util.h"

const struct tune_def tune_table[] = {
	{ "cpufreq.*.governor", "performance",
	  "the clock stays at its highest instead of following load as it comes and goes" },
	{ "cpufreq.boost", "0", "no clock above base: boost lasts as long as thermal headroom" },
	{ "intel_pstate.no_turbo", "1", "no turbo: it lasts as long as thermal headroom" },
	{ "kernel.numa_balancing", "0",
	  "no NUMA hint faults and migrations in every process (numa-scan turns it on for its cases)" },
	{ "vm.compaction_proactiveness", "0",
	  "kcompactd does not move pages in the background while benches fault and allocate" },
	{ NULL, NULL, NULL },
};

/* Whether concrete knob @name is @def's (itself, or a member of its family). */
static bool of_def(const char *name, const struct tune_def *def)
{
	char member[64];
	const struct knob_def *k = knob_lookup(name, member, sizeof(member));

	return k && !strcmp(k->name, def->knob);
}

int tune_each(void (*fn)(const char *knob, const char *value, void *arg),
	      void (*why_not)(const char *knob, const char *why, void *arg), void *arg)
{
	int n = 0;

	for (const struct tune_def *t = tune_table; t->knob; t++) {
		bool any = false;

		for (const char *const *name = knob_names(); *name; name++) {
			char why[400];

			if (!of_def(*name, t))
				continue;
			any = true;
			if (knob_probe_set(*name, t->value, why, sizeof(why))) {
				if (why_not)
					why_not(*name, why, arg);
				continue;
			}
			if (fn)
				fn(*name, t->value, arg);
			n++;
		}
		/* a family with no member here (no cpufreq in a guest) */
		if (!any && why_not)
			why_not(t->knob, "not on this machine", arg);
	}
	return n;
}

const char *tune_record_path(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s.tuned", knob_journal_path());
	return path;
}

/* The record's text (empty when there is none): malloc'd, or NULL on error with errno. */
static char *record_text(void)
{
	char *buf = calloc(1, 1 << 16);
	int r;

	if (!buf)
		return NULL;
	r = read_text(tune_record_path(), buf, 1 << 16);
	if (r && r != -ENOENT) {
		free(buf);
		errno = -r;
		return NULL;
	}
	if (r)
		buf[0] = '\0';
	return buf;
}

/* knob_set_remembered()'s @remember: the first original of @path stays on record. */
static int remember(const char *name, const char *path, const char *restore)
{
	char *old = record_text(), *text, needle[PATH_MAX + 4];
	int r;

	if (!old)
		return -errno;
	snprintf(needle, sizeof(needle), "\t%s\t", path);
	if (strstr(old, needle)) {
		free(old);
		return 0;
	}
	r = asprintf(&text, "%s%s%s\t%s\t%s\n", old, old[0] && old[strlen(old) - 1] != '\n' ?
		     "\n" : "", name, path, restore) < 0 ? -ENOMEM : 0;
	free(old);
	if (r)
		return r;
	r = mkdir_parents(tune_record_path());
	if (!r)
		r = atomic_write_buf(tune_record_path(), text, strlen(text));
	free(text);
	return r;
}

struct apply {
	FILE *out;
	int changed, err;
};

static void apply_one(const char *knob, const char *value, void *arg)
{
	struct apply *a = arg;
	char before[256] = "";
	int r;

	knob_read(knob, before, sizeof(before));
	if (!strcmp(before, value)) {
		fprintf(a->out, "  %-32s %s (already)\n", knob, value);
		return;
	}
	r = knob_set_remembered(knob, value, remember);
	if (r) {
		fprintf(a->out, "  %-32s not changed: %s\n", knob, strerror(-r));
		a->err = a->err ? a->err : r;
		return;
	}
	fprintf(a->out, "  %-32s %s -> %s\n", knob, before, value);
	a->changed++;
}

static void apply_not(const char *knob, const char *why, void *arg)
{
	struct apply *a = arg;

	fprintf(a->out, "  %-32s not changed: %s\n", knob, why);
}

int tune_apply(FILE *out)
{
	struct apply a = { out, 0, 0 };

	tune_each(apply_one, apply_not, &a);
	return a.err ? a.err : a.changed;
}

bool tune_pending(void)
{
	char *text = record_text();
	bool any = text && text[0];

	free(text);
	return any;
}

/* One record line put back: 0, or -errno. */
static int reset_one(FILE *out, char *line)
{
	char *save = NULL, *name = strtok_r(line, "\t", &save), *path = strtok_r(NULL, "\t", &save);
	char *text = strtok_r(NULL, "\n", &save), want[256], now[256];
	int r;

	if (!name || !path)
		return 0;
	text = text ? text : "";
	r = write_text(path, text);
	knob_choice_word(text, want, sizeof(want));
	if (!r && (r = knob_read(name, now, sizeof(now))) == 0 && strcmp(now, want))
		r = -EIO;
	if (r)
		fprintf(out, "  %-32s could not put back %s: %s\n", name, want,
			r == -EIO ? "it reads back another value" : strerror(-r));
	else
		fprintf(out, "  %-32s put back to %s\n", name, want);
	return r;
}

int tune_reset(FILE *out)
{
	char *text = record_text(), *lines[256];
	int n = 0, err = 0;

	if (!text)
		return -errno;
	for (char *p = text, *nl; *p && n < 256; p = nl + 1) {
		nl = strchr(p, '\n');
		lines[n++] = p;
		if (!nl)
			break;
		*nl = '\0';
	}
	if (!n)
		fprintf(out, "  nothing to put back: system tune changed nothing (or reset ran)\n");
	/* newest first, as the journal does */
	while (n-- > 0) {
		int r = reset_one(out, lines[n]);

		err = err ? err : r;
	}
	free(text);
	/* a knob that would not go back stays on record for the next reset */
	if (!err && !unlink(tune_record_path()))
		atomic_sync_dir(tune_record_path());
	return err;
}
