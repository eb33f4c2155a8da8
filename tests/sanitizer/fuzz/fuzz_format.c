/* libFuzzer target: one format's sanitizer on arbitrary bytes, in-process (no sandbox).
 * Built once per format (see meson.build): FORMAT_HEADER names the module's header and
 * FORMAT_FN its sanitize function; OOXML also reports the extension it chose. */
#include <stdint.h>
#include <stdlib.h>

#include FORMAT_HEADER
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct san_config cfg;
	static int ready;
	struct buf out = { 0 };
	struct san_ctx ctx;

	if (!ready) {
		config_defaults(&cfg);
		if (sanitize_prepare() < 0)
			abort();
		ready = 1;
	}
	if (san_ctx_init(&ctx, &cfg) < 0)
		return 0;
#ifdef FORMAT_OOXML
	char ext[16];
	(void)FORMAT_FN(&ctx, data, size, &out, ext, sizeof(ext));
#else
	(void)FORMAT_FN(&ctx, data, size, &out);
#endif
	buf_free(&out);
	san_ctx_fini(&ctx);
	return 0;
}
