/* libFuzzer: arbitrary bytes as a segment's seal file (<segment>.sig), as verify, export
 * and the writer's recovery read them from a log directory an intruder may have edited:
 * the seal parser, with a ring of keys and without. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seal.h"

#define SEGMENT "flows-000000000001-20260601T000000Z.jsonl"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[128];
static struct seal_keyring ring;

/* A scratch directory with a key pair, once per process; removed at exit. */
static void cleanup(void)
{
	char f[128];

	unlink(path);
	snprintf(f, sizeof(f), "%s/keys/%s", dir, SEAL_KEY_FILE);
	unlink(f);
	snprintf(f, sizeof(f), "%s/keys/%s", dir, SEAL_PUB_FILE);
	unlink(f);
	snprintf(f, sizeof(f), "%s/keys", dir);
	rmdir(f);
	rmdir(dir);
	seal_keyring_free(&ring, 0);
}

static void setup(void)
{
	char keys[96], pub[128];

	snprintf(dir, sizeof(dir), "/tmp/bunri-fuzz-seal.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(keys, sizeof(keys), "%s/keys", dir);
	snprintf(pub, sizeof(pub), "%s/%s", keys, SEAL_PUB_FILE);
	snprintf(path, sizeof(path), "%s/%s.sig", dir, SEGMENT);
	if (seal_keygen(keys) || seal_key_load_public(pub, &ring.key[0]))
		abort();
	ring.n = 1;
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seal s;
	int fd, rc;

	if (!dir[0])
		setup();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	rc = seal_read(dir, SEGMENT, &ring, &s);
	/* a random signature never verifies; a seal that parses names its segment */
	if (rc == 0 || (rc == -EKEYREJECTED && s.signer != -1))
		abort();
	rc = seal_read(dir, SEGMENT, NULL, &s);
	if (rc == 0 && (s.segment[sizeof(s.segment) - 1] != '\0' || s.signer != -1))
		abort();
	return 0;
}
