#include "ooxml.h"

#include <ctype.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "image.h"
#include "links.h"
#include "ole2.h"
#include "ooxmlrules.h"
#include "opcgraph.h"
#include "slog.h"
#include "wordml.h"
#include "zipio.h"

#define LOG(...) slog_write("ooxml", __VA_ARGS__)

#define XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)
#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define REL_STRICT_NS "http://purl.oclc.org/ooxml/officeDocument/relationships"
#define MAX_REMOVED_IDS 256

struct part {
	char *name;
	char *ctype;           /* from [Content_Types].xml; NULL when it names none */
	int ctype_override;    /* ctype came from an Override, not a Default */
	struct buf data;
	const char *drop;      /* report name when the part is removed */
	int changed;
	int wordml;            /* a WordprocessingML part: its fields are checked */
};

struct pkg {
	struct san_ctx *ctx;
	struct part *parts;
	long n;
};

static struct part *find_part(struct pkg *p, const char *name)
{
	long i;

	for (i = 0; i < p->n; i++)
		if (p->parts[i].name && strcasecmp(p->parts[i].name, name) == 0)
			return &p->parts[i];
	return NULL;
}

static int parse(struct part *pt, xmlDocPtr *doc)
{
	if (pt->data.len > INT32_MAX)
		return -EFBIG;
	*doc = xmlReadMemory((const char *)pt->data.data, (int)pt->data.len, pt->name, NULL, XML_OPTS);
	return *doc ? 0 : -EINVAL;
}

static int store(struct part *pt, xmlDocPtr doc)
{
	xmlChar *mem = NULL;
	int size = 0;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (!mem)
		return -ENOMEM;
	pt->data.len = 0;
	if (buf_append(&pt->data, mem, (size_t)size) < 0) {
		xmlFree(mem);
		return -ENOMEM;
	}
	xmlFree(mem);
	pt->changed = 1;
	return 0;
}

struct idset {
	char *ids[MAX_REMOVED_IDS];
	int n;
};

/* Removes, in a .rels part, relationships to removed parts and external ones. The ids
 * taken out are collected so the owning part can lose its references to them. */
static int clean_rels(struct pkg *p, struct part *pt, struct idset *ids)
{
	xmlDocPtr doc;
	xmlNodePtr n, next;
	int rc, changed = 0;

	rc = parse(pt, &doc);
	if (rc < 0)
		return san_block(p->ctx, "ooxml: %s is not well-formed XML", pt->name);
	for (n = xmlDocGetRootElement(doc) ? xmlDocGetRootElement(doc)->children : NULL; n; n = next) {
		xmlChar *mode, *target, *type, *id;
		const char *what = NULL;
		char full[1024];
		struct part *tp;

		next = n->next;
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "Relationship") != 0)
			continue;
		mode = xmlGetProp(n, (const xmlChar *)"TargetMode");
		target = xmlGetProp(n, (const xmlChar *)"Target");
		type = xmlGetProp(n, (const xmlChar *)"Type");
		id = xmlGetProp(n, (const xmlChar *)"Id");
		if (mode && strcasecmp((const char *)mode, "External") == 0) {
			if (!(type && strstr((const char *)type, "/hyperlink") && p->ctx->cfg->pdf_keep_uri))
				what = "ooxml.external_relationship";
			else if (!target || !links_allowed((const char *)target, strlen((const char *)target),
							   LINK_BASE_FILE))
				what = "ooxml.hyperlink_scheme";
		} else if (target) {
			opc_resolve(pt->name, (const char *)target, full, sizeof(full));
			tp = find_part(p, full);
			if (tp && tp->drop)
				what = tp->drop;
			else if (ooxml_name_rule(full))
				what = ooxml_name_rule(full);
		}
		if (!what)
			what = ooxml_rel_rule((const char *)type);
		if (what) {
			san_removed(p->ctx, what, "%s %s -> %s", pt->name, id ? (char *)id : "?",
				    target ? (char *)target : "?");
			/* the part the relationship pointed to goes too */
			if (target && !(mode && strcasecmp((const char *)mode, "External") == 0)) {
				opc_resolve(pt->name, (const char *)target, full, sizeof(full));
				tp = find_part(p, full);
				if (tp && !tp->drop) {
					tp->drop = what;
					san_removed(p->ctx, what, "%s", tp->name);
				}
			}
			if (id && ids->n < MAX_REMOVED_IDS)
				ids->ids[ids->n++] = strdup((const char *)id);
			xmlUnlinkNode(n);
			xmlFreeNode(n);
			changed = 1;
		}
		xmlFree(mode);
		xmlFree(target);
		xmlFree(type);
		xmlFree(id);
	}
	rc = changed ? store(pt, doc) : 0;
	xmlFreeDoc(doc);
	return rc;
}

