#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct diag {
	struct diag_entry *v;
	size_t n, cap;
	size_t errors, warnings;
	bool failed;
};

struct diag *diag_new(void)
{
	return calloc(1, sizeof(struct diag));
}

static void entry_free(struct diag_entry *e)
{
	free(e->file);
	free(e->flow);
	free(e->code);
	free(e->message);
}

void diag_free(struct diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		entry_free(&d->v[i]);
	free(d->v);
	free(d);
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *r;

	if (!s)
		return NULL;
	r = strdup(s);
	if (!r)
		*failed = true;
	return r;
}

void diag_add(struct diag *d, enum diag_level level, const char *file, unsigned line,
	      const char *flow, int rail, const char *code, const char *fmt, ...)
{
	struct diag_entry e = { .level = level, .line = line, .rail = rail };
	bool failed = false;
	va_list ap;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct diag_entry *v = realloc(d->v, cap * sizeof(*v));

		if (!v) {
			d->failed = true;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	e.file = dup_or_null(file, &failed);
	e.flow = dup_or_null(flow, &failed);
	e.code = dup_or_null(code, &failed);
	va_start(ap, fmt);
	if (vasprintf(&e.message, fmt, ap) < 0) {
		e.message = NULL;
		failed = true;
	}
	va_end(ap);
	if (failed) {
		entry_free(&e);
		d->failed = true;
		return;
	}
	d->v[d->n++] = e;
	if (level == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

size_t diag_count(const struct diag *d)
{
	return d->n;
}

size_t diag_errors(const struct diag *d)
{
	return d->errors;
}

size_t diag_warnings(const struct diag *d)
{
	return d->warnings;
}

const struct diag_entry *diag_get(const struct diag *d, size_t i)
{
	return i < d->n ? &d->v[i] : NULL;
}

bool diag_failed(const struct diag *d)
{
	return d->failed;
}

static int compare(const struct diag_entry *a, const struct diag_entry *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return (int)a->level - (int)b->level;
}

void diag_sort(struct diag *d)
{
	/* Insertion sort: stable, and a policy has at most a few hundred messages. */
	for (size_t i = 1; i < d->n; i++) {
		struct diag_entry e = d->v[i];
		size_t j = i;

		while (j > 0 && compare(&d->v[j - 1], &e) > 0) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = e;
	}
}

void diag_print(const struct diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];

		if (e->file && e->line)
			fprintf(out, "%s:%u: ", e->file, e->line);
		else if (e->file)
			fprintf(out, "%s: ", e->file);
		if (e->level == DIAG_WARNING)
			fputs("warning: ", out);
		if (e->flow)
			fprintf(out, "flow \"%s\": ", e->flow);
		fprintf(out, "%s\n", e->message);
	}
	if (d->failed)
		fputs("(out of memory: some messages were lost)\n", out);
}
