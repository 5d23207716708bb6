/* The kernel log during a run (kmsg.h): /dev/kmsg opened at its end, read without blocking, warnings and worse kept. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sys/kmsg.h"
#include "sys/procfs.h"

/*
 * The words that tell of kernel trouble, most specific first: a soft lockup is printed
 * "watchdog: BUG: soft lockup - CPU#1 stuck for 22s!" and must not count as a plain BUG.
 */
static const struct {
	const char *pattern, *kind;
} kinds[] = {
	{ "soft lockup", "soft lockup" },
	{ "hard LOCKUP", "hard lockup" },
	{ "blocked for more than", "hung task" },	/* "INFO: task X:1 blocked for more than 120 seconds." */
	{ "hung_task", "hung task" },
	{ "detected stall", "RCU stall" },		/* "rcu: INFO: rcu_preempt detected stalls", "self-detected stall" */
	{ "RCU stall", "RCU stall" },
	{ "page allocation failure", "page allocation failure" },
	{ "invoked oom-killer", "OOM" },
	{ "Out of memory", "OOM" },
	{ "oom-kill:", "OOM" },
	{ "oom_reaper:", "OOM" },
	{ "Oops", "Oops" },
	{ "BUG:", "BUG" },
	{ "kernel BUG at", "BUG" },
	{ "WARNING:", "WARNING" },
};

const char *kmsg_classify(const char *text)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strstr(text, kinds[i].pattern))
			return kinds[i].kind;
	return NULL;
}

bool kmsg_keep(int level, const char *text)
{
	return level <= KMSG_LEVEL_KEPT || kmsg_classify(text);
}

int kmsg_parse(const char *rec, size_t len, struct kmsg_line *l)
{
	const char *semi = memchr(rec, ';', len), *end;
	unsigned long long seq, usec;
	char head[128];
	size_t n, i;
	int pri;

	if (!semi || (size_t)(semi - rec) >= sizeof(head))
		return -EINVAL;
	memcpy(head, rec, semi - rec);
	head[semi - rec] = '\0';
	if (sscanf(head, "%d,%llu,%llu", &pri, &seq, &usec) != 3 || pri < 0)
		return -EINVAL;
	l->level = pri & 7;
	l->facility = pri >> 3;
	l->seq = seq;
	l->usec = usec;
	semi++;
	end = memchr(semi, '\n', len - (semi - rec));
	n = (end ? (size_t)(end - semi) : len - (size_t)(semi - rec));
	if (n > KMSG_TEXT_MAX)
		n = KMSG_TEXT_MAX;
	/*
	 * The kernel shows bytes that are not printable as \xNN already; what is left must
	 * pass the run reader, which refuses backquotes and control characters.
	 */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)semi[i];

		l->text[i] = c == '`' ? '\'' : (c < ' ' || c > '~') ? '?' : (char)c;
	}
	l->text[i] = '\0';
	return 0;
}

static void say_why(struct kmsg_watch *w, const char *path, int err)
{
	char restrict_[32] = "?";

	if (err == EPERM || err == EACCES) {
		read_text("/proc/sys/kernel/dmesg_restrict", restrict_, sizeof(restrict_));
		snprintf(w->why, sizeof(w->why), "%s: %s: reading the kernel log needs root or "
			 "CAP_SYSLOG (kernel.dmesg_restrict is %s, uid %u)", path, strerror(err),
			 restrict_, (unsigned)geteuid());
	} else {
		snprintf(w->why, sizeof(w->why), "%s: %s", path, strerror(err));
	}
}

void kmsg_watch_start(struct kmsg_watch *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->started = true;
	w->fd = -1;
	snprintf(w->phase, sizeof(w->phase), "start");
	path = path ? path : KMSG_PATH;
	w->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (w->fd < 0) {
		say_why(w, path, errno);
		return;
	}
	/* only what is logged from the run's start: the records before it are another story */
	if (lseek(w->fd, 0, SEEK_END) < 0) {
		say_why(w, path, errno);
		close(w->fd);
		w->fd = -1;
		return;
	}
	w->readable = true;
}

static void keep(struct kmsg_watch *w, struct kmsg_line *l)
{
	if (w->nr == KMSG_MAX_LINES) {
		w->dropped++;
		return;
	}
	if (w->nr == w->alloc) {
		size_t n = w->alloc ? 2 * w->alloc : 32;
		struct kmsg_line *p = realloc(w->lines, n * sizeof(*p));

		if (!p) {
			w->dropped++;
			return;
		}
		w->lines = p;
		w->alloc = n;
	}
	l->kind = kmsg_classify(l->text);
	snprintf(l->phase, sizeof(l->phase), "%s", w->phase);
	w->problems += l->kind != NULL;
	w->lines[w->nr++] = *l;
}

