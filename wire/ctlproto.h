/* The control protocol between bunri-dataplane, bunri-controld and bunrictl: versioned
 * messages over unix SOCK_SEQPACKET sockets (one message per datagram, never larger
 * than CTLPROTO_MSG_MAX). Every message is a 16-byte little-endian header and a
 * payload whose length the header states exactly; decoders check every length. */
#ifndef BUNRI_CTLPROTO_H
#define BUNRI_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flowrec.h"

#define CTLPROTO_MAGIC 0x49524e42u /* "BNRI" */
/* 2: records carry the dataplane's run id and sequence numbers and are acknowledged;
 * a deny record carries its scope and counts */
#define CTLPROTO_VERSION 2
#define CTLPROTO_HDR_LEN 16
#define CTLPROTO_MSG_MAX 65536
#define CTLPROTO_PAYLOAD_MAX (CTLPROTO_MSG_MAX - CTLPROTO_HDR_LEN)
#define CTLPROTO_RECORD_LEN 184
#define CTLPROTO_RECORDS_HDR 20  /* u32 n, u64 run, u64 first seq */
#define CTLPROTO_RECORDS_MAX ((CTLPROTO_PAYLOAD_MAX - CTLPROTO_RECORDS_HDR) / CTLPROTO_RECORD_LEN)
#define CTLPROTO_CHUNK_MAX (CTLPROTO_PAYLOAD_MAX - 8)
#define CTLPROTO_POLICY_MAX (64u << 20) /* a compiled policy larger than this is refused */
#define CTLPROTO_FLOWS_PAGE_MAX 10000
#define CTLPROTO_REPLY_MAX (64u << 20) /* a reply in CTL_PART pieces, assembled */

enum ctlproto_type {
	CTL_ERROR = 1,     /* reply: i32 errno, then UTF-8 text */
	CTL_OK,            /* reply: UTF-8 text (JSON for queries), may be empty */
	CTL_POLICY_CHUNK,  /* -> dataplane: u32 total, u32 offset, bytes of a serialized cpolicy */
	CTL_STATUS,        /* -> dataplane: empty; reply JSON */
	CTL_RULES,         /* -> dataplane: empty; reply JSON */
	CTL_FLOWS,         /* -> dataplane: struct ctlproto_flows_query; reply JSON */
	CTL_SUBSCRIBE,     /* -> dataplane: struct ctlproto_mark, the last record of that run
			    * the controller wrote (0, 0: none); this connection now receives
			    * every record not acknowledged after it (sent again on an open
			    * subscription: start over from there). Frees nothing: only an
			    * ACK says what is on disk */
	CTL_RECORDS,       /* dataplane ->: u32 n, u64 run, u64 seq of the first, n records
			    * (seq, seq + 1, ...) */
	CTL_GAP,           /* dataplane ->: struct ctlproto_gap, records lost with their seqs */
	CTL_RELOAD,        /* -> controld: empty or u32 flags; an empty CTL_PART (taken),
			    * then the reply text of what changed, or the errors */
	CTL_PART,          /* reply: a piece of a long reply; more pieces, then CTL_OK, follow */
	CTL_NEIGHBORS,     /* -> dataplane: empty; reply JSON */
	CTL_ACK,           /* -> dataplane: struct ctlproto_mark, every record of the run up
			    * to seq is fsynced in the flow log: the dataplane frees them */
	CTL_HEARTBEAT,     /* dataplane ->: struct ctlproto_beat, every second */
	CTL_SHUTDOWN,      /* dataplane ->: struct ctlproto_beat, a clean stop: nothing follows */
	CTL_TYPE_MAX,
};

/* CTL_RELOAD flags */
#define CTL_RELOAD_ALLOW_DENY_ALL 1u  /* a policy that removes every flow may be applied */

struct ctlproto_msg {
	uint16_t type;
	uint32_t seq;
	const uint8_t *payload; /* points into the buffer given to the decoder */
	uint32_t len;
};

/* A dataplane run (random at its start, never 0) and a record's number in it (from 1). */
struct ctlproto_mark {
	uint64_t run;
	uint64_t seq;
};

/* Records lost before they reached the controller: seqs first..last, of which `ring`
 * were lost in a worker's full ring and `buffer` because the buffer of unacknowledged
 * records was full (ring + buffer = last - first + 1), ending between from_ms and to_ms. */
struct ctlproto_gap {
	uint64_t run, first_seq, last_seq;
	uint64_t ring, buffer;
	int64_t from_ms, to_ms;
};

/* What the dataplane says about itself: its run, the last seq it gave a record, its live
 * connections (records still to come), its clock. */
struct ctlproto_beat {
	uint64_t run, seq, live;
	int64_t now_ms;
};

