/* The TCP state machine the connection tracker follows: the normal life of a
 * connection, what it refuses, RST acceptance by window (RFC 5961: believed at RCV.NXT,
 * held inside the window, dropped outside), and reopening after close. */
#include "runner.h"
#include "tcpstate.h"

#define ISN_C 1000u
#define ISN_S 5000u

static struct tcp_seg seg(uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	return (struct tcp_seg){ .flags = flags, .seq = seq, .ack = ack, .len = len,
				 .win = 65535, .wscale = 0xff };
}

/* SYN, SYN-ACK, ACK: returns the tracker in ESTABLISHED. */
static struct tcp_track established(void)
{
	struct tcp_track t;
	struct tcp_seg s = seg(TCP_F_SYN, ISN_C, 0, 0);

	tcpstate_open(&t, &s);
	CU_ASSERT_EQUAL(t.state, TCP_SYN_SENT);
	s = seg(TCP_F_SYN | TCP_F_ACK, ISN_S, ISN_C + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_SYN_RECV);
	s = seg(TCP_F_ACK, ISN_C + 1, ISN_S + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_ESTABLISHED);
	CU_ASSERT_TRUE(tcpstate_is_established(&t));
	return t;
}

static void handshake_and_close(void)
{
	struct tcp_track t = established();
	struct tcp_seg s;

	s = seg(TCP_F_ACK | TCP_F_PSH, ISN_C + 1, ISN_S + 1, 100);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.next_seq[TCP_ORIG], ISN_C + 101);
	/* The client closes first. */
	s = seg(TCP_F_FIN | TCP_F_ACK, ISN_C + 101, ISN_S + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_FIN_WAIT);
	CU_ASSERT_FALSE(tcpstate_fin_both(&t));
	/* The server acknowledges and goes on sending: half-closed. */
	s = seg(TCP_F_ACK, ISN_S + 1, ISN_C + 102, 50);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_CLOSE_WAIT);
	s = seg(TCP_F_FIN | TCP_F_ACK, ISN_S + 51, ISN_C + 102, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_LAST_ACK);
	CU_ASSERT_TRUE(tcpstate_fin_both(&t));
	s = seg(TCP_F_ACK, ISN_C + 102, ISN_S + 52, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_TIME_WAIT);
	CU_ASSERT_FALSE(tcpstate_is_established(&t));
}

static void simultaneous_fin(void)
{
	struct tcp_track t = established();
	struct tcp_seg s = seg(TCP_F_FIN | TCP_F_ACK, ISN_C + 1, ISN_S + 1, 0);

	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	s = seg(TCP_F_FIN | TCP_F_ACK, ISN_S + 1, ISN_C + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_LAST_ACK);
	/* A retransmitted FIN changes nothing. */
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_LAST_ACK);
}