static int id_removed(const struct idset *ids, const xmlChar *v)
{
	int i;

	for (i = 0; i < ids->n; i++)
		if (ids->ids[i] && strcmp(ids->ids[i], (const char *)v) == 0)
			return 1;
	return 0;
}

/* Drops elements of a part that refer to a removed relationship (r:id, r:link, ...). */
static int drop_refs(xmlNodePtr n, const struct idset *ids)
{
	int changed = 0;

	while (n) {
		xmlNodePtr next = n->next;
		xmlAttrPtr a;
		int gone = 0;

		if (n->type == XML_ELEMENT_NODE) {
			for (a = n->properties; a && !gone; a = a->next) {
				xmlChar *v;

				if (!a->ns || (strcmp((const char *)a->ns->href, REL_NS) != 0 &&
					       strcmp((const char *)a->ns->href, REL_STRICT_NS) != 0))
					continue;
				v = xmlNodeGetContent((xmlNodePtr)a);
				gone = v && id_removed(ids, v);
				xmlFree(v);
			}
			if (gone) {
				xmlUnlinkNode(n);
				xmlFreeNode(n);
				changed = 1;
			} else {
				changed |= drop_refs(n->children, ids);
			}
		}
		n = next;
	}
	return changed;
}

/* The part a .rels file belongs to: word/_rels/document.xml.rels -> word/document.xml. */
static void rels_owner(const char *rels, char *out, size_t outlen)
{
	const char *r = strstr(rels, "_rels/");
	size_t l;

	out[0] = '\0';
	if (!r)
		return;
	snprintf(out, outlen, "%.*s%s", (int)(r - rels), rels, r + 6);
	l = strlen(out);
	if (l > 5 && strcmp(out + l - 5, ".rels") == 0)
		out[l - 5] = '\0';
}

