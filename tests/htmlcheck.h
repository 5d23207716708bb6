/*
 * A small HTML checker for the tests of mmbench's pages: tags balanced and properly nested
 * (void elements excepted, SVG's self-closing ones allowed), attributes quoted, every '<'
 * and '&' of text escaped, no script, no external resource (src=, url(, @import), and the
 * local links of a page, resolved from its directory, lead to files that exist.
 */
#ifndef MMBENCH_HTMLCHECK_H
#define MMBENCH_HTMLCHECK_H

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static inline bool hc_void(const char *name)
{
	static const char *const v[] = { "area", "base", "br", "col", "embed", "hr", "img",
					 "input", "link", "meta", "source", "track", "wbr", NULL };

	for (int i = 0; v[i]; i++)
		if (!strcasecmp(name, v[i]))
			return true;
	return false;
}

/* An entity at @p ("&amp;", "&#39;", "&#x26;"): its length, 0 when it is none. */
static inline size_t hc_entity(const char *p)
{
	size_t n = 1;

	if (p[n] == '#') {
		n++;
		if (p[n] == 'x')
			n++;
		while (isxdigit((unsigned char)p[n]))
			n++;
	} else {
		while (isalnum((unsigned char)p[n]))
			n++;
	}
	return n > 1 && p[n] == ';' ? n + 1 : 0;
}

/* Attributes from @p to the tag's end; returns the end ('>' or "/>"), NULL on a bad one. */
static inline const char *hc_attrs(const char *p, char *err, size_t len)
{
	while (*p && *p != '>' && !(p[0] == '/' && p[1] == '>')) {
		const char *name = p;

		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		while (isalnum((unsigned char)*p) || *p == '-' || *p == ':' || *p == '_')
			p++;
		if (p == name) {
			snprintf(err, len, "bad attribute at \"%.20s\"", p);
			return NULL;
		}
		if (*p != '=')
			continue;
		if (!strncasecmp(name, "src", 3) && p - name == 3) {
			snprintf(err, len, "a src attribute: \"%.40s\"", name);
			return NULL;
		}
		p++;
		if (*p != '"' && *p != '\'') {
			snprintf(err, len, "unquoted attribute value at \"%.20s\"", name);
			return NULL;
		}
		{
			char q = *p++;
			const char *end = strchr(p, q);

			if (!end || memchr(p, '<', end - p)) {
				snprintf(err, len, "attribute value with '<' or unclosed: \"%.30s\"", name);
				return NULL;
			}
			for (const char *a = p; a < end; a++)
				if (*a == '&' && !hc_entity(a)) {
					snprintf(err, len, "raw '&' in attribute: \"%.30s\"", name);
					return NULL;
				}
			p = end + 1;
		}
	}
	return *p ? p : NULL;
}

/* NULL when @html is well formed as above; else what is wrong, in @err. */
static inline const char *hc_check(const char *html, char *err, size_t len)
{
	char stack[256][16];
	int depth = 0;
	const char *p = html;

	if (strncmp(p, "<!DOCTYPE html>", 15))
		return snprintf(err, len, "no <!DOCTYPE html> first"), err;
	p += 15;
	if (strstr(html, "url(") || strstr(html, "@import"))
		return snprintf(err, len, "an external resource in the style"), err;
	while (*p) {
		char name[16] = "";
		size_t n = 0;
		bool closing;

		if (*p == '&') {
			if (!hc_entity(p))
				return snprintf(err, len, "raw '&' at \"%.20s\"", p), err;
			p++;
			continue;
		}
		if (*p == '>')
			return snprintf(err, len, "raw '>' at \"%.20s\"", p), err;
		if (*p != '<') {
			p++;
			continue;
		}
		if (!strncmp(p, "<!--", 4)) {
			p = strstr(p, "-->");
			if (!p)
				return snprintf(err, len, "unclosed comment"), err;
			p += 3;
			continue;
		}
		closing = p[1] == '/';
		p += 1 + closing;
		while (n < sizeof(name) - 1 && (isalnum((unsigned char)*p)))
			name[n++] = (char)tolower((unsigned char)*p++);
		if (!n)
			return snprintf(err, len, "raw '<' at \"%.20s\"", p - 1 - closing), err;
		if (!strcmp(name, "script") || !strcmp(name, "iframe") || !strcmp(name, "object"))
			return snprintf(err, len, "a <%s> element", name), err;
		if (closing) {
			if (*p != '>')
				return snprintf(err, len, "bad end tag </%s", name), err;
			if (!depth || strcmp(stack[depth - 1], name))
				return snprintf(err, len, "</%s> closes <%s>", name,
						depth ? stack[depth - 1] : "nothing"), err;
			depth--;
			p++;
			continue;
		}
		p = hc_attrs(p, err, len);
		if (!p)
			return err[0] ? err : (snprintf(err, len, "unclosed <%s", name), err);
		if (*p == '/') {	/* <path .../>: SVG's self-closing elements */
			p += 2;
			continue;
		}
		p++;
		if (hc_void(name))
			continue;
		if (!strcmp(name, "style")) {	/* raw text up to its end tag */
			p = strstr(p, "</style>");
			if (!p)
				return snprintf(err, len, "unclosed <style>"), err;
			p += 8;
			continue;
		}
		if (depth == 256)
			return snprintf(err, len, "nested too deep"), err;
		snprintf(stack[depth++], sizeof(stack[0]), "%s", name);
	}
	if (depth)
		return snprintf(err, len, "<%s> never closed", stack[depth - 1]), err;
	return NULL;
}

/*
 * Every href of @html (a page at @path) that is not a fragment: relative, and a file that
 * exists. Returns how many links were checked, -1 with @err filled at the first bad one.
 */
static inline int hc_links(const char *path, const char *html, char *err, size_t len)
{
	char dir[PATH_MAX], target[PATH_MAX * 2];
	const char *p = html, *slash = strrchr(path, '/');
	int n = 0;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	while ((p = strstr(p, "href=\""))) {
		const char *v = p + 6, *end = strchr(v, '"');
		size_t vl = strcspn(v, "\"#");

		p = end ? end : v;
		if (!end || !vl)
			continue;	/* "#anchor" */
		if (memmem(v, vl, "://", 3) || v[0] == '/') {
			snprintf(err, len, "%s: a link that is not relative: %.*s", path, (int)vl, v);
			return -1;
		}
		snprintf(target, sizeof(target), "%s/%.*s", dir, (int)vl, v);
		if (access(target, R_OK)) {
			snprintf(err, len, "%s: a link to nothing: %.*s", path, (int)vl, v);
			return -1;
		}
		n++;
	}
	return n;
}

#endif
