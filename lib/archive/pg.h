/* The shared archive of a lab in PostgreSQL: runs pushed whole (files and all), pulled back. */
#ifndef MMBENCH_ARCHIVE_PG_H
#define MMBENCH_ARCHIVE_PG_H

#include "archive/archive.h"

struct archive_push_tally {
	struct archive_tally local;	/* push: the local index brought up to date first */
	size_t sent;			/* runs written (push: to the database; pull: here) */
	size_t already;			/* runs there already as they are */
};

/*
 * Every whole run under @root into the database at @url (a libpq URL or conninfo), each in
 * its own transaction; a run there already is not sent again. 0; -ECONNREFUSED when it does
 * not answer, -EPROTO when its schema is not ours, -EIO: one line said each time.
 */
int archive_push(const char *root, const char *url, struct archive_push_tally *t);
/* Every run of the database at @url as a run directory under @root, those pulled before kept; @who says. */
int archive_pull(const char *who, const char *url, const char *root, struct archive_push_tally *t);

#endif
