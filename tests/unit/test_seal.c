/* Segment seals: key files, signing, and every way a seal file can be wrong. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, f.pub, &back), 0);
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, f.key, &back), 0);
	CU_ASSERT_STRING_EQUAL(back.segment, s.segment);
	CU_ASSERT_EQUAL(back.first_seq, s.first_seq);
	CU_ASSERT_EQUAL(back.last_seq, s.last_seq);
	CU_ASSERT_EQUAL(back.records, s.records);
	CU_ASSERT_EQUAL(back.bytes, s.bytes);
	CU_ASSERT_EQUAL(back.first_time, s.first_time);
	CU_ASSERT_EQUAL(back.last_time, s.last_time);
	CU_ASSERT_EQUAL(memcmp(back.prev, s.prev, sizeof(s.prev)), 0);
	CU_ASSERT_EQUAL(memcmp(back.last, s.last, sizeof(s.last)), 0);
	CU_ASSERT_EQUAL(seal_read(f.dir, "flows-000000000099-20260331T233320Z.jsonl", f.pub, &back),
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
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, other.pub, &back), -EKEYREJECTED);

	replace_in_file(path, "last_seq 19", "last_seq 18");
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, f.pub, &back), -EKEYREJECTED);
	CU_ASSERT_EQUAL(back.last_seq, 18);                   /* parsed all the same */
	/* without a key only the shape is checked */
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, NULL, &back), 0);

	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.key), 0);
	replace_in_file(path, "records 10", "recordz 10");
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, f.pub, &back), -EBADMSG);

	CU_ASSERT_EQUAL(seal_write(f.dir, &s, f.key), 0);
	replace_in_file(path, "prev abab", "prev xbab");
	CU_ASSERT_EQUAL(seal_read(f.dir, s.segment, f.pub, &back), -EBADMSG);
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
		{ NULL, NULL },
	};
	return test_run("seal", cases);
}
