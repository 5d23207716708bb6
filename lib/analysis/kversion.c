/* Kernel release strings in version order, for a trend across kernels. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/kversion.h"

void kversion_parse(const char *release, struct kversion *v)
{
	const char *p = release;
	char *end;
	int n = 0;

	memset(v, 0, sizeof(*v));
	v->rc = -1;
	v->rest = release;
	while (n < KVERSION_PARTS && isdigit((unsigned char)*p)) {
		v->part[n++] = strtoul(p, &end, 10);
		p = end;
		if (*p != '.' || !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	v->ok = n >= 2;
	if (!v->ok)
		return;
	if (!strncmp(p, "-rc", 3) && isdigit((unsigned char)p[3])) {
		v->rc = strtol(p + 3, &end, 10);
		p = end;
	}
	v->rest = p;
}

/* strverscmp() without its leading-zero rules: runs of digits compare as numbers. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

int kversion_cmp(const char *a, const char *b)
{
	struct kversion va, vb;

	kversion_parse(a, &va);
	kversion_parse(b, &vb);
	if (!va.ok || !vb.ok)
		return va.ok == vb.ok ? strcmp(a, b) : va.ok ? -1 : 1;
	for (int i = 0; i < KVERSION_PARTS; i++)
		if (va.part[i] != vb.part[i])
			return va.part[i] < vb.part[i] ? -1 : 1;
	/* a release candidate comes before its release */
	if (va.rc != vb.rc) {
		if (va.rc < 0 || vb.rc < 0)
			return va.rc < 0 ? 1 : -1;
		return va.rc < vb.rc ? -1 : 1;
	}
	return natural_cmp(va.rest, vb.rest);
}
