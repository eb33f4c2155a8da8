#include "rtf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fields.h"

/* Nesting beyond this is refused: Word itself stops far earlier. */
#define MAX_DEPTH 4096

struct group {
	size_t start;
	int drop;              /* 1: an object word seen directly in this group */
	int field;             /* a \field group */
	int fldinst;           /* collecting the field instruction */
	char inst[512];
	size_t inst_len;
	unsigned flags;        /* FIELD_* of the instruction */
	int uc;                /* fallback characters after \uN (\ucN, default 1) */
	const char *why;
};

struct range {
	size_t start, end;     /* [start, end) */
	const char *why;
};

struct rtf {
	struct san_ctx *ctx;
	struct group *stack;
	size_t depth;
	struct range *ranges;
	size_t nranges, cap;
	size_t unclosed;       /* groups a truncated input left open that the output keeps */
	int skip;              /* fallback characters of a \uN still to pass over */
};

static const char *const object_words[] = {
	"object", "objdata", "objclass", "objemb", "objlink", "objautlink", "objhtml",
	"objocx", "objsub", "objpub", "objicemb", "objalias", "objsect", "objupdate",
};

/* Destinations removed with their group: a template Word fetches by URL when the
 * document opens, and a data store (often an OLE package or a packed document). */
static const struct {
	const char *word, *why;
} removed_destinations[] = {
	{ "template", "rtf.template" },
	{ "datastore", "rtf.datastore" },
};

