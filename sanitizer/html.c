#include "html.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <string.h>
#include <strings.h>

#include "css.h"
#include "links.h"
#include "slog.h"

#define LOG(...) slog_write("html", __VA_ARGS__)

#define PARSE_OPTS (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | \
		    HTML_PARSE_NONET)

/* SVG's animation elements go too: <set attributeName="href" to="javascript:..."> (or
 * animate's values/from/by) turns a harmless link into a script URL when it runs. */
static const char *const dropped_elements[] = {
	"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
	"noscript", "param", "set", "animate", "animatemotion", "animatetransform",
	"animatecolor", "handler", "listener",
	/* IE: data islands and behaviours (<xml>, <?import>/<import>), server-sent events
	 * (<event-source>), background sound fetched on load (<bgsound>) */
	"xml", "import", "event-source", "bgsound",
};

static const char *const url_attributes[] = {
	"href", "src", "action", "formaction", "background", "lowsrc", "dynsrc", "data",
	"xlink:href", "poster", "codebase", "cite", "longdesc", "usemap", "ping",
	/* IE: <a folder> opens a web folder view, datasrc binds to a data source */
	"folder", "datasrc",
};

int html_prepare(void)
{
	xmlInitParser();
	return 0;
}

static int name_is(const xmlChar *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp((const char *)name, list[i]) == 0)
			return 1;
	return 0;
}

/* A form action that leaves the document's own site (absolute or scheme-relative). */
static int offsite(const xmlChar *v)
{
	while (*v && *v <= ' ')
		v++;
	return strstr((const char *)v, "//") == (const char *)v || strchr((const char *)v, ':');
}

static int meta_refresh(xmlNodePtr n)
{
	xmlChar *h = xmlGetProp(n, (const xmlChar *)"http-equiv");
	int r = h && strcasecmp((const char *)h, "refresh") == 0;

	xmlFree(h);
	return r;
}

static void report_css(struct san_ctx *ctx, xmlNodePtr n, const char *where,
		       const struct css_dropped *d)
{
	if (d->script || d->other)
		san_removed(ctx, d->script ? "html.style_script" : "html.css_property",
			    "<%s%s> line %ld: %s", n->name, where, (long)xmlGetLineNo(n), d->first);
}

/* A style attribute keeps only allowed declarations; an empty one goes. <0 when it
 * could not be rewritten (the caller removes it). */
static int clean_style(struct san_ctx *ctx, xmlNodePtr n, xmlAttrPtr a, const xmlChar *v)
{
	struct css_dropped d = { 0, 0, "" };
	struct buf out = { 0 };
	int rc;

	rc = css_declarations((const char *)v, strlen((const char *)v), &out, &d);
	if (rc == 0)
		rc = buf_append(&out, "", 1);
	if (rc < 0) {
		buf_free(&out);
		return rc;
	}
	report_css(ctx, n, " style", &d);
	if (out.len <= 1)
		xmlRemoveProp(a);
	else
		xmlSetProp(n, a->name, (const xmlChar *)out.data);
	buf_free(&out);
	return 0;
}

/* A <style> element's text is rewritten through the CSS allow-list. */
static int clean_style_element(struct san_ctx *ctx, xmlNodePtr n)
{
	struct css_dropped d = { 0, 0, "" };
	xmlChar *text = xmlNodeGetContent(n);
	struct buf out = { 0 };
	int rc = 0;

	if (!text)
		return 0;
	rc = css_stylesheet((const char *)text, strlen((const char *)text), &out, &d);
	xmlFree(text);
	if (rc == 0)
		rc = buf_append(&out, "", 1);
	if (rc == 0) {
		report_css(ctx, n, "", &d);
		while (n->children) {
			xmlNodePtr c = n->children;

			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		xmlAddChild(n, xmlNewText((const xmlChar *)out.data));
	}
	buf_free(&out);
	return rc;
}

static void clean_attributes(struct san_ctx *ctx, xmlNodePtr n)
{
	xmlAttrPtr a = n->properties;

	while (a) {
		xmlAttrPtr next = a->next;
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		const char *what = NULL;

		if (strncasecmp((const char *)a->name, "on", 2) == 0)
			what = "html.event_handler";
		else if (strcasecmp((const char *)a->name, "srcdoc") == 0)
			what = "html.srcdoc";
		else if (v && strcasecmp((const char *)a->name, "formaction") == 0 && offsite(v))
			what = "html.form_offsite";
		else if (v && name_is(a->name, url_attributes,
				      sizeof(url_attributes) / sizeof(url_attributes[0])) &&
			 links_is_script((const char *)v, strlen((const char *)v)))
			what = "html.script_url";
		else if (v && name_is(a->name, url_attributes,
				      sizeof(url_attributes) / sizeof(url_attributes[0])) &&
			 !links_allowed((const char *)v, strlen((const char *)v), LINK_BASE_SITE))
			what = "html.url_scheme";
		else if (v && strcasecmp((const char *)a->name, "style") == 0) {
			if (clean_style(ctx, n, a, v) < 0)
				what = "html.style_script";
		}
		if (what) {
			san_removed(ctx, what, "<%s %s> line %ld", n->name, a->name,
				    (long)xmlGetLineNo(n));
			xmlRemoveProp(a);
		}
		xmlFree(v);
		a = next;
	}
}

static void clean_tree(struct san_ctx *ctx, xmlNodePtr n)
{
	while (n) {
		xmlNodePtr next = n->next;

		if (n->type == XML_ELEMENT_NODE) {
			const char *what = NULL;
			xmlChar *action;

			if (name_is(n->name, dropped_elements,
				    sizeof(dropped_elements) / sizeof(dropped_elements[0])))
				what = strcasecmp((const char *)n->name, "script") == 0 ? "html.script" :
											   "html.element";
			else if (strcasecmp((const char *)n->name, "meta") == 0 && meta_refresh(n))
				what = "html.meta_refresh";
			else if (strcasecmp((const char *)n->name, "link") == 0)
				what = "html.link";
			else if (strcasecmp((const char *)n->name, "form") == 0) {
				action = xmlGetProp(n, (const xmlChar *)"action");
				if (action && offsite(action))
					what = "html.form_offsite";
				xmlFree(action);
			}
			if (what) {
				san_removed(ctx, what, "<%s> line %ld", n->name, (long)xmlGetLineNo(n));
				/* the parser nests what follows an unclosed <embed> or <form> inside
				 * it: keep those children (they are cleaned in turn), drop only
				 * script text */
				if (strcmp(what, "html.script") != 0 && n->children) {
					next = n->children;
					while (n->children) {
						xmlNodePtr c = n->children;

						xmlUnlinkNode(c);
						xmlAddPrevSibling(n, c);
					}
				}
				xmlUnlinkNode(n);
				xmlFreeNode(n);
			} else if (strcasecmp((const char *)n->name, "style") == 0) {
				clean_attributes(ctx, n);
				if (clean_style_element(ctx, n) < 0) {
					san_removed(ctx, "html.style_script", "<style> line %ld",
						    (long)xmlGetLineNo(n));
					xmlUnlinkNode(n);
					xmlFreeNode(n);
				}
			} else {
				clean_attributes(ctx, n);
				clean_tree(ctx, n->children);
			}
		} else if (n->type == XML_PI_NODE || n->type == XML_COMMENT_NODE) {
			/* browsers end a comment at "<!-->" or "<!--->" where libxml2 does not,
			 * and IE reads conditional comments: a comment written back out could
			 * become markup, so none is */
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
		n = next;
	}
}

static void utf8_meta(xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcasecmp((const char *)n->name, "meta") == 0 && xmlHasProp(n, (const xmlChar *)"charset"))
			xmlSetProp(n, (const xmlChar *)"charset", (const xmlChar *)"UTF-8");
		utf8_meta(n->children);
	}
}

