/* The running kernel's config: from /proc/config.gz or /boot/config-<release>, its options and its digest. */
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/kconfig.h"
#include "sys/procfs.h"
#include "sys/sha256.h"

static char *text;		/* the whole config, NUL-terminated */
static size_t text_len;
static char source[PATH_MAX + 64];
static bool loaded;

const char *kernel_release(void)
{
	static struct utsname u;

	if (!u.release[0] && uname(&u))
		return "unknown";
	return u.release;
}

static int slurp(FILE *f)
{
	size_t alloc = 0;
	char *p;

	for (;;) {
		size_t n;

		if (alloc - text_len < 65536) {
			alloc = alloc ? 2 * alloc : 262144;
			p = realloc(text, alloc + 1);
			if (!p)
				return -ENOMEM;
			text = p;
		}
		n = fread(text + text_len, 1, alloc - text_len, f);
		text_len += n;
		if (!n)
			break;
	}
	text[text_len] = '\0';
	return ferror(f) ? -EIO : 0;
}

/* gzip -dc, without a shell: the sysroot path may hold anything. zlib is not linked. */
static int read_gz(const char *path)
{
	int fds[2], status, err;
	FILE *f;
	pid_t pid;

	if (access(path, R_OK))
		return -errno;
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (!pid) {
		dup2(fds[1], STDOUT_FILENO);
		execlp("gzip", "gzip", "-dc", path, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f) {
		close(fds[0]);
		waitpid(pid, &status, 0);
		return -ENOMEM;
	}
	err = slurp(f);
	fclose(f);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		err = err ? err : -EIO;
	return err;
}

static int read_plain(const char *path)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	err = slurp(f);
	fclose(f);
	return err;
}

static void load(void)
{
	char gz[PATH_MAX], boot[PATH_MAX], rel[PATH_MAX];
	int e1, e2;

	if (loaded)
		return;
	loaded = true;
	snprintf(rel, sizeof(rel), "/boot/config-%s", kernel_release());
	sysroot_path(gz, sizeof(gz), "/proc/config.gz");
	sysroot_path(boot, sizeof(boot), rel);
	e1 = read_gz(gz);
	if (!e1) {
		snprintf(source, sizeof(source), "/proc/config.gz");
		return;
	}
	free(text);
	text = NULL;
	text_len = 0;
	e2 = read_plain(boot);
	if (!e2) {
		snprintf(source, sizeof(source), "%s", rel);
		return;
	}
	free(text);
	text = NULL;
	text_len = 0;
	snprintf(source, sizeof(source), "unknown: /proc/config.gz: %s; %s: %s",
		 strerror(-e1), rel, strerror(-e2));
}

const char *kconfig_source(void)
{
	load();
	return source;
}

const char *kconfig_text(void)
{
	load();
	return text;
}

int kconfig_digest(char hex[65])
{
	load();
	if (!text)
		return -ENOENT;
	sha256_hex(text, text_len, hex);
	return 0;
}

/* Values found are kept for the life of the process, so callers need not free them. */
struct kvalue {
	struct kvalue *next;
	char *name, *value;
};

static struct kvalue *values;

const char *kconfig_get(const char *option)
{
	size_t olen = strlen(option);
	const char *p;
	struct kvalue *v;

	load();
	if (!text)
		return NULL;
	for (v = values; v; v = v->next)
		if (!strcmp(v->name, option))
			return v->value;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *val, *end;

		if (strncmp(p, option, olen) || p[olen] != '=')
			continue;
		val = p + olen + 1;
		end = strchrnul(val, '\n');
		/* Strings are quoted in the file; the value is what is inside. */
		if (end - val >= 2 && *val == '"' && end[-1] == '"') {
			val++;
			end--;
		}
		v = calloc(1, sizeof(*v));
		if (!v)
			return NULL;
		v->name = strdup(option);
		v->value = strndup(val, end - val);
		if (!v->name || !v->value) {
			free(v->name);
			free(v->value);
			free(v);
			return NULL;
		}
		v->next = values;
		values = v;
		return v->value;
	}
	return NULL;	/* "# CONFIG_X is not set", or not in this kernel at all */
}

/* Forget what was read (tests switch sysroots). */
void kconfig_reset(void)
{
	while (values) {
		struct kvalue *v = values;

		values = v->next;
		free(v->name);
		free(v->value);
		free(v);
	}
	free(text);
	text = NULL;
	text_len = 0;
	source[0] = '\0';
	loaded = false;
}
