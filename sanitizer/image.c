#include "image.h"
#include <errno.h>

#include <string.h>
#include <zlib.h>

static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* Length of the PNG up to and including IEND, or 0 if malformed. */
static size_t png_end(struct san_ctx *ctx, const unsigned char *in, size_t len)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t off = 8;
	int first = 1;

	if (len < 8 || memcmp(in, sig, 8) != 0)
		return 0;
	while (off + 12 <= len) {
		unsigned long n = be32(in + off);
		const unsigned char *type = in + off + 4;

		if (n > len - off - 12) {
			san_block(ctx, "png: chunk at %zu runs past the end", off);
			return 0;
		}
		if (crc32(crc32(0L, Z_NULL, 0), type, (uInt)(n + 4)) != be32(in + off + 8 + n)) {
			san_block(ctx, "png: bad CRC in chunk at %zu", off);
			return 0;
		}
		if (first && memcmp(type, "IHDR", 4) != 0) {
			san_block(ctx, "png: first chunk is not IHDR");
			return 0;
		}
		first = 0;
		off += 12 + n;
		if (memcmp(type, "IEND", 4) == 0)
			return off;
	}
	san_block(ctx, "png: no IEND chunk");
	return 0;
}

static int jpeg_is_rst(unsigned char m)
{
	return m >= 0xd0 && m <= 0xd7;
}

/* Skips the entropy-coded data that follows a SOS header, from off: it ends at the
 * first 0xFF that is neither a stuffed zero (0xFF00) nor a restart marker (RSTn), nor a
 * fill byte before a marker. Returns the offset of that 0xFF, or len. */
static size_t jpeg_scan_end(const unsigned char *in, size_t len, size_t off)
{
	while (off + 1 < len) {
		const unsigned char *p = memchr(in + off, 0xff, len - off - 1);

		if (p == NULL)
			return len;
		off = (size_t)(p - in);
		if (in[off + 1] != 0 && !jpeg_is_rst(in[off + 1]) && in[off + 1] != 0xff)
			return off;
		off += in[off + 1] == 0xff ? 1 : 2;
	}
	return len;
}

/* Length of the JPEG up to and including EOI, or 0 if malformed. Walks the marker
 * segments (each with its 16-bit length) and, after every SOS, the entropy-coded data;
 * an EOI in the very last two bytes ends the image like any other. */
static size_t jpeg_end(struct san_ctx *ctx, const unsigned char *in, size_t len)
{
	size_t off = 2;

	if (len < 4 || in[0] != 0xff || in[1] != 0xd8) {
		san_block(ctx, "jpeg: no SOI marker");
		return 0;
	}
	while (off + 2 <= len) {
		unsigned char m;
		size_t seg;

		if (in[off] != 0xff) {
			san_block(ctx, "jpeg: expected a marker at %zu", off);
			return 0;
		}
		m = in[off + 1];
		if (m == 0xff) { /* fill byte */
			off++;
			continue;
		}
		if (m == 0xd9)
			return off + 2;
		if (jpeg_is_rst(m) || m == 0x01) { /* markers without a length */
			off += 2;
			continue;
		}
		if (m == 0x00 || m == 0xd8 || off + 4 > len) {
			san_block(ctx, "jpeg: bad marker at %zu", off);
			return 0;
		}
		seg = (size_t)in[off + 2] << 8 | in[off + 3];
		if (seg < 2 || seg > len - off - 2) {
			san_block(ctx, "jpeg: segment at %zu runs past the end", off);
			return 0;
		}
		off += 2 + seg;
		if (m == 0xda)
			off = jpeg_scan_end(in, len, off);
	}
	san_block(ctx, "jpeg: no EOI marker");
	return 0;
}

/* Skips GIF data sub-blocks starting at off; 0 if they run past the end. */
static size_t gif_subblocks(const unsigned char *in, size_t len, size_t off)
{
	while (off < len) {
		size_t n = in[off];

		if (n == 0)
			return off + 1;
		off += 1 + n;
	}
	return 0;
}

static size_t gif_end(struct san_ctx *ctx, const unsigned char *in, size_t len)
{
	size_t off = 13;

	if (len < 14 || (memcmp(in, "GIF87a", 6) != 0 && memcmp(in, "GIF89a", 6) != 0)) {
		san_block(ctx, "gif: bad header");
		return 0;
	}
	if (in[10] & 0x80)
		off += 3u * (1u << ((in[10] & 7) + 1));
	while (off < len) {
		switch (in[off]) {
		case 0x3b:
			return off + 1;
		case 0x21: /* extension: label, sub-blocks */
			if (off + 2 > len)
				goto bad;
			off = gif_subblocks(in, len, off + 2);
			break;
		case 0x2c: /* image descriptor, optional local table, LZW size, sub-blocks */
			if (off + 10 > len)
				goto bad;
			if (in[off + 9] & 0x80)
				off += 3u * (1u << ((in[off + 9] & 7) + 1));
			off += 11;
			off = off < len ? gif_subblocks(in, len, off) : 0;
			break;
		default:
			goto bad;
		}
		if (off == 0)
			goto bad;
	}
bad:
	san_block(ctx, "gif: malformed block structure");
	return 0;
}

int image_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	size_t end;

	if (len >= 8 && in[0] == 0x89 && in[1] == 'P')
		end = png_end(ctx, in, len);
	else if (len >= 2 && in[0] == 0xff && in[1] == 0xd8)
		end = jpeg_end(ctx, in, len);
	else if (len >= 6 && in[0] == 'G')
		end = gif_end(ctx, in, len);
	else
		return san_block(ctx, "image: not PNG, JPEG or GIF");
	if (end == 0)
		return SAN_BLOCKED;
	if (end < len)
		san_removed(ctx, "image.trailing_data", "%zu bytes after the end of the image",
			    len - end);
	return buf_append(out, in, end) < 0 ? -ENOMEM : SAN_OK;
}
