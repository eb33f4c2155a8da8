#include "text.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static int is_csv_name(const char *name)
{
	const char *dot = name ? strrchr(name, '.') : NULL;

	return dot && (strcasecmp(dot, ".csv") == 0 || strcasecmp(dot, ".tsv") == 0);
}

static int is_sep(unsigned char c)
{
	return c == ',' || c == ';' || c == '\t';
}

/* A cell made of a sign and a number (-12.5, +3e4, -1,000) is data, not a formula. */
static int signed_number(const unsigned char *p, size_t n)
{
	size_t i = 1;
	int digits = 0;

	while (i < n && (isdigit(p[i]) || p[i] == '.' || p[i] == ',')) {
		digits |= isdigit(p[i]) != 0;
		i++;
	}
	if (digits && i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i >= n || !isdigit(p[i]))
			return 0;
		while (i < n && isdigit(p[i]))
			i++;
	}
	while (i < n && p[i] == ' ')
		i++;
	return digits && i == n;
}

/* Whether the cell [p, p+n) (quotes and leading blanks stripped) would be evaluated. */
static int formula(const unsigned char *p, size_t n, int strict)
{
	size_t i;

	if (n == 0 || !strchr("=+-@", p[0]))
		return 0;
	if (p[0] == '=' && n > 1)
		return 1;
	if (strict) {
		if (n == 1)
			return 0;
		return p[0] == '@' || !signed_number(p, n);
	}
	/* in free text a leading sign is usually prose; only calls, DDE and sheet
	 * references are executable there */
	for (i = 1; i < n; i++)
		if (p[i] == '(' || p[i] == '|' || p[i] == '!')
			return 1;
	return 0;
}

int text_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	int strict = is_csv_name(ctx->name);
	size_t i = 0, line = 1, cell = 1;
	int rc;

	/* cells are read as 8-bit text: UTF-16 (by its BOM, or NUL bytes without one) would
	 * hide every formula from the checks below, while Excel decodes it */
	if (len >= 2 && ((in[0] == 0xff && in[1] == 0xfe) || (in[0] == 0xfe && in[1] == 0xff)))
		return san_block(ctx, "text: UTF-16 text cannot be checked for formulas");
	if (memchr(in, 0, len))
		return san_block(ctx, "text: NUL bytes (UTF-16 or binary) in text");
	/* the UTF-8 BOM is not part of the first cell */
	if (len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0) {
		rc = buf_append(out, in, 3);
		if (rc < 0)
			return rc;
		i = 3;
	}
	while (i < len) {
		size_t start = i, body, end;
		int quoted = 0;

		/* one cell: [start, end) */
		while (i < len && (in[i] == ' '))
			i++;
		if (i < len && in[i] == '"') {
			quoted = 1;
			i++;
		}
		body = i;
		if (quoted) {
			while (i < len && !(in[i] == '"' && (i + 1 >= len || in[i + 1] != '"')))
				i += in[i] == '"' ? 2 : 1;
			end = i;
			if (i < len)
				i++;
			while (i < len && !is_sep(in[i]) && in[i] != '\n' && in[i] != '\r')
				i++;
		} else {
			while (i < len && !is_sep(in[i]) && in[i] != '\n' && in[i] != '\r')
				i++;
			end = i;
		}
		if (formula(in + body, end - body, strict)) {
			rc = buf_append(out, in + start, body - start);
			if (rc == 0)
				rc = buf_append(out, "'", 1);
			if (rc == 0)
				rc = buf_append(out, in + body, i - body);
			san_removed(ctx, "csv.formula", "line %zu cell %zu", line, cell);
		} else {
			rc = buf_append(out, in + start, i - start);
		}
		if (rc < 0)
			return rc;
		if (i < len) {
			if (in[i] == '\n') {
				line++;
				cell = 1;
			} else if (is_sep(in[i])) {
				cell++;
			}
			rc = buf_append(out, in + i, 1);
			if (rc < 0)
				return rc;
			i++;
		}
	}
	return SAN_OK;
}
