/* bunri-controld's connection to bunri-dataplane: connects, subscribes to the record
 * stream from a point, acknowledges records, ships compiled policies in chunks and
 * waits for the verdict. Records, gaps, heartbeats and the shutdown message that arrive
 * meanwhile (or at any time) go to the callbacks, in the order sent. */
#ifndef BUNRI_DPCONN_H
#define BUNRI_DPCONN_H

#include <stddef.h>
#include <stdint.h>

#include "cpolicy.h"
#include "ctlproto.h"
#include "flowrec.h"

struct dpconn_sink {
	void (*record)(void *ctx, uint64_t run, uint64_t seq, const struct flowrec *r);
	void (*gap)(void *ctx, const struct ctlproto_gap *g);
	/* a heartbeat, or (shutdown) the dataplane's last message */
	void (*beat)(void *ctx, const struct ctlproto_beat *b, bool shutdown);
	/* the stream starts over as the last dpconn_subscribe asked */
	void (*restarted)(void *ctx);
	void *ctx;
};

struct dpconn {
	int fd;                 /* -1: not connected */
	uint32_t seq;
	uint32_t subscribe_seq; /* of the last subscription sent */
	bool shutdown;          /* the dataplane said it stops cleanly */
	struct dpconn_sink sink;
	uint64_t bad_records;   /* records that did not decode */
	uint8_t buf[65536];
};

void dpconn_init(struct dpconn *c, struct dpconn_sink sink);
/* Connects to path and subscribes to records after `from`: 0 or -errno. */
int dpconn_connect(struct dpconn *c, const char *path, const struct ctlproto_mark *from);
/* On an open connection: the stream starts over after `from` (records on their way
 * before it are dropped until sink.restarted). 0 or -errno. */
int dpconn_subscribe(struct dpconn *c, const struct ctlproto_mark *from);
/* Every record up to ack is fsynced in the flow log. 0 or -errno (not waiting). */
int dpconn_ack(struct dpconn *c, const struct ctlproto_mark *ack);
void dpconn_close(struct dpconn *c);
/* Installs cp: 0, or -errno with the dataplane's (or the socket's) reason in err. The
 * connection is closed when it fails (not when the dataplane refuses the policy). */
int dpconn_install(struct dpconn *c, const struct cpolicy *cp, char *err, size_t errlen);
/* Reads what is waiting (non-blocking), a bounded burst of messages so that a stream
 * that never pauses cannot hold the caller (poll again for the rest), and hands it to
 * the sink: 0, or -errno when the connection ended (it is then closed). */
int dpconn_read(struct dpconn *c);

#endif
