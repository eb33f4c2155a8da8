/* PDF: actions found through the object graph are removed; benign destinations stay;
 * qpdf reads the output back. */
#include <qpdf/qpdf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf.h"
#include "runner.h"

static struct san_config cfg;

/* A one-page PDF whose catalog carries extra; xref offsets computed here. */
static size_t make_pdf(char *out, size_t cap, const char *catalog_extra, const char *obj5)
{
	const char *objs[5];
	long offs[5];
	size_t len, i;
	char cat[256];

	snprintf(cat, sizeof(cat), "<< /Type /Catalog /Pages 2 0 R %s >>", catalog_extra);
	objs[0] = cat;
	objs[1] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
	objs[2] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Contents 4 0 R >>";
	objs[3] = "<< /Length 0 >>\nstream\n\nendstream";
	objs[4] = obj5;
	len = (size_t)snprintf(out, cap, "%%PDF-1.7\n");
	for (i = 0; i < 5; i++) {
		offs[i] = (long)len;
		len += (size_t)snprintf(out + len, cap - len, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
	}
	{
		long x = (long)len;

		len += (size_t)snprintf(out + len, cap - len, "xref\n0 6\n0000000000 65535 f \n");
		for (i = 0; i < 5; i++)
			len += (size_t)snprintf(out + len, cap - len, "%010ld 00000 n \n", offs[i]);
		len += (size_t)snprintf(out + len, cap - len,
					"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", x);
	}
	return len;
}

static int run(const char *cat, const char *obj5, struct buf *out, size_t *removed, char *first)
{
	char in[4096];
	size_t len = make_pdf(in, sizeof(in), cat, obj5);
	struct san_ctx ctx;
	int rc;

	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	rc = pdf_sanitize(&ctx, (const unsigned char *)in, len, out);
	*removed = json_array_size(ctx.removed);
	if (first)
		snprintf(first, 64, "%s", *removed ? json_string_value(json_object_get(
						      json_array_get(ctx.removed, 0), "what")) : "");
	san_ctx_fini(&ctx);
	return rc;
}

/* Reads out with qpdf and says whether the catalog still has key. */
static int catalog_has(const struct buf *out, const char *key)
{
	qpdf_data q = qpdf_init();
	qpdf_oh root;
	int has;

	qpdf_silence_errors(q);
	CU_ASSERT_FALSE(qpdf_read_memory(q, "out", (const char *)out->data, out->len, "") & QPDF_ERRORS);
	root = qpdf_get_root(q);
	has = qpdf_oh_has_key(q, root, key);
	qpdf_cleanup(&q);
	return has;
}

static void openaction_script(void)
{
	struct buf out = { 0 };
	char what[64];
	size_t n;

	CU_ASSERT_EQUAL(run("/OpenAction 5 0 R", "<< /S /JavaScript /JS (x) >>", &out, &n, what), SAN_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(what, "pdf.javascript");
	CU_ASSERT_FALSE(catalog_has(&out, "/OpenAction"));
	buf_free(&out);
}

/* An action written as a stream object: its dictionary is the action. */
static void stream_action(void)
{
	struct buf out = { 0 };
	char what[64];
	size_t n;

	CU_ASSERT_EQUAL(run("/OpenAction 5 0 R", "<< /S /Launch /F (calc.exe) /Length 0 >>\nstream\n\nendstream",
			    &out, &n, what), SAN_OK);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_STRING_EQUAL(what, "pdf.launch");
	CU_ASSERT_FALSE(catalog_has(&out, "/OpenAction"));
	buf_free(&out);
}

static void destination_kept(void)
{
	struct buf out = { 0 };
	size_t n;

	CU_ASSERT_EQUAL(run("/OpenAction [3 0 R /Fit]", "null", &out, &n, NULL), SAN_OK);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_TRUE(catalog_has(&out, "/OpenAction"));
	buf_free(&out);
}

static void names_tree(void)
{
	struct buf out = { 0 };
	size_t n;

	CU_ASSERT_EQUAL(run("/Names << /JavaScript 5 0 R /EmbeddedFiles 5 0 R >> /AA << >>",
			    "<< /Names [] >>", &out, &n, NULL), SAN_OK);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_FALSE(catalog_has(&out, "/AA"));
	buf_free(&out);
}

static void not_a_pdf(void)
{
	struct buf out = { 0 };
	struct san_ctx ctx;

	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	CU_ASSERT_EQUAL(pdf_sanitize(&ctx, (const unsigned char *)"%PDF-1.4 garbage", 16, &out),
			SAN_BLOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(ctx.reason, "pdf"));
	san_ctx_fini(&ctx);
	buf_free(&out);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "OpenAction script removed", openaction_script },
		{ "OpenAction destination kept", destination_kept },
		{ "OpenAction stream action removed", stream_action },
		{ "JavaScript and EmbeddedFiles names, document AA", names_tree },
		{ "garbage is blocked", not_a_pdf },
		{ NULL, NULL },
	};

	return test_run("pdf", cases);
}
