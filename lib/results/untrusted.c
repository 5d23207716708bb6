/* Reading files of a run as untrusted input (untrusted.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results/untrusted.h"

/*
 * Whether ut_say() prints: the one switch of the reader's diagnostics, so that every check
 * below rl_load_light() keeps its message for ut_said() without a flag of its own.
 */
static bool quiet;

bool ut_quiet(bool on)
{
	bool was = quiet;

	quiet = on;
	return was;
}

/* The last line said of bad input, kept for ut_said() also when nothing is printed. */
static char last_said[1024];

/* What a user sees of bad input: stderr, unless quiet. */
void ut_say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!strncmp(line, "mmbench: ", 9))
		last_said[0] = 0;
	strncat(last_said, line, sizeof(last_said) - strlen(last_said) - 1);
	if (!quiet)
		fputs(line, stderr);
}

const char *ut_said(void)
{
	static char buf[sizeof(last_said)];
	const char *p = strncmp(last_said, "mmbench: ", 9) ? last_said : last_said + 9;

	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

/* @s with every byte that is not printable ASCII shown as \xNN: what a terminal may see of it. */
const char *ut_printable(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 5 < len; s++) {
		unsigned char ch = *s;

		if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = ch;
		else
			o += snprintf(buf + o, len - o, "\\x%02x", ch);
	}
	buf[o] = 0;
	return buf;
}

/* The one line a user sees on bad input: "mmbench: FILE: what is wrong". */
int ut_bad(const char *path, const char *fmt, ...)
{
	char safe[PATH_MAX * 2], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ut_say("mmbench: %s: ", ut_printable(path, safe, sizeof(safe)));
	ut_say("%s\n", ut_printable(msg, safe, sizeof(safe)));
	return -EINVAL;
}

/*
 * A file of the run as a string: a regular file, not a symbolic link (opened without
 * following one, and without blocking on a FIFO), at most @max bytes. NULL with the line
 * printed and *err set.
 */
char *ut_read_file(const char *path, size_t max, size_t *len, int *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fd < 0) {
		if (errno == ELOOP) {
			*err = ut_bad(path, "a symbolic link, not a file: a run directory holds files only");
			return NULL;
		}
		*err = -errno;
		ut_say("mmbench: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		*err = ut_bad(path, "not a regular file");
		return NULL;
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		*err = ut_bad(path, "%lld bytes: more than the %zu MiB a file of a run may have",
			   (long long)st.st_size, max >> 20);
		return NULL;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	/* a file that grows while read is cut at its size: judged on what was there */
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = n ? -errno : ut_bad(path, "shorter than its size");
			if (n)
				ut_say("mmbench: %s: %s\n", path, strerror(errno));
			close(fd);
			free(buf);
			return NULL;
		}
		got += n;
	}
	close(fd);
	buf[got] = 0;
	*len = got;
	*err = 0;
	return buf;
}

/*
 * What a terminal or gnuplot must never be handed: control characters (terminal escapes
 * start with ESC, or the C1 CSI), and the backquote, which gnuplot runs as a command even
 * inside a quoted string of the .vars files plots are drawn from.
 */
int ut_bad_char(const char *s, bool lines)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p == '`' || *p == 0x7f || (*p < 0x20 && *p != '\t' && !(lines && *p == '\n')))
			return *p;
		/* U+0080..U+009F, the C1 controls, are 0xc2 0x80..0x9f in UTF-8 */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return p[1];
	}
	return -1;
}

/* Every string, key and number of a file: no control characters, no absurd numbers, no deep nesting. */
int ut_check_tree(const char *path, json_t *v, int depth, char *where, size_t len)
{
	size_t off = strlen(where), i;
	const char *k, *w = where[0] == '.' ? where + 1 : where;
	json_t *x;
	int ch, err;

	if (depth > RL_MAX_DEPTH)
		return ut_bad(path, "nested deeper than %d levels at %s", RL_MAX_DEPTH, w);
	switch (json_typeof(v)) {
	case JSON_STRING:
		ch = ut_bad_char(json_string_value(v), false);
		if (ch >= 0)
			return ut_bad(path, "%s: a string with the character 0x%02x, which must not "
				   "reach a terminal or a plot", w, ch);
		return 0;
	case JSON_INTEGER:
	case JSON_REAL:
		if (fabs(json_number_value(v)) > RL_MAX_NUMBER)
			return ut_bad(path, "%s: %g is out of range (at most %g in magnitude)", w,
				   json_number_value(v), RL_MAX_NUMBER);
		return 0;
	case JSON_OBJECT:
		json_object_foreach(v, k, x) {
			ch = ut_bad_char(k, false);
			if (ch >= 0)
				return ut_bad(path, "%s: a key with the character 0x%02x", *w ? w : "top level", ch);
			snprintf(where + off, len - off, ".%.40s", k);
			err = ut_check_tree(path, x, depth + 1, where, len);
			where[off] = 0;
			if (err)
				return err;
		}
		return 0;
	case JSON_ARRAY:
		json_array_foreach(v, i, x) {
			snprintf(where + off, len - off, "[%zu]", i);
			err = ut_check_tree(path, x, depth + 1, where, len);
			where[off] = 0;
			if (err)
				return err;
		}
		return 0;
	default:
		return 0;
	}
}

/* A name that becomes part of a file name (plots/<bench>--<metric>...) and of gnuplot's command line. */
bool ut_safe_name(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

json_t *ut_load_json(const char *path, int *err)
{
	char where[512] = "", msg[256];
	json_error_t je;
	size_t len;
	char *text = ut_read_file(path, RL_MAX_FILE, &len, err);
	json_t *j;

	if (!text)
		return NULL;
	/* a key twice is two answers to one question: refused, not the last one taken */
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (!j) {
		*err = ut_bad(path, "not valid JSON (line %d column %d: %s)", je.line, je.column,
			   ut_printable(je.text, msg, sizeof(msg)));
		return NULL;
	}
	if (!json_is_object(j)) {
		*err = ut_bad(path, "not a JSON object");
		json_decref(j);
		return NULL;
	}
	*err = ut_check_tree(path, j, 0, where, sizeof(where));
	if (*err) {
		json_decref(j);
		return NULL;
	}
	return j;
}
