/* HTML's pieces every page shares: escaping, a printf that escapes its strings, the page's frame and style, verdict cells. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "report/html.h"

/* Bytes of the UTF-8 sequence at @s (1 to 4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
		   (s[0] & 0xf8) == 0xf0 ? 4 : 0;

	/* overlong two-byte forms (0xc0, 0xc1) and beyond U+10FFFF are not text */
	if (s[0] == 0xc0 || s[0] == 0xc1 || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* @s cut to at most @max bytes (SIZE_MAX: whole), never inside a character. */
static void text_n(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t done = 0;

	while (*p && done < max) {
		size_t n = utf8_len(p);

		if (!n) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD: a page must be valid UTF-8 */
			p++;
			done++;
			continue;
		}
		if (done + n > max)
			break;
		done += n;
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			/* control characters have no business in a page (the reader refuses them too) */
			if (n == 1 && *p < 0x20 && *p != '\n' && *p != '\t')
				fputs("\xef\xbf\xbd", f);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

void html_text(FILE *f, const char *s)
{
	text_n(f, s ? s : "-", SIZE_MAX);
}

/* One conversion @spec (without its length letters) of a number argument, printed as C would. */
static void number(FILE *f, const char *spec, char len, char conv, va_list *ap)
{
	char out[512];

	if (strchr("fgeEG", conv))
		snprintf(out, sizeof(out), spec, va_arg(*ap, double));
	else if (conv == 'c')
		snprintf(out, sizeof(out), spec, va_arg(*ap, int));
	else if (strchr("di", conv))
		snprintf(out, sizeof(out), spec, len == 'z' ? (long)va_arg(*ap, ssize_t) :
			 len == 'l' ? va_arg(*ap, long) : (long)va_arg(*ap, int));
	else
		snprintf(out, sizeof(out), spec, len == 'z' ? (unsigned long)va_arg(*ap, size_t) :
			 len == 'l' ? va_arg(*ap, unsigned long) :
			 (unsigned long)va_arg(*ap, unsigned int));
	html_text(f, out);
}

void html_vprintf(FILE *f, const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		const char *pc = strchr(fmt, '%'), *p;
		char spec[32], len = 0;
		size_t flags;

		if (!pc) {
			fputs(fmt, f);
			break;
		}
		fwrite(fmt, 1, pc - fmt, f);
		flags = strspn(pc + 1, "-+ #0123456789.");
		p = pc + 1 + flags;
		if (*p == 'z' || *p == 'l')
			len = *p++;
		if (*p == '%') {
			fputc('%', f);
		} else if (*p == 's') {
			const char *dot = memchr(pc + 1, '.', flags);

			text_n(f, va_arg(aq, const char *) ?: "-", dot ? strtoul(dot + 1, NULL, 10) :
			       SIZE_MAX);
		} else if (*p && strchr("diuxcfgeEG", *p) && flags < 16) {
			/* every integer goes to snprintf as long, whatever the caller's length */
			snprintf(spec, sizeof(spec), "%%%.*s%s%c", (int)flags, pc + 1,
				 strchr("diux", *p) ? "l" : "", *p);
			number(f, spec, len, *p, &aq);
		} else {
			fputc('?', f);	/* a format this printf does not know: visible, not undefined */
		}
		if (!*p)
			break;
		fmt = p + 1;
	}
	va_end(aq);
}

void html_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	html_vprintf(f, fmt, ap);
	va_end(ap);
}

/* System fonts only: a page must not fetch anything. Only better and worse carry colour. */
static const char style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"margin:1.5em auto;max-width:72em;padding:0 1em;color:#1a1a1a;background:#fff;"
	"line-height:1.4}\n"
	"h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}"
	"h3{font-size:1.05em}\n"
	"table{border-collapse:collapse;margin:.5em 0 1em}"
	"th,td{border:1px solid #d0d0d0;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	".better{background:#d8f0d8;color:#0b5d1e;font-weight:bold}"
	".worse{background:#f8d7d5;color:#8a1010;font-weight:bold}"
	".inconclusive{color:#777}.same,.na,.info{color:#333}\n"
	".note{border-left:4px solid #999;padding:.3em .8em;background:#f7f7f7;margin:.6em 0}"
	".warn{border-left-color:#c60}\n"
	".tcg{background:#ffe9b3;padding:0 .3em;border-radius:3px;font-size:.85em}"
	"pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em}"
	"nav a{margin-right:1em}svg{display:block;margin:.5em 0 1.5em;max-width:100%;height:auto}"
	"code{font-size:.9em}\n"
	"svg text{font-family:inherit;fill:#1a1a1a}"
	"svg .grid{stroke:#e4e4e4}svg .axis{stroke:#555}"
	"svg .cp{stroke:#c60;stroke-dasharray:4 3}\n";

void html_head(FILE *f, const char *title, const char *canonical)
{
	html_printf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>%s</title>\n", title);
	if (canonical)
		html_printf(f, "<link rel=\"canonical\" href=\"%s\">\n", canonical);
	fprintf(f, "<style>\n%s</style>\n</head>\n<body>\n", style);
}

void html_foot(FILE *f)
{
	fputs("</body>\n</html>\n", f);
}

const char *html_verdict_class(enum verdict v)
{
	switch (v) {
	case VERDICT_BETTER: return "better";
	case VERDICT_WORSE: return "worse";
	case VERDICT_INCONCLUSIVE: return "inconclusive";
	case VERDICT_SAME: return "same";
	case VERDICT_INFO: return "info";
	default: return "na";
	}
}

const char *html_pct(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (fabs(v) < 0.1)
		snprintf(buf, len, "%.1f%%", v * 100);
	else
		snprintf(buf, len, "%.0f%%", v * 100);
	return buf;
}

const char *html_ratio_text(const struct vresult *r, char *buf, size_t len)
{
	if (isinf(r->ratio))
		snprintf(buf, len, "from 0");
	else if (r->linear && r->ratio == 0)
		snprintf(buf, len, "to 0");
	else if (isnan(r->ratio))
		snprintf(buf, len, "-");
	else if (isnan(r->lo) || isnan(r->hi))
		snprintf(buf, len, "%.3f", r->ratio);
	else
		snprintf(buf, len, r->ratio < 10 ? "%.3f [%.3f, %.3f]" : "%.4g [%.4g, %.4g]",
			 r->ratio, r->lo, r->hi);
	return buf;
}

void html_verdict_cell(FILE *f, const struct vresult *r)
{
	char mde[16];

	html_printf(f, "<td class=\"%s\" title=\"%s\">%s", html_verdict_class(r->v), r->why,
		    verdict_name(r->v));
	/* inconclusive says what it could have seen: the change it would have needed */
	if (r->v == VERDICT_INCONCLUSIVE && isfinite(r->mde))
		html_printf(f, " (mde %s)", html_pct(r->mde, mde, sizeof(mde)));
	fputs("</td>", f);
}