void kmsg_watch_poll(struct kmsg_watch *w)
{
	/* one record a read; the kernel's longest is 8 KiB (CONSOLE_EXT_LOG_MAX) */
	static char buf[8192 + 1];
	ssize_t n;

	while (w->readable) {
		n = read(w->fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		/* EPIPE: records were overwritten before we read them; the next read goes on */
		if (n < 0 && errno == EPIPE)
			continue;
		if (n < 0 && errno != EAGAIN) {
			say_why(w, KMSG_PATH, errno);
			w->readable = false;
		}
		if (n <= 0)
			break;
		kmsg_watch_add(w, buf, (size_t)n);
	}
}

int kmsg_watch_add(struct kmsg_watch *w, const char *rec, size_t len)
{
	struct kmsg_line l;

	if (kmsg_parse(rec, len, &l))
		return -EINVAL;
	/* a gap in the sequence: records the kernel overwrote before they were read */
	if (w->next_seq && l.seq > w->next_seq)
		w->lost += l.seq - w->next_seq;
	w->next_seq = l.seq + 1;
	if (kmsg_keep(l.level, l.text))
		keep(w, &l);
	return 0;
}

void kmsg_watch_phase(struct kmsg_watch *w, const char *phase)
{
	if (!w->started)
		return;
	kmsg_watch_poll(w);
	if (phase)
		snprintf(w->phase, sizeof(w->phase), "%s", phase);
}

/* The lines the manifest shows: every problem first (up to KMSG_SHOWN), then others, in log order. */
static json_t *shown_json(const struct kmsg_watch *w)
{
	json_t *shown = json_array();
	bool *pick = calloc(w->nr + 1, sizeof(*pick));
	size_t left = KMSG_SHOWN;

	if (!pick)
		return shown;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < w->nr && left; i++)
			if (!pick[i] && (pass || w->lines[i].kind)) {
				pick[i] = true;
				left--;
			}
	for (size_t i = 0; i < w->nr; i++) {
		const struct kmsg_line *l = &w->lines[i];
		json_t *o;

		if (!pick[i])
			continue;
		o = json_pack("{sssisfss}", "phase", l->phase, "level", l->level,
			      "time", l->usec / 1e6, "text", l->text);
		if (l->kind)
			json_object_set_new(o, "kind", json_string(l->kind));
		if (l->facility)
			json_object_set_new(o, "from", json_string("user space (written to /dev/kmsg)"));
		json_array_append_new(shown, o);
	}
	free(pick);
	return shown;
}

json_t *kmsg_watch_json(const struct kmsg_watch *w)
{
	json_t *kinds_seen = json_object();

	if (!w->readable && !w->nr) {
		json_decref(kinds_seen);
		return json_pack("{sssbss}", "source", KMSG_PATH, "readable", 0, "why",
				 w->started ? w->why : "not watched");
	}
	for (size_t i = 0; i < w->nr; i++) {
		const char *k = w->lines[i].kind;

		if (k)
			json_object_set_new(kinds_seen, k, json_integer(
				json_integer_value(json_object_get(kinds_seen, k)) + 1));
	}
	return json_pack("{sssbsIsIsIsIsssoso}", "source", KMSG_PATH, "readable", 1,
			 "lines", (json_int_t)(w->nr + w->dropped),
			 "problems", (json_int_t)w->problems, "lost", (json_int_t)w->lost,
			 "dropped", (json_int_t)w->dropped, "file", "kmsg.txt",
			 "kinds", kinds_seen, "shown", shown_json(w));
}

int kmsg_watch_write(FILE *f, void *arg)
{
	const struct kmsg_watch *w = arg;

	for (size_t i = 0; i < w->nr; i++) {
		const struct kmsg_line *l = &w->lines[i];

		fprintf(f, "[%12.6f] <%d> (%s) %s\n", l->usec / 1e6, l->level, l->phase, l->text);
	}
	if (w->dropped)
		fprintf(f, "... and %zu more lines not kept\n", w->dropped);
	return ferror(f) ? -EIO : 0;
}

void kmsg_watch_stop(struct kmsg_watch *w)
{
	if (!w->started)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->lines);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}
