#include "tcpstate.h"

/* How far from what a side sent its next segment may start and still be taken as part
 * of the connection, when the receiver's window is smaller. */
#define SEQ_SLACK 65535u
#define WSCALE_MAX 14

static const char *const state_names[TCP_STATE_COUNT] = {
	[TCP_NONE] = "NONE",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV",
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_FIN_WAIT] = "FIN_WAIT",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
	[TCP_CLOSED] = "CLOSED",
	[TCP_RST_HELD] = "RST_HELD",
};

const char *tcpstate_name(enum tcp_state s)
{
	if ((unsigned)s >= TCP_STATE_COUNT)
		return "?";
	return state_names[s];
}

static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void track_seq(struct tcp_track *t, enum tcp_dir dir, const struct tcp_seg *s)
{
	uint32_t end = s->seq + s->len + ((s->flags & TCP_F_SYN) ? 1 : 0) +
		((s->flags & TCP_F_FIN) ? 1 : 0);
	uint32_t win = s->win;

	if (!t->seq_known[dir] || seq_after(end, t->next_seq[dir])) {
		t->next_seq[dir] = end;
		t->seq_known[dir] = true;
	}
	/* RFC 7323: the window field of a SYN is never scaled. */
	if (!(s->flags & TCP_F_SYN) && t->wscale[dir] != 0xff && t->wscale[!dir] != 0xff)
		win <<= t->wscale[dir];
	if (win > t->max_win[dir])
		t->max_win[dir] = win;
}

void tcpstate_open(struct tcp_track *t, const struct tcp_seg *s)
{
	*t = (struct tcp_track){ .state = TCP_SYN_SENT };
	t->wscale[TCP_ORIG] = s->wscale > WSCALE_MAX && s->wscale != 0xff ? WSCALE_MAX :
		s->wscale;
	t->wscale[TCP_REPLY] = 0xff;
	track_seq(t, TCP_ORIG, s);
}

/* Whether seq lies in the receiver's window: from its RCV.NXT (taken as what dir has
 * sent up to: all of it arrived) on, as far as the largest window it advertised. */
static bool in_rcv_window(const struct tcp_track *t, enum tcp_dir dir, uint32_t seq)
{
	return seq - t->next_seq[dir] < t->max_win[!dir];
}

/* RFC 5961: a RST at RCV.NXT ends the connection; one elsewhere in the window is
 * passed on but not believed, since the endpoint answers it with a challenge ACK and
 * keeps the connection unless the RST was its peer's; one outside is dropped. */
static enum tcp_result on_rst(struct tcp_track *t, enum tcp_dir dir,
			      const struct tcp_seg *s)
{
	if (t->state == TCP_CLOSED)
		return TCP_INVALID;
	if (t->state == TCP_SYN_SENT && dir == TCP_REPLY) {
		/* RFC 793: in SYN-SENT a reset is valid only when it acknowledges the SYN. */
		if (!(s->flags & TCP_F_ACK) || s->ack != t->next_seq[TCP_ORIG])
			return TCP_INVALID;
	} else if (!t->seq_known[dir]) {
		if (!(s->flags & TCP_F_ACK) || !t->seq_known[!dir] || s->ack != t->next_seq[!dir])
			return TCP_INVALID;
	} else if (s->seq != t->next_seq[dir]) {
		if (!in_rcv_window(t, dir, s->seq))
			return TCP_INVALID;
		if (t->state != TCP_RST_HELD) {
			t->held_from = t->state;
			t->state = TCP_RST_HELD;
		}
		return TCP_HELD;
	}
	t->state = TCP_CLOSED;
	return TCP_RESET;
}

/* A segment after a held RST that belongs to the connection (its sequence number near
 * what dir sent, acknowledging nothing the other side did not send) shows that the
 * endpoint kept it: the state before the RST comes back. */
static bool restore_held(struct tcp_track *t, enum tcp_dir dir, const struct tcp_seg *s)
{
	uint32_t window = t->max_win[!dir] > SEQ_SLACK ? t->max_win[!dir] : SEQ_SLACK;
	int32_t off = (int32_t)(s->seq - t->next_seq[dir]);

	if (!(s->flags & TCP_F_ACK))
		return false;
	if (t->seq_known[dir] && (off > (int64_t)window || off < -(int64_t)window))
		return false;
	if (t->seq_known[!dir] && seq_after(s->ack, t->next_seq[!dir]))
		return false;
	t->state = t->held_from;
	return true;
}