static int clean_part_xml(struct pkg *p, struct part *pt, const struct idset *ids)
{
	xmlDocPtr doc;
	int rc, changed = 0;

	rc = parse(pt, &doc);
	if (rc < 0)
		return san_block(p->ctx, "ooxml: %s is not well-formed XML", pt->name);
	if (ids && ids->n)
		changed |= drop_refs(xmlDocGetRootElement(doc), ids);
	if (pt->wordml) {
		rc = wordml_clean_fields(p->ctx, pt->name, xmlDocGetRootElement(doc));
		if (rc == -E2BIG) {
			rc = san_block(p->ctx, "ooxml: %s: fields nested too deep to check", pt->name);
			goto out;
		}
		if (rc < 0)
			goto out;
		changed |= rc;
	}
	rc = changed ? store(pt, doc) : 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

static int clean_content_types(struct pkg *p, struct part *pt, char *ext, size_t extlen)
{
	xmlDocPtr doc;
	xmlNodePtr n, next;
	int rc;

	rc = parse(pt, &doc);
	if (rc < 0)
		return san_block(p->ctx, "ooxml: [Content_Types].xml is not well-formed XML");
	for (n = xmlDocGetRootElement(doc) ? xmlDocGetRootElement(doc)->children : NULL; n; n = next) {
		xmlChar *ct = xmlGetProp(n, (const xmlChar *)"ContentType");
		xmlChar *pn = xmlGetProp(n, (const xmlChar *)"PartName");
		const char *main_ext, *to = NULL;
		int gone = 0;

		next = n->next;
		if (ct && strstr((const char *)ct, "vbaProject"))
			gone = 1;
		if (ct && strstr((const char *)ct, "binary.macroEnabled"))
			gone = 1;
		if (ct && ooxml_ctype_rule((const char *)ct))
			gone = 1;
		if (pn && pn[0] == '/') {
			struct part *tp = find_part(p, (const char *)pn + 1);

			if (!tp || tp->drop)
				gone = 1;
		}
		if (ct && !gone && (main_ext = ooxml_main_type(&to, (const char *)ct))) {
			snprintf(ext, extlen, "%s", main_ext);
			if (to) {
				xmlSetProp(n, (const xmlChar *)"ContentType", (const xmlChar *)to);
				san_removed(p->ctx, "ooxml.macro_enabled_type", "%s now %s",
					    pn ? (char *)pn : "?", main_ext);
			}
		}
		xmlFree(ct);
		xmlFree(pn);
		if (gone) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
	}
	rc = store(pt, doc);
	xmlFreeDoc(doc);
	return rc;
}

static int xml_name(const char *name)
{
	size_t l = strlen(name);

	return (l > 4 && strcasecmp(name + l - 4, ".xml") == 0) ||
	       (l > 5 && strcasecmp(name + l - 5, ".rels") == 0) ||
	       (l > 4 && strcasecmp(name + l - 4, ".vml") == 0);
}

/* Office reads a part as XML by its content type, whatever its name ends with. */
static int xml_part(const struct part *pt)
{
	size_t l = pt->ctype ? strlen(pt->ctype) : 0;

	return xml_name(pt->name) || (l > 4 && strcasecmp(pt->ctype + l - 4, "+xml") == 0) ||
	       (pt->ctype && strcasestr(pt->ctype, "/xml"));
}

/* A PNG, JPEG or GIF under media/ is checked like an image file: bytes after its end
 * are cut, a malformed one is left out (its relationship and references go with it). */
static int check_image(struct pkg *p, struct part *pt)
{
	const unsigned char *d = pt->data.data;
	size_t n = pt->data.len;
	char saved[sizeof(p->ctx->where)];
	struct buf clean = { 0 };
	int rc;

	if (n < 8 || !((d[0] == 0x89 && d[1] == 'P') || (d[0] == 0xff && d[1] == 0xd8) ||
		       memcmp(d, "GIF8", 4) == 0))
		return 0;
	memcpy(saved, p->ctx->where, sizeof(saved));
	if (snprintf(p->ctx->where, sizeof(p->ctx->where), "%.256s%.200s: ", saved, pt->name) < 0)
		p->ctx->where[0] = '\0';
	rc = image_sanitize(p->ctx, d, n, &clean);
	memcpy(p->ctx->where, saved, sizeof(saved));
	if (rc == SAN_OK) {
		buf_free(&pt->data);
		pt->data = clean;
		return 0;
	}
	buf_free(&clean);
	if (rc < 0)
		return rc;
	p->ctx->reason[0] = '\0';
	pt->drop = "ooxml.bad_image";
	return 0;
}

/* Each part's content type from [Content_Types].xml: its Override, else the Default for
 * its extension, both matched case-insensitively. Where the file names a part twice, a
 * type that removes the part wins. */
static int read_ctypes(struct pkg *p, struct part *ct)
{
	xmlDocPtr doc;
	xmlNodePtr n;
	int pass;
	long i;

	if (parse(ct, &doc) < 0)
		return san_block(p->ctx, "ooxml: [Content_Types].xml is not well-formed XML");
	for (pass = 0; pass < 2; pass++) {
		for (n = xmlDocGetRootElement(doc) ? xmlDocGetRootElement(doc)->children : NULL; n; n = n->next) {
			int over = n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "Override") == 0;
			int def = n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "Default") == 0;
			xmlChar *type, *key;

			if (pass == 0 ? !over : !def)
				continue;
			type = xmlGetProp(n, (const xmlChar *)"ContentType");
			key = xmlGetProp(n, (const xmlChar *)(over ? "PartName" : "Extension"));
			for (i = 0; type && key && i < p->n; i++) {
				struct part *pt = &p->parts[i];
				const char *dot = pt->name ? strrchr(pt->name, '.') : NULL;
				int match = over ? pt->name && strcasecmp(pt->name, (const char *)key + (key[0] == '/')) == 0
						 : dot && !pt->ctype_override && strcasecmp(dot + 1, (const char *)key) == 0;

				if (!match || (pt->ctype && !ooxml_ctype_rule((const char *)type)))
					continue;
				free(pt->ctype);
				pt->ctype = strdup((const char *)type);
				pt->ctype_override = over;
				if (!pt->ctype) {
					xmlFree(type);
					xmlFree(key);
					xmlFreeDoc(doc);
					return -ENOMEM;
				}
			}
			xmlFree(type);
			xmlFree(key);
		}
	}
	xmlFreeDoc(doc);
	return 0;
}

