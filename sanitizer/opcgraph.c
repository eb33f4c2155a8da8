#include "opcgraph.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XML_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

void opc_resolve(const char *rels_name, const char *target, char *out, size_t outlen)
{
	char tmp[2048], *seg, *save = NULL, *parts[128];
	const char *r = strstr(rels_name, "_rels/");
	size_t len = r ? (size_t)(r - rels_name) : 0;
	int n = 0, i;

	if (target[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", target + 1);
	else
		snprintf(tmp, sizeof(tmp), "%.*s%s", (int)(len < 1024 ? len : 1024), rels_name, target);
	for (seg = strtok_r(tmp, "/", &save); seg && n < 128; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			if (n > 0)
				n--;
			continue;
		}
		parts[n++] = seg;
	}
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		len = strlen(out);
		snprintf(out + len, outlen - len, "%s%s", i ? "/" : "", parts[i]);
	}
}

static long find(char *const *names, long n, const char *name)
{
	long i;

	for (i = 0; i < n; i++)
		if (names[i] && strcasecmp(names[i], name) == 0)
			return i;
	return -1;
}

/* The .rels of part name: a/b/c.xml -> a/b/_rels/c.xml.rels. */
static void rels_of(const char *name, char *out, size_t outlen)
{
	const char *slash = strrchr(name, '/');

	if (slash)
		snprintf(out, outlen, "%.*s/_rels/%s.rels", (int)(slash - name), name, slash + 1);
	else
		snprintf(out, outlen, "_rels/%s.rels", name);
}

/* Marks every internal target of the .rels part r and queues it. */
static void follow(char *const *names, const struct buf *data, long n, long r,
		   unsigned char *reached, long *queue, long *tail)
{
	xmlDocPtr doc;
	xmlNodePtr e;

	if (data[r].len == 0 || data[r].len > 0x7fffffff)
		return;
	doc = xmlReadMemory((const char *)data[r].data, (int)data[r].len, NULL, NULL, XML_OPTS);
	if (!doc)
		return;
	for (e = xmlDocGetRootElement(doc) ? xmlDocGetRootElement(doc)->children : NULL; e; e = e->next) {
		xmlChar *target, *mode;
		char full[1024];
		long t;

		if (e->type != XML_ELEMENT_NODE)
			continue;
		target = xmlGetProp(e, (const xmlChar *)"Target");
		mode = xmlGetProp(e, (const xmlChar *)"TargetMode");
		if (target && !(mode && strcasecmp((const char *)mode, "External") == 0)) {
			/* a target may carry a fragment (slide#3) */
			char *hash = strchr((char *)target, '#');

			if (hash)
				*hash = '\0';
			opc_resolve(names[r], (const char *)target, full, sizeof(full));
			t = find(names, n, full);
			if (t >= 0 && !reached[t]) {
				reached[t] = 1;
				queue[(*tail)++] = t;
			}
		}
		xmlFree(target);
		xmlFree(mode);
	}
	xmlFreeDoc(doc);
}

int opc_reach(char *const *names, const struct buf *data, long n, unsigned char *reached)
{
	long *queue, head = 0, tail = 0, i;

	memset(reached, 0, (size_t)n);
	queue = malloc((size_t)(n ? n : 1) * sizeof(*queue));
	if (!queue)
		return -ENOMEM;
	i = find(names, n, "[Content_Types].xml");
	if (i >= 0)
		reached[i] = 1;
	i = find(names, n, "_rels/.rels");
	if (i >= 0) {
		reached[i] = 1;
		follow(names, data, n, i, reached, queue, &tail);
	}
	while (head < tail) {
		char rels[1100];
		long r;

		rels_of(names[queue[head++]], rels, sizeof(rels));
		r = find(names, n, rels);
		if (r >= 0 && !reached[r]) {
			reached[r] = 1;
			follow(names, data, n, r, reached, queue, &tail);
		}
	}
	free(queue);
	return 0;
}
