/* Segment seals: key files, key ids and rotation, signing, reading with a ring of keys
 * (version 1 seals too), and every way a seal file can be wrong. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "audit_fixture.h"
#include "runner.h"
#include "seal.h"

static struct seal sample(void)
{
	struct seal s = {.first_seq = 10, .last_seq = 19, .records = 10, .bytes = 5000,
			 .first_time = 1775000000000, .last_time = 1775000009999};

	snprintf(s.segment, sizeof(s.segment), "flows-000000000010-20260331T233320Z.jsonl");
	memset(s.prev, 0xab, sizeof(s.prev));
	memset(s.last, 0xcd, sizeof(s.last));
	return s;
}

static void replace_in_file(const char *path, const char *from, const char *to)
{
	char buf[4096], *p;
	size_t n;
	FILE *fp = fopen(path, "r+");

	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	p = strstr(buf, from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
	rewind(fp);
	CU_ASSERT_EQUAL(fwrite(buf, 1, n, fp), n);
	fclose(fp);
}

static void keygen_files(void)
{
	struct fixture f;
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL(stat(f.key_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL(stat(f.pub_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
	CU_ASSERT_EQUAL(seal_keygen(f.keydir), -EEXIST);     /* never overwrites */
	CU_ASSERT(seal_key_can_sign(f.key));
	CU_ASSERT(!seal_key_can_sign(f.pub));
	fixture_teardown(&f);
}

static void bad_key_files(void)
{
	struct seal_key *k = NULL;
	struct fixture f;
	char path[200];
	FILE *fp;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL(chmod(f.key_path, 0640), 0);
	CU_ASSERT_EQUAL(seal_key_load_private(f.key_path, &k), -EPERM);
	CU_ASSERT_EQUAL(seal_key_load_public(f.key_path, &k), -EINVAL);  /* not a public key */
	CU_ASSERT_EQUAL(seal_key_load_public("/nonexistent/flowlog.pub", &k), -ENOENT);
	snprintf(path, sizeof(path), "%s/garbage.pub", f.dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", fp);
	fclose(fp);
	CU_ASSERT_EQUAL(seal_key_load_public(path, &k), -EINVAL);
	fixture_teardown(&f);
}

static void sign_and_read(void)
{
	struct seal s = sample(), back;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.key), 0);
	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.pub), -EINVAL);   /* a public key cannot sign */
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, RING(f.pub), &back), 0);
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, RING(f.key), &back), 0);
	CU_ASSERT_STRING_EQUAL(back.segment, s.segment);
	CU_ASSERT_EQUAL(back.first_seq, s.first_seq);
	CU_ASSERT_EQUAL(back.last_seq, s.last_seq);
	CU_ASSERT_EQUAL(back.records, s.records);
	CU_ASSERT_EQUAL(back.bytes, s.bytes);
	CU_ASSERT_EQUAL(back.first_time, s.first_time);
	CU_ASSERT_EQUAL(back.last_time, s.last_time);
	CU_ASSERT_EQUAL(memcmp(back.prev, s.prev, sizeof(s.prev)), 0);
	CU_ASSERT_EQUAL(memcmp(back.last, s.last, sizeof(s.last)), 0);
	CU_ASSERT_EQUAL(seal_read(f.dir, "flows-000000000099-20260331T233320Z.jsonl", RING(f.pub), &back),
			-ENOENT);
	fixture_teardown(&f);
}

static void tampered_seals(void)
{
	struct seal s = sample(), back;
	struct fixture f, other;
	char path[200];

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&other), 0);
	snprintf(path, sizeof(path), "%s/%s.sig", f.dir, s.segment);

	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.key), 0);
	/* another key: the seal names its own, which this ring does not hold */
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, RING(other.pub), &back), -ENOKEY);

	replace_in_file(path, "last_seq 19", "last_seq 18");
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, RING(f.pub), &back), -EKEYREJECTED);
	CU_ASSERT_EQUAL(back.last_seq, 18);                   /* parsed all the same */
	/* without a key only the shape is checked */
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, NULL, &back), 0);

	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.key), 0);
	replace_in_file(path, "records 10", "recordz 10");
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, RING(f.pub), &back), -EBADMSG);

	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.key), 0);
	replace_in_file(path, "prev abab", "prev xbab");
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, RING(f.pub), &back), -EBADMSG);
	fixture_teardown(&other);
	fixture_teardown(&f);
}