/* htmlSetMetaEncoding needs a <head> to put the charset in. */
static void ensure_head(htmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), c, head;

	if (!root || strcasecmp((const char *)root->name, "html") != 0)
		return;
	for (c = root->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcasecmp((const char *)c->name, "head") == 0)
			return;
	head = xmlNewDocNode(doc, NULL, (const xmlChar *)"head", NULL);
	if (!head)
		return;
	if (root->children)
		xmlAddPrevSibling(root->children, head);
	else
		xmlAddChild(root, head);
}

int html_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	htmlDocPtr doc;
	xmlChar *mem = NULL;
	int size = 0, rc;

	if (len > INT_MAX)
		return san_block(ctx, "html: too large");
	doc = htmlReadMemory((const char *)in, (int)len, NULL, NULL, PARSE_OPTS);
	if (!doc)
		return san_block(ctx, "html: cannot be parsed");
	clean_tree(ctx, xmlDocGetRootElement(doc));
	/* written as UTF-8 whatever it came in: libxml2 2.9 ignores <meta charset> when
	 * saving and would turn every non-ASCII character into a numeric reference */
	utf8_meta(xmlDocGetRootElement(doc));
	ensure_head(doc);
	htmlSetMetaEncoding(doc, (const xmlChar *)"UTF-8");
	htmlDocDumpMemoryFormat(doc, &mem, &size, 0);
	if (!mem) {
		rc = -ENOMEM;
		goto err_doc;
	}
	rc = buf_append(out, mem, (size_t)size) < 0 ? -ENOMEM : SAN_OK;
	xmlFree(mem);
err_doc:
	xmlFreeDoc(doc);
	return rc;
}

static int block_element(const xmlChar *name)
{
	static const char *const blocks[] = { "p", "div", "br", "tr", "li", "h1", "h2", "h3",
					      "h4", "h5", "h6", "table", "blockquote", "pre",
					      "hr", "ul", "ol", "dt", "dd", "title" };

	return name_is(name, blocks, sizeof(blocks) / sizeof(blocks[0]));
}

static int text_walk(xmlNodePtr n, struct buf *out)
{
	int rc = 0;

	for (; n && rc == 0; n = n->next) {
		if (n->type == XML_TEXT_NODE && n->content) {
			rc = buf_puts(out, (const char *)n->content);
		} else if (n->type == XML_ELEMENT_NODE) {
			if (strcasecmp((const char *)n->name, "script") == 0 ||
			    strcasecmp((const char *)n->name, "style") == 0 ||
			    strcasecmp((const char *)n->name, "head") == 0)
				continue;
			if (strcasecmp((const char *)n->name, "a") == 0) {
				rc = text_walk(n->children, out);
				continue;
			}
			rc = text_walk(n->children, out);
			if (rc == 0 && block_element(n->name))
				rc = buf_puts(out, "\n");
		}
	}
	return rc;
}

int html_to_text(const unsigned char *in, size_t len, struct buf *out)
{
	htmlDocPtr doc;
	int rc;

	if (len > INT_MAX)
		return -EINVAL;
	doc = htmlReadMemory((const char *)in, (int)len, NULL, "UTF-8", PARSE_OPTS);
	if (!doc)
		return -EINVAL;
	rc = text_walk(xmlDocGetRootElement(doc), out);
	xmlFreeDoc(doc);
	return rc;
}
