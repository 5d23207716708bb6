/* Text wrapped at word boundaries for 80-column reports (report, compare, its summary). */
#ifndef MMBENCH_WRAP_H
#define MMBENCH_WRAP_H

#include <stdbool.h>
#include <stdio.h>

#define WRAP_WIDTH	78

/* Items joined by a separator, wrapped at WRAP_WIDTH, continuation lines indented. */
struct wrap {
	FILE *f;
	int col;
	int indent;
	bool first;
};

/* Print @lead; continuation lines start @indent columns in. */
void wrap_start(struct wrap *w, FILE *f, const char *lead, int indent);
/* @item after @sep (none before the first of a line); a ", " separator keeps its comma at a break. */
void wrap_item(struct wrap *w, const char *sep, const char *item);
void wrap_end(struct wrap *w);
/* @lead, then the space-separated words of @text, wrapped; ends the line. */
void wrap_words(FILE *f, const char *lead, int indent, const char *text);

#endif
