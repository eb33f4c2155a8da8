#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "segment.h"

#define READ_CHUNK (1u << 20)

struct segment_reader {
	int fd;
	char *buf;          /* READ_CHUNK + SEGMENT_LINE_MAX */
	size_t len, pos;    /* bytes held, next line starts at pos */
	uint64_t offset;    /* file offset of buf[0] */
	bool eof;
	bool skip_hash;
	EVP_MD_CTX *ctx;
	EVP_MD *md;
	char longline[SEGMENT_LINE_MAX];
};

static const char hexdigits[] = "0123456789abcdef";

void segment_hex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdigits[in[i] >> 4];
		out[2 * i + 1] = hexdigits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Each byte's value as a lowercase hex digit, and whether it is one. Tables, not
 * comparisons: in a hash digits and letters come at random, and the branches
 * mispredicted so often that unhex took about half of verify's time. */
static const uint8_t hexval[256] = {
	['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4, ['5'] = 5, ['6'] = 6, ['7'] = 7,
	['8'] = 8, ['9'] = 9, ['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13, ['e'] = 14,
	['f'] = 15,
};
static const uint8_t hexok[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
};

int segment_unhex(const char *in, size_t n, uint8_t *out)
{
	unsigned ok = 1;

	for (size_t i = 0; i < n; i++) {
		uint8_t hi = (uint8_t)in[2 * i], lo = (uint8_t)in[2 * i + 1];

		ok &= (unsigned)(hexok[hi] & hexok[lo]);
		out[i] = (uint8_t)(hexval[hi] << 4 | hexval[lo]);
	}
	return ok ? 0 : -EINVAL;
}

void segment_name(uint64_t first_seq, int64_t now_ms, char *buf)
{
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(buf, SEGMENT_NAME_MAX, "flows-%012" PRIu64 "-%04d%02d%02dT%02d%02d%02dZ.jsonl",
		 first_seq, (tm.tm_year + 1900) % 10000, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
}

/* flows-<12 digits>-<8 digits>T<6 digits>Z.jsonl */
static bool parse_name(const char *name, uint64_t *seq)
{
	static const char shape[] = "flows-############-########T######Z.jsonl";
	size_t n = strlen(name);

	if (n != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (shape[i] == '#' ? (name[i] < '0' || name[i] > '9') : name[i] != shape[i])
			return false;
	}
	*seq = strtoull(name + 6, NULL, 10);
	return true;
}

static int cmp_segment(const void *a, const void *b)
{
	const struct segment_file *x = a, *y = b;

	if (x->first_seq != y->first_seq)
		return x->first_seq < y->first_seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

int segment_list(const char *dir, struct segment_file **out, size_t *n)
{
	struct segment_file *v = NULL, *nv;
	size_t count = 0, cap = 0;
	struct dirent *de;
	DIR *d;
	int rc = 0, dfd;

	d = opendir(dir);
	if (!d)
		return -errno;
	dfd = dirfd(d);
	errno = 0;
	while ((de = readdir(d))) {
		struct segment_file sf = {0};
		char sig[SEGMENT_NAME_MAX + 8];
		struct stat st;

		if (!parse_name(de->d_name, &sf.first_seq))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				rc = -ENOMEM;
				goto err_alloc;
			}
			v = nv;
		}
		/* parse_name() allowed only names of one fixed length, shorter than name */
		memcpy(sf.name, de->d_name, strlen(de->d_name) + 1);
		memcpy(sig, de->d_name, strlen(de->d_name));
		memcpy(sig + strlen(de->d_name), ".sig", 5);
		sf.has_seal = fstatat(dfd, sig, &st, 0) == 0;
		v[count++] = sf;
		errno = 0;
	}
	if (errno) {
		rc = -errno;
		goto err_alloc;
	}
	closedir(d);
	if (count)
		qsort(v, count, sizeof(*v), cmp_segment);
	*out = v;
	*n = count;
	return 0;

err_alloc:
	free(v);
	closedir(d);
	return rc;
}

int segment_list_aside(const char *dir, const char *suffix,
		       void (*fn)(void *ctx, const char *name, uint64_t first_seq, uint64_t size),
		       void *ctx)
{
	size_t slen = strlen(suffix);
	struct dirent *de;
	struct stat st;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char name[SEGMENT_NAME_MAX];
		size_t n = strlen(de->d_name);
		uint64_t seq;

		if (n <= slen || n - slen >= sizeof(name) ||
		    strcmp(de->d_name + n - slen, suffix))
			continue;
		memcpy(name, de->d_name, n - slen);
		name[n - slen] = '\0';
		if (!parse_name(name, &seq) || fstatat(dirfd(d), de->d_name, &st, 0))
			continue;
		fn(ctx, name, seq, (uint64_t)st.st_size);
	}
	closedir(d);
	return 0;
}

int segment_hash(EVP_MD_CTX *ctx, const EVP_MD *md, const char *text, size_t len,
		 uint8_t out[SEGMENT_HASH_LEN])
{
	unsigned int outlen = 0;

	if (!EVP_DigestInit_ex2(ctx, md, NULL) || !EVP_DigestUpdate(ctx, text, len) ||
	    !EVP_DigestFinal_ex(ctx, out, &outlen) || outlen != SEGMENT_HASH_LEN)
		return -EIO;
	return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

int segment_parse_time(const char *s, size_t len, int64_t *ms)
{
	unsigned y, mo, d, h, mi, se, f;

	/* 2026-04-01T09:00:00.123Z */
	if (len != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != '.' || s[23] != 'Z')
		return -EINVAL;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se) ||
	    !digits(s + 20, 3, &f))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	*ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * 1000 + f;
	return 0;
}

