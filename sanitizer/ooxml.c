#include "ooxml.h"

int ooxml_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out,
		   char *out_ext, size_t ext_len)
{
	(void)in; (void)len; (void)out; (void)out_ext; (void)ext_len;
	return san_block(ctx, "ooxml: not supported yet");
}
