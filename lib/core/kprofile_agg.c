/* Counting samples into a case's profile: symbols (self, children) and folded stacks. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <stdio.h>
#include "core/kprofile_agg.h"
#include "sys/ksyms.h"

const char *const kprofile_kind_names[NR_KPROFILE_KINDS] = { "kernel", "user", "unresolved" };

void kprofile_init(struct kprofile *p, const char *key)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->key, sizeof(p->key), "%s", key);
	p->ok = true;
	p->overhead = json_object();
}

void kprofile_table_free(struct kprofile_table *t)
{
	for (size_t i = 0; i < t->nr; i++)
		free(t->v[i].name);
	free(t->v);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

void kprofile_free(struct kprofile *p)
{
	kprofile_table_free(&p->syms);
	kprofile_table_free(&p->stacks);
	json_decref(p->overhead);
	p->overhead = NULL;
}

static size_t hash(const char *s)
{
	size_t h = 14695981039346656037ull;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static size_t *probe(const struct kprofile_table *t, const char *name)
{
	size_t i = hash(name) & (t->nr_slots - 1);

	while (t->slot[i] && strcmp(t->v[t->slot[i] - 1].name, name))
		i = (i + 1) & (t->nr_slots - 1);
	return &t->slot[i];
}

static int rehash(struct kprofile_table *t)
{
	size_t n = t->nr_slots ? 2 * t->nr_slots : 256;
	size_t *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return -ENOMEM;
	free(t->slot);
	t->slot = slot;
	t->nr_slots = n;
	for (size_t i = 0; i < t->nr; i++)
		*probe(t, t->v[i].name) = i + 1;
	return 0;
}

long kprofile_table_find(const struct kprofile_table *t, const char *name)
{
	size_t *s;

	if (!t->nr_slots)
		return -1;
	s = probe(t, name);
	return *s ? (long)*s - 1 : -1;
}

long kprofile_table_get(struct kprofile_table *t, const char *name, enum kprofile_kind kind)
{
	long i = kprofile_table_find(t, name);
	struct kprofile_entry *e;

	if (i >= 0)
		return i;
	if (2 * (t->nr + 1) > t->nr_slots && rehash(t))
		return -1;
	if (t->nr == t->alloc) {
		size_t n = t->alloc ? 2 * t->alloc : 64;
		struct kprofile_entry *v = realloc(t->v, n * sizeof(*v));

		if (!v)
			return -1;
		t->v = v;
		t->alloc = n;
	}
	e = &t->v[t->nr];
	e->name = strdup(name);
	if (!e->name)
		return -1;
	e->kind = kind;
	e->self = e->children = 0;
	*probe(t, name) = ++t->nr;
	return (long)t->nr - 1;
}

/* "root;..;leaf": the folded form flame graph tools read. */
static void fold(char *buf, size_t len, const struct kprofile_frame *f, int n)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = n - 1; i >= 0 && off < len; i--)
		off += snprintf(buf + off, len - off, "%s%s", off ? ";" : "", f[i].name);
}

int kprofile_add(struct kprofile *p, const struct kprofile_frame *f, int n)
{
	long idx[KPROFILE_MAX_FRAMES];
	char folded[KPROFILE_FOLDED_MAX];
	int nr = 0;

	if (n < 1)
		return -EINVAL;
	if (n > KPROFILE_MAX_FRAMES)
		n = KPROFILE_MAX_FRAMES;
	for (int i = 0; i < n; i++) {
		long k = kprofile_table_get(&p->syms, f[i].name, f[i].kind);
		bool seen = false;

		if (k < 0)
			return -ENOMEM;
		for (int j = 0; j < nr && !seen; j++)
			seen = idx[j] == k;
		/* recursion: a symbol twice in one chain is still one sample in it */
		if (!seen) {
			idx[nr++] = k;
			p->syms.v[k].children++;
		}
	}
	p->syms.v[idx[0]].self++;
	p->samples++;
	p->kernel_samples += f[0].kind == KPROFILE_KERNEL;
	p->user_samples += f[0].kind == KPROFILE_USER;
	p->unresolved_samples += f[0].kind == KPROFILE_UNRESOLVED;
	fold(folded, sizeof(folded), f, n);
	if (kprofile_table_find(&p->stacks, folded) < 0 && p->stacks.nr >= KPROFILE_KEPT_STACKS) {
		p->stacks_dropped++;
		return 0;
	}
	{
		long s = kprofile_table_get(&p->stacks, folded, f[0].kind);

		if (s < 0)
			return -ENOMEM;
		p->stacks.v[s].self++;
	}
	return 0;
}

static bool sort_children;

static int by_count(const void *a, const void *b)
{
	const struct kprofile_entry *x = *(const struct kprofile_entry *const *)a;
	const struct kprofile_entry *y = *(const struct kprofile_entry *const *)b;
	uint64_t kx = sort_children ? x->children : x->self, ky = sort_children ? y->children : y->self;

	if (kx != ky)
		return kx > ky ? -1 : 1;
	if (x->children != y->children)
		return x->children > y->children ? -1 : 1;
	return strcmp(x->name, y->name);
}

const struct kprofile_entry **kprofile_sorted(const struct kprofile_table *t, bool by_children)
{
	const struct kprofile_entry **v = malloc((t->nr + 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < t->nr; i++)
		v[i] = &t->v[i];
	sort_children = by_children;
	qsort(v, t->nr, sizeof(*v), by_count);
	return v;
}

void kprofile_frame_kernel(const struct ksyms *k, uint64_t ip, struct kprofile_frame *f, char *buf, size_t len)
{
	const struct ksym *s = ksyms_find(k, ip);

	if (s) {
		f->name = s->name;
		f->kind = KPROFILE_KERNEL;
		return;
	}
	/* kept as it is, counted apart: never the nearest name */
	snprintf(buf, len, "0x%" PRIx64 " [unresolved kernel]", ip);
	f->name = buf;
	f->kind = KPROFILE_UNRESOLVED;
}

double kprofile_share(const struct kprofile *p, uint64_t count)
{
	return p->samples ? (double)count / (double)p->samples : 0;
}

struct kprofile *kprofile_file_case(struct kprofile_file *f, const char *key)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->cases[i].key, key))
			return &f->cases[i];
	if (f->nr == f->alloc) {
		size_t n = f->alloc ? 2 * f->alloc : 16;
		struct kprofile *v = realloc(f->cases, n * sizeof(*v));

		if (!v)
			return NULL;
		f->cases = v;
		f->alloc = n;
	}
	kprofile_init(&f->cases[f->nr], key);
	return f->cases[f->nr].overhead ? &f->cases[f->nr++] : NULL;
}

const struct kprofile *kprofile_file_find(const struct kprofile_file *f, const char *key)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->cases[i].key, key))
			return &f->cases[i];
	return NULL;
}

void kprofile_file_free(struct kprofile_file *f)
{
	for (size_t i = 0; i < f->nr; i++)
		kprofile_free(&f->cases[i]);
	free(f->cases);
	memset(f, 0, sizeof(*f));
}
