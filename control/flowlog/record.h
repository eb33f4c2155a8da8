/* The fields of one flow-log record line, read without building a JSON tree: a record
 * is a flat JSON object whose values are strings, integers or null (segment.h), so
 * export reads millions of them at the speed of the disk. Lines are read as the writer
 * writes them (no whitespace between tokens); anything else — whitespace, nesting,
 * arrays, booleans, fractions, bad escapes, trailing bytes — is refused, and export
 * counts the line as not a record. */
#ifndef BUNRI_RECORD_H
#define BUNRI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment.h"

#define RECORD_FIELDS_MAX 40

enum record_kind { RECORD_STRING, RECORD_INT, RECORD_NULL };

struct record_field {
	const char *key;            /* NUL-terminated, unescaped, in the record's buffer */
	enum record_kind kind;
	const char *str;            /* RECORD_STRING: NUL-terminated UTF-8, unescaped */
	int64_t num;                /* RECORD_INT */
};

struct record {
	struct record_field f[RECORD_FIELDS_MAX];
	unsigned n;
	char buf[2 * SEGMENT_LINE_MAX];   /* keys and strings, unescaped */
};

/* 0 and the fields of the line (without its newline), or -EBADMSG. */
int record_parse(const char *text, size_t len, struct record *rec);
/* The field named key, or NULL. */
const struct record_field *record_get(const struct record *rec, const char *key);
/* The string value of key, "" when absent, null or not a string. */
const char *record_str(const struct record *rec, const char *key);
/* The integer value of key, 0 when absent, null, negative or not an integer. */
uint64_t record_uint(const struct record *rec, const char *key);

#endif
