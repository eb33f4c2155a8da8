/* Shared by the flow-log unit tests: a scratch directory with a fresh Ed25519 key, and
 * records to write. */
#ifndef BUNRI_AUDIT_FIXTURE_H
#define BUNRI_AUDIT_FIXTURE_H

#include <stdint.h>

#include "flowrec.h"
#include "seal.h"

struct fixture {
	char dir[64];            /* /tmp/bunri-test.XXXXXX */
	char keydir[96];
	char key_path[128], pub_path[128];
	struct seal_key *key;    /* private */
	struct seal_key *pub;
};

/* A ring of the one key k, for seal_read() and audit_verify(). */
#define RING(k) (&(struct seal_keyring){.key = {(k)}, .n = 1})

/* 0, or -errno; the test should CU_ASSERT_FATAL on it. */
int fixture_setup(struct fixture *f);
void fixture_teardown(struct fixture *f);
/* Record i of a varied, reproducible series that ends at end_ms. */
void fixture_record(uint64_t i, int64_t end_ms, struct flowrec *r);
/* Lines in all segment files of <dir>/flows whose text contains needle. */
int fixture_count_lines(const char *dir, const char *needle);

#endif
