#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "flowrec.h"

#define TIME_LEN 24                 /* 2026-04-01T00:00:00.000Z */

static bool event_ok(const char *e)
{
	size_t n = strnlen(e, sizeof(((struct checkpoint *)0)->event));

	if (n == 0 || n >= sizeof(((struct checkpoint *)0)->event))
		return false;
	for (size_t i = 0; i < n; i++)
		if (e[i] < 'a' || e[i] > 'z')
			return false;
	return true;
}

/* A segment name goes into one space-separated field. */
static bool name_ok(const char *s)
{
	size_t n = strnlen(s, SEGMENT_NAME_MAX);

	if (n == 0 || n >= SEGMENT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

int checkpoint_format(const struct checkpoint *cp, struct seal_key *key, char *buf, size_t len)
{
	char hash[SEGMENT_HEX_LEN + 1], id[2 * SEAL_KEY_ID_LEN + 1], t[25];
	char sig_hex[2 * SEAL_SIG_LEN + 1];
	uint8_t sig[SEAL_SIG_LEN];
	int n, rc;

	if (!name_ok(cp->segment) || !event_ok(cp->event))
		return -EINVAL;
	segment_hex(cp->hash, SEGMENT_HASH_LEN, hash);
	seal_key_id(key, id);
	n = snprintf(buf, len, CHECKPOINT_MAGIC "key=%s seq=%" PRIu64 " hash=%s time=%s "
		     "segment=%s event=%s", id, cp->seq, hash, flowrec_format_time(cp->time_ms, t),
		     cp->segment, cp->event);
	if (n < 0 || (size_t)n + 5 + sizeof(sig_hex) > len)
		return -ENOSPC;
	rc = seal_key_sign(key, buf, (size_t)n, sig);
	if (rc)
		return rc;
	segment_hex(sig, SEAL_SIG_LEN, sig_hex);
	return n + snprintf(buf + n, len - (size_t)n, " sig=%s", sig_hex);
}

/* `name=` at *p followed by a value up to the next space (or the end): its start and
 * length, *p moved past the space. */
static bool field(const char **p, const char *end, const char *name, const char **v,
		  size_t *vlen)
{
	size_t k = strlen(name);
	const char *sp;

	if ((size_t)(end - *p) < k + 1 || memcmp(*p, name, k) || (*p)[k] != '=')
		return false;
	*v = *p + k + 1;
	sp = memchr(*v, ' ', (size_t)(end - *v));
	*vlen = (size_t)((sp ? sp : end) - *v);
	*p = sp ? sp + 1 : end;
	return *vlen > 0;
}

static bool decimal(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - (uint64_t)(v[i] - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

/* The fields after the magic; *body_end is where ` sig=` starts. */
static int parse_fields(const char *p, const char *end, struct checkpoint *cp,
			const char **body_end, uint8_t sig[SEAL_SIG_LEN])
{
	const char *v;
	size_t n;

	if (!field(&p, end, "key", &v, &n) || n != 2 * SEAL_KEY_ID_LEN ||
	    segment_unhex(v, SEAL_KEY_ID_LEN, cp->key_id) ||
	    !field(&p, end, "seq", &v, &n) || !decimal(v, n, &cp->seq) ||
	    !field(&p, end, "hash", &v, &n) || n != SEGMENT_HEX_LEN ||
	    segment_unhex(v, SEGMENT_HASH_LEN, cp->hash) ||
	    !field(&p, end, "time", &v, &n) || n != TIME_LEN ||
	    segment_parse_time(v, n, &cp->time_ms) ||
	    !field(&p, end, "segment", &v, &n) || n >= sizeof(cp->segment))
		return -EBADMSG;
	memcpy(cp->segment, v, n);
	if (!field(&p, end, "event", &v, &n) || n >= sizeof(cp->event))
		return -EBADMSG;
	memcpy(cp->event, v, n);
	*body_end = p - 1;
	if (!field(&p, end, "sig", &v, &n) || n < 2 * SEAL_SIG_LEN ||
	    segment_unhex(v, SEAL_SIG_LEN, sig))
		return -EBADMSG;
	/* the signature ends the checkpoint: what follows is the carrier's (a CR, a syslog
	 * receiver's suffix, the next IPFIX set), but not one more hex digit */
	if (v + 2 * SEAL_SIG_LEN < end && isxdigit((unsigned char)v[2 * SEAL_SIG_LEN]))
		return -EBADMSG;
	return event_ok(cp->event) && name_ok(cp->segment) ? 0 : -EBADMSG;
}

int checkpoint_parse(const char *text, size_t len, const struct seal_keyring *ring,
		     struct checkpoint *cp)
{
	static const char magic[] = CHECKPOINT_MAGIC;
	const char *start = memmem(text, len, magic, sizeof(magic) - 1), *body_end;
	uint8_t sig[SEAL_SIG_LEN], id[SEAL_KEY_ID_LEN];
	int rc;

	if (!start)
		return -ENOENT;
	memset(cp, 0, sizeof(*cp));
	rc = parse_fields(start + sizeof(magic) - 1, text + len, cp, &body_end, sig);
	if (rc || !ring)
		return rc;
	for (size_t i = 0; i < ring->n; i++) {
		seal_key_id_bytes(ring->key[i], id);
		if (memcmp(id, cp->key_id, SEAL_KEY_ID_LEN))
			continue;
		return seal_key_verify(ring->key[i], start, (size_t)(body_end - start), sig);
	}
	return -ENOKEY;
}

static int by_seq(const void *a, const void *b)
{
	const struct checkpoint *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return memcmp(x->hash, y->hash, SEGMENT_HASH_LEN);
}

/* Sorts, removes copies of one checkpoint (the file and syslog both hold it; an event
 * does not make it another) and keeps the newest CHECKPOINT_KEEP. */
static void settle(struct checkpoint_set *set)
{
	size_t keep = 0;

	if (!set->n)
		return;
	qsort(set->cp, set->n, sizeof(*set->cp), by_seq);
	for (size_t i = 0; i < set->n; i++) {
		if (keep && set->cp[keep - 1].seq == set->cp[i].seq &&
		    set->cp[keep - 1].time_ms == set->cp[i].time_ms &&
		    !memcmp(set->cp[keep - 1].hash, set->cp[i].hash, SEGMENT_HASH_LEN))
			continue;
		set->cp[keep++] = set->cp[i];
	}
	set->n = keep;
	if (set->n > CHECKPOINT_KEEP) {
		size_t drop = set->n - CHECKPOINT_KEEP;

		memmove(set->cp, set->cp + drop, CHECKPOINT_KEEP * sizeof(*set->cp));
		set->n = CHECKPOINT_KEEP;
		set->dropped += drop;
	}
}

static int add(struct checkpoint_set *set, const struct checkpoint *cp)
{
	if (set->n == set->cap) {
		/* full at twice the bound: keep the newest half and go on */
		if (set->cap >= 2 * CHECKPOINT_KEEP) {
			settle(set);
		} else {
			size_t cap = set->cap ? 2 * set->cap : 1024;
			struct checkpoint *p = realloc(set->cp, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			set->cp = p;
			set->cap = cap;
		}
	}
	set->cp[set->n++] = *cp;
	return 0;
}

int checkpoint_set_load(struct checkpoint_set *set, const char *path,
			const struct seal_keyring *ring,
			void (*bad)(void *ctx, uint64_t line, int err), void *ctx)
{
	struct checkpoint cp;
	uint64_t lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	errno = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		rc = checkpoint_parse(line, (size_t)n, ring, &cp);
		if (rc == -ENOENT)
			continue;
		set->found++;
		if (rc == 0)
			rc = add(set, &cp);
		else if (rc != -ENOMEM) {
			set->bad++;
			if (bad)
				bad(ctx, lineno, rc);
			rc = 0;
		}
		if (rc)
			break;
		errno = 0;
	}
	if (!rc && ferror(f))
		rc = errno ? -errno : -EIO;
	free(line);
	fclose(f);
	settle(set);
	return rc;
}

void checkpoint_set_free(struct checkpoint_set *set)
{
	free(set->cp);
	memset(set, 0, sizeof(*set));
}

const struct checkpoint *checkpoint_set_newest(const struct checkpoint_set *set)
{
	return set->n ? &set->cp[set->n - 1] : NULL;
}

/* A line of the tail that holds a checkpoint, by seq. */
struct candidate {
	uint64_t seq;
	size_t off, len;
};

static int by_seq_desc(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

/* The last len bytes (at most CHECKPOINT_TAIL_BYTES) of fd into a malloc'd *buf, without
 * a first line cut in half: 0 or -errno. */
static int read_tail(int fd, char **buf, size_t *len)
{
	struct stat st;
	size_t want, got = 0;
	off_t from;
	char *b, *nl;

	if (fstat(fd, &st))
		return -errno;
	want = (size_t)st.st_size < CHECKPOINT_TAIL_BYTES ? (size_t)st.st_size
							  : CHECKPOINT_TAIL_BYTES;
	from = st.st_size - (off_t)want;
	b = malloc(want + 1);
	if (!b)
		return -ENOMEM;
	while (got < want) {
		ssize_t n = pread(fd, b + got, want - got, from + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(b);
			return n < 0 ? -errno : -EIO;
		}
		got += (size_t)n;
	}
	b[got] = '\0';
	if (from > 0 && (nl = memchr(b, '\n', got)) != NULL) {
		got -= (size_t)(nl + 1 - b);
		memmove(b, nl + 1, got + 1);
	}
	*buf = b;
	*len = got;
	return 0;
}

int checkpoint_newest(const char *path, const struct seal_keyring *ring, struct checkpoint *out)
{
	struct candidate *c = NULL;
	size_t len = 0, n = 0, cap = 0;
	struct checkpoint cp;
	char *buf = NULL;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = read_tail(fd, &buf, &len);
	close(fd);
	if (rc)
		return rc;
	/* parse every line (cheap), then check signatures from the highest seq down: a
	 * forged or replayed line appended after the newest costs one check, no more */
	for (size_t off = 0; off < len;) {
		char *nl = memchr(buf + off, '\n', len - off);
		size_t l = (nl ? (size_t)(nl - buf) : len) - off;

		if (checkpoint_parse(buf + off, l, NULL, &cp) == 0) {
			if (n == cap) {
				struct candidate *p = realloc(c, (cap ? 2 * cap : 256) * sizeof(*p));
				if (!p) {
					rc = -ENOMEM;
					goto out;
				}
				c = p;
				cap = cap ? 2 * cap : 256;
			}
			c[n++] = (struct candidate){cp.seq, off, l};
		}
		off += l + 1;
	}
	qsort(c, n, sizeof(*c), by_seq_desc);
	rc = -ENOENT;
	for (size_t i = 0; i < n && rc; i++)
		if (checkpoint_parse(buf + c[i].off, c[i].len, ring, out) == 0)
			rc = 0;
out:
	free(c);
	free(buf);
	return rc;
}
