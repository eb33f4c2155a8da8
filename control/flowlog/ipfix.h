/* IPFIX (RFC 7011) export of flow and deny records: one template, data records packed
 * into messages, written to a file descriptor (an IPFIX file, RFC 5655: messages back
 * to back) or sent over UDP to a collector (template re-sent periodically, RFC 7011
 * section 10.3.6).
 *
 * Template 256 holds IEs 8, 12, 7, 11, 4, 1, 2, 152, 153, 6, 136, 233, 56, the reverse
 * octet and packet counts of RFC 5103 (PEN 29305, IEs 1 and 2) for the responder's
 * direction, and bunri's own IEs under IPFIX_PEN: 1 flow id (string), 2 from zone,
 * 3 to zone (unsigned8, enum zone), 4 deny reason (string). Deny records carry their
 * packet count in IE 2 and firewallEvent 3; flow records firewallEvent 2.
 *
 * Options template 257 carries the flow log's signed checkpoints (checkpoint.h): scope
 * observationDomainId (IE 149), and bunri's IE 5 under IPFIX_PEN, the checkpoint's line
 * as a string, so a collector keeps it verbatim (bunri-audit verify checks it). */
#ifndef BUNRI_IPFIX_H
#define BUNRI_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#include "flowrec.h"

/* RFC 5612's documentation enterprise number: replace with the operator's own PEN. */
#define IPFIX_PEN 32473
#define IPFIX_TEMPLATE_ID 256
#define IPFIX_CHECKPOINT_TEMPLATE_ID 257
#define IPFIX_DEFAULT_PORT 4739

struct ipfix_exporter;

struct ipfix_stats {
	uint64_t records, messages, bytes, send_errors;
};

/* Writes messages to fd (not closed by the exporter). 0 or -ENOMEM. */
int ipfix_open_fd(struct ipfix_exporter **out, int fd, uint32_t domain);
/* Sends messages to host:port over UDP; host is a dotted-quad IPv4 address (no DNS):
 * 0, -EINVAL for anything else or port 0, -errno. */
int ipfix_open_udp(struct ipfix_exporter **out, const char *host, uint16_t port,
		   uint32_t domain);
/* Over UDP, send at most this many messages a second (0: no limit, the default), sleeping
 * in between: for bulk exports, so a collector's socket buffer is not overrun. A live
 * exporter inside an event loop leaves it at 0. */
void ipfix_set_rate(struct ipfix_exporter *x, unsigned messages_per_second);
/* Adds one record; a full message is sent first. now_ms is the export time. 0, -EINVAL
 * for a record type IPFIX has no place for, -errno when writing or sending fails (UDP
 * failures are counted and the message dropped, as a lost datagram would be). */
int ipfix_add(struct ipfix_exporter *x, const struct flowrec *r, int64_t now_ms);
/* Adds one checkpoint line (len bytes, at most 1024) as an options record: as ipfix_add,
 * -EINVAL for a longer line. */
int ipfix_add_checkpoint(struct ipfix_exporter *x, const char *line, size_t len,
			 int64_t now_ms);
/* Sends what is buffered: 0 or -errno. */
int ipfix_flush(struct ipfix_exporter *x, int64_t now_ms);
void ipfix_get_stats(const struct ipfix_exporter *x, struct ipfix_stats *st);
/* Flushes and frees: 0 or the flush's -errno. */
int ipfix_close(struct ipfix_exporter *x, int64_t now_ms);

#endif
