/* The dataplane's control socket (unix SOCK_SEQPACKET, mode 0660, group bunri): takes
 * compiled policies in chunks and installs them, answers status, rules and connection
 * queries, and streams flow and deny records, numbered within this run, to the one
 * subscribed controller, keeping up to `buffer_records` of them until it acknowledges
 * them as fsynced (losses are sent as gaps with their seqs); a heartbeat each second
 * tells it the last seq and the live connections, a shutdown message a clean stop.
 * A malformed or oversized message gets an error reply and is counted. Runs on the
 * control thread only, never on a worker. */
#ifndef BUNRI_CTLSRV_H
#define BUNRI_CTLSRV_H

#include <stddef.h>

#include "daemon.h"

struct ctlsrv;

/* 0 and *out, or -errno (the socket cannot be created: a sentence is logged). */
int ctlsrv_create(struct daemon *d, const char *path, size_t buffer_records,
		  struct ctlsrv **out);
/* Closes every connection and removes the socket file. */
void ctlsrv_free(struct ctlsrv *s);
/* Serves the socket for up to timeout_ms and moves records from the workers. */
void ctlsrv_poll(struct ctlsrv *s, int timeout_ms);
/* At shutdown: moves what the workers' rings still hold to the controller and waits
 * up to timeout_ms for its acknowledgement, then sends it the shutdown message. Returns
 * the number of records not acknowledged (lost with this process). */
size_t ctlsrv_flush(struct ctlsrv *s, int timeout_ms);

#endif
