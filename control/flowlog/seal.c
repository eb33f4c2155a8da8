#include <dirent.h>
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
#define SEAL_MAGIC_V1 "bunri-flowlog-seal 1\n"
#define SEAL_MAGIC "bunri-flowlog-seal 2\n"
#define RETIRED_PREFIX "flowlog-"
#define RETIRED_SUFFIX ".pub"

struct seal_key {
	EVP_PKEY *pkey;
	bool private;
	uint8_t id[SEAL_KEY_ID_LEN];
};

/* The first bytes of the SHA-256 of the raw public key. */
static int key_id_of(EVP_PKEY *pkey, uint8_t id[SEAL_KEY_ID_LEN])
{
	uint8_t raw[64], md[32];
	size_t len = sizeof(raw);
	unsigned int mdlen = 0;

	if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1 ||
	    EVP_Digest(raw, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof(md))
		return -EIO;
	memcpy(id, md, SEAL_KEY_ID_LEN);
	return 0;
}

void seal_key_id(const struct seal_key *k, char hex[2 * SEAL_KEY_ID_LEN + 1])
{
	segment_hex(k->id, SEAL_KEY_ID_LEN, hex);
}

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

/* A new pair written to priv (0600) and pub (0644), neither of which may exist. */
static int gen_pair(const char *priv, const char *pub)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int rc;

	if (!pkey)
		return -EIO;
	rc = write_pem(priv, 0600, pkey, true);
	if (!rc) {
		rc = write_pem(pub, 0644, pkey, false);
		if (rc)
			unlink(priv);
	}
	EVP_PKEY_free(pkey);
	return rc;
}