/* The value of "key":"<24 chars>" in the line, as ms. */
static int64_t find_time(const char *text, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p = memmem(text, len, key, klen);
	int64_t ms;

	if (!p || (size_t)(p - text) + klen + 25 > len || p[klen + 24] != '"')
		return INT64_MIN;
	if (segment_parse_time(p + klen, 24, &ms))
		return INT64_MIN;
	return ms;
}

void segment_parse(const char *text, size_t len, struct segment_line *line)
{
	static const char head[] = "{\"seq\":";
	static const char type_key[] = ",\"type\":\"";
	const char *p, *end = text + len, *tail;
	uint64_t seq = 0;
	size_t n = 0;

	line->well_formed = false;
	line->hash_ok = false;
	if (len < sizeof(head) - 1 + 1 + SEGMENT_PREV_TAIL + SEGMENT_HASH_TAIL ||
	    memcmp(text, head, sizeof(head) - 1))
		return;
	p = text + sizeof(head) - 1;
	while (p < end && *p >= '0' && *p <= '9' && n < 20) {
		seq = seq * 10 + (uint64_t)(*p++ - '0');
		n++;
	}
	if (n == 0 || n == 20 || (n > 1 && p[-(long)n] == '0'))
		return;
	if ((size_t)(end - p) < sizeof(type_key) - 1 || memcmp(p, type_key, sizeof(type_key) - 1))
		return;
	p += sizeof(type_key) - 1;
	n = 0;
	while (p + n < end && p[n] != '"' && n < sizeof(line->type) - 1)
		n++;
	if (p + n >= end || p[n] != '"')
		return;
	memcpy(line->type, p, n);
	line->type[n] = '\0';

	tail = end - SEGMENT_HASH_TAIL;
	if (memcmp(tail, ",\"hash\":\"", 9) || memcmp(end - 2, "\"}", 2) ||
	    segment_unhex(tail + 9, SEGMENT_HASH_LEN, line->hash))
		return;
	tail -= SEGMENT_PREV_TAIL;
	if (tail <= p || memcmp(tail, ",\"prev\":\"", 9) || tail[SEGMENT_PREV_TAIL - 1] != '"' ||
	    segment_unhex(tail + 9, SEGMENT_HASH_LEN, line->prev))
		return;
	line->seq = seq;
	line->start_ms = find_time(text, len, ",\"start\":\"");
	line->end_ms = find_time(text, len, ",\"end\":\"");
	line->well_formed = true;
}

