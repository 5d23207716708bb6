/* SHA-256 as hex, for digests of kernel configs in the manifest: nettle's, not one of our own. */
#ifndef MMBENCH_SHA256_H
#define MMBENCH_SHA256_H

#include <stddef.h>

/*
 * The digest of @data as 64 lowercase hex digits. Code that hashes in pieces uses nettle's
 * struct sha256_ctx (<nettle/sha2.h>) itself: a wrapper would add nothing.
 */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