/* The root element of an XML part, read without building the tree: a macro sheet or a
 * link part under a harmless name and type is still recognised by what it is, and a
 * WordprocessingML story anywhere gets its fields checked. */
static const char *sniff_root(struct part *pt)
{
	static const struct {
		const char *root, *what;
	} roots[] = {
		{ "macrosheet", "ooxml.macrosheet" }, { "dialogsheet", "ooxml.macrosheet" },
		{ "externalLink", "ooxml.external_link" }, { "connections", "ooxml.data_connection" },
		{ "queryTable", "ooxml.data_connection" }, { "ocx", "ooxml.activex" },
		{ "vbaSuppData", "ooxml.vba" },
	};
	xmlTextReaderPtr r;
	const char *what = NULL;
	size_t i;

	if (pt->data.len == 0 || pt->data.len > INT32_MAX)
		return NULL;
	r = xmlReaderForMemory((const char *)pt->data.data, (int)pt->data.len, pt->name, NULL, XML_OPTS);
	if (!r)
		return NULL;
	while (xmlTextReaderRead(r) == 1) {
		const xmlChar *local;

		if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT)
			continue;
		local = xmlTextReaderConstLocalName(r);
		if (wordml_ns((const char *)xmlTextReaderConstNamespaceUri(r)))
			pt->wordml = 1;
		for (i = 0; local && i < sizeof(roots) / sizeof(roots[0]); i++)
			if (strcmp((const char *)local, roots[i].root) == 0)
				what = roots[i].what;
		break;
	}
	xmlFreeTextReader(r);
	return what;
}

/* A part that is itself a compound file or a zip is a VBA project or an embedded
 * document, whatever its name (media/vba1.bin) and type say. */
static const char *binary_kind(const struct part *pt)
{
	const unsigned char *d = pt->data.data;

	if (pt->data.len >= 8 && memcmp(d, "\xd0\xcf\x11\xe0", 4) == 0)
		return ole2_is_vba_project(d, pt->data.len) ? "ooxml.vba" : "ooxml.embedded_object";
	if (pt->data.len >= 4 && memcmp(d, "PK\3\4", 4) == 0)
		return "ooxml.embedded_object";
	return NULL;
}

