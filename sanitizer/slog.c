#include "slog.h"

#include <stdarg.h>
#include <stdio.h>

static int enabled;

void slog_enable(int on)
{
	enabled = on;
}

void slog_write(const char *module, const char *fmt, ...)
{
	va_list ap;

	if (!enabled)
		return;
	fprintf(stderr, "bunri-sanitize[%s]: ", module);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
