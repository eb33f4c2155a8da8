#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "expect.h"

struct expectation {
	unsigned line;
	uint8_t zone;
	uint64_t index;
	char *verdict;
	bool has_to, has_flow, has_reason;
	char *to;       /* NULL with has_to: expected null */
	char *flow;
	char *reason;
};

struct expect {
	const char *path;
	size_t n;
	struct expectation *e;
};

static void expectation_clear(struct expectation *x)
{
	free(x->verdict);
	free(x->to);
	free(x->flow);
	free(x->reason);
}

void expect_free(struct expect *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++)
		expectation_clear(&e->e[i]);
	free(e->e);
	free(e);
}

/* An optional string-or-null member. -1 when it has another type. */
static int opt_string(json_t *obj, const char *key, bool *has, char **out)
{
	json_t *v = json_object_get(obj, key);

	*has = v != NULL;
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = strdup(json_string_value(v));
	return *out == NULL ? -1 : 0;
}

static int parse_line(const char *path, unsigned line, const char *text, FILE *err,
		      struct expectation *x)
{
	json_error_t je;
	json_t *obj = json_loads(text, 0, &je);
	json_t *zone, *index, *verdict;
	int ret = -EINVAL;

	memset(x, 0, sizeof(*x));
	x->line = line;
	if (obj == NULL || !json_is_object(obj)) {
		fprintf(err, "%s:%u: not a JSON object: %s\n", path, line,
			obj == NULL ? je.text : "another JSON value");
		goto out;
	}
	zone = json_object_get(obj, "zone");
	index = json_object_get(obj, "index");
	verdict = json_object_get(obj, "verdict");
	if (!json_is_string(zone) || zone_from_name(json_string_value(zone)) == ZONE_NONE) {
		fprintf(err, "%s:%u: \"zone\" must be mynumber, lgwan or internet\n", path, line);
		goto out;
	}
	if (!json_is_integer(index) || json_integer_value(index) < 0) {
		fprintf(err, "%s:%u: \"index\" must be the frame's 0-based position in its pcap\n",
			path, line);
		goto out;
	}
	if (!json_is_string(verdict)) {
		fprintf(err, "%s:%u: \"verdict\" must be \"forward\", \"drop\" or \"local\"\n",
			path, line);
		goto out;
	}
	x->zone = (uint8_t)zone_from_name(json_string_value(zone));
	x->index = (uint64_t)json_integer_value(index);
	x->verdict = strdup(json_string_value(verdict));
	if (x->verdict == NULL ||
	    opt_string(obj, "to", &x->has_to, &x->to) != 0 ||
	    opt_string(obj, "flow", &x->has_flow, &x->flow) != 0 ||
	    opt_string(obj, "reason", &x->has_reason, &x->reason) != 0) {
		fprintf(err, "%s:%u: \"to\", \"flow\" and \"reason\" must be strings or null\n",
			path, line);
		goto out;
	}
	ret = 0;
out:
	json_decref(obj);
	if (ret != 0)
		expectation_clear(x);
	return ret;
}

int expect_load(const char *path, FILE *err, struct expect **out)
{
	struct expect *e = calloc(1, sizeof(*e));
	char *text = NULL;
	size_t cap = 0;
	unsigned line = 0, bad = 0;
	FILE *f;
	int ret = -ENOMEM;

	*out = NULL;
	if (e == NULL)
		goto err_alloc;
	e->path = path;
	f = fopen(path, "r");
	if (f == NULL) {
		ret = -errno;
		fprintf(err, "%s: cannot read expected verdicts: %s\n", path, strerror(errno));
		goto err_open;
	}
	while (getline(&text, &cap, f) >= 0) {
		struct expectation x, *grown;

		line++;
		if (strspn(text, " \t\r\n") == strlen(text))
			continue; /* blank lines are allowed */
		if (parse_line(path, line, text, err, &x) != 0) {
			bad++;
			continue;
		}
		grown = realloc(e->e, (e->n + 1) * sizeof(*e->e));
		if (grown == NULL) {
			expectation_clear(&x);
			ret = -ENOMEM;
			goto err_read;
		}
		e->e = grown;
		e->e[e->n++] = x;
	}
	if (bad > 0) {
		ret = -EINVAL;
		goto err_read;
	}
	free(text);
	fclose(f);
	*out = e;
	return 0;

err_read:
	free(text);
	fclose(f);
err_open:
	expect_free(e);
err_alloc:
	return ret;
}

static bool same(const char *want, const char *got)
{
	if (want == NULL || got == NULL)
		return want == got;
	return strcmp(want, got) == 0;
}

static const char *show(const char *s)
{
	return s == NULL ? "null" : s;
}

unsigned expect_compare(const struct expect *e, const struct expect_verdict *got,
			size_t n, FILE *out)
{
	/* Frame i of a zone's pcap is the zone's i-th verdict: index them by position. */
	const struct expect_verdict **by_index[ZONE_COUNT] = { NULL };
	size_t count[ZONE_COUNT] = { 0 };
	unsigned bad = 0;

	for (size_t j = 0; j < n; j++)
		if (got[j].zone < ZONE_COUNT && got[j].index + 1 > count[got[j].zone])
			count[got[j].zone] = got[j].index + 1;
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		by_index[z] = calloc(count[z] + 1, sizeof(*by_index[z]));
		if (by_index[z] == NULL) {
			fprintf(out, "%s: out of memory comparing verdicts\n", e->path);
			bad = 1;
			goto out;
		}
	}
	for (size_t j = 0; j < n; j++)
		if (got[j].zone < ZONE_COUNT)
			by_index[got[j].zone][got[j].index] = &got[j];

	for (size_t i = 0; i < e->n; i++) {
		const struct expectation *x = &e->e[i];
		const struct expect_verdict *g = x->index < count[x->zone] ?
			by_index[x->zone][x->index] : NULL;

		if (g == NULL) {
			fprintf(out, "%s:%u: %s frame %llu: no such frame in the input\n", e->path,
				x->line, zone_name((enum zone)x->zone),
				(unsigned long long)x->index);
			bad++;
			continue;
		}
		if (!same(x->verdict, g->verdict) ||
		    (x->has_to && !same(x->to, g->to)) ||
		    (x->has_flow && !same(x->flow, g->flow)) ||
		    (x->has_reason && !same(x->reason, g->reason))) {
			fprintf(out, "%s:%u: %s frame %llu: got %s to=%s flow=%s reason=%s, "
				"expected %s to=%s flow=%s reason=%s\n", e->path, x->line,
				zone_name((enum zone)x->zone), (unsigned long long)x->index,
				g->verdict, show(g->to), show(g->flow), show(g->reason),
				x->verdict, x->has_to ? show(x->to) : "*",
				x->has_flow ? show(x->flow) : "*",
				x->has_reason ? show(x->reason) : "*");
			bad++;
		}
	}
out:
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		free(by_index[z]);
	return bad;
}