static void key_ids(void)
{
	char a[2 * SEAL_KEY_ID_LEN + 1], b[2 * SEAL_KEY_ID_LEN + 1], c[2 * SEAL_KEY_ID_LEN + 1];
	struct fixture f, other;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&other), 0);
	seal_key_id(f.key, a);
	seal_key_id(f.pub, b);
	seal_key_id(other.pub, c);
	CU_ASSERT_EQUAL(strlen(a), 2 * SEAL_KEY_ID_LEN);
	CU_ASSERT_STRING_EQUAL(a, b);          /* a pair's halves have one id */
	CU_ASSERT_STRING_NOT_EQUAL(a, c);
	fixture_teardown(&other);
	fixture_teardown(&f);
}

/* A rotation keeps the old public key under its id, replaces the pair, and the ring of
 * the new key and the retired ones checks seals of both. */
static void rotate_keys(void)
{
	char was[2 * SEAL_KEY_ID_LEN + 1], now[2 * SEAL_KEY_ID_LEN + 1], id[2 * SEAL_KEY_ID_LEN + 1];
	char kept[256], dir2[128];
	struct seal s = sample(), back;
	struct seal_keyring ring = {.n = 0};
	struct seal_key *fresh = NULL;
	struct stat st;
	struct fixture f;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.key), 0);           /* signed by the old key */
	/* root rotating the controller user's key: the new pair stays that user's */
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chown(f.key_path, 65534, 65534), 0);
		CU_ASSERT_EQUAL(chown(f.pub_path, 65534, 65534), 0);
	}
	CU_ASSERT_EQUAL_FATAL(seal_key_rotate(f.keydir, was, now), 0);
	if (geteuid() == 0) {
		CU_ASSERT(stat(f.key_path, &st) == 0 && st.st_uid == 65534 && st.st_gid == 65534);
		CU_ASSERT(stat(f.pub_path, &st) == 0 && st.st_uid == 65534);
	}
	seal_key_id(f.pub, id);
	CU_ASSERT_STRING_EQUAL(was, id);
	CU_ASSERT_STRING_NOT_EQUAL(was, now);
	snprintf(kept, sizeof(kept), "%s/flowlog-%s.pub", f.keydir, was);
	CU_ASSERT_EQUAL(stat(kept, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644);
	CU_ASSERT_EQUAL(stat(f.key_path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);
	CU_ASSERT_EQUAL_FATAL(seal_key_load_private(f.key_path, &fresh), 0);
	seal_key_id(fresh, id);
	CU_ASSERT_STRING_EQUAL(id, now);                            /* the old private key is gone */

	/* the new key alone does not hold the old seal's key */
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, RING(fresh), &back), -ENOKEY);
	ring.key[ring.n++] = fresh;
	CU_ASSERT_EQUAL(seal_keyring_load_retired(f.keydir, &ring), 0);
	CU_ASSERT_EQUAL_FATAL(ring.n, 2);
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, &ring, &back), 0);
	CU_ASSERT_EQUAL(back.signer, 1);
	CU_ASSERT(back.has_key_id);
	CU_ASSERT_EQUAL(seal_write(f.dir, &s, fresh), 0);           /* the new key signs */
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, &ring, &back), 0);
	CU_ASSERT_EQUAL(back.signer, 0);

	/* a second rotation: two retired keys */
	CU_ASSERT_EQUAL(seal_key_rotate(f.keydir, NULL, NULL), 0);
	seal_keyring_free(&ring, 1);
	CU_ASSERT_EQUAL(seal_keyring_load_retired(f.keydir, &ring), 0);
	CU_ASSERT_EQUAL(ring.n, 3);
	seal_keyring_free(&ring, 0);

	/* nothing to rotate */
	snprintf(dir2, sizeof(dir2), "%s/empty", f.dir);
	CU_ASSERT_EQUAL(mkdir(dir2, 0700), 0);
	CU_ASSERT_EQUAL(seal_key_rotate(dir2, NULL, NULL), -ENOENT);
	fixture_teardown(&f);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[4096];
	FILE *in = fopen(from, "r"), *out;
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	out = fopen(to, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	n = fread(buf, 1, sizeof(buf), in);
	CU_ASSERT_EQUAL(fwrite(buf, 1, n, out), n);
	fclose(in);
	CU_ASSERT_EQUAL(fclose(out), 0);
	CU_ASSERT_EQUAL(chmod(to, mode), 0);
}

/* A crash between publishing the new public key and moving the new private key in:
 * the old key still signs (its public key kept), and rotating again finishes the
 * rotation with the waiting key instead of making a third. */
