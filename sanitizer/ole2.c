#include "ole2.h"

int ole2_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	(void)in; (void)len; (void)out;
	return san_block(ctx, "ole2: not supported yet");
}
int ole2_prepare(void) { return 0; }
