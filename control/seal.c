#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "flowrec.h"
#include "seal.h"

#define SIG_LEN 64
#define SEAL_MAX 2048
#define SEAL_MAGIC "bunri-flowlog-seal 1\n"

struct seal_key {
	EVP_PKEY *pkey;
	bool private;
};

void seal_key_free(struct seal_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

bool seal_key_can_sign(const struct seal_key *k)
{
	return k->private;
}

static int write_pem(const char *path, mode_t mode, EVP_PKEY *pkey, bool private)
{
	int fd, rc = 0, ok;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto err_open;
	}
	ok = private ? PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL)
		     : PEM_write_PUBKEY(f, pkey);
	if (!ok)
		rc = -EIO;
	if (fflush(f) || fsync(fileno(f)))
		rc = rc ? rc : -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (rc)
		goto err_open;
	return 0;

err_open:
	unlink(path);
	return rc;
}

int seal_keygen(const char *dir)
{
	char priv[4096], pub[4096];
	struct stat st;
	EVP_PKEY *pkey;
	int rc;

	if ((size_t)snprintf(priv, sizeof(priv), "%s/%s", dir, SEAL_KEY_FILE) >= sizeof(priv) ||
	    (size_t)snprintf(pub, sizeof(pub), "%s/%s", dir, SEAL_PUB_FILE) >= sizeof(pub))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(priv, &st) == 0 || stat(pub, &st) == 0)
		return -EEXIST;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey)
		return -EIO;
	rc = write_pem(priv, 0600, pkey, true);
	if (rc)
		goto err_key;
	rc = write_pem(pub, 0644, pkey, false);
	if (rc)
		goto err_priv;
	EVP_PKEY_free(pkey);
	return 0;

err_priv:
	unlink(priv);
err_key:
	EVP_PKEY_free(pkey);
	return rc;
}

static int load(const char *path, bool private, struct seal_key **out)
{
	struct seal_key *k;
	struct stat st;
	FILE *f;
	int rc;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (private && (fstat(fileno(f), &st) || (st.st_mode & 077))) {
		rc = -EPERM;
		goto err_file;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		rc = -ENOMEM;
		goto err_file;
	}
	k->private = private;
	k->pkey = private ? PEM_read_PrivateKey(f, NULL, NULL, NULL)
			  : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!k->pkey || !EVP_PKEY_is_a(k->pkey, "ED25519")) {
		rc = -EINVAL;
		goto err_key;
	}
	fclose(f);
	*out = k;
	return 0;

err_key:
	seal_key_free(k);
err_file:
	fclose(f);
	return rc;
}

int seal_key_load_private(const char *path, struct seal_key **out)
{
	return load(path, true, out);
}

int seal_key_load_public(const char *path, struct seal_key **out)
{
	return load(path, false, out);
}

/* The signed part of a seal file; returns its length or -ENOSPC. */
static int format_body(const struct seal *s, char *buf, size_t len)
{
	char prev[SEGMENT_HEX_LEN + 1], last[SEGMENT_HEX_LEN + 1], t1[25], t2[25];
	int n;

	segment_hex(s->prev, SEGMENT_HASH_LEN, prev);
	segment_hex(s->last, SEGMENT_HASH_LEN, last);
	n = snprintf(buf, len,
		     SEAL_MAGIC "segment %s\nfirst_seq %" PRIu64 "\nlast_seq %" PRIu64
				"\nrecords %" PRIu64 "\nbytes %" PRIu64
				"\nfirst_time %s\nlast_time %s\nprev %s\nlast %s\n",
		     s->segment, s->first_seq, s->last_seq, s->records, s->bytes,
		     flowrec_format_time(s->first_time, t1), flowrec_format_time(s->last_time, t2),
		     prev, last);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

static int sign(struct seal_key *k, const char *msg, size_t len, uint8_t sig[SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = SIG_LEN;
	int rc = -EIO;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)msg, len) == 1 &&
	    siglen == SIG_LEN)
		rc = 0;
	EVP_MD_CTX_free(ctx);
	return rc;
}

static int check(struct seal_key *k, const char *msg, size_t len, const uint8_t sig[SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -EIO, v;

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1) {
		v = EVP_DigestVerify(ctx, sig, SIG_LEN, (const unsigned char *)msg, len);
		rc = v == 1 ? 0 : -EKEYREJECTED;
	}
	EVP_MD_CTX_free(ctx);
	return rc;
}

