/* Tracepoints by name: where tracefs is (mounting it when needed), event ids and the symbols of their print fmt. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/cleanup.h"
#include "sys/tracepoint.h"
#include "sys/procfs.h"

#define TRACEFS		"/sys/kernel/tracing"
#define DEBUG_TRACEFS	"/sys/kernel/debug/tracing"

static const char *tracefs;
static pid_t mounted_by;		/* the process that mounted it: a forked child must not unmount */

static bool has_events(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", dir);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* The machine must be left as found: a tracefs we mounted goes away with us. Async-signal-safe. */
int tracefs_unmount(void)
{
	int err = 0;

	if (mounted_by != getpid())
		return 0;
	if (umount2(TRACEFS, MNT_DETACH))
		err = -errno;
	mounted_by = 0;
	tracefs = NULL;
	return err;
}

/* The fatal-signal undo (sys/cleanup.h): no message, a handler may not print. */
static void unmount_on_signal(void)
{
	tracefs_unmount();
}

static void unmount_at_exit(void)
{
	int err = tracefs_unmount();

	if (err)
		fprintf(stderr, "%s: %s: %s\n", __func__, TRACEFS, strerror(-err));
}

const char *tracefs_dir(void)
{
	static bool registered;
	bool denied;

	if (tracefs && has_events(tracefs))
		return tracefs;
	tracefs = NULL;
	if (has_events(TRACEFS))
		return tracefs = TRACEFS;
	denied = errno == EACCES;
	/* debugfs automounts tracing below itself, unless lockdown keeps us out. */
	if (has_events(DEBUG_TRACEFS))
		return tracefs = DEBUG_TRACEFS;
	denied |= errno == EACCES;
	if (mount("tracefs", TRACEFS, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		/* not root: tracefs is there but root's, or not mounted and we may not mount it */
		if (denied || errno == EPERM)
			errno = EACCES;
		return NULL;
	}
	if (!registered) {
		atexit(unmount_at_exit);
		cleanup_register(unmount_on_signal);
		registered = true;
	}
	mounted_by = getpid();
	return tracefs = TRACEFS;
}

/* <tracefs>/events/<subsys>/<event>/<file>; -errno. */
static int event_path(const char *subsys_event, const char *file, char *buf, size_t len)
{
	const char *colon = strchr(subsys_event, ':');
	const char *dir = tracefs_dir();
	int n;

	if (!colon || colon == subsys_event || !colon[1] || strchr(subsys_event, '/'))
		return -EINVAL;
	if (!dir)
		return errno == EACCES ? -EACCES : -ENODEV;
	n = snprintf(buf, len, "%s/events/%.*s/%s/%s", dir, (int)(colon - subsys_event),
		     subsys_event, colon + 1, file);
	return n < (int)len ? 0 : -ENAMETOOLONG;
}

int tracepoint_id(const char *subsys_event)
{
	char path[PATH_MAX];
	uint64_t id;
	int err;

	err = event_path(subsys_event, "id", path, sizeof(path));
	if (!err)
		err = read_u64(path, &id);
	return err ? err : (int)id;
}

int tracepoint_parse_symbols(const char *format_text, const char *field,
			     char names[][32], int *values, int max)
{
	size_t flen = strlen(field);
	const char *p = strstr(format_text, "print fmt:");
	int n = 0;

	if (!p)
		return -EINVAL;
	/* __print_symbolic(REC->field, { 0, "name" }, ...): find the one for @field. */
	for (;;) {
		p = strstr(p, "__print_symbolic(");
		if (!p)
			return -ENOENT;
		p += strlen("__print_symbolic(");
		while (isspace((unsigned char)*p) || *p == '(')
			p++;
		if (!strncmp(p, "REC->", 5) && !strncmp(p + 5, field, flen) &&
		    !isalnum((unsigned char)p[5 + flen]) && p[5 + flen] != '_')
			break;
	}
	while ((p = strpbrk(p, "{)")) && *p == '{') {
		const char *q, *end;
		char *num_end;
		long long v;

		v = strtoll(p + 1, &num_end, 0);
		q = num_end;
		while (isspace((unsigned char)*q))
			q++;
		if (num_end == p + 1 || *q != ',')
			return -EINVAL;
		q = strchr(q, '"');
		end = q ? strchr(q + 1, '"') : NULL;
		if (!end)
			return -EINVAL;
		if (n < max) {
			snprintf(names[n], sizeof(names[n]), "%.*s", (int)(end - q - 1), q + 1);
			values[n] = (int)v;
		}
		n++;
		p = strchr(end, '}');
		if (!p)
			return -EINVAL;
		p++;
	}
	return n < max ? n : max;
}

int tracepoint_parse_symbol(const char *format_text, const char *field, const char *sym)
{
	char names[64][32];
	int values[64], n;

	n = tracepoint_parse_symbols(format_text, field, names, values, 64);
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], sym))
			return values[i];
	return n < 0 ? n : -ENOENT;
}

int tracepoint_symbol_value(const char *subsys_event, const char *field, const char *sym)
{
	char path[PATH_MAX], *text;
	int err;

	err = event_path(subsys_event, "format", path, sizeof(path));
	if (err)
		return err;
	/* Format files are a few KiB; print fmts with long symbol tables stay well under this. */
	text = malloc(65536);
	if (!text)
		return -ENOMEM;
	err = read_text(path, text, 65536);
	if (!err)
		err = tracepoint_parse_symbol(text, field, sym);
	free(text);
	return err;
}
