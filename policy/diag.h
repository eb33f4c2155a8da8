/* Diagnostics: every error and warning a check finds, each with the file, the line and
 * the flow it concerns, so one run reports all of them. */
#ifndef BUNRI_DIAG_H
#define BUNRI_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_entry {
	enum diag_level level;
	char *file;     /* may be NULL */
	unsigned line;  /* 0 when unknown */
	char *flow;     /* flow id, NULL when the message is not about a flow */
	int rail;       /* 1..5 when a guard rail was broken, else 0 */
	char *code;     /* short stable name of the check, e.g. "unknown-host" */
	char *message;
};

struct diag;

struct diag *diag_new(void);
void diag_free(struct diag *d);

/* Records one message. Allocation failure is remembered and reported by diag_failed(). */
void diag_add(struct diag *d, enum diag_level level, const char *file, unsigned line,
	      const char *flow, int rail, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

size_t diag_count(const struct diag *d);
size_t diag_errors(const struct diag *d);
size_t diag_warnings(const struct diag *d);
const struct diag_entry *diag_get(const struct diag *d, size_t i);
bool diag_failed(const struct diag *d);
/* Sorts by file, then line, errors before warnings at one line; stable otherwise. */
void diag_sort(struct diag *d);

/* `FILE:LINE: error: flow "ID": message` for each entry. */
void diag_print(const struct diag *d, FILE *out);

#endif
