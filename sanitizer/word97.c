#include "word97.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

#define MAX_DEPTH 64
#define TEXT_MAX 512

struct level {
	char text[TEXT_MAX];
	size_t len;
	unsigned flags;
	int in_result;
};

/* Field instructions in a stream of characters (0x13 begin, 0x14 separate, 0x15 end). */
struct scan {
	struct level lv[MAX_DEPTH];
	int depth;
	int nested;            /* honour FIELD_NESTED*: only for text from the piece table */
	enum field_kind found;
	char what[48];
};

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned long le32(const unsigned char *p)
{
	return (unsigned long)le16(p) | (unsigned long)le16(p + 2) << 16;
}

static void decide(struct scan *s, struct level *l)
{
	enum field_kind k;

	if (l->in_result)
		return;
	l->in_result = 1;
	k = fields_classify(l->text, s->nested ? l->flags : l->flags & FIELD_TRUNCATED);
	if (k != FIELD_SAFE && s->found == FIELD_SAFE) {
		s->found = k;
		snprintf(s->what, sizeof(s->what), "%.40s", l->text + strspn(l->text, " "));
	}
}

static void put(struct scan *s, unsigned c)
{
	struct level *l;

	if (c == 0x13) {
		if (s->depth > 0 && !s->lv[s->depth - 1].in_result) {
			l = &s->lv[s->depth - 1];
			l->flags |= FIELD_NESTED;
			if (strspn(l->text, " ") == l->len)
				l->flags |= FIELD_NESTED_FIRST;
		}
		if (s->depth == MAX_DEPTH && !s->nested) {
			s->depth = 0;      /* raw bytes: stray 0x13s, start again */
		} else if (s->depth == MAX_DEPTH) {
			/* deeper than Word nests: what is open cannot be known */
			if (s->found == FIELD_SAFE) {
				s->found = FIELD_DDE;
				snprintf(s->what, sizeof(s->what), "fields nested deeper than %d", MAX_DEPTH);
			}
			return;
		}
		l = &s->lv[s->depth++];
		memset(l, 0, sizeof(*l));
		return;
	}
	if (s->depth == 0)
		return;
	l = &s->lv[s->depth - 1];
	if (c == 0x14 || c == 0x15) {
		decide(s, l);
		if (c == 0x15)
			s->depth--;
		return;
	}
	if (l->in_result)
		return;
	if (l->len + 1 >= TEXT_MAX) {
		l->flags |= FIELD_TRUNCATED;
		return;
	}
	/* the keywords and URLs that matter are ASCII; anything else stands in as '?' */
	l->text[l->len++] = c < 0x80 && c >= 0x20 ? (char)c : c == '\t' || c == '\r' ? ' ' : '?';
	l->text[l->len] = '\0';
}

/* The text in character-position order: FIB fcClx/lcbClx -> Clx -> PlcPcd. Returns 0,
 * or -1 when the document has no piece table bunri can follow. */
static int piece_text(struct scan *s, const struct buf *wd, const struct buf *table)
{
	const unsigned char *d = wd->data, *t, *plc;
	size_t off, fclcb, pos, end, n, i, base;
	unsigned long fc, lcb, lcbplc;

	if (wd->len < 64 || !table)
		return -1;
	off = 32 + 2 + 2 * (size_t)le16(d + 32);          /* after csw and fibRgW */
	if (off + 2 > wd->len)
		return -1;
	off += 2 + 4 * (size_t)le16(d + off);              /* after cslw and fibRgLw */
	if (off + 2 > wd->len)
		return -1;
	fclcb = off + 2;
	if (le16(d + off) < 34 || fclcb + 34 * 8 > wd->len)
		return -1;
	fc = le32(d + fclcb + 33 * 8);
	lcb = le32(d + fclcb + 33 * 8 + 4);
	if (lcb == 0 || fc > table->len || lcb > table->len - fc)
		return -1;
	t = table->data + fc;
	pos = 0;
	end = lcb;
	while (pos < end && t[pos] == 0x01) {            /* Prc: formatting, skipped */
		if (pos + 3 > end)
			return -1;
		pos += 3 + le16(t + pos + 1);
	}
	if (pos + 5 > end || t[pos] != 0x02)
		return -1;
	lcbplc = le32(t + pos + 1);
	plc = t + pos + 5;
	if (lcbplc < 16 || lcbplc > end - pos - 5 || (lcbplc - 4) % 12)
		return -1;
	n = (lcbplc - 4) / 12;
	for (i = 0; i < n; i++) {
		unsigned long cp0 = le32(plc + 4 * i), cp1 = le32(plc + 4 * (i + 1));
		unsigned long pfc = le32(plc + 4 * (n + 1) + 8 * i + 2);
		size_t k, count, width;

		if (cp1 < cp0)
			return -1;
		count = cp1 - cp0;
		width = pfc & 0x40000000 ? 1 : 2;
		base = width == 1 ? (pfc & 0x3fffffff) / 2 : pfc & 0x3fffffff;
		if (base > wd->len || count > (wd->len - base) / width)
			return -1;
		for (k = 0; k < count; k++)
			put(s, width == 1 ? d[base + k] : le16(d + base + 2 * k));
	}
	return 0;
}

/* Without the piece table (or besides it, as text a fast save left behind): every
 * byte and every 16-bit unit at both alignments, counting only literal keywords. */
static void raw_text(struct scan *s, const struct buf *wd)
{
	size_t i, a;

	s->nested = 0;
	s->depth = 0;
	for (i = 0; i < wd->len; i++)
		put(s, wd->data[i]);
	for (a = 0; a < 2; a++) {
		s->depth = 0;
		for (i = a; i + 1 < wd->len; i += 2)
			put(s, le16(wd->data + i));
	}
}

int word97_check_fields(struct san_ctx *ctx, const struct buf *wd, const struct buf *table0,
			const struct buf *table1)
{
	struct scan *s = calloc(1, sizeof(*s));
	int rc = SAN_OK;

	if (!s)
		return -ENOMEM;
	s->nested = 1;
	if (wd->len >= 12)
		(void)piece_text(s, wd, le16(wd->data + 10) & 0x0200 ? table1 : table0);
	while (s->depth > 0)
		decide(s, &s->lv[--s->depth]);
	if (s->found == FIELD_SAFE)
		raw_text(s, wd);
	if (s->found != FIELD_SAFE)
		rc = san_block(ctx, "ole2: Word field \"%s\" (%s) cannot be removed from a Word 97 document",
			       s->what, s->found == FIELD_DDE ? "DDE" :
			       s->found == FIELD_LINK ? "links to a script, file or share" :
							"fetches a remote file");
	free(s);
	return rc;
}
