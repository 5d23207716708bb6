/*
 * The pages of a published site: each rendered whole in memory and written only when it
 * differs from what is there (a publish after one new run rewrites only what that run
 * changed), the list of pages kept beside them so that the next publish removes the pages
 * of runs gone from the archive, and nothing else in the directory is touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/publish.h"
#include "report/html.h"
#include "sys/util.h"

/* The pages a publish wrote, one a line: what the next may replace or remove, and no other file. */
#define SITE_LIST	".mmbench-publish"
#define SITE_LIST_HEAD	"# pages mmbench publish wrote here"

void site_file_name(char *buf, size_t len, const char *s)
{
	size_t i = 0;

	for (; s[i] && i + 1 < len && i < 100; i++) {
		char c = s[i];

		buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '_' || c == '-' ? c : '_';
	}
	buf[i] = 0;
	if (buf[0] == '.')	/* no hidden file, no ".." */
		buf[0] = '_';
}

const char *site_href(const struct site *s, const char *rel)
{
	static char bufs[4][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, PATH_MAX + 64, "%s%s", s->up, rel);
	return b;
}

/* The file's whole content equals @buf[0..len). */
static bool same_content(const char *path, const char *buf, size_t len)
{
	struct stat st;
	char *old;
	bool same = false;
	FILE *f;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
		return false;
	f = fopen(path, "re");
	old = malloc(len + 1);
	if (f && old && fread(old, 1, len, f) == len)
		same = !memcmp(old, buf, len);
	free(old);
	if (f)
		fclose(f);
	return same;
}

/*
 * A temporary name, then rename: a reader of the site never sees half a page. No fsync: the
 * site is made from the archive again, and a page a crash lost differs next time and is
 * written again.
 */
static int put_file(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX + 32];
	FILE *f;
	int err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid());
	if (mkdir_parents(path))
		return -errno;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	if (fwrite(buf, 1, len, f) != len)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static void nav(FILE *f, const struct site *s)
{
	html_printf(f, "<nav><a href=\"%sindex.html\">archive</a><a href=\"%sregressions.html\">"
		    "regressions</a></nav>\n", s->up, s->up);
}

int site_page(struct site *s, const char *rel, const char *title, page_body_fn body, void *arg)
{
	char path[PATH_MAX * 2], up[PATH_MAX] = "", canon[PATH_MAX * 2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int err = 0;

	if (!f)
		return -ENOMEM;
	for (const char *p = strchr(rel, '/'); p; p = strchr(p + 1, '/'))
		strcat(up, "../");
	s->up = up;
	if (s->base_url)
		snprintf(canon, sizeof(canon), "%s/%s", s->base_url, rel);
	html_head(f, title, s->base_url ? canon : NULL);
	nav(f, s);
	html_printf(f, "<h1>%s</h1>\n", title);
	body(f, s, arg);
	html_foot(f);
	s->up = "";
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/%s", s->out, rel);
	if (json_object_set_new(s->pages, rel, json_string(title))) {
		err = -ENOMEM;
	} else if (same_content(path, buf, len)) {
		s->same++;
	} else {
		err = put_file(path, buf, len);
		s->written++;
		if (err)
			fprintf(stderr, "mmbench: publish: %s: %s\n", path, strerror(-err));
	}
	free(buf);
	return err;
}

static bool dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

bool site_usable(const char *out)
{
	char path[PATH_MAX + 32], line[64] = "";
	struct stat st;
	FILE *f;
	bool ours;

	if (stat(out, &st))
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return false;
	snprintf(path, sizeof(path), "%s/%s", out, SITE_LIST);
	f = fopen(path, "re");
	if (!f)
		return dir_empty(out);	/* nothing there is anybody's */
	ours = fgets(line, sizeof(line), f) && !strncmp(line, SITE_LIST_HEAD, strlen(SITE_LIST_HEAD));
	fclose(f);
	return ours;
}

/* A page name from the list: one of ours only if it is a plain relative .html path. */
static bool page_name_ok(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && !strcmp(name + len - 5, ".html") && name[0] != '/' &&
	       !strstr(name, "..") && !strchr(name, '\\');
}

int site_prune(struct site *s)
{
	char path[PATH_MAX * 2], line[PATH_MAX];
	const char *name;
	json_t *v;
	FILE *f;
	char *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/%s", s->out, SITE_LIST);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!page_name_ok(line) || json_object_get(s->pages, line))
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->out, line);
		if (!unlink(path))
			s->removed++;
	}
	if (f)
		fclose(f);
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "%s\n", SITE_LIST_HEAD);
	json_object_foreach(s->pages, name, v)
		fprintf(f, "%s\n", name);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/%s", s->out, SITE_LIST);
	if (!same_content(path, buf, len) && put_file(path, buf, len)) {
		fprintf(stderr, "mmbench: publish: %s: %s\n", path, strerror(errno));
		free(buf);
		return -EIO;
	}
	free(buf);
	return 0;
}