/* A decoded CTL_RECORDS payload: n records from recs (CTLPROTO_RECORD_LEN each). */
struct ctlproto_records {
	uint64_t run, first_seq;
	uint32_t n;
	const uint8_t *recs;
};

/* A page of live connections, filtered; a zero field does not filter. */
struct ctlproto_flows_query {
	uint8_t zone;          /* 0: any; else enum zone + 1 (either end in that zone) */
	uint32_t host;         /* either end has this address (host byte order) */
	uint32_t offset;
	uint32_t limit;        /* 1..CTLPROTO_FLOWS_PAGE_MAX */
	char flow[CP_FLOW_ID_MAX];
};

/* Writes one message into buf: its length, or -EMSGSIZE when it does not fit in cap or
 * the payload exceeds CTLPROTO_PAYLOAD_MAX, -EINVAL for an unknown type. */
int ctlproto_encode(uint8_t *buf, size_t cap, uint16_t type, uint32_t seq,
		    const void *payload, size_t len);
/* Parses a received message: 0; -EBADMSG (short, bad magic, length mismatch, unknown
 * type); -EPROTO (another version). */
int ctlproto_decode(const uint8_t *buf, size_t len, struct ctlproto_msg *m);

/* Fixed-size records (CTLPROTO_RECORD_LEN bytes). decode: 0 or -EBADMSG for a type,
 * end reason, zone or scope out of range, a string without its NUL, a deny record
 * without a scope, or a flow record with one (or with deny counts). */
void ctlproto_record_encode(const struct flowrec *r, uint8_t *out);
int ctlproto_record_decode(const uint8_t *in, struct flowrec *r);

/* Payload codecs: encode returns the payload length (or -EMSGSIZE); decode returns 0
 * or -EBADMSG. */
int ctlproto_flows_encode(const struct ctlproto_flows_query *q, uint8_t *out, size_t cap);
int ctlproto_flows_decode(const uint8_t *in, size_t len, struct ctlproto_flows_query *q);
int ctlproto_chunk_decode(const uint8_t *in, size_t len, uint32_t *total, uint32_t *offset,
			  const uint8_t **data, uint32_t *data_len);
/* decode: -EBADMSG for a wrong length, a run or seq 0, a range or count that does not
 * add up, or a record count of 0 or over CTLPROTO_RECORDS_MAX. */
int ctlproto_gap_encode(const struct ctlproto_gap *g, uint8_t *out, size_t cap);
int ctlproto_gap_decode(const uint8_t *in, size_t len, struct ctlproto_gap *g);
/* SUBSCRIBE's mark may be (0, 0); ACK's may not. */
int ctlproto_mark_encode(const struct ctlproto_mark *k, uint8_t *out, size_t cap);
int ctlproto_mark_decode(const uint8_t *in, size_t len, bool ack, struct ctlproto_mark *k);
int ctlproto_beat_encode(const struct ctlproto_beat *b, uint8_t *out, size_t cap);
int ctlproto_beat_decode(const uint8_t *in, size_t len, struct ctlproto_beat *b);
/* Writes the header of a CTL_RECORDS payload whose n records follow it. */
void ctlproto_records_header(uint8_t *out, uint64_t run, uint64_t first_seq, uint32_t n);
int ctlproto_records_decode(const uint8_t *in, size_t len, struct ctlproto_records *r);
/* An error payload (i32 code + text), truncated to fit. Returns its length. */
size_t ctlproto_error_encode(int code, const char *text, uint8_t *out, size_t cap);
/* 0 and the code and the text (not NUL-terminated: text_len), or -EBADMSG. */
int ctlproto_error_decode(const uint8_t *in, size_t len, int *code, const char **text,
			  size_t *text_len);

/* Socket helpers. send: 0 or -errno (never SIGPIPE; -EAGAIN on a full non-blocking
 * socket). recv: the message length and m, 0 at end of stream, -EMSGSIZE for a message
 * longer than cap (it is discarded), -EBADMSG/-EPROTO as decode, -errno. */
int ctlproto_send(int fd, uint16_t type, uint32_t seq, const void *payload, size_t len,
		  int flags);
int ctlproto_recv(int fd, uint8_t *buf, size_t cap, struct ctlproto_msg *m, int flags);
/* Sends text as a reply with seq: CTL_PART pieces, then CTL_OK with the rest, each with
 * flags (MSG_DONTWAIT: -EAGAIN when the peer's queue is full, the reply then cut short).
 * 0 or -errno. */
int ctlproto_send_reply(int fd, uint32_t seq, const char *text, size_t len, int flags);
/* A connected SOCK_SEQPACKET socket to path: fd or -errno. */
int ctlproto_connect(const char *path);
/* A listening socket at path (a stale socket file is replaced), mode 0660 and, when
 * group is not NULL and exists, owned by that group: fd or -errno. */
int ctlproto_listen(const char *path, const char *group);

#endif
