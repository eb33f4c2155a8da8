/* The TCP connection state machine the connection tracker follows: which segments a
 * tracked connection accepts, and when it is closing or closed. Pure functions over a
 * small struct, no DPDK, so it is tested on its own. */
#ifndef BUNRI_TCPSTATE_H
#define BUNRI_TCPSTATE_H

#include <stdbool.h>
#include <stdint.h>

#define TCP_F_FIN 0x01
#define TCP_F_SYN 0x02
#define TCP_F_RST 0x04
#define TCP_F_PSH 0x08
#define TCP_F_ACK 0x10
#define TCP_F_URG 0x20

enum tcp_state {
	TCP_NONE = 0,
	TCP_SYN_SENT,    /* initiator's SYN seen */
	TCP_SYN_RECV,    /* responder's SYN-ACK seen */
	TCP_ESTABLISHED, /* initiator acknowledged the SYN-ACK */
	TCP_FIN_WAIT,    /* one side sent FIN */
	TCP_CLOSE_WAIT,  /* the other side acknowledged it and may still send */
	TCP_LAST_ACK,    /* both sides sent FIN */
	TCP_TIME_WAIT,   /* the last FIN was acknowledged */
	TCP_CLOSED,      /* reset */
	TCP_RST_HELD,    /* a RST inside the window but not at the expected sequence number
			  * was passed on: the endpoint answers it with a challenge ACK
			  * (RFC 5961) and keeps the connection, or takes it and goes quiet */
	TCP_STATE_COUNT,
};

enum tcp_dir { TCP_ORIG = 0, TCP_REPLY = 1 };

/* What the tracker does with a segment. */
enum tcp_result {
	TCP_ACCEPT,  /* forward it */
	TCP_INVALID, /* drop it (`state`); the connection is unchanged */
	TCP_RESET,   /* forward it, then end the connection (reason rst) */
	TCP_HELD,    /* a RST to forward without believing it (state TCP_RST_HELD) */
	TCP_REOPEN,  /* a new SYN on a finished connection: end it, look the SYN up anew */
};

struct tcp_track {
	uint8_t state;
	uint8_t fin_dir;        /* the side that sent FIN first */
	uint8_t fin_seen;       /* bit per side */
	uint8_t wscale[2];      /* window scale each side announced in its SYN */
	uint8_t held_from;      /* TCP_RST_HELD: the state a later segment restores */
	bool seq_known[2];
	uint32_t next_seq[2];   /* highest sequence number + length seen per side */
	uint32_t max_win[2];    /* largest window each side advertised, scaled */
};
/* It lives in every connection entry, which fits two cache lines. */
_Static_assert(sizeof(struct tcp_track) <= 24, "struct tcp_track grew");

/* How long a connection whose RST was held waits for a segment that shows the endpoint
 * kept it; after that the RST is taken as honoured. */
#define TCPSTATE_RST_GRACE_S 10

/* One segment, as parsed from the packet. */
struct tcp_seg {
	uint8_t flags;
	uint8_t wscale;    /* from a SYN's options; 0xff when absent */
	uint16_t win;
	uint32_t seq;
	uint32_t ack;
	uint32_t len;      /* payload bytes */
};

/* Starts tracking at the initiator's SYN (flags must be SYN without ACK). */
void tcpstate_open(struct tcp_track *t, const struct tcp_seg *s);
/* Advances the state for a segment sent by side dir. */
enum tcp_result tcpstate_next(struct tcp_track *t, enum tcp_dir dir,
			      const struct tcp_seg *s);
/* true when both sides sent FIN (the connection ended by FIN, not by a timeout). */
bool tcpstate_fin_both(const struct tcp_track *t);
/* true for the states that use the established timeout. */
bool tcpstate_is_established(const struct tcp_track *t);
/* true while a RST is held (TCP_RST_HELD): the connection ends as `rst` if nothing
 * follows within TCPSTATE_RST_GRACE_S. */
bool tcpstate_rst_held(const struct tcp_track *t);
/* "SYN_SENT", ... */
const char *tcpstate_name(enum tcp_state s);

#endif
