/* Kernel symbols from a kallsyms file, sorted once, found by binary search. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sys/ksyms.h"

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	/* aliases at one address sort by name, so a lookup names the same one on every load */
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool is_text(char type)
{
	return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* One line "ffffffff81000000 T _text" or "ffffffffc0000000 t fn\t[mod]"; 1 when taken. */
static int parse_line(char *line, struct ksym *s)
{
	char type, name[256], mod[64] = "";
	uint64_t addr;
	int n = sscanf(line, "%" SCNx64 " %c %255s %63s", &addr, &type, name, mod);

	if (n < 3)
		return 0;
	s->addr = addr;
	s->type = type;
	if (mod[0])
		s->name = malloc(strlen(name) + strlen(mod) + 2);
	else
		s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	if (mod[0])
		sprintf(s->name, "%s %s", name, mod);
	return 1;
}

static int grow(struct ksyms *k, size_t *alloc)
{
	size_t n = *alloc ? 2 * *alloc : 4096;
	struct ksym *v = realloc(k->v, n * sizeof(*v));

	if (!v)
		return -ENOMEM;
	k->v = v;
	*alloc = n;
	return 0;
}

static int read_all(struct ksyms *k, FILE *f, size_t *nonzero)
{
	size_t alloc = 0;
	char line[512];
	int r = 0;

	while (fgets(line, sizeof(line), f)) {
		if (k->nr == alloc && (r = grow(k, &alloc)))
			break;
		r = parse_line(line, &k->v[k->nr]);
		if (r < 0)
			break;
		if (r) {
			*nonzero += k->v[k->nr].addr != 0;
			k->nr_text += is_text(k->v[k->nr].type);
			k->nr++;
		}
		r = 0;
	}
	return r;
}

int ksyms_load(struct ksyms *k, const char *path, char *why, size_t len)
{
	size_t nonzero = 0;
	FILE *f = fopen(path, "re");
	int r;

	memset(k, 0, sizeof(*k));
	if (!f) {
		r = -errno;
		if (why)
			snprintf(why, len, "%s: %s", path, strerror(-r));
		return r;
	}
	r = read_all(k, f, &nonzero);
	fclose(f);
	if (!r && !k->nr_text)
		r = -EINVAL;
	else if (!r && !nonzero)
		r = -EPERM;
	if (r) {
		if (why && r == -EPERM)
			snprintf(why, len, "%s: every address reads 0 (kptr_restrict hides them)", path);
		else if (why)
			snprintf(why, len, "%s: %s", path, r == -EINVAL ? "no text symbols" : strerror(-r));
		ksyms_free(k);
		return r;
	}
	qsort(k->v, k->nr, sizeof(*k->v), by_addr);
	return 0;
}

const struct ksym *ksyms_find(const struct ksyms *k, uint64_t addr)
{
	size_t lo = 0, hi = k->nr;

	/* the first symbol above @addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || lo == k->nr)
		return NULL;
	return is_text(k->v[lo - 1].type) ? &k->v[lo - 1] : NULL;
}

void ksyms_free(struct ksyms *k)
{
	for (size_t i = 0; i < k->nr; i++)
		free(k->v[i].name);
	free(k->v);
	memset(k, 0, sizeof(*k));
}
