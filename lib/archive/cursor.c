/*
 * The rows a reader asks, of either engine: ROOT/index.sqlite, or a shared archive's index in
 * PostgreSQL (pg_read.c), by the same statement (db.c), so both answer the same question.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "archive/internal.h"

int ar_query(struct archive *a, enum ar_stmt id, const struct ar_arg *args, int nargs,
	     struct ar_cursor *c)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	if (!a->pg) {
		c->st = ar_stmt(a, id);
		if (!c->st)
			return -EIO;
		for (int i = 0; i < nargs; i++)
			if (args[i].is_int)
				sqlite3_bind_int64(c->st, i + 1, args[i].i);
			else
				ar_bind_text(c->st, i + 1, args[i].s);
		return 0;
	}
	c->r = pg_read(a, id, args, nargs);
	if (!c->r)
		return -EIO;
	c->nr = PQntuples(c->r);
	c->row = -1;
	return 0;
}

int ar_next(struct ar_cursor *c)
{
	int rc;

	if (c->r)
		return ++c->row < c->nr;
	rc = sqlite3_step(c->st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : ar_fail(c->a, "reading");
}

void ar_query_end(struct ar_cursor *c)
{
	if (c->st)
		sqlite3_reset(c->st);
	PQclear(c->r);
	c->st = NULL;
	c->r = NULL;
}

const char *ar_text(const struct ar_cursor *c, int i)
{
	if (c->r)
		return PQgetisnull(c->r, c->row, i) ? NULL : PQgetvalue(c->r, c->row, i);
	return (const char *)sqlite3_column_text(c->st, i);
}

int64_t ar_int(const struct ar_cursor *c, int i)
{
	const char *s;

	if (!c->r)
		return sqlite3_column_int64(c->st, i);
	s = ar_text(c, i);
	/* a boolean of PostgreSQL's (IS NOT NULL) as SQLite's 0 or 1 */
	return !s ? 0 : !strcmp(s, "t") ? 1 : strtoll(s, NULL, 10);
}

double ar_real(const struct ar_cursor *c, int i)
{
	const char *s;

	if (!c->r)
		return sqlite3_column_type(c->st, i) == SQLITE_NULL ? NAN :
		       sqlite3_column_double(c->st, i);
	s = ar_text(c, i);
	/* PostgreSQL writes the shortest text that reads back as the same double */
	return s ? strtod(s, NULL) : NAN;
}

void *ar_blob(const struct ar_cursor *c, int i, size_t *len)
{
	unsigned char *raw = NULL;
	const void *p = NULL;
	void *out;

	*len = 0;
	if (c->r) {
		if (!PQgetisnull(c->r, c->row, i))
			raw = PQunescapeBytea((const unsigned char *)PQgetvalue(c->r, c->row, i),
					      len);
		p = raw;
	} else {
		p = sqlite3_column_blob(c->st, i);
		*len = (size_t)sqlite3_column_bytes(c->st, i);
	}
	out = malloc(*len + 1);
	if (out && *len)
		memcpy(out, p, *len);
	if (!out)
		*len = 0;
	PQfreemem(raw);
	return out;
}