int seal_write(const char *dir, const struct seal *s, struct seal_key *k)
{
	char body[SEAL_MAX], path[4096], tmp[4096], hex[2 * SIG_LEN + 1];
	uint8_t sig[SIG_LEN];
	int n, rc, fd, dfd;

	if (!k->private)
		return -EINVAL;
	n = format_body(s, body, sizeof(body) - sizeof(hex) - 16);
	if (n < 0)
		return n;
	rc = sign(k, body, (size_t)n, sig);
	if (rc)
		return rc;
	segment_hex(sig, SIG_LEN, hex);
	n += snprintf(body + n, sizeof(body) - (size_t)n, "signature %s\n", hex);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.sig", dir, s->segment) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.sig.tmp", dir, s->segment) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, body, (size_t)n) != n) {
		rc = errno ? -errno : -EIO;
		goto err_tmp;
	}
	if (fsync(fd)) {
		rc = -errno;
		goto err_tmp;
	}
	if (close(fd)) {
		fd = -1;
		rc = -errno;
		goto err_tmp;
	}
	fd = -1;
	if (rename(tmp, path)) {
		rc = -errno;
		goto err_tmp;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = fsync(dfd) ? -errno : 0;
	close(dfd);
	return rc;

err_tmp:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

/* "key value\n" at *p: the value's start and length, *p moved past the line. */
static bool field(const char **p, const char *end, const char *key, const char **val,
		  size_t *vlen)
{
	size_t klen = strlen(key);
	const char *nl;

	if ((size_t)(end - *p) < klen + 1 || memcmp(*p, key, klen) || (*p)[klen] != ' ')
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return false;
	*val = *p + klen + 1;
	*vlen = (size_t)(nl - *val);
	*p = nl + 1;
	return true;
}

static bool number(const char *v, size_t n, uint64_t *out)
{
	char buf[24], *e;

	if (n == 0 || n >= sizeof(buf) || v[0] < '0' || v[0] > '9')
		return false;
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtoull(buf, &e, 10);
	return !errno && *e == '\0';
}

static int parse(const char *buf, size_t len, struct seal *s, size_t *body_len,
		 uint8_t sig[SIG_LEN])
{
	const char *p = buf, *end = buf + len, *v;
	size_t n;

	memset(s, 0, sizeof(*s));
	if (len < sizeof(SEAL_MAGIC) - 1 || memcmp(buf, SEAL_MAGIC, sizeof(SEAL_MAGIC) - 1))
		return -EBADMSG;
	p += sizeof(SEAL_MAGIC) - 1;
	if (!field(&p, end, "segment", &v, &n) || n == 0 || n >= sizeof(s->segment))
		return -EBADMSG;
	memcpy(s->segment, v, n);
	if (!field(&p, end, "first_seq", &v, &n) || !number(v, n, &s->first_seq) ||
	    !field(&p, end, "last_seq", &v, &n) || !number(v, n, &s->last_seq) ||
	    !field(&p, end, "records", &v, &n) || !number(v, n, &s->records) ||
	    !field(&p, end, "bytes", &v, &n) || !number(v, n, &s->bytes))
		return -EBADMSG;
	if (!field(&p, end, "first_time", &v, &n) || segment_parse_time(v, n, &s->first_time) ||
	    !field(&p, end, "last_time", &v, &n) || segment_parse_time(v, n, &s->last_time))
		return -EBADMSG;
	if (!field(&p, end, "prev", &v, &n) || n != SEGMENT_HEX_LEN ||
	    segment_unhex(v, SEGMENT_HASH_LEN, s->prev) ||
	    !field(&p, end, "last", &v, &n) || n != SEGMENT_HEX_LEN ||
	    segment_unhex(v, SEGMENT_HASH_LEN, s->last))
		return -EBADMSG;
	*body_len = (size_t)(p - buf);
	if (!field(&p, end, "signature", &v, &n) || n != 2 * SIG_LEN ||
	    segment_unhex(v, SIG_LEN, sig) || p != end)
		return -EBADMSG;
	return 0;
}

int seal_read(const char *dir, const char *segment, struct seal_key *k, struct seal *s)
{
	char buf[SEAL_MAX], path[4096];
	uint8_t sig[SIG_LEN];
	size_t body_len = 0;
	ssize_t n;
	int fd, rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.sig", dir, segment) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	if ((size_t)n >= sizeof(buf))
		return -EBADMSG;
	rc = parse(buf, (size_t)n, s, &body_len, sig);
	if (rc)
		return rc;
	if (!k)
		return 0;
	if (strcmp(s->segment, segment))
		return -EKEYREJECTED;
	return check(k, buf, body_len, sig);
}