static int load(struct pkg *p, struct zipin *z)
{
	struct part *ct;
	long i;
	int rc;

	p->n = zipin_count(z);
	p->parts = calloc((size_t)(p->n ? p->n : 1), sizeof(*p->parts));
	if (!p->parts)
		return -ENOMEM;
	for (i = 0; i < p->n; i++) {
		const char *name = zipin_name(z, i);

		if (!name)
			continue;
		if (strstr(name, "..") || name[0] == '/')
			return san_block(p->ctx, "ooxml: part name %s leaves the package", name);
		if (strcasecmp(name, "xl/workbook.bin") == 0)
			return san_block(p->ctx, "ooxml: binary workbook (xlsb) cannot be sanitized");
		p->parts[i].name = strdup(name);
		if (!p->parts[i].name)
			return -ENOMEM;
	}
	ct = find_part(p, "[Content_Types].xml");
	if (!ct)
		return san_block(p->ctx, "ooxml: no [Content_Types].xml");
	rc = zipin_read(p->ctx, z, ct - p->parts, &ct->data);
	if (rc != SAN_OK)
		return rc;
	rc = read_ctypes(p, ct);
	if (rc != 0)
		return rc;
	for (i = 0; i < p->n; i++) {
		struct part *pt = &p->parts[i];

		if (!pt->name || pt == ct)
			continue;
		pt->drop = ooxml_name_rule(pt->name);
		if (!pt->drop)
			pt->drop = ooxml_ctype_rule(pt->ctype);
		if (pt->drop)
			continue;
		rc = zipin_read(p->ctx, z, i, &pt->data);
		if (rc != SAN_OK)
			return rc;
		if (strcasestr(pt->name, "/media/")) {
			rc = check_image(p, pt);
			if (rc < 0)
				return rc;
		}
		if (!pt->drop)
			pt->drop = binary_kind(pt);
		if (pt->drop || !xml_part(pt) || strstr(pt->name, "_rels/"))
			continue;
		pt->drop = sniff_root(pt);
		/* by folder and type too: a part Word reads fails closed if it does not parse */
		if (strncasecmp(pt->name, "word/", 5) == 0 ||
		    (pt->ctype && (strcasestr(pt->ctype, "wordprocessingml") || strcasestr(pt->ctype, "ms-word"))))
			pt->wordml = 1;
	}
	return 0;
}

/* Marks the targets of relationships whose type is active content, then the .rels of
 * every removed part, before any relationship is rewritten: a part removed late would
 * leave relationships to it that were already kept. */
static int mark_by_rel_type(struct pkg *p)
{
	long i;

	for (i = 0; i < p->n; i++) {
		struct part *pt = &p->parts[i];
		xmlDocPtr doc;
		xmlNodePtr n;
		size_t l;

		if (!pt->name || pt->drop)
			continue;
		l = strlen(pt->name);
		if (l < 5 || strcasecmp(pt->name + l - 5, ".rels") != 0)
			continue;
		if (parse(pt, &doc) < 0)
			return san_block(p->ctx, "ooxml: %s is not well-formed XML", pt->name);
		for (n = xmlDocGetRootElement(doc) ? xmlDocGetRootElement(doc)->children : NULL; n; n = n->next) {
			xmlChar *type, *target, *mode;
			const char *what;
			char full[1024];
			struct part *tp;

			if (n->type != XML_ELEMENT_NODE)
				continue;
			type = xmlGetProp(n, (const xmlChar *)"Type");
			target = xmlGetProp(n, (const xmlChar *)"Target");
			mode = xmlGetProp(n, (const xmlChar *)"TargetMode");
			what = ooxml_rel_rule((const char *)type);
			if (what && target && !(mode && strcasecmp((const char *)mode, "External") == 0)) {
				opc_resolve(pt->name, (const char *)target, full, sizeof(full));
				tp = find_part(p, full);
				if (tp && !tp->drop && tp != pt)
					tp->drop = what;
			}
			xmlFree(type);
			xmlFree(target);
			xmlFree(mode);
		}
		xmlFreeDoc(doc);
	}
	for (i = 0; i < p->n; i++) {
		struct part *pt = &p->parts[i], *op;
		char owner[1024];

		if (!pt->name || pt->drop || !strstr(pt->name, "_rels/"))
			continue;
		rels_owner(pt->name, owner, sizeof(owner));
		op = owner[0] ? find_part(p, owner) : NULL;
		if (op && op->drop)
			pt->drop = op->drop;
	}
	return 0;
}

