/* libFuzzer: arbitrary bytes as one flow-log line, as verify and export read them from
 * files an intruder may have edited: the record reader and the segment line parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record rec;
	struct segment_line line = { 0 };
	char *text;

	if (size > SEGMENT_LINE_MAX)
		return 0;
	/* The readers get a line as a file holds it: not NUL-terminated. */
	text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	if (record_parse(text, size, &rec) == 0) {
		if (rec.n > RECORD_FIELDS_MAX)
			abort();
		(void)record_str(&rec, "flow");
		(void)record_uint(&rec, "seq");
	}
	segment_parse(text, size, &line);
	free(text);
	return 0;
}
