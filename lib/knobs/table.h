/* The knob table: every tunable the suite reads or sets, where it lives, and reading it. */
#ifndef MMBENCH_KNOB_TABLE_H
#define MMBENCH_KNOB_TABLE_H

#include <stdbool.h>
#include <stddef.h>

enum knob_kind {
	KNOB_NUM,	/* a number */
	KNOB_CHOICE,	/* "always [madvise] never": the bracketed word is in force */
};

struct knob_def {
	const char *name;	/* "thp.enabled"; "thp.hugepages-*.enabled" for a family */
	const char *paths[3];	/* tried in order; relative to the sysroot; '*' as in name */
	enum knob_kind kind;
	const char *why;
};

extern const struct knob_def knob_table[];

/* Whether @name is in the table (directly or through a family pattern). */
bool knob_known(const char *name);
/* Whether @name takes a number (else one word of a choice). */
bool knob_numeric(const char *name);
/* Every concrete knob name on this system (families expanded), NULL-terminated, static. */
const char *const *knob_names(void);
/* A choice knob's word in force: "always [madvise] never" -> "madvise"; other text as it is. */
void knob_choice_word(const char *raw, char *buf, size_t len);
/* The path in force for @name, or NULL with errno set. */
const char *knob_path(const char *name, char *buf, size_t len);

/* The value in force (the bracketed word of a choice); -errno, and @why says why. */
int knob_read(const char *name, char *buf, size_t len);
/* The file's whole text, trailing newline stripped. */
int knob_read_raw(const char *name, char *buf, size_t len);

/* For the writers (knobs.c): the entry of @name (@member: what stands for a family's '*'). */
const struct knob_def *knob_lookup(const char *name, char *member, size_t len);
/* The entry and path in force of @name, mounting debugfs if it is there: 0 or -errno. */
int knob_resolve(const char *name, const struct knob_def **def, char *path, size_t len);
/* The value in force from a knob file's whole text. */
void knob_in_force(const struct knob_def *k, const char *raw, char *buf, size_t len);
/* Whether @path (under the sysroot) is on debugfs. */
bool knob_on_debugfs(const char *path);
/* A debugfs this process mounted: unmount it (at exit, on a fatal signal), unless held. */
void knob_unmount_debugfs(void);
/* Whether debugfs was not mounted and we may not mount it (why a knob on it is missing). */
bool knob_debugfs_denied(void);
/* While @held() is true debugfs stays mounted (the journal: knobs on it not yet restored). */
void knob_debugfs_hold(bool (*held)(void));

#endif
