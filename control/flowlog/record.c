#include <errno.h>
#include <string.h>

#include "record.h"

struct cursor {
	const char *p, *end;
	char *out, *out_end;          /* where unescaped strings go */
};

static int hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EBADMSG;
		*v = *v << 4 | d;
	}
	return 0;
}

static int put_utf8(struct cursor *c, unsigned cp)
{
	char tmp[4];
	size_t n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | cp >> 6);
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | cp >> 12);
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		tmp[0] = (char)(0xf0 | cp >> 18);
		tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if ((size_t)(c->out_end - c->out) < n + 1)
		return -EBADMSG;
	memcpy(c->out, tmp, n);
	c->out += n;
	return 0;
}

/* A JSON string at c->p (its opening quote), unescaped into c->out. */
static int string(struct cursor *c, const char **out)
{
	const char *start;
	unsigned cp, lo;

	if (c->p >= c->end || *c->p != '"')
		return -EBADMSG;
	c->p++;
	*out = c->out;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p;
		if (ch < 0x20)
			return -EBADMSG;
		if (ch != '\\') {
			/* copy the run of plain bytes at once */
			start = c->p;
			while (c->p < c->end && *c->p != '"' && *c->p != '\\' &&
			       (unsigned char)*c->p >= 0x20)
				c->p++;
			if ((size_t)(c->out_end - c->out) < (size_t)(c->p - start) + 1)
				return -EBADMSG;
			memcpy(c->out, start, (size_t)(c->p - start));
			c->out += c->p - start;
			continue;
		}
		if (c->end - c->p < 2)
			return -EBADMSG;
		switch (c->p[1]) {
		case '"': case '\\': case '/': cp = (unsigned char)c->p[1]; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (c->end - c->p < 6 || hex4(c->p + 2, &cp))
				return -EBADMSG;
			c->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return -EBADMSG;        /* a lone low surrogate */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (c->end - c->p < 8 || c->p[2] != '\\' || c->p[3] != 'u' ||
				    hex4(c->p + 4, &lo) || lo < 0xdc00 || lo > 0xdfff)
					return -EBADMSG;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				c->p += 6;
			}
			if (cp == 0)
				return -EBADMSG;        /* NUL would cut the string short */
			break;
		default:
			return -EBADMSG;
		}
		c->p += 2;
		if (put_utf8(c, cp))
			return -EBADMSG;
	}
	if (c->p >= c->end || c->out >= c->out_end)
		return -EBADMSG;
	c->p++;
	*c->out++ = '\0';
	return 0;
}

static int value(struct cursor *c, struct record_field *f)
{
	bool neg = false;
	uint64_t v = 0;
	int digits = 0;

	if (c->p >= c->end)
		return -EBADMSG;
	if (*c->p == '"') {
		f->kind = RECORD_STRING;
		return string(c, &f->str);
	}
	if (c->end - c->p >= 4 && !memcmp(c->p, "null", 4)) {
		f->kind = RECORD_NULL;
		f->str = "";
		c->p += 4;
		return 0;
	}
	if (*c->p == '-') {
		neg = true;
		c->p++;
	}
	/* integers as JSON writes them: no leading zeros, no fraction, no exponent */
	if (c->p < c->end && *c->p == '0' && c->end - c->p > 1 && c->p[1] >= '0' && c->p[1] <= '9')
		return -EBADMSG;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		if (++digits > 18)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*c->p++ - '0');
	}
	if (!digits)
		return -EBADMSG;
	f->kind = RECORD_INT;
	f->num = neg ? -(int64_t)v : (int64_t)v;
	f->str = "";
	return 0;
}

int record_parse(const char *text, size_t len, struct record *rec)
{
	struct cursor c = {.p = text, .end = text + len, .out = rec->buf,
			   .out_end = rec->buf + sizeof(rec->buf)};

	rec->n = 0;
	if (len < 2 || text[0] != '{' || text[len - 1] != '}')
		return -EBADMSG;
	c.p++;
	c.end--;
	if (c.p == c.end)
		return 0;
	for (;;) {
		struct record_field *f;
		if (rec->n == RECORD_FIELDS_MAX)
			return -EBADMSG;
		f = &rec->f[rec->n];
		if (string(&c, &f->key) || c.p >= c.end || *c.p++ != ':' || value(&c, f))
			return -EBADMSG;
		rec->n++;
		if (c.p == c.end)
			return 0;
		if (*c.p++ != ',')
			return -EBADMSG;
	}
}

const struct record_field *record_get(const struct record *rec, const char *key)
{
	for (unsigned i = 0; i < rec->n; i++)
		if (!strcmp(rec->f[i].key, key))
			return &rec->f[i];
	return NULL;
}

const char *record_str(const struct record *rec, const char *key)
{
	const struct record_field *f = record_get(rec, key);

	return f && f->kind == RECORD_STRING ? f->str : "";
}

uint64_t record_uint(const struct record *rec, const char *key)
{
	const struct record_field *f = record_get(rec, key);

	return f && f->kind == RECORD_INT && f->num > 0 ? (uint64_t)f->num : 0;
}
