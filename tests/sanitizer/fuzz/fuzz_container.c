/* libFuzzer target: the container sanitizer on arbitrary bytes, in-process (no sandbox). */
#include <stdint.h>
#include <stdlib.h>

#include "container.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct san_config cfg;
	static int ready;
	struct buf out = { 0 };
	struct san_ctx ctx;
	int rc;

	if (!ready) {
		config_defaults(&cfg);
		if (sanitize_prepare() < 0)
			abort();
		ready = 1;
	}
	if (san_ctx_init(&ctx, &cfg) < 0)
		return 0;
	rc = container_sanitize(&ctx, data, size, &out);
	(void)rc;
	buf_free(&out);
	san_ctx_fini(&ctx);
	return 0;
}
