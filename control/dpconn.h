/* bunri-controld's connection to bunri-dataplane: connects, subscribes to the record
 * stream, ships compiled policies in chunks and waits for the verdict. Records and gap
 * notices that arrive meanwhile (or at any time) go to the callbacks. */
#ifndef BUNRI_DPCONN_H
#define BUNRI_DPCONN_H

#include <stddef.h>
#include <stdint.h>

#include "cpolicy.h"
#include "flowrec.h"

struct dpconn_sink {
	void (*record)(void *ctx, const struct flowrec *r);
	void (*gap)(void *ctx, uint64_t dropped, int64_t from_ms, int64_t to_ms);
	void *ctx;
};

struct dpconn {
	int fd;                 /* -1: not connected */
	uint32_t seq;
	struct dpconn_sink sink;
	uint64_t bad_records;   /* records that did not decode */
	uint8_t buf[65536];
};

void dpconn_init(struct dpconn *c, struct dpconn_sink sink);
/* Connects to path and subscribes to records: 0 or -errno. */
int dpconn_connect(struct dpconn *c, const char *path);
void dpconn_close(struct dpconn *c);
/* Installs cp: 0, or -errno with the dataplane's (or the socket's) reason in err. The
 * connection is closed when it fails (not when the dataplane refuses the policy). */
int dpconn_install(struct dpconn *c, const struct cpolicy *cp, char *err, size_t errlen);
/* Reads what is waiting (non-blocking), a bounded burst of messages so that a stream
 * that never pauses cannot hold the caller (poll again for the rest), and hands it to
 * the sink: 0, or -errno when the connection ended (it is then closed). */
int dpconn_read(struct dpconn *c);

#endif
