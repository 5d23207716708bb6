/* SHA-256 as hex by nettle's sha2 (nettle-dev), a library that is kept rather than our own. */
#include <stdio.h>
#include <nettle/sha2.h>
#include "sys/sha256.h"

void sha256_hex(const void *data, size_t len, char hex[65])
{
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}