static int key_paths(const char *dir, char *priv, char *pub, size_t len)
{
	if ((size_t)snprintf(priv, len, "%s/%s", dir, SEAL_KEY_FILE) >= len ||
	    (size_t)snprintf(pub, len, "%s/%s", dir, SEAL_PUB_FILE) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int fsync_dir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (dfd < 0)
		return -errno;
	rc = fsync(dfd) ? -errno : 0;
	close(dfd);
	return rc;
}

int seal_keygen(const char *dir)
{
	char priv[4096], pub[4096];
	struct stat st;
	int rc;

	rc = key_paths(dir, priv, pub, sizeof(priv));
	if (rc)
		return rc;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (stat(priv, &st) == 0 || stat(pub, &st) == 0)
		return -EEXIST;
	return gen_pair(priv, pub);
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
	rc = key_id_of(k->pkey, k->id);
	if (rc)
		goto err_key;
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

/* An id of the key in path (private or public), or -errno. */
static int id_of_file(const char *path, bool private, uint8_t id[SEAL_KEY_ID_LEN])
{
	struct seal_key *k;
	int rc = load(path, private, &k);

	if (rc)
		return rc;
	memcpy(id, k->id, SEAL_KEY_ID_LEN);
	seal_key_free(k);
	return 0;
}

int seal_key_rotate(const char *dir, char old_id[2 * SEAL_KEY_ID_LEN + 1],
		    char new_id[2 * SEAL_KEY_ID_LEN + 1])
{
	char priv[4096], pub[4096], kept[4096], tpriv[4096], tpub[4096];
	uint8_t waiting[SEAL_KEY_ID_LEN], published[SEAL_KEY_ID_LEN];
	char hex[2 * SEAL_KEY_ID_LEN + 1];
	struct seal_key *old;
	struct stat st;
	int rc;

	rc = key_paths(dir, priv, pub, sizeof(priv));
	if (rc)
		return rc;
	/* the private key must load: it is what the retired public key is made from */
	rc = seal_key_load_private(priv, &old);
	if (rc)
		return rc;
	seal_key_id(old, hex);
	if (stat(priv, &st)) {
		rc = -errno;
		goto out;
	}
	if ((size_t)snprintf(kept, sizeof(kept), "%s/" RETIRED_PREFIX "%s" RETIRED_SUFFIX, dir,
			     hex) >= sizeof(kept) ||
	    (size_t)snprintf(tpriv, sizeof(tpriv), "%s.new", priv) >= sizeof(tpriv) ||
	    (size_t)snprintf(tpub, sizeof(tpub), "%s.new", pub) >= sizeof(tpub)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	/* 1. the old public key under its id, made from the private key itself */
	rc = write_pem(kept, 0644, old->pkey, false);
	if (rc == -EEXIST)
		rc = 0;
	if (rc || chown(kept, st.st_uid, st.st_gid)) {
		rc = rc ? rc : -errno;
		goto out;
	}
	/* An interrupted rotation published the new public key but left its private key
	 * as flowlog.key.new: finish it. Otherwise 2. a new pair beside the old one, owned
	 * like it (also when root rotates the controller user's key). */
	if (!(id_of_file(tpriv, true, waiting) == 0 && id_of_file(pub, false, published) == 0 &&
	      memcmp(waiting, published, SEAL_KEY_ID_LEN) == 0)) {
		unlink(tpriv);
		unlink(tpub);
		rc = gen_pair(tpriv, tpub);
		if (rc)
			goto out;
		if (chown(tpriv, st.st_uid, st.st_gid) || chown(tpub, st.st_uid, st.st_gid) ||
		    rename(tpub, pub)) {
			rc = -errno;
			unlink(tpriv);
			unlink(tpub);
			goto out;
		}
	}
	/* 3. the new private key over the old one: from here on it signs */
	if (rename(tpriv, priv)) {
		rc = -errno;
		goto out;
	}
	rc = fsync_dir(dir);
	if (!rc && old_id)
		memcpy(old_id, hex, sizeof(hex));
	if (!rc && new_id && (rc = id_of_file(pub, false, published)) == 0)
		segment_hex(published, SEAL_KEY_ID_LEN, new_id);
out:
	seal_key_free(old);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_retired(const struct dirent *d)
{
	size_t n = strlen(d->d_name), pre = strlen(RETIRED_PREFIX), suf = strlen(RETIRED_SUFFIX);

	return n == pre + 2 * SEAL_KEY_ID_LEN + suf &&
	       !strncmp(d->d_name, RETIRED_PREFIX, pre) &&
	       !strcmp(d->d_name + n - suf, RETIRED_SUFFIX);
}

int seal_keyring_load_retired(const char *dir, struct seal_keyring *ring)
{
	struct dirent **names;
	char path[4096];
	int n, rc = 0;

	n = scandir(dir, &names, is_retired, by_name);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		if (!rc && ring->n == SEAL_KEYRING_MAX)
			rc = -E2BIG;
		if (!rc && (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
					    names[i]->d_name) >= sizeof(path))
			rc = -ENAMETOOLONG;
		if (!rc) {
			rc = seal_key_load_public(path, &ring->key[ring->n]);
			if (!rc)
				ring->n++;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

void seal_keyring_free(struct seal_keyring *ring, size_t from)
{
	while (ring->n > from)
		seal_key_free(ring->key[--ring->n]);
}

/* The signed part of a seal file, naming key k; returns its length or -ENOSPC. */
static int format_body(const struct seal *s, const struct seal_key *k, char *buf, size_t len)
{
	char prev[SEGMENT_HEX_LEN + 1], last[SEGMENT_HEX_LEN + 1], t1[25], t2[25];
	char id[2 * SEAL_KEY_ID_LEN + 1];
	int n;

	segment_hex(s->prev, SEGMENT_HASH_LEN, prev);
	segment_hex(s->last, SEGMENT_HASH_LEN, last);
	seal_key_id(k, id);
	n = snprintf(buf, len,
		     SEAL_MAGIC "key %s\nsegment %s\nfirst_seq %" PRIu64 "\nlast_seq %" PRIu64
				"\nrecords %" PRIu64 "\nbytes %" PRIu64
				"\nfirst_time %s\nlast_time %s\nprev %s\nlast %s\n",
		     id, s->segment, s->first_seq, s->last_seq, s->records, s->bytes,
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

void seal_key_id_bytes(const struct seal_key *k, uint8_t id[SEAL_KEY_ID_LEN])
{
	memcpy(id, k->id, SEAL_KEY_ID_LEN);
}

int seal_key_sign(struct seal_key *k, const void *msg, size_t len, uint8_t sig[SEAL_SIG_LEN])
{
	if (!k->private)
		return -EINVAL;
	return sign(k, msg, len, sig);
}

int seal_key_verify(struct seal_key *k, const void *msg, size_t len,
		    const uint8_t sig[SEAL_SIG_LEN])
{
	return check(k, msg, len, sig);
}

int seal_write(const char *dir, const struct seal *s, struct seal_key *k)
{
	char body[SEAL_MAX], path[4096], tmp[4096], hex[2 * SIG_LEN + 1];
	uint8_t sig[SIG_LEN];
	int n, rc, fd;

	if (!k->private)
		return -EINVAL;
	n = format_body(s, k, body, sizeof(body) - sizeof(hex) - 16);
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
	return fsync_dir(dir);

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
	s->signer = -1;
	if (len >= sizeof(SEAL_MAGIC) - 1 && !memcmp(buf, SEAL_MAGIC, sizeof(SEAL_MAGIC) - 1)) {
		p += sizeof(SEAL_MAGIC) - 1;
		if (!field(&p, end, "key", &v, &n) || n != 2 * SEAL_KEY_ID_LEN ||
		    segment_unhex(v, SEAL_KEY_ID_LEN, s->key_id))
			return -EBADMSG;
		s->has_key_id = true;
	} else if (len >= sizeof(SEAL_MAGIC_V1) - 1 &&
		   !memcmp(buf, SEAL_MAGIC_V1, sizeof(SEAL_MAGIC_V1) - 1)) {
		p += sizeof(SEAL_MAGIC_V1) - 1;
	} else {
		return -EBADMSG;
	}
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

int seal_read(const char *dir, const char *segment, const struct seal_keyring *ring,
	      struct seal *s)
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
	if (!ring)
		return 0;
	if (strcmp(s->segment, segment))
		return -EKEYREJECTED;
	/* a version 2 seal is checked with the key it names; version 1 with each */
	rc = s->has_key_id ? -ENOKEY : -EKEYREJECTED;
	for (size_t i = 0; i < ring->n; i++) {
		if (s->has_key_id && memcmp(ring->key[i]->id, s->key_id, SEAL_KEY_ID_LEN))
			continue;
		rc = check(ring->key[i], buf, body_len, sig);
		if (rc == 0)
			s->signer = (int)i;
		if (rc != -EKEYREJECTED)
			break;
	}
	return rc;
}
