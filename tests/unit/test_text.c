/* CSV/text: formula and DDE cells get an apostrophe; numbers and prose stay as they are. */
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "text.h"

static struct san_config cfg;

static char *run(const char *name, const char *in, size_t *removed)
{
	struct buf out = { 0 };
	struct san_ctx ctx;
	char *s;

	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	ctx.name = name;
	CU_ASSERT_EQUAL(text_sanitize(&ctx, (const unsigned char *)in, strlen(in), &out), SAN_OK);
	*removed = json_array_size(ctx.removed);
	san_ctx_fini(&ctx);
	CU_ASSERT_EQUAL_FATAL(buf_append(&out, "", 1), 0);
	s = (char *)out.data;
	return s;
}

static void dde_cells(void)
{
	size_t n;
	char *s = run("a.csv", "=cmd|' /C calc'!A0,x\n\"+HYPERLINK(\"\"u\"\")\",@SUM(1)\n", &n);

	CU_ASSERT_STRING_EQUAL(s, "'=cmd|' /C calc'!A0,x\n\"'+HYPERLINK(\"\"u\"\")\",'@SUM(1)\n");
	CU_ASSERT_EQUAL(n, 3);
	free(s);
}

/* Excel skips a UTF-8 BOM and decodes UTF-16: the first cell's formula is behind it */
static void bom_and_utf16(void)
{
	static const unsigned char utf16[] = { 0xff, 0xfe, '=', 0, '1', 0, '+', 0, '1', 0 };
	struct buf out = { 0 };
	struct san_ctx ctx;
	size_t n;
	char *s = run("a.csv", "\xef\xbb\xbf=cmd|' /C calc'!A0,x\n", &n);

	CU_ASSERT_STRING_EQUAL(s, "\xef\xbb\xbf'=cmd|' /C calc'!A0,x\n");
	CU_ASSERT_EQUAL(n, 1);
	free(s);
	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	ctx.name = "a.csv";
	CU_ASSERT_EQUAL(text_sanitize(&ctx, utf16, sizeof(utf16), &out), SAN_BLOCKED);
	CU_ASSERT_EQUAL(text_sanitize(&ctx, utf16 + 2, sizeof(utf16) - 2, &out), SAN_BLOCKED);
	CU_ASSERT_EQUAL(out.len, 0);
	san_ctx_fini(&ctx);
	buf_free(&out);
}

static void numbers_kept(void)
{
	size_t n;
	char *s = run("a.csv", "-12.5,+3,1e5,-,a-b\n-2+3,;\t=\n", &n);

	/* -2+3 is a formula, a lone '=' is not */
	CU_ASSERT_STRING_EQUAL(s, "-12.5,+3,1e5,-,a-b\n'-2+3,;\t=\n");
	CU_ASSERT_EQUAL(n, 1);
	free(s);
}

static void prose_in_text(void)
{
	size_t n;
	const char *in = "- a list item\n-- signature\n+ plus\n日本語,テスト\n";
	char *s = run("notes.txt", in, &n);

	CU_ASSERT_STRING_EQUAL(s, in);
	CU_ASSERT_EQUAL(n, 0);
	free(s);
	s = run("notes.txt", "see -cmd|' /c calc'!A0\n=1+1\n", &n);
	CU_ASSERT_STRING_EQUAL(s, "see -cmd|' /c calc'!A0\n'=1+1\n");
	CU_ASSERT_EQUAL(n, 1);
	free(s);
}

static void crlf_and_unterminated_quote(void)
{
	size_t n;
	char *s = run("a.csv", "a,=1\r\n\"=2", &n);

	CU_ASSERT_STRING_EQUAL(s, "a,'=1\r\n\"'=2");
	CU_ASSERT_EQUAL(n, 2);
	free(s);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "DDE and formula cells are neutralised", dde_cells },
		{ "signed numbers are data", numbers_kept },
		{ "UTF-8 BOM skipped, UTF-16 blocked", bom_and_utf16 },
		{ "prose in .txt passes, calls do not", prose_in_text },
		{ "CRLF and an unterminated quote", crlf_and_unterminated_quote },
		{ NULL, NULL },
	};

	return test_run("text", cases);
}
