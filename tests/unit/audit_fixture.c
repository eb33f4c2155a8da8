#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_fixture.h"

int fixture_setup(struct fixture *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/bunri-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -errno;
	snprintf(f->keydir, sizeof(f->keydir), "%s/keys", f->dir);
	snprintf(f->key_path, sizeof(f->key_path), "%s/%s", f->keydir, SEAL_KEY_FILE);
	snprintf(f->pub_path, sizeof(f->pub_path), "%s/%s", f->keydir, SEAL_PUB_FILE);
	rc = seal_keygen(f->keydir);
	if (!rc)
		rc = seal_key_load_private(f->key_path, &f->key);
	if (!rc)
		rc = seal_key_load_public(f->pub_path, &f->pub);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fixture_teardown(struct fixture *f)
{
	seal_key_free(f->key);
	seal_key_free(f->pub);
	if (f->dir[0])
		nftw(f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fixture_record(uint64_t i, int64_t end_ms, struct flowrec *r)
{
	memset(r, 0, sizeof(*r));
	r->type = i % 5 == 4 ? FLOWREC_DENY : FLOWREC_FLOW;
	r->start_ms = end_ms - 2000;
	r->end_ms = end_ms;
	r->from_zone = (uint8_t)(i % 3);
	r->to_zone = (uint8_t)((i + 1) % 3);
	r->proto = 6;
	r->src = 0x0a000001u + (uint32_t)i;
	r->dst = 0xc0a80001u;
	r->sport = (uint16_t)(40000 + i);
	r->dport = 443;
	r->src_mac[0] = 0x02;
	r->src_mac[5] = (uint8_t)(i + 1);
	if (r->type == FLOWREC_FLOW) {
		snprintf(r->flow, sizeof(r->flow), "flow-%u", (unsigned)(i % 3));
		r->packets_out = i + 1;
		r->packets_in = i + 2;
		r->bytes_out = 100 * (i + 1);
		r->bytes_in = 200 * (i + 1);
		r->tcp_flags = 0x1b;
		r->end_reason = FLOWREC_END_FIN;
	} else {
		snprintf(r->reason, sizeof(r->reason), "no-rule");
		r->count = i + 1;
		r->bytes_out = 60 * (i + 1);
		/* every other deny record a source's summary past the rate */
		r->scope = i % 10 == 4 ? FLOWREC_SCOPE_TUPLE : FLOWREC_SCOPE_SOURCE;
		r->srcs = 1;
		r->dsts = r->scope == FLOWREC_SCOPE_TUPLE ? 1 : (uint32_t)(i % 7 + 1);
		r->dports = r->scope == FLOWREC_SCOPE_TUPLE ? 1 : (uint32_t)(i + 1);
	}
}

int fixture_count_lines(const char *dir, const char *needle)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "cat %s/flows/*.jsonl | grep -c -F -e '%s'", dir, needle);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%d", &n) != 1)
		n = -1;
	pclose(p);
	return n;
}
