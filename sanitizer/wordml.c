#include "wordml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

#define W_NS "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define W_STRICT_NS "http://purl.oclc.org/ooxml/wordprocessingml/main"
#define MAX_DEPTH 64
#define TEXT_MAX 512

struct level {
	xmlNodePtr *inst;      /* instrText nodes of the open field, in order */
	size_t ninst, cap;
	char text[TEXT_MAX];
	size_t len;
	unsigned flags;        /* FIELD_* */
	int in_result;         /* after fldCharType="separate" */
};

struct walk {
	struct san_ctx *ctx;
	const char *part;
	struct level lv[MAX_DEPTH];
	int depth;
	int changed;
	int err;
};

int wordml_ns(const char *ns)
{
	return ns && (strcmp(ns, W_NS) == 0 || strcmp(ns, W_STRICT_NS) == 0);
}

static int is_w(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && wordml_ns((const char *)n->ns->href) &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlChar *w_prop(xmlNodePtr n, const char *name)
{
	return xmlGetNsProp(n, (const xmlChar *)name, n->ns->href);
}

static const char *report_name(enum field_kind k)
{
	return k == FIELD_DDE ? "ooxml.dde" : k == FIELD_LINK ? "ooxml.hyperlink_scheme" :
								"ooxml.remote_field";
}

static void begin(struct walk *w)
{
	struct level *up, *l;

	if (w->depth == MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	if (w->depth > 0) {
		up = &w->lv[w->depth - 1];
		if (!up->in_result) {
			up->flags |= FIELD_NESTED;
			if (strspn(up->text, " \t\r\n") == up->len)
				up->flags |= FIELD_NESTED_FIRST;
		}
	}
	l = &w->lv[w->depth++];
	l->ninst = 0;
	l->len = 0;
	l->text[0] = '\0';
	l->flags = 0;
	l->in_result = 0;
}

/* At separate or end: the instruction is complete. */
static void decide(struct walk *w, struct level *l)
{
	enum field_kind k;
	size_t i;

	if (l->in_result || l->ninst == 0)
		return;
	k = fields_classify(l->text, l->flags);
	if (k == FIELD_SAFE)
		return;
	for (i = 0; i < l->ninst; i++)
		xmlNodeSetContent(l->inst[i], (const xmlChar *)"");
	san_removed(w->ctx, report_name(k), "%s field \"%.40s\"", w->part, l->text);
	w->changed = 1;
	l->ninst = 0;
}

static void fld_char(struct walk *w, xmlNodePtr n)
{
	xmlChar *t = w_prop(n, "fldCharType");

	if (t && strcmp((const char *)t, "begin") == 0) {
		begin(w);
	} else if (t && w->depth > 0 &&
		   (strcmp((const char *)t, "separate") == 0 || strcmp((const char *)t, "end") == 0)) {
		struct level *l = &w->lv[w->depth - 1];

		decide(w, l);
		l->in_result = 1;
		if (strcmp((const char *)t, "end") == 0)
			w->depth--;
	}
	xmlFree(t);
}

static void instr_text(struct walk *w, xmlNodePtr n)
{
	struct level *l = &w->lv[w->depth - 1];
	xmlChar *c;

	if (l->in_result)
		return;
	if (l->ninst == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		xmlNodePtr *a = realloc(l->inst, cap * sizeof(*a));

		if (!a) {
			w->err = -ENOMEM;
			return;
		}
		l->inst = a;
		l->cap = cap;
	}
	l->inst[l->ninst++] = n;
	c = xmlNodeGetContent(n);
	if (c) {
		size_t add = strlen((const char *)c);

		if (l->len + add >= TEXT_MAX) {
			l->flags |= FIELD_TRUNCATED;
			add = TEXT_MAX - 1 - l->len;
		}
		memcpy(l->text + l->len, c, add);
		l->len += add;
		l->text[l->len] = '\0';
	}
	xmlFree(c);
}

static void fld_simple(struct walk *w, xmlNodePtr n)
{
	xmlChar *in = w_prop(n, "instr");
	enum field_kind k = in ? fields_classify((const char *)in, 0) : FIELD_SAFE;

	if (k != FIELD_SAFE) {
		xmlSetNsProp(n, n->ns, (const xmlChar *)"instr", (const xmlChar *)"");
		san_removed(w->ctx, report_name(k), "%s simple field \"%.40s\"", w->part, (char *)in);
		w->changed = 1;
	}
	xmlFree(in);
}

/* Document order: complex fields are split over runs (begin, instrText..., separate,
 * result, end) and nest; simple fields carry their instruction in an attribute. */
static void walk(struct walk *w, xmlNodePtr n)
{
	for (; n && !w->err; n = n->next) {
		if (is_w(n, "fldChar"))
			fld_char(w, n);
		else if (is_w(n, "instrText") && w->depth > 0)
			instr_text(w, n);
		else if (is_w(n, "fldSimple"))
			fld_simple(w, n);
		if (n->type == XML_ELEMENT_NODE)
			walk(w, n->children);
	}
}

int wordml_clean_fields(struct san_ctx *ctx, const char *part, xmlNodePtr root)
{
	struct walk *w = calloc(1, sizeof(*w));
	int i, rc;

	if (!w)
		return -ENOMEM;
	w->ctx = ctx;
	w->part = part;
	walk(w, root);
	/* a field left open at the end of the part still runs */
	while (!w->err && w->depth > 0)
		decide(w, &w->lv[--w->depth]);
	rc = w->err ? w->err : w->changed;
	for (i = 0; i < MAX_DEPTH; i++)
		free(w->lv[i].inst);
	free(w);
	return rc;
}