int segment_reader_open(const char *path, struct segment_reader **out)
{
	struct segment_reader *sr;
	int rc;

	sr = calloc(1, sizeof(*sr));
	if (!sr)
		return -ENOMEM;
	sr->buf = malloc(READ_CHUNK + SEGMENT_LINE_MAX);
	if (!sr->buf) {
		rc = -ENOMEM;
		goto err_buf;
	}
	sr->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	sr->ctx = EVP_MD_CTX_new();
	if (!sr->md || !sr->ctx) {
		rc = -EIO;
		goto err_md;
	}
	sr->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (sr->fd < 0) {
		rc = -errno;
		goto err_md;
	}
	*out = sr;
	return 0;

err_md:
	EVP_MD_CTX_free(sr->ctx);
	EVP_MD_free(sr->md);
	free(sr->buf);
err_buf:
	free(sr);
	return rc;
}

/* Reads more into the buffer after moving the unread rest to its front: 1 when bytes
 * came, 0 at end of file, -errno. */
static int refill(struct segment_reader *sr)
{
	ssize_t got;

	if (sr->pos) {
		memmove(sr->buf, sr->buf + sr->pos, sr->len - sr->pos);
		sr->offset += sr->pos;
		sr->len -= sr->pos;
		sr->pos = 0;
	}
	if (sr->eof || sr->len >= READ_CHUNK)
		return 0;
	do {
		got = read(sr->fd, sr->buf + sr->len, READ_CHUNK - sr->len);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	if (got == 0) {
		sr->eof = true;
		return 0;
	}
	sr->len += (size_t)got;
	return 1;
}

static void finish_line(struct segment_reader *sr, struct segment_line *line)
{
	uint8_t h[SEGMENT_HASH_LEN];

	segment_parse(line->text, line->len, line);
	if (line->well_formed && !sr->skip_hash &&
	    segment_hash(sr->ctx, sr->md, line->text, line->len - SEGMENT_HASH_TAIL, h) == 0)
		line->hash_ok = memcmp(h, line->hash, SEGMENT_HASH_LEN) == 0;
}

int segment_reader_next(struct segment_reader *sr, struct segment_line *line)
{
	for (;;) {
		char *start = sr->buf + sr->pos;
		size_t avail = sr->len - sr->pos;
		char *nl = memchr(start, '\n', avail);
		int rc;

		if (nl || (avail >= SEGMENT_LINE_MAX) || (sr->eof && avail)) {
			size_t n = nl ? (size_t)(nl - start) : avail;
			memset(line, 0, sizeof(*line));
			line->offset = sr->offset + sr->pos;
			line->complete = nl != NULL;
			if (n >= SEGMENT_LINE_MAX) {
				/* an overlong line: hand back its start and skip the rest */
				memcpy(sr->longline, start, SEGMENT_LINE_MAX - 1);
				line->text = sr->longline;
				line->len = SEGMENT_LINE_MAX - 1;
				line->complete = true;
				if (!nl) {
					sr->pos = sr->len;
					while ((rc = refill(sr)) > 0) {
						nl = memchr(sr->buf, '\n', sr->len);
						if (nl)
							break;
						sr->pos = sr->len;
					}
					if (rc < 0)
						return rc;
					sr->pos = nl ? (size_t)(nl - sr->buf) + 1 : sr->len;
				} else {
					sr->pos += n + 1;
				}
				return 1;
			}
			line->text = start;
			line->len = n;
			sr->pos += n + (nl ? 1 : 0);
			finish_line(sr, line);
			return 1;
		}
		if (sr->eof)
			return 0;
		rc = refill(sr);
		if (rc < 0)
			return rc;
	}
}

void segment_reader_skip_hash(struct segment_reader *sr)
{
	sr->skip_hash = true;
}

void segment_reader_close(struct segment_reader *sr)
{
	if (!sr)
		return;
	close(sr->fd);
	EVP_MD_CTX_free(sr->ctx);
	EVP_MD_free(sr->md);
	free(sr->buf);
	free(sr);
}
