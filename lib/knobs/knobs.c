/* Setting knobs so that they always come back: each change journaled first (journal.c), probes of what could be set and why not. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "knobs/journal.h"
#include "knobs/knobs.h"
#include "sys/procfs.h"

/* A kernel file, as opposed to a regular file standing in for one in a fake sysroot. */
static bool is_kernel_file(const char *path)
{
	struct statfs s;

	if (statfs(path, &s))
		return true;
	return s.f_type == 0x62656572 /* sysfs */ || s.f_type == 0x9fa0 /* proc */ ||
	       s.f_type == 0x64626720 /* debugfs */;
}

/*
 * What to write to make @value the one in force. The kernel takes the bare word; a
 * regular file standing in for a choice file gets the bracketed text a kernel would
 * then show, so a fake tree behaves like sysfs.
 */
static int write_text_for(const struct knob_def *k, const char *path, const char *raw,
			  const char *value, char *out, size_t len)
{
	size_t off = 0, vl = strlen(value);
	bool found = false;
	char words[512], *save, *w;

	if (k->kind != KNOB_CHOICE || is_kernel_file(path)) {
		snprintf(out, len, "%s", value);
		return 0;
	}
	snprintf(words, sizeof(words), "%s", raw);
	out[0] = 0;
	for (w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char bare[64];

		knob_choice_word(w, bare, sizeof(bare));
		found |= strlen(bare) == vl && !strcmp(bare, value);
		off += snprintf(out + off, off < len ? len - off : 0, off ? " %s" : "%s",
				strcmp(bare, value) ? bare : "");
		if (!strcmp(bare, value))
			off += snprintf(out + off, off < len ? len - off : 0, "[%s]", bare);
	}
	return found ? 0 : -EINVAL;
}

/*
 * @name to @value, @remember told the path and the text that puts back the value in
 * force before the write (knob_set(): the journal; knob_tune(): the tune record).
 */
int knob_set_remembered(const char *name, const char *value,
			int (*remember)(const char *name, const char *path, const char *restore))
{
	const struct knob_def *k;
	char path[PATH_MAX], raw[512], text[512], prev[512], now[512];
	int r;

	r = knob_resolve(name, &k, path, sizeof(path));
	if (r)
		return r;
	r = read_text(path, raw, sizeof(raw));
	if (r)
		return r;
	/* already in force: nothing to write, so nothing to journal or put back */
	knob_in_force(k, raw, now, sizeof(now));
	if (!strcmp(now, value))
		return 0;
	r = write_text_for(k, path, raw, value, text, sizeof(text));
	if (r)
		return r;
	/* what puts back the value in force now: the kernel takes the word, a fake file its text */
	if (k->kind == KNOB_CHOICE && is_kernel_file(path))
		knob_choice_word(raw, prev, sizeof(prev));
	else
		snprintf(prev, sizeof(prev), "%s", raw);
	/* not ours to write (not root): nothing goes into the journal */
	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS))
		return -errno;
	/* the journal is on disk before the first change, or nothing changes */
	r = remember(name, path, prev);
	if (r)
		return r;
	r = write_text(path, text);
	if (r)
		return r;
	r = knob_read(name, now, sizeof(now));
	if (r || strcmp(now, value)) {
		write_text(path, prev);
		return r ? r : -EIO;
	}
	return 0;
}

int knob_set(const char *name, const char *value)
{
	return knob_set_remembered(name, value, journal_remember);
}

/*
 * Why @name cannot be written by us: the file is missing, debugfs is locked down or
 * root's, or we are not allowed. With @value, the advice says what root should set.
 */
static void why_not(const char *name, const char *path, const char *value, int r,
		    char *why, size_t len)
{
	bool dbg = knob_on_debugfs(path);
	unsigned uid = geteuid();

	if (r == -EPERM && dbg && !uid)
		snprintf(why, len, "%s: debugfs access is restricted (kernel lockdown)", path);
	else if (r == -EPERM && dbg && knob_debugfs_denied())
		snprintf(why, len, "%s: debugfs is not mounted; mounting needs CAP_SYS_ADMIN (uid %u): run as root",
			 path, uid);
	else if ((r == -EACCES || r == -EPERM) && dbg)
		snprintf(why, len, "%s: debugfs is root's (uid %u may not read it): run as root", path, uid);
	else if ((r == -EACCES || r == -EPERM) && value)
		snprintf(why, len, "%s is not writable by uid %u: run as root or set it to '%s' first",
			 name, uid, value);
	else if (r == -EACCES || r == -EPERM)
		snprintf(why, len, "%s is not writable by uid %u: run as root", name, uid);
	else
		snprintf(why, len, "%s: %s", path, strerror(-r));
}

static int probe_set(const char *name, const char *value, char *why, size_t len)
{
	char path[PATH_MAX], val[512];
	const struct knob_def *k;
	int r;

	why[0] = 0;
	r = knob_resolve(name, &k, path, sizeof(path));
	if (r == -ENOENT && k) {
		snprintf(why, len, "%s does not exist on this kernel", path);
		return r;
	} else if (!k) {
		snprintf(why, len, "unknown knob '%s'", name);
		return r;
	}
	if (!r)
		r = knob_read(name, val, sizeof(val));
	/* a value already in force needs no write (knob_set() makes none) */
	if (!r && value && !strcmp(val, value))
		return 0;
	if (!r && faccessat(AT_FDCWD, path, W_OK, AT_EACCESS))
		r = -errno;
	if (r)
		why_not(name, path, value, r, why, len);
	return r;
}

int knob_probe_write(const char *name, char *why, size_t len)
{
	return probe_set(name, NULL, why, len);
}

int knob_probe_set(const char *name, const char *value, char *why, size_t len)
{
	return probe_set(name, value, why, len);
}

static bool is_number(const char *s)
{
	char *end;

	strtod(s, &end);
	return *s && !*end;
}

static bool is_choice(const char *raw, const char *value)
{
	char words[512], *save, *w;

	snprintf(words, sizeof(words), "%s", raw);
	for (w = strtok_r(words, " []", &save); w; w = strtok_r(NULL, " []", &save))
		if (!strcmp(w, value))
			return true;
	return false;
}

int knob_try_value(const char *name, const char *value, char *why, size_t len)
{
	char member[64], raw[512];
	const struct knob_def *k = knob_lookup(name, member, sizeof(member));
	int r = k ? knob_read_raw(name, raw, sizeof(raw)) : -ENOENT;

	if (r) {
		knob_probe_write(name, why, len);
		return r;
	}
	if (k->kind == KNOB_NUM ? !is_number(value) : !is_choice(raw, value)) {
		snprintf(why, len, "%s=%s: not a value of this knob (%s)", name, value,
			 k->kind == KNOB_NUM ? "a number" : raw);
		return -EINVAL;
	}
	r = knob_set(name, value);
	if (knob_restore_all() && !r)
		r = -EIO;
	if (r == -EACCES || r == -EPERM)
		knob_probe_set(name, value, why, len);
	else if (r)
		snprintf(why, len, "the kernel rejects %s=%s: %s", name, value,
			 r == -EIO ? "it reads back another value" : strerror(-r));
	return r;
}
