/* A flow-record sink for unit tests: keeps the first MAX_RECORDS records emitted and
 * counts all of them (n_records may exceed MAX_RECORDS). */
#ifndef BUNRI_TEST_RECORD_SINK_H
#define BUNRI_TEST_RECORD_SINK_H

#include "flowrec.h"

#define MAX_RECORDS 256

extern struct flowrec records[MAX_RECORDS];
extern unsigned n_records;

/* A flowrec_sink emit function; ctx is unused. */
void collect(void *ctx, const struct flowrec *r);

#endif
