/* Deny records: drops summarised per (ingress zone, source MAC, source, destination,
 * protocol, destination port, reason) over an interval, so a flood costs one record per
 * interval, not one per packet. One worker's table. */
#ifndef BUNRI_DENY_H
#define BUNRI_DENY_H

#include <stdint.h>

#include "flowrec.h"

#define DENY_INTERVAL_MS 60000

struct deny;

/* name unique among live tables; capacity distinct tuples per interval. 0 and *out,
 * -EINVAL, -ENOMEM, or rte_hash's error. */
int deny_create(const char *name, uint32_t capacity, int64_t interval_ms, int socket,
		struct flowrec_sink sink, struct deny **out);
void deny_free(struct deny *d);

/* What a dropped packet is summarised by. */
struct deny_tuple {
	uint32_t src;          /* host byte order; 0 when the frame was not IPv4 */
	uint32_t dst;
	uint16_t dport;        /* or the ICMP type */
	uint8_t zone;          /* ingress */
	uint8_t proto;
	uint8_t src_mac[6];    /* the sending device; all zero when not recorded */
};

/* Counts one dropped packet. When the interval is over, or the table is full, the
 * summaries so far are emitted first. */
void deny_note(struct deny *d, int64_t now, const struct deny_tuple *t, const char *reason);
/* Emits every summary whose interval has ended by now (all of them when force). */
void deny_flush(struct deny *d, int64_t now, bool force);
uint64_t deny_records(const struct deny *d);

#endif
