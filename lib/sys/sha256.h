/* SHA-256 (FIPS 180-4), for digests of kernel configs in the manifest; no crypto library needed. */
#ifndef MMBENCH_SHA256_H
#define MMBENCH_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[32]);
/* The digest of @data as 64 lowercase hex digits. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
