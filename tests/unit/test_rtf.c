/* RTF: object groups and DDE fields are cut, the rest is copied byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "rtf.h"
#include "runner.h"

static struct san_config cfg;

static int run(const char *in, char **out, size_t *removed, char *reason)
{
	struct buf b = { 0 };
	struct san_ctx ctx;
	int rc;

	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	rc = rtf_sanitize(&ctx, (const unsigned char *)in, strlen(in), &b);
	*removed = json_array_size(ctx.removed);
	if (reason)
		strcpy(reason, ctx.reason);
	san_ctx_fini(&ctx);
	CU_ASSERT_EQUAL_FATAL(buf_append(&b, "", 1), 0);
	*out = (char *)b.data;
	return rc;
}

static void object_cut(void)
{
	char *out;
	size_t n;

	CU_ASSERT_EQUAL(run("{\\rtf1 a{\\object\\objemb{\\*\\objclass P}{\\*\\objdata 0105}}b}", &out, &n, NULL),
			SAN_OK);
	CU_ASSERT_STRING_EQUAL(out, "{\\rtf1 ab}");
	CU_ASSERT_EQUAL(n, 1);
	free(out);
}

static void dde_hex_field(void)
{
	char *out;
	size_t n;

	CU_ASSERT_EQUAL(run("{\\rtf1 x{\\field{\\*\\fldinst {\\'44\\'44EAUTO c}}{\\fldrslt r}}y"
			    "{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}}}", &out, &n, NULL), SAN_OK);
	CU_ASSERT_STRING_EQUAL(out, "{\\rtf1 xy{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}}}");
	CU_ASSERT_EQUAL(n, 1);
	free(out);
}

/* \uN spells the keyword, with its fallback characters; \uc0 drops them */
static void dde_unicode_escapes(void)
{
	char *out;
	size_t n;

	CU_ASSERT_EQUAL(run("{\\rtf1 x{\\field{\\*\\fldinst \\u68?\\u68?\\u69?AUTO cmd}{\\fldrslt r}}y"
			    "{\\field{\\*\\fldinst \\uc0\\u68\\u68 \\u69 AUTO cmd}{\\fldrslt r}}"
			    "{\\field{\\*\\fldinst \\uc2\\u68\\'3f\\'3f\\u68??EAUTO cmd}{\\fldrslt r}}}",
			    &out, &n, NULL), SAN_OK);
	CU_ASSERT_STRING_EQUAL(out, "{\\rtf1 xy}");
	CU_ASSERT_EQUAL(n, 3);
	free(out);
}

static void remote_include_and_destinations(void)
{
	char *out;
	size_t n;

	CU_ASSERT_EQUAL(run("{\\rtf1{\\*\\template http://example.invalid/t.dotm}a"
			    "{\\field{\\*\\fldinst INCLUDEPICTURE \"http://example.invalid/x.png\" \\\\d}{\\fldrslt x}}"
			    "{\\*\\datastore 0105000002}b"
			    "{\\field{\\*\\fldinst INCLUDEPICTURE \"logo.png\"}{\\fldrslt l}}}", &out, &n, NULL), SAN_OK);
	CU_ASSERT_STRING_EQUAL(out, "{\\rtf1ab{\\field{\\*\\fldinst INCLUDEPICTURE \"logo.png\"}{\\fldrslt l}}}");
	CU_ASSERT_EQUAL(n, 3);
	free(out);
}

static void bin_with_braces(void)
{
	char *out;
	size_t n;

	CU_ASSERT_EQUAL(run("{\\rtf1 a{\\pict\\bin3 }}{}b}", &out, &n, NULL), SAN_OK);
	CU_ASSERT_STRING_EQUAL(out, "{\\rtf1 a{\\pict\\bin3 }}{}b}");
	CU_ASSERT_EQUAL(n, 0);
	free(out);
}

static void truncated_closed(void)
{
	char *out;
	size_t n;

	CU_ASSERT_EQUAL(run("{\\rtf1 a{\\b bold{\\object{\\*\\objdata 01", &out, &n, NULL), SAN_OK);
	CU_ASSERT_STRING_EQUAL(out, "{\\rtf1 a{\\b bold}}");
	CU_ASSERT_EQUAL(n, 1);
	free(out);
}

static void blocked_inputs(void)
{
	char *out, reason[512];
	size_t n;

	CU_ASSERT_EQUAL(run("not rtf", &out, &n, reason), SAN_BLOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(reason, "{\\rtf"));
	free(out);
	CU_ASSERT_EQUAL(run("{\\rtf1\\objdata 0105}", &out, &n, reason), SAN_BLOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(reason, "document group"));
	free(out);
	CU_ASSERT_EQUAL(run("{\\rtf1 a}}", &out, &n, reason), SAN_BLOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(reason, "unbalanced"));
	free(out);
	CU_ASSERT_EQUAL(run("{\\rtf1 {\\pict\\bin999 ab}}", &out, &n, reason), SAN_BLOCKED);
	free(out);
}

static void deep_nesting(void)
{
	size_t depth = 5000, i, n;
	char *in = malloc(6 + depth + 1), *out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	strcpy(in, "{\\rtf1");
	for (i = 0; i < depth; i++)
		in[6 + i] = '{';
	in[6 + depth] = '\0';
	CU_ASSERT_EQUAL(run(in, &out, &n, NULL), SAN_BLOCKED);
	free(out);
	free(in);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "DDE spelled with \\uN escapes", dde_unicode_escapes },
		{ "template, datastore and remote INCLUDEPICTURE removed", remote_include_and_destinations },
		{ "object group cut", object_cut },
		{ "DDE spelled in hex escapes", dde_hex_field },
		{ "\\bin data with braces", bin_with_braces },
		{ "truncated input closed", truncated_closed },
		{ "not RTF, object at top, unbalanced, bad \\bin", blocked_inputs },
		{ "nesting beyond the limit", deep_nesting },
		{ NULL, NULL },
	};

	return test_run("rtf", cases);
}
