#include "record_sink.h"

struct flowrec records[MAX_RECORDS];
unsigned n_records;

void collect(void *ctx, const struct flowrec *r)
{
	(void)ctx;
	if (n_records < MAX_RECORDS)
		records[n_records] = *r;
	n_records++;
}
