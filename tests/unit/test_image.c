/* Images: structure walked, trailing data cut, malformed ones blocked. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "image.h"
#include "runner.h"

static struct san_config cfg;

static void put32(unsigned char *p, unsigned long v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* A PNG with one IHDR, an empty IDAT and IEND; returns its length. */
static size_t make_png(unsigned char *p)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static const unsigned char ihdr[13] = { 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
	const struct { const char *t; const unsigned char *d; unsigned n; } chunks[] = {
		{ "IHDR", ihdr, 13 }, { "IDAT", NULL, 0 }, { "IEND", NULL, 0 },
	};
	size_t off = 8, i;

	memcpy(p, sig, 8);
	for (i = 0; i < 3; i++) {
		put32(p + off, chunks[i].n);
		memcpy(p + off + 4, chunks[i].t, 4);
		if (chunks[i].n)
			memcpy(p + off + 8, chunks[i].d, chunks[i].n);
		put32(p + off + 8 + chunks[i].n,
		      crc32(crc32(0L, Z_NULL, 0), p + off + 4, chunks[i].n + 4));
		off += 12 + chunks[i].n;
	}
	return off;
}

static int run(const unsigned char *in, size_t len, struct buf *out, size_t *removed)
{
	struct san_ctx ctx;
	int rc;

	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	rc = image_sanitize(&ctx, in, len, out);
	*removed = json_array_size(ctx.removed);
	san_ctx_fini(&ctx);
	return rc;
}

static void png_valid_and_polyglot(void)
{
	unsigned char p[256];
	size_t len = make_png(p), n;
	struct buf out = { 0 };

	CU_ASSERT_EQUAL(run(p, len, &out, &n), SAN_OK);
	CU_ASSERT_EQUAL(out.len, len);
	CU_ASSERT_EQUAL(n, 0);
	buf_free(&out);
	memcpy(p + len, "PK\3\4 appended zip", 18);
	CU_ASSERT_EQUAL(run(p, len + 18, &out, &n), SAN_OK);
	CU_ASSERT_EQUAL(out.len, len);
	CU_ASSERT_EQUAL(n, 1);
	buf_free(&out);
}

static void png_broken(void)
{
	unsigned char p[256];
	size_t len = make_png(p), n;
	struct buf out = { 0 };

	p[20] ^= 1; /* inside IHDR: CRC mismatch */
	CU_ASSERT_EQUAL(run(p, len, &out, &n), SAN_BLOCKED);
	p[20] ^= 1;
	CU_ASSERT_EQUAL(run(p, len - 12, &out, &n), SAN_BLOCKED); /* no IEND */
	put32(p + 8, 0x7fffffff); /* IHDR length past the end */
	CU_ASSERT_EQUAL(run(p, len, &out, &n), SAN_BLOCKED);
	buf_free(&out);
}

static void jpeg_and_gif(void)
{
	static const unsigned char jpg[] = { 0xff, 0xd8, 0xff, 0xe0, 0, 4, 'J', 'F', 0xff, 0xda, 0, 2,
					     0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd9, 'x', 'y' };
	static const unsigned char gif[] = "GIF89a\1\0\1\0\x80\0\0\0\0\0\xff\xff\xff"
					   ",\0\0\0\0\1\0\1\0\0\2\2D\1\0;";
	struct buf out = { 0 };
	size_t n;

	CU_ASSERT_EQUAL(run(jpg, sizeof(jpg), &out, &n), SAN_OK);
	CU_ASSERT_EQUAL(out.len, sizeof(jpg) - 2);
	CU_ASSERT_EQUAL(n, 1);
	buf_free(&out);
	CU_ASSERT_EQUAL(run(jpg, 10, &out, &n), SAN_BLOCKED);
	CU_ASSERT_EQUAL(run(gif, sizeof(gif) - 1, &out, &n), SAN_OK);
	CU_ASSERT_EQUAL(n, 0);
	buf_free(&out);
	CU_ASSERT_EQUAL(run(gif, sizeof(gif) - 5, &out, &n), SAN_BLOCKED);
	buf_free(&out);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "PNG passes, appended data is cut", png_valid_and_polyglot },
		{ "PNG with bad CRC, no IEND, huge chunk", png_broken },
		{ "JPEG and GIF", jpeg_and_gif },
		{ NULL, NULL },
	};

	return test_run("image", cases);
}
