/* Parsing of sizes, numbers and bench options given as text (defaults and user input alike). */
#ifndef MMBENCH_OPTIONS_H
#define MMBENCH_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include "core/bench.h"

/* "64M", "1G", "4096", "2k": bytes; -EINVAL on anything else, -ERANGE on overflow. */
int parse_size(const char *s, uint64_t *out);
/* A plain unsigned decimal number; -EINVAL / -ERANGE. */
int parse_u64(const char *s, uint64_t *out);
/* "1073741824" -> "1G", exact multiples only ("1536K" stays in K). */
void format_size(uint64_t bytes, char *buf, size_t len);

/* Option values of one bench for one run: the profile's defaults, then what the user set. */
struct opt_values *opt_values_new(const struct bench *b, enum profile p);
void opt_values_free(struct opt_values *v);
/* Set option @name from text; on bad input -EINVAL (-ENOENT: no such option) and a one-line @err. */
int opt_values_set(struct opt_values *v, const char *name, const char *value, char *err, size_t len);
/* Check every value (defaults included) against its type and range; -EINVAL and @err. */
int opt_values_validate(const struct opt_values *v, char *err, size_t len);
/*
 * Every (validated) value into the bench's options struct @dst (struct bench .opts_size
 * bytes) at its OPT_AT() member; -EINVAL and @err when the table and struct disagree.
 */
int opt_values_fill(const struct opt_values *v, void *dst, char *err, size_t len);
/* Bytes an option of @type takes in an options struct. */
size_t opt_storage_size(enum opt_type type);
/* Length of "a|b|c" without a trailing '|' (CHOICE_WORD lists end with one). */
int choices_len(const char *choices);
/* name=value pairs of every option, for the results' params. */
int opt_values_count(const struct opt_values *v);
const char *opt_values_name(const struct opt_values *v, int i);
const char *opt_values_text(const struct opt_values *v, int i);

#endif