static void rotation_interrupted(void)
{
	char was[2 * SEAL_KEY_ID_LEN + 1], now[2 * SEAL_KEY_ID_LEN + 1];
	char a[2 * SEAL_KEY_ID_LEN + 1], b[2 * SEAL_KEY_ID_LEN + 1], id[2 * SEAL_KEY_ID_LEN + 1];
	char path[256];
	struct seal_key *k = NULL;
	struct fixture f, next;
	struct stat st;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&next), 0);
	seal_key_id(f.key, a);
	seal_key_id(next.key, b);
	/* the state such a crash leaves: flowlog.key old, flowlog.pub new, the new
	 * private key waiting beside it */
	snprintf(path, sizeof(path), "%s.new", f.key_path);
	copy_file(next.key_path, path, 0600);
	copy_file(next.pub_path, f.pub_path, 0644);
	CU_ASSERT_EQUAL_FATAL(seal_key_rotate(f.keydir, was, now), 0);
	CU_ASSERT_STRING_EQUAL(was, a);
	CU_ASSERT_STRING_EQUAL(now, b);
	CU_ASSERT_EQUAL_FATAL(seal_key_load_private(f.key_path, &k), 0);
	seal_key_id(k, id);
	CU_ASSERT_STRING_EQUAL(id, b);
	seal_key_free(k);
	CU_ASSERT_NOT_EQUAL(stat(path, &st), 0);                  /* nothing left waiting */
	snprintf(path, sizeof(path), "%s/flowlog-%s.pub", f.keydir, a);
	CU_ASSERT_EQUAL_FATAL(seal_key_load_public(path, &k), 0);  /* made from the old key */
	seal_key_id(k, id);
	CU_ASSERT_STRING_EQUAL(id, a);
	seal_key_free(k);
	fixture_teardown(&next);
	fixture_teardown(&f);
}

/* A version 1 seal (no key line), as the first releases wrote them, signed here with
 * OpenSSL directly: any key of the ring may have made it. */
static void version_1_seal(void)
{
	static const char body[] =
		"bunri-flowlog-seal 1\n"
		"segment flows-000000000010-20260331T233320Z.jsonl\n"
		"first_seq 10\nlast_seq 19\nrecords 10\nbytes 5000\n"
		"first_time 2026-03-31T23:33:20.000Z\nlast_time 2026-03-31T23:33:29.999Z\n"
		"prev abababababababababababababababababababababababababababababababab\n"
		"last cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\n";
	struct seal_keyring ring = {.n = 0};
	uint8_t sig[64];
	size_t siglen = sizeof(sig);
	struct fixture f, other;
	struct seal back;
	char path[256];
	EVP_PKEY *pkey;
	EVP_MD_CTX *md;
	FILE *fp;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&other), 0);
	fp = fopen(f.key_path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pkey);
	md = EVP_MD_CTX_new();
	CU_ASSERT_EQUAL_FATAL(EVP_DigestSignInit(md, NULL, NULL, NULL, pkey), 1);
	CU_ASSERT_EQUAL_FATAL(EVP_DigestSign(md, sig, &siglen, (const unsigned char *)body,
					     sizeof(body) - 1), 1);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	snprintf(path, sizeof(path), "%s/flows-000000000010-20260331T233320Z.jsonl.sig", f.dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs(body, fp);
	fputs("signature ", fp);
	for (size_t i = 0; i < siglen; i++)
		fprintf(fp, "%02x", sig[i]);
	fputs("\n", fp);
	fclose(fp);

	ring.key[ring.n++] = other.pub;
	CU_ASSERT_EQUAL(seal_read(f.dir, "flows-000000000010-20260331T233320Z.jsonl", &ring,
				  &back), -EKEYREJECTED);
	ring.key[ring.n++] = f.pub;
	CU_ASSERT_EQUAL(seal_read(f.dir, "flows-000000000010-20260331T233320Z.jsonl", &ring,
				  &back), 0);
	CU_ASSERT_EQUAL(back.signer, 1);
	CU_ASSERT(!back.has_key_id);
	CU_ASSERT_EQUAL(back.last_seq, 19);
	fixture_teardown(&other);
	fixture_teardown(&f);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "keygen files", keygen_files },
		{ "bad key files", bad_key_files },
		{ "sign and read", sign_and_read },
		{ "tampered seals", tampered_seals },
		{ "key ids", key_ids },
		{ "key rotation and rings", rotate_keys },
		{ "an interrupted rotation is finished", rotation_interrupted },
		{ "version 1 seals", version_1_seal },
		{ NULL, NULL },
	};
	return test_run("seal", cases);
}