static enum tcp_result on_syn(struct tcp_track *t, enum tcp_dir dir,
			      const struct tcp_seg *s)
{
	bool ack = s->flags & TCP_F_ACK;

	if (dir == TCP_ORIG && !ack) {
		if (t->state == TCP_SYN_SENT)
			return TCP_ACCEPT; /* retransmitted SYN */
		if (t->state == TCP_TIME_WAIT || t->state == TCP_CLOSED ||
		    t->state == TCP_RST_HELD)
			return TCP_REOPEN;
		return TCP_INVALID;
	}
	/* Simultaneous open and SYNs towards the initiator are not allowed across zones. */
	if (dir != TCP_REPLY || !ack)
		return TCP_INVALID;
	if (t->state != TCP_SYN_SENT && t->state != TCP_SYN_RECV)
		return TCP_INVALID;
	if (s->ack != t->next_seq[TCP_ORIG])
		return TCP_INVALID;
	if (t->state == TCP_SYN_SENT) {
		t->wscale[TCP_REPLY] = s->wscale > WSCALE_MAX && s->wscale != 0xff ?
			WSCALE_MAX : s->wscale;
		t->state = TCP_SYN_RECV;
	}
	track_seq(t, dir, s);
	return TCP_ACCEPT;
}

static void on_fin(struct tcp_track *t, enum tcp_dir dir)
{
	if (t->fin_seen & (1u << dir))
		return; /* retransmitted FIN */
	t->fin_seen |= (uint8_t)(1u << dir);
	if (t->fin_seen == 1u << dir) {
		t->fin_dir = dir;
		t->state = TCP_FIN_WAIT;
	} else {
		t->state = TCP_LAST_ACK;
	}
}

enum tcp_result tcpstate_next(struct tcp_track *t, enum tcp_dir dir,
			      const struct tcp_seg *s)
{
	if (t->state == TCP_NONE || t->state >= TCP_STATE_COUNT)
		return TCP_INVALID;
	/* SYN with FIN or RST is no segment a TCP sends: a scan or an evasion attempt. */
	if ((s->flags & TCP_F_SYN) && (s->flags & (TCP_F_FIN | TCP_F_RST)))
		return TCP_INVALID;
	if (s->flags & TCP_F_RST)
		return on_rst(t, dir, s);
	if (t->state == TCP_RST_HELD && !(s->flags & TCP_F_SYN) && !restore_held(t, dir, s))
		return TCP_INVALID;
	if (s->flags & TCP_F_SYN)
		return on_syn(t, dir, s);
	/* Apart from the initiator's first SYN, every segment carries ACK (RFC 793). */
	if (!(s->flags & TCP_F_ACK))
		return TCP_INVALID;

	switch (t->state) {
	case TCP_SYN_SENT:
		return TCP_INVALID; /* nothing but SYN-ACK or RST may answer a SYN */
	case TCP_SYN_RECV:
		if (dir != TCP_ORIG)
			break;
		if (s->ack != t->next_seq[TCP_REPLY])
			return TCP_INVALID;
		t->state = TCP_ESTABLISHED;
		break;
	case TCP_CLOSED:
		return TCP_INVALID;
	case TCP_TIME_WAIT:
		/* Both FINs are acknowledged: only their retransmissions and bare ACKs may
		 * still pass, never new data. */
		if (s->len != 0)
			return TCP_INVALID;
		break;
	default:
		break;
	}
	track_seq(t, dir, s);

	if (s->flags & TCP_F_FIN) {
		on_fin(t, dir);
		return TCP_ACCEPT;
	}
	switch (t->state) {
	case TCP_FIN_WAIT:
		if (dir != t->fin_dir)
			t->state = TCP_CLOSE_WAIT;
		break;
	case TCP_LAST_ACK:
		/* The first closer acknowledges the other side's FIN. */
		if (dir == t->fin_dir)
			t->state = TCP_TIME_WAIT;
		break;
	default:
		break;
	}
	return TCP_ACCEPT;
}

bool tcpstate_fin_both(const struct tcp_track *t)
{
	return t->fin_seen == 3;
}

bool tcpstate_is_established(const struct tcp_track *t)
{
	return t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT;
}

bool tcpstate_rst_held(const struct tcp_track *t)
{
	return t->state == TCP_RST_HELD;
}
