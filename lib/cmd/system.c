/* mmbench system [show|tune|reset]: what adds noise on this machine, the low-noise values set, and put back. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd/cmds.h"
#include "cmd/system.h"
#include "core/bench.h"
#include "knobs/knobs.h"
#include "knobs/tune.h"
#include "report/wrap.h"

static void would_set(const char *knob, const char *value, void *arg)
{
	char now[256];

	(void)arg;
	if (knob_read(knob, now, sizeof(now)))
		snprintf(now, sizeof(now), "?");
	if (!strcmp(now, value))
		printf("  %-30s %s (already)\n", knob, value);
	else
		printf("  %-30s %s -> %s\n", knob, now, value);
}

static void cannot_set(const char *knob, const char *why, void *arg)
{
	char lead[64];

	(void)arg;
	snprintf(lead, sizeof(lead), "  %-30s ", knob);
	wrap_words(stdout, lead, 33, why);
}

static int show(void)
{
	struct sys_item items[SYS_MAX_ITEMS];
	int n = sys_items(items, SYS_MAX_ITEMS), noise = 0;
	char lead[64];

	printf("mmbench system show: what adds noise here (ok / adds noise / cannot tell)\n\n");
	for (int i = 0; i < n; i++) {
		snprintf(lead, sizeof(lead), "%-15s %-12s ", items[i].name,
			 sys_verdict_word(items[i].verdict));
		wrap_words(stdout, lead, 29, items[i].value);
		wrap_words(stdout, "                             ", 29, items[i].note);
		noise += items[i].verdict == SYS_NOISE;
	}
	printf("\n%d of %d items add noise. mmbench system tune would set\n"
	       "(a run with --tune holds them for the run):\n", noise, n);
	tune_each(would_set, cannot_set, NULL);
	if (tune_pending())
		printf("\nsystem tune is in force (%s): mmbench system reset puts back what it changed\n",
		       tune_record_path());
	else
		printf("\nsystem tune is not in force\n");
	return 0;
}

/* The knob lock, as a run takes it (and what a killed run left is put back first). */
static int lock(const char *who)
{
	int r = knobs_init(stderr);

	if (r == -EBUSY)
		fprintf(stderr, "mmbench system %s: another mmbench holds %s: one at a time\n", who,
			knob_lock_path());
	else if (r)
		fprintf(stderr, "mmbench system %s: knob journal %s: %s\n", who, knob_journal_path(),
			strerror(-r));
	return r;
}

static int tune(void)
{
	int r;

	if (lock("tune"))
		return KSFT_FAIL;
	printf("mmbench system tune: the low-noise values (originals in %s)\n", tune_record_path());
	r = tune_apply(stdout);
	if (r < 0) {
		fprintf(stderr, "mmbench system tune: %s; mmbench system reset puts back what changed\n",
			strerror(-r));
		return KSFT_FAIL;
	}
	printf("%d changed; mmbench system reset puts %s back. What tune cannot change here is "
	       "above and in mmbench system show.\n", r, r == 1 ? "it" : "them");
	return 0;
}

static int reset(void)
{
	int r;

	if (lock("reset"))
		return KSFT_FAIL;
	printf("mmbench system reset: what system tune changed (%s)\n", tune_record_path());
	r = tune_reset(stdout);
	if (r) {
		fprintf(stderr, "mmbench system reset: %s: the record stays for the next reset\n",
			strerror(-r));
		return KSFT_FAIL;
	}
	return 0;
}

int cmd_system(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "show";

	if (argc > 2) {
		fprintf(stderr, "mmbench system: one of show, tune, reset ('%s' too many)\n", argv[2]);
		return KSFT_USAGE;
	}
	if (!strcmp(what, "show"))
		return show();
	if (!strcmp(what, "tune"))
		return tune();
	if (!strcmp(what, "reset"))
		return reset();
	fprintf(stderr, "mmbench system: '%s' is not show, tune or reset\n", what);
	return KSFT_USAGE;
}
