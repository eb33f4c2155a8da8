/* libFuzzer: arbitrary bytes as a serialized compiled policy, as the dataplane would
 * receive them over its control socket. The trailer hash is recomputed over the input,
 * so the fuzzer reaches the parser behind it instead of stopping at the checksum. */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpolicy *cp = NULL;
	uint8_t *copy;

	if (size < CPOLICY_DIGEST_LEN)
		return 0;
	copy = malloc(size);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	if (!EVP_Digest(copy, size - CPOLICY_DIGEST_LEN, copy + size - CPOLICY_DIGEST_LEN, NULL,
			EVP_sha256(), NULL))
		abort();
	if (cpolicy_deserialize(copy, size, &cp) == 0) {
		uint8_t *buf = NULL;
		size_t len = 0;

		/* Whatever was accepted must survive being written again, byte for byte. */
		if (cpolicy_serialize(cp, &buf, &len) != 0 || len != size ||
		    memcmp(buf, copy, len) != 0)
			abort();
		free(buf);
		cpolicy_free(cp);
	}
	free(copy);
	return 0;
}