static void refused_in_syn_sent(void)
{
	struct tcp_track t;
	struct tcp_seg s = seg(TCP_F_SYN, ISN_C, 0, 0);

	tcpstate_open(&t, &s);
	/* A retransmitted SYN is fine. */
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	/* Data or an ACK before the SYN-ACK, from either side. */
	s = seg(TCP_F_ACK, ISN_C + 1, 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	s = seg(TCP_F_ACK, 77, ISN_C + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	/* A SYN-ACK that does not acknowledge our SYN. */
	s = seg(TCP_F_SYN | TCP_F_ACK, ISN_S, ISN_C + 999, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	/* Simultaneous open: a plain SYN from the responder. */
	s = seg(TCP_F_SYN, ISN_S, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	/* A SYN-ACK from the initiator. */
	s = seg(TCP_F_SYN | TCP_F_ACK, ISN_C, 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	CU_ASSERT_EQUAL(t.state, TCP_SYN_SENT);
}

static void rst_in_syn_sent(void)
{
	struct tcp_track t;
	struct tcp_seg s = seg(TCP_F_SYN, ISN_C, 0, 0);

	tcpstate_open(&t, &s);
	/* RFC 793: only a RST that acknowledges the SYN is believed. */
	s = seg(TCP_F_RST | TCP_F_ACK, 0, ISN_C + 5, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	s = seg(TCP_F_RST, 0, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	s = seg(TCP_F_RST | TCP_F_ACK, 0, ISN_C + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_RESET);
	CU_ASSERT_EQUAL(t.state, TCP_CLOSED);
}

static void rst_window(void)
{
	struct tcp_track t = established();
	struct tcp_seg s;

	/* Outside the client's window, before or after it: dropped, nothing changes. */
	s = seg(TCP_F_RST, ISN_S + 1 + 0x40000000u, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	s = seg(TCP_F_RST, ISN_S + 1 - 0x40000000u, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	s = seg(TCP_F_RST, ISN_S, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	CU_ASSERT_EQUAL(t.state, TCP_ESTABLISHED);
	/* Inside it but not at RCV.NXT: passed on, held, not believed. */
	s = seg(TCP_F_RST, ISN_S + 1 + 30000, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_HELD);
	CU_ASSERT_EQUAL(t.state, TCP_RST_HELD);
	CU_ASSERT_TRUE(tcpstate_rst_held(&t));
	CU_ASSERT_FALSE(tcpstate_is_established(&t));
	/* Exactly at RCV.NXT: the connection ends, also from the held state. */
	s = seg(TCP_F_RST, ISN_S + 1, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_RESET);
	CU_ASSERT_EQUAL(t.state, TCP_CLOSED);
	/* Nothing is accepted after a reset, not even another RST. */
	s = seg(TCP_F_RST, ISN_S + 1, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	s = seg(TCP_F_ACK, ISN_C + 1, ISN_S + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
}

/* The endpoint ignores a RST that was not at RCV.NXT and answers with a challenge ACK:
 * the connection is back as it was, and goes on carrying data. */
static void rst_held_recovers(void)
{
	struct tcp_track t = established();
	struct tcp_seg s;

	s = seg(TCP_F_ACK | TCP_F_PSH, ISN_C + 1, ISN_S + 1, 100);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	/* A forger in the server's zone guesses a sequence number in the window. */
	s = seg(TCP_F_RST, ISN_S + 1 + 1234, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_HELD);
	/* A segment that acknowledges what the server never sent restores nothing. */
	s = seg(TCP_F_ACK, ISN_C + 101, ISN_S + 1 + 5000, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	CU_ASSERT_EQUAL(t.state, TCP_RST_HELD);
	/* Neither does one far from what the client sent. */
	s = seg(TCP_F_ACK, ISN_C + 101 + 0x20000000u, ISN_S + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	CU_ASSERT_EQUAL(t.state, TCP_RST_HELD);
	/* The client's challenge ACK (RFC 5961 3.2). */
	s = seg(TCP_F_ACK, ISN_C + 101, ISN_S + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_ESTABLISHED);
	CU_ASSERT_TRUE(tcpstate_is_established(&t));
	s = seg(TCP_F_ACK | TCP_F_PSH, ISN_S + 1, ISN_C + 101, 20);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	/* Held during the close: the close goes on where it was. */
	s = seg(TCP_F_FIN | TCP_F_ACK, ISN_C + 101, ISN_S + 21, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_FIN_WAIT);
	s = seg(TCP_F_RST, ISN_C + 102 + 10, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_HELD);
	s = seg(TCP_F_ACK, ISN_S + 21, ISN_C + 102, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_CLOSE_WAIT);
}

/* A new SYN from the client after a held RST: the endpoint took the RST and opens
 * again. */
static void rst_held_then_syn(void)
{
	struct tcp_track t = established();
	struct tcp_seg s = seg(TCP_F_RST, ISN_C + 1 + 999, 0, 0);

	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_HELD);
	s = seg(TCP_F_SYN, ISN_C + 70000, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_REOPEN);
	CU_ASSERT_STRING_EQUAL(tcpstate_name(TCP_RST_HELD), "RST_HELD");
}

static void rst_window_scaled(void)
{
	struct tcp_track t;
	struct tcp_seg s = seg(TCP_F_SYN, ISN_C, 0, 0);

	s.wscale = 7;
	tcpstate_open(&t, &s);
	s = seg(TCP_F_SYN | TCP_F_ACK, ISN_S, ISN_C + 1, 0);
	s.wscale = 7;
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	/* The client advertises 65535 << 7 = 8 MiB. */
	s = seg(TCP_F_ACK, ISN_C + 1, ISN_S + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.max_win[TCP_ORIG], 65535u << 7);
	/* A server RST 4 MiB ahead lies inside the client's scaled window: held. */
	s = seg(TCP_F_RST, ISN_S + 1 + (4u << 20), 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_HELD);
	/* 9 MiB ahead lies outside it. */
	s = seg(TCP_F_RST, ISN_S + 1 + (9u << 20), 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
}

static void needs_ack(void)
{
	struct tcp_track t = established();
	struct tcp_seg s = seg(TCP_F_PSH, ISN_C + 1, 0, 10);

	/* After the first SYN every segment carries ACK. */
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	/* A new SYN on a live connection. */
	s = seg(TCP_F_SYN, ISN_C + 7, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	CU_ASSERT_EQUAL(t.state, TCP_ESTABLISHED);
}

static void syn_recv_wrong_ack(void)
{
	struct tcp_track t;
	struct tcp_seg s = seg(TCP_F_SYN, ISN_C, 0, 0);

	tcpstate_open(&t, &s);
	s = seg(TCP_F_SYN | TCP_F_ACK, ISN_S, ISN_C + 1, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	/* The third packet must acknowledge the server's SYN. */
	s = seg(TCP_F_ACK, ISN_C + 1, ISN_S + 77, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	CU_ASSERT_EQUAL(t.state, TCP_SYN_RECV);
}

static void reopen_after_close(void)
{
	struct tcp_track t = established();
	struct tcp_seg s = seg(TCP_F_RST, ISN_C + 1, 0, 0);

	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_RESET);
	/* The same ports again: a new connection, judged anew. */
	s = seg(TCP_F_SYN, ISN_C + 100000, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_REOPEN);
	/* Only the initiator's side may reopen. */
	s = seg(TCP_F_SYN, ISN_S + 100000, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
}

/* SYN with FIN or RST is refused in every state, also where a SYN would reopen. */
static void syn_with_fin_or_rst(void)
{
	struct tcp_track t;
	struct tcp_seg s = seg(TCP_F_SYN, ISN_C, 0, 0);

	tcpstate_open(&t, &s);
	s = seg(TCP_F_SYN | TCP_F_FIN, ISN_C, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	s = seg(TCP_F_SYN | TCP_F_RST, ISN_C, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	CU_ASSERT_EQUAL(t.state, TCP_SYN_SENT);
	t = established();
	s = seg(TCP_F_RST, ISN_C + 1, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_RESET);
	s = seg(TCP_F_SYN | TCP_F_FIN, ISN_C + 100000, 0, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
}

/* After FIN both ways and the last ACK only empty segments pass: no new data. */
static void time_wait_carries_no_data(void)
{
	struct tcp_track t = established();
	struct tcp_seg s = seg(TCP_F_FIN | TCP_F_ACK, ISN_C + 1, ISN_S + 1, 0);

	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	s = seg(TCP_F_FIN | TCP_F_ACK, ISN_S + 1, ISN_C + 2, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	s = seg(TCP_F_ACK, ISN_C + 2, ISN_S + 2, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
	CU_ASSERT_EQUAL(t.state, TCP_TIME_WAIT);
	s = seg(TCP_F_ACK | TCP_F_PSH, ISN_S + 2, ISN_C + 2, 100);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_INVALID);
	s = seg(TCP_F_ACK | TCP_F_PSH, ISN_C + 2, ISN_S + 2, 1);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
	/* a retransmitted FIN and a bare ACK still pass */
	s = seg(TCP_F_FIN | TCP_F_ACK, ISN_S + 1, ISN_C + 2, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_REPLY, &s), TCP_ACCEPT);
	s = seg(TCP_F_ACK, ISN_C + 2, ISN_S + 2, 0);
	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_ACCEPT);
}

static void names(void)
{
	CU_ASSERT_STRING_EQUAL(tcpstate_name(TCP_SYN_SENT), "SYN_SENT");
	CU_ASSERT_STRING_EQUAL(tcpstate_name(TCP_TIME_WAIT), "TIME_WAIT");
	CU_ASSERT_STRING_EQUAL(tcpstate_name((enum tcp_state)99), "?");
}

static void untracked(void)
{
	struct tcp_track t = { .state = TCP_NONE };
	struct tcp_seg s = seg(TCP_F_ACK, 1, 1, 0);

	CU_ASSERT_EQUAL(tcpstate_next(&t, TCP_ORIG, &s), TCP_INVALID);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "handshake, data, FIN both ways", handshake_and_close },
		{ "FIN from both sides at once", simultaneous_fin },
		{ "SYN_SENT refuses all but SYN-ACK and RST", refused_in_syn_sent },
		{ "RST in SYN_SENT must acknowledge the SYN", rst_in_syn_sent },
		{ "RST: outside dropped, in window held, at RCV.NXT ends", rst_window },
		{ "a held RST the endpoint ignored: the connection recovers", rst_held_recovers },
		{ "a SYN after a held RST reopens", rst_held_then_syn },
		{ "RST window honours window scaling", rst_window_scaled },
		{ "segments without ACK are refused", needs_ack },
		{ "third packet must acknowledge the SYN-ACK", syn_recv_wrong_ack },
		{ "a new SYN after close reopens", reopen_after_close },
		{ "SYN with FIN or RST is refused, never reopens", syn_with_fin_or_rst },
		{ "a closed connection carries no more data", time_wait_carries_no_data },
		{ "state names", names },
		{ "an untracked connection accepts nothing", untracked },
		{ NULL, NULL },
	};

	return test_run("tcpstate", cases);
}