/* Parts no relationship of a kept part reaches are removed. XPS finds its pages
 * through markup (DocumentReference, PageContent), not relationships: it is left to the
 * content checks. */
static int mark_unreached(struct pkg *p)
{
	unsigned char *reached;
	char **names;
	struct buf *data;
	long i;
	int rc = -ENOMEM;

	for (i = 0; i < p->n; i++)
		if (p->parts[i].ctype && strcasestr(p->parts[i].ctype, "xps"))
			return 0;
	names = calloc((size_t)(p->n ? p->n : 1), sizeof(*names));
	data = calloc((size_t)(p->n ? p->n : 1), sizeof(*data));
	reached = calloc((size_t)(p->n ? p->n : 1), 1);
	if (!names || !data || !reached)
		goto out;
	for (i = 0; i < p->n; i++) {
		names[i] = p->parts[i].drop ? NULL : p->parts[i].name;
		data[i] = p->parts[i].data;
	}
	rc = opc_reach(names, data, p->n, reached);
	for (i = 0; rc == 0 && i < p->n; i++)
		if (names[i] && !reached[i])
			p->parts[i].drop = "ooxml.unreferenced_part";
out:
	free(names);
	free(data);
	free(reached);
	return rc;
}

int ooxml_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out,
		   char *out_ext, size_t ext_len)
{
	struct pkg p = { ctx, NULL, 0 };
	struct zipout *zo = NULL;
	struct zipin *z;
	struct part *ct;
	long i;
	int rc, j;

	z = zipin_open(ctx, in, len, &rc);
	if (!z)
		return rc;
	rc = load(&p, z);
	if (rc == 0)
		rc = mark_by_rel_type(&p);
	if (rc == 0)
		rc = mark_unreached(&p);
	if (rc != 0)
		goto out;
	for (i = 0; i < p.n; i++)
		if (p.parts[i].drop)
			san_removed(ctx, p.parts[i].drop, "%s", p.parts[i].name);
	/* relationships first, so each part knows which of its references went away */
	for (i = 0; i < p.n && rc == 0; i++) {
		struct part *pt = &p.parts[i];
		struct idset ids = { { 0 }, 0 };
		char owner[1024];
		struct part *op;
		size_t l;

		if (!pt->name || pt->drop)
			continue;
		l = strlen(pt->name);
		if (l < 5 || strcasecmp(pt->name + l - 5, ".rels") != 0)
			continue;
		rc = clean_rels(&p, pt, &ids);
		rels_owner(pt->name, owner, sizeof(owner));
		op = owner[0] ? find_part(&p, owner) : NULL;
		if (rc == 0 && op && !op->drop && ids.n && xml_part(op))
			rc = clean_part_xml(&p, op, &ids);
		for (j = 0; j < ids.n; j++)
			free(ids.ids[j]);
	}
	for (i = 0; i < p.n && rc == 0; i++) {
		struct part *pt = &p.parts[i];

		if (pt->name && !pt->drop && pt->wordml)
			rc = clean_part_xml(&p, pt, NULL);
	}
	if (rc != 0)
		goto out;
	ct = find_part(&p, "[Content_Types].xml");
	rc = clean_content_types(&p, ct, out_ext, ext_len);
	if (rc != 0)
		goto out;
	zo = zipout_new();
	if (!zo) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p.n && rc == 0; i++)
		if (p.parts[i].name && !p.parts[i].drop)
			rc = zipout_add(zo, p.parts[i].name, p.parts[i].data.data, p.parts[i].data.len);
	if (rc == 0) {
		rc = zipout_finish(zo, out);
		zo = NULL;
	}
	if (rc == 0)
		rc = SAN_OK;
out:
	zipout_free(zo);
	for (i = 0; i < p.n; i++) {
		free(p.parts[i].name);
		free(p.parts[i].ctype);
		buf_free(&p.parts[i].data);
	}
	free(p.parts);
	zipin_close(z);
	return rc;
}
