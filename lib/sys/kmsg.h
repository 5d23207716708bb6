/* The kernel log during a run: /dev/kmsg read from the run's start, its warnings and worse kept. */
#ifndef MMBENCH_KMSG_H
#define MMBENCH_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#define KMSG_PATH	"/dev/kmsg"
#define KMSG_LEVEL_KEPT	4	/* KERN_WARNING: this level and the more severe ones are kept */
#define KMSG_TEXT_MAX	240	/* a kept line's text is cut here (a record may hold 8 KiB) */
#define KMSG_MAX_LINES	4096	/* kept lines beyond this are counted, not kept */
#define KMSG_SHOWN	20	/* lines the manifest (and so the report) holds; kmsg.txt has all */

struct kmsg_line {
	uint64_t seq, usec;		/* the record's sequence number and time since boot */
	int level, facility;		/* facility 0: the kernel; 1: a user's write to /dev/kmsg */
	const char *kind;		/* kmsg_classify()'s word, or NULL */
	char phase[48];			/* what the run was doing: "start", a bench's name */
	char text[KMSG_TEXT_MAX + 1];	/* printable ASCII, backquotes made quotes */
};

/* A watch over the kernel log; a zeroed one is not started (kmsg_watch_stop() is then a no-op). */
struct kmsg_watch {
	bool started, readable;
	int fd;
	char why[200];			/* when not readable: why not */
	char phase[48];
	struct kmsg_line *lines;
	size_t nr, alloc;
	size_t problems;		/* kept lines with a kind */
	size_t dropped;			/* kept lines past KMSG_MAX_LINES */
	unsigned long lost;		/* records the kernel overwrote before we read them */
	uint64_t next_seq;		/* the record expected next (0: none read yet) */
};

/*
 * The kind of kernel trouble a log line tells of: "WARNING", "BUG", "Oops", "soft lockup",
 * "hard lockup", "hung task", "RCU stall", "page allocation failure", "OOM"; NULL for
 * any other line (which is still kept when its @level is KMSG_LEVEL_KEPT or worse).
 */
const char *kmsg_classify(const char *text);
/* Whether a record of @level with @text is kept. */
bool kmsg_keep(int level, const char *text);
/*
 * One /dev/kmsg record ("PRI,SEQ,USEC,FLAGS[,..];TEXT\n[ KEY=VALUE\n]..") parsed into @l
 * (phase and kind left alone; the text cut at KMSG_TEXT_MAX and made printable).
 * 0, or -EINVAL when it is not such a record.
 */
int kmsg_parse(const char *rec, size_t len, struct kmsg_line *l);

/*
 * Open @path (NULL: /dev/kmsg) at its end, so that only what the kernel logs from now on
 * is read, in phase "start". Where it cannot be read the watch says why and stays
 * started, unreadable.
 */
void kmsg_watch_start(struct kmsg_watch *w, const char *path);
/* Read every record logged since the last read (never blocks), keeping warnings and worse. */
void kmsg_watch_poll(struct kmsg_watch *w);
/* One record read (as kmsg_parse() takes it) into the watch: -EINVAL when it is none. */
int kmsg_watch_add(struct kmsg_watch *w, const char *rec, size_t len);
/* kmsg_watch_poll(), what it read belonging to the phase that ends; then @phase (NULL: keep) begins. */
void kmsg_watch_phase(struct kmsg_watch *w, const char *phase);
/* The watch as the manifest's "kernel_log" (new reference). */
json_t *kmsg_watch_json(const struct kmsg_watch *w);
/* Every kept line, one a line ("[  seconds] <level> (phase) text"), for kmsg.txt. 0 or -errno. */
int kmsg_watch_write(FILE *f, void *w);
void kmsg_watch_stop(struct kmsg_watch *w);

#endif
