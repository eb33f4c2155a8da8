/* Deny records: drops summarised per interval, with a bounded number of records per
 * source. A source's first `rate` distinct (ingress zone, source MAC, source,
 * destination, protocol, destination port, reason) tuples of an interval get a record
 * each; the rest of that (zone, source, reason) goes into one summary record with
 * packet and byte counts and the number of distinct destinations and ports. Sources
 * past the table's capacity are summarised per (zone, reason). Every dropped packet
 * is counted in exactly one record. One worker's tables. */
#ifndef BUNRI_DENY_H
#define BUNRI_DENY_H

#include <stdbool.h>
#include <stdint.h>

#include "flowrec.h"

#define DENY_INTERVAL_MS 60000
#define DENY_RATE 10          /* tuple records per source and interval */
#define DENY_OVERFLOW_MAX 256 /* (zone, reason) summaries of sources without room */

struct deny;

struct deny_conf {
	const char *name;      /* unique among live tables */
	uint32_t capacity;     /* tuples per interval, and sources per interval */
	int64_t interval_ms;
	uint32_t rate;         /* tuple records per (zone, source, reason) and interval */
	int socket;
	struct flowrec_sink sink;
};

/* 0 and *out, -EINVAL, -ENOMEM, or rte_hash's error. */
int deny_create(const struct deny_conf *conf, struct deny **out);
void deny_free(struct deny *d);

/* What a dropped packet is summarised by. */
struct deny_tuple {
	uint32_t src;          /* host byte order; 0 when the frame was not IPv4 */
	uint32_t dst;
	uint16_t dport;        /* or the ICMP type */
	uint8_t zone;          /* ingress */
	uint8_t proto;
	uint8_t src_mac[6];    /* the sending device; all zero when not recorded */
	uint32_t bytes;        /* the IPv4 total length, or the frame's length */
};

/* Counts one dropped packet. When the interval is over, the summaries so far are
 * emitted first. */
void deny_note(struct deny *d, int64_t now, const struct deny_tuple *t, const char *reason);
/* Emits every summary whose interval has ended by now (all of them when force). */
void deny_flush(struct deny *d, int64_t now, bool force);
uint64_t deny_records(const struct deny *d);

#endif
