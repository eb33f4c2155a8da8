/* Word 97 field instructions, read through the piece table and from raw bytes. */
#include <stdint.h>
#include <string.h>

#include "runner.h"
#include "word97.h"

static struct san_config cfg;

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/* A WordDocument stream: a FIB (csw 14, cslw 22, cbRgFcLcb 93, table 1Table) then
 * text at 1024; the table stream holds a Clx whose pieces are (file offset, length,
 * 8-bit?) in character order. */
struct doc {
	unsigned char wd[4096];
	unsigned char table[512];
	struct buf w, t;
};

static void build(struct doc *d, const char *text, const size_t (*pieces)[3], size_t n)
{
	size_t i, cp = 0, off = 2 + 1 + 4, fclcb = 32 + 2 + 28 + 2 + 88 + 2;

	memset(d, 0, sizeof(*d));
	put16(d->wd, 0xa5ec);
	put16(d->wd + 2, 0xc1);
	put16(d->wd + 10, 0x0200);
	put16(d->wd + 32, 14);
	put16(d->wd + 62, 22);
	put16(d->wd + 152, 93);
	memcpy(d->wd + 1024, text, strlen(text));
	/* Clx: one empty Prc, then Pcdt with n pieces */
	d->table[0] = 0x01;
	d->table[3] = 0x02;
	put32(d->table + 4, (uint32_t)(4 * (n + 1) + 8 * n));
	off = 8;
	for (i = 0; i <= n; i++) {
		put32(d->table + off + 4 * i, (uint32_t)cp);
		if (i < n)
			cp += pieces[i][1];
	}
	for (i = 0; i < n; i++) {
		uint32_t fc = (uint32_t)(1024 + pieces[i][0]);

		put32(d->table + off + 4 * (n + 1) + 8 * i + 2,
		      pieces[i][2] ? (fc * 2) | 0x40000000u : fc);
	}
	put32(d->wd + fclcb + 33 * 8, 0);
	put32(d->wd + fclcb + 33 * 8 + 4, (uint32_t)(off + 4 * (n + 1) + 8 * n));
	d->w = (struct buf){ d->wd, sizeof(d->wd), 0 };
	d->t = (struct buf){ d->table, sizeof(d->table), 0 };
}

static int check(struct doc *d, char *reason)
{
	struct san_ctx ctx;
	int rc;

	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	rc = word97_check_fields(&ctx, &d->w, NULL, &d->t);
	strcpy(reason, ctx.reason);
	san_ctx_fini(&ctx);
	return rc;
}

static void split_pieces(void)
{
	static struct doc d;
	char reason[512];
	/* file order: "EAUTO cmd\x14r\x15", "text \x13DD"; character order is the reverse */
	static const char text[] = "EAUTO cmd\x14r\x15" "text \x13" "DD";
	static const size_t pieces[][3] = { { 12, 8, 1 }, { 0, 12, 1 } };

	build(&d, text, pieces, 2);
	CU_ASSERT_EQUAL(check(&d, reason), SAN_BLOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(reason, "DDEAUTO"));
}

static void utf16_remote_include(void)
{
	static struct doc d;
	char reason[512], u[256];
	const char *a = "x\x13INCLUDEPICTURE \"http://example.invalid/a.png\"\x14p\x15";
	size_t i, n = strlen(a);
	static size_t pieces[1][3];

	for (i = 0; i < n; i++) {
		u[2 * i] = a[i];
		u[2 * i + 1] = 0;
	}
	u[2 * n] = 0;
	pieces[0][0] = 0;
	pieces[0][1] = n;
	pieces[0][2] = 0;
	build(&d, "", (const size_t (*)[3])pieces, 1);
	memcpy(d.wd + 1024, u, 2 * n);
	CU_ASSERT_EQUAL(check(&d, reason), SAN_BLOCKED);
	CU_ASSERT_PTR_NOT_NULL(strstr(reason, "remote"));
}

static void safe_fields(void)
{
	static struct doc d;
	char reason[512];
	static const char text[] = "p\x13 PAGE \x14" "1\x15 \x13 HYPERLINK \"http://x.jp/\" \x14l\x15";
	static const size_t pieces[][3] = { { 0, sizeof(text) - 1, 1 } };

	build(&d, text, pieces, 1);
	CU_ASSERT_EQUAL(check(&d, reason), SAN_OK);
}

static void raw_without_piece_table(void)
{
	static struct doc d;
	char reason[512];
	static const size_t pieces[][3] = { { 0, 4, 1 } };

	build(&d, "\x13 DDE cmd /c calc \x14\x15", pieces, 1);
	memset(d.table, 0xff, sizeof(d.table));       /* no Clx bunri can follow */
	CU_ASSERT_EQUAL(check(&d, reason), SAN_BLOCKED);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "field split over pieces out of file order", split_pieces },
		{ "UTF-16 piece with a remote INCLUDEPICTURE", utf16_remote_include },
		{ "PAGE and HYPERLINK pass", safe_fields },
		{ "no piece table: raw bytes", raw_without_piece_table },
		{ NULL, NULL },
	};

	return test_run("word97", cases);
}