static int add_range(struct rtf *r, size_t start, size_t end, const char *why)
{
	if (r->nranges == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct range *n = realloc(r->ranges, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->ranges = n;
		r->cap = cap;
	}
	r->ranges[r->nranges++] = (struct range){ start, end, why };
	return 0;
}

/* Appends a character of field instruction text to the nearest collecting group. */
static void inst_char(struct rtf *r, char c)
{
	size_t i = r->depth;

	while (i-- > 0) {
		struct group *g = &r->stack[i];

		if (g->fldinst) {
			if (g->inst_len + 1 >= sizeof(g->inst))
				g->flags |= FIELD_TRUNCATED;
			else if (!(g->inst_len == 0 && isspace((unsigned char)c)))
				g->inst[g->inst_len++] = (char)toupper((unsigned char)c);
			return;
		}
	}
}

static void control_word(struct rtf *r, const char *w)
{
	struct group *g;
	size_t i;

	if (r->depth == 0)
		return;
	g = &r->stack[r->depth - 1];
	for (i = 0; i < sizeof(object_words) / sizeof(object_words[0]); i++)
		if (strcmp(w, object_words[i]) == 0) {
			g->drop = 1;
			g->why = "rtf.object";
		}
	for (i = 0; i < sizeof(removed_destinations) / sizeof(removed_destinations[0]); i++)
		if (strcmp(w, removed_destinations[i].word) == 0) {
			g->drop = 1;
			g->why = removed_destinations[i].why;
		}
	if (strcmp(w, "field") == 0) {
		/* a field inside an instruction may supply its keyword or path */
		for (i = r->depth - 1; i-- > 0;)
			if (r->stack[i].fldinst) {
				r->stack[i].flags |= FIELD_NESTED | (r->stack[i].inst_len ? 0 : FIELD_NESTED_FIRST);
				break;
			}
		g->field = 1;
	}
	else if (strcmp(w, "fldinst") == 0)
		g->fldinst = 1;
	else if (strcmp(w, "ddeauto") == 0 || strcmp(w, "dde") == 0) {
		g->drop = 1;
		g->why = "rtf.dde";
	}
}

/* At the close of a group: decide whether it or its field goes. */
static int close_group(struct rtf *r, size_t end)
{
	struct group *g = &r->stack[r->depth - 1];

	enum field_kind k = FIELD_SAFE;

	if (g->fldinst) {
		g->inst[g->inst_len] = '\0';
		k = fields_classify(g->inst, g->flags);
	}
	if (k != FIELD_SAFE) {
		const char *why = k == FIELD_DDE ? "rtf.dde" :
				  k == FIELD_LINK ? "rtf.hyperlink_scheme" : "rtf.remote_field";
		size_t i = r->depth - 1;

		/* the whole \field, result included, is the link */
		while (i > 0 && !r->stack[i].field)
			i--;
		if (r->stack[i].field && i > 0) {
			r->stack[i].drop = 1;
			r->stack[i].why = why;
		} else {
			g->drop = 1;
			g->why = why;
		}
	}
	if (g->drop) {
		if (r->depth == 1)
			return san_block(r->ctx, "rtf: the document group itself carries an object");
		if (add_range(r, g->start, end, g->why) < 0)
			return -ENOMEM;
	}
	r->depth--;
	return 0;
}

static int scan(struct rtf *r, const unsigned char *in, size_t len)
{
	size_t i = 0;
	int rc;

	while (i < len) {
		unsigned char c = in[i];

		if (c == '{') {
			if (r->depth == MAX_DEPTH)
				return san_block(r->ctx, "rtf: groups nested deeper than %d", MAX_DEPTH);
			memset(&r->stack[r->depth], 0, sizeof(r->stack[0]));
			r->stack[r->depth].uc = r->depth ? r->stack[r->depth - 1].uc : 1;
			r->stack[r->depth++].start = i++;
			r->skip = 0;
		} else if (c == '}') {
			i++;
			if (r->depth == 0)
				return san_block(r->ctx, "rtf: unbalanced '}' at %zu", i - 1);
			rc = close_group(r, i);
			if (rc)
				return rc;
		} else if (c == '\\' && i + 1 < len && isalpha(in[i + 1])) {
			char word[33];
			size_t n = 0;
			long param = 0;
			int has_param = 0, neg = 0;

			i++;
			while (i < len && isalpha(in[i])) {
				if (n < sizeof(word) - 1)
					word[n++] = (char)in[i];
				i++;
			}
			word[n] = '\0';
			if (i < len && in[i] == '-') {
				neg = 1;
				i++;
			}
			while (i < len && isdigit(in[i])) {
				if (param < 100000000)
					param = param * 10 + (in[i] - '0');
				has_param = 1;
				i++;
			}
			if (i < len && in[i] == ' ')
				i++;
			control_word(r, word);
			/* \uN: a Unicode character, then \ucN fallback characters to pass over */
			if (strcmp(word, "u") == 0 && has_param && r->depth) {
				long u = neg ? 65536 - param : param;

				inst_char(r, u > 0 && u < 0x80 ? (char)u : '?');
				r->skip = r->stack[r->depth - 1].uc;
			} else if (strcmp(word, "uc") == 0 && has_param && r->depth) {
				r->stack[r->depth - 1].uc = (int)param;
			}
			/* \binN: N raw bytes that may hold braces */
			if (strcmp(word, "bin") == 0 && has_param && !neg) {
				if ((size_t)param > len - i)
					return san_block(r->ctx, "rtf: \\bin runs past the end");
				i += (size_t)param;
			}
		} else if (c == '\\' && i + 3 < len && in[i + 1] == '\'' && isxdigit(in[i + 2]) &&
			   isxdigit(in[i + 3])) {
			char hex[3] = { (char)in[i + 2], (char)in[i + 3], 0 };

			if (r->skip > 0)
				r->skip--;
			else
				inst_char(r, (char)strtol(hex, NULL, 16));
			i += 4;
		} else if (c == '\\') {
			/* control symbol: \{ \} \\ are literal text (a UNC path in a field
			 * is written with them), \* \~ ... are not */
			if (i + 1 < len && (in[i + 1] == '\\' || in[i + 1] == '{' || in[i + 1] == '}')) {
				if (r->skip > 0)
					r->skip--;
				else
					inst_char(r, (char)in[i + 1]);
			}
			i += 2;
		} else {
			if (c != '\r' && c != '\n' && r->skip > 0)
				r->skip--;
			else if (c != '\r' && c != '\n')
				inst_char(r, (char)c);
			i++;
		}
	}
	if (r->depth != 0) {
		/* Word accepts a truncated file; an open object group is cut to the end */
		while (r->depth > 0) {
			struct group *g = &r->stack[r->depth - 1];

			rc = close_group(r, len);
			if (rc)
				return rc;
			r->unclosed = g->drop ? 0 : r->unclosed + 1;
		}
	}
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int rtf_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	struct rtf r = { ctx, NULL, 0, NULL, 0, 0, 0, 0 };
	size_t i, pos = 0;
	int rc;

	if (len < 5 || memcmp(in, "{\\rtf", 5) != 0)
		return san_block(ctx, "rtf: does not start with {\\rtf");
	r.stack = calloc(MAX_DEPTH, sizeof(*r.stack));
	if (!r.stack)
		return -ENOMEM;
	rc = scan(&r, in, len);
	if (rc)
		goto out;
	if (r.nranges)
		qsort(r.ranges, r.nranges, sizeof(*r.ranges), by_start);
	for (i = 0; i < r.nranges; i++) {
		struct range *g = &r.ranges[i];

		if (g->start < pos)
			continue; /* inside a range already cut */
		rc = buf_append(out, in + pos, g->start - pos);
		if (rc < 0)
			goto out;
		san_removed(ctx, g->why, "bytes %zu-%zu", g->start, g->end);
		pos = g->end;
	}
	rc = buf_append(out, in + pos, len - pos);
	/* groups left open by a truncated input are closed so the output parses */
	for (i = 0; rc == 0 && i < r.unclosed; i++)
		rc = buf_append(out, "}", 1);
	if (rc == 0)
		rc = SAN_OK;
out:
	free(r.ranges);
	free(r.stack);
	return rc;
}
