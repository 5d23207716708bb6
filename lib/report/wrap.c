/* Text wrapped at word boundaries for 80-column reports. */
#include <stdlib.h>
#include <string.h>

#include "report/wrap.h"

void wrap_start(struct wrap *w, FILE *f, const char *lead, int indent)
{
	w->f = f;
	w->indent = indent;
	w->col = fprintf(f, "%s", lead);
	w->first = true;
}

void wrap_item(struct wrap *w, const char *sep, const char *item)
{
	int len = strlen(item) + (w->first ? 0 : strlen(sep));

	if (!w->first && w->col + len > WRAP_WIDTH) {
		fprintf(w->f, "%s\n%*s", sep[0] == ' ' ? "" : ",", w->indent, "");
		w->col = w->indent;
		w->first = true;
	}
	w->col += fprintf(w->f, "%s%s", w->first ? "" : sep, item);
	w->first = false;
}

void wrap_end(struct wrap *w)
{
	if (w->col)
		fputc('\n', w->f);
}

void wrap_words(FILE *f, const char *lead, int indent, const char *text)
{
	char *copy = strdup(text), *save = NULL, *word;
	struct wrap w;

	wrap_start(&w, f, lead, indent);
	for (word = copy ? strtok_r(copy, " ", &save) : NULL; word; word = strtok_r(NULL, " ", &save))
		wrap_item(&w, " ", word);
	wrap_end(&w);
	free(copy);
}
