/* The dataplane's control socket with a worker's record ring behind it and a real
 * client in front: every seq a worker's records take reaches the controller once as a
 * record or inside a gap message, even when the controller's queue is full at the
 * moment a gap is due; records stay until acknowledged and come again, in order, to a
 * controller that subscribes after the last one its log holds; a policy that breaks a
 * guard rail is refused before it is installed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "cfgfile.h"
#include "cpolicy_impl.h"
#include "ctlproto.h"
#include "ctlsrv.h"
#include "daemon.h"
#include "eal_fixture.h"
#include "runner.h"

#define BUFFER_RECORDS 64

struct fixture {
	char dir[64], path[96];
	struct daemon d;
	struct ctlsrv *s;
	uint8_t buf[CTLPROTO_MSG_MAX];
};

static void setup(struct fixture *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctlsrv.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/control.sock", f->dir);
	f->d.n_workers = 1;
	f->d.workers = rte_zmalloc(NULL, sizeof(struct worker), RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->d.workers);
	f->d.workers[0].records = rte_ring_create_elem(name, sizeof(struct flowrec), 4096,
						       SOCKET_ID_ANY,
						       RING_F_SP_ENQ | RING_F_SC_DEQ);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f->d.workers[0].records);
	CU_ASSERT_EQUAL_FATAL(ctlsrv_create(&f->d, f->path, BUFFER_RECORDS, &f->s), 0);
}

static void teardown(struct fixture *f)
{
	ctlsrv_free(f->s);
	rte_ring_free(f->d.workers[0].records);
	rte_free(f->d.workers);
	rmdir(f->dir);
}

/* A client of the socket, accepted by the server. */
static int client(struct fixture *f)
{
	int fd = ctlproto_connect(f->path);

	CU_ASSERT_FATAL(fd >= 0);
	ctlsrv_poll(f->s, 0);
	return fd;
}

/* Sends one request and serves it: the reply's type (CTL_OK, CTL_ERROR), its error
 * code in *code. */
static int ask(struct fixture *f, int fd, uint16_t type, const void *p, size_t plen,
	       int *code)
{
	struct ctlproto_msg m;
	const char *text;
	size_t len;
	int n;

	CU_ASSERT_EQUAL_FATAL(ctlproto_send(fd, type, 5, p, plen, 0), 0);
	ctlsrv_poll(f->s, 0);
	do {
		n = ctlproto_recv(fd, f->buf, sizeof(f->buf), &m, MSG_DONTWAIT);
		CU_ASSERT_FATAL(n > 0);
	} while (m.type == CTL_RECORDS || m.type == CTL_GAP || m.type == CTL_PART ||
		 m.type == CTL_HEARTBEAT);
	*code = 0;
	if (m.type == CTL_ERROR)
		CU_ASSERT_EQUAL(ctlproto_error_decode(m.payload, m.len, code, &text, &len), 0);
	return m.type;
}

static void put_records(struct fixture *f, unsigned n, int64_t end_ms)
{
	for (unsigned i = 0; i < n; i++) {
		struct flowrec r = { .type = FLOWREC_FLOW, .end_reason = FLOWREC_END_FIN,
				     .start_ms = end_ms - 1, .end_ms = end_ms, .proto = 6 };

		CU_ASSERT_EQUAL_FATAL(rte_ring_sp_enqueue_elem(f->d.workers[0].records, &r,
							       sizeof(r)), 0);
	}
}

/* What a controller saw of the stream: the next seq it expects (every seq once, in
 * order, as a record or inside a gap), the run, record and gap counts. */
struct seen {
	uint64_t run, next, records, gaps, ring;
	bool in_order;
};

/* Subscribes fd after (run, seq). */
static void subscribe(struct fixture *f, int fd, uint64_t run, uint64_t seq, struct seen *sn)
{
	struct ctlproto_mark k = { .run = run, .seq = seq };
	uint8_t p[16];
	int code;

	CU_ASSERT_EQUAL_FATAL(ctlproto_mark_encode(&k, p, sizeof(p)), 16);
	CU_ASSERT_EQUAL_FATAL(ask(f, fd, CTL_SUBSCRIBE, p, sizeof(p), &code), CTL_OK);
	*sn = (struct seen){ .run = run, .next = seq + 1, .in_order = true };
}

/* Reads up to max messages waiting for the controller. */
static unsigned take(struct fixture *f, int fd, unsigned max, struct seen *sn)
{
	unsigned got = 0;

	while (got < max) {
		struct ctlproto_msg m;
		struct ctlproto_records rs;
		struct ctlproto_gap g;
		struct ctlproto_beat b;
		int n = ctlproto_recv(fd, f->buf, sizeof(f->buf), &m, MSG_DONTWAIT);

		if (n == -EAGAIN)
			break;
		CU_ASSERT_FATAL(n > 0);
		got++;
		if (m.type == CTL_RECORDS) {
			CU_ASSERT_EQUAL_FATAL(ctlproto_records_decode(m.payload, m.len, &rs), 0);
			sn->run = rs.run;
			sn->in_order &= rs.first_seq == sn->next;
			sn->next = rs.first_seq + rs.n;
			sn->records += rs.n;
		} else if (m.type == CTL_GAP) {
			CU_ASSERT_EQUAL_FATAL(ctlproto_gap_decode(m.payload, m.len, &g), 0);
			CU_ASSERT(g.from_ms <= g.to_ms);
			sn->run = g.run;
			sn->in_order &= g.first_seq == sn->next;
			sn->next = g.last_seq + 1;
			sn->gaps += g.last_seq - g.first_seq + 1;
			sn->ring += g.ring;
		} else if (m.type == CTL_HEARTBEAT) {
			CU_ASSERT_EQUAL(ctlproto_beat_decode(m.payload, m.len, &b), 0);
			sn->run = b.run;
		}
	}
	return got;
}

static void ack(int fd, uint64_t run, uint64_t seq)
{
	struct ctlproto_mark k = { .run = run, .seq = seq };
	uint8_t p[16];

	CU_ASSERT_EQUAL_FATAL(ctlproto_mark_encode(&k, p, sizeof(p)), 16);
	CU_ASSERT_EQUAL_FATAL(ctlproto_send(fd, CTL_ACK, 0, p, sizeof(p), 0), 0);
}

/* A controller takes 50 records, acknowledges 20 and dies; a worker's ring loses 5; the
 * next controller, whose log holds through 20, gets 21..50 again, then the gap, then
 * the new records, and once it acknowledges everything nothing is held. */
static void resent_after_resubscribe(void)
{
	struct fixture f;
	struct seen sn;
	int fd;
	uint64_t run;

	setup(&f, "t_resend");
	fd = client(&f);
	subscribe(&f, fd, 0, 0, &sn);
	put_records(&f, 50, 1000);
	ctlsrv_poll(f.s, 0);
	take(&f, fd, 100, &sn);
	CU_ASSERT_EQUAL(sn.records, 50);
	CU_ASSERT_TRUE(sn.in_order);
	run = sn.run;
	CU_ASSERT_NOT_EQUAL(run, 0);
	ack(fd, run, 20);
	ack(fd, run + 1, 50);           /* another run's ack frees nothing */
	ctlsrv_poll(f.s, 0);
	close(fd);
	ctlsrv_poll(f.s, 0);
	f.d.workers[0].records_lost = 5;
	put_records(&f, 10, 2000);
	ctlsrv_poll(f.s, 0);

	fd = client(&f);
	subscribe(&f, fd, run, 20, &sn);
	ctlsrv_poll(f.s, 0);
	take(&f, fd, 100, &sn);
	CU_ASSERT_TRUE(sn.in_order);
	CU_ASSERT_EQUAL(sn.records, 40);  /* 21..50 again, and 10 new */
	CU_ASSERT_EQUAL(sn.gaps, 5);
	CU_ASSERT_EQUAL(sn.ring, 5);
	CU_ASSERT_EQUAL(sn.next, 66);
	/* everything acknowledged: a subscription from scratch gets nothing again */
	ack(fd, run, 65);
	ctlsrv_poll(f.s, 0);
	subscribe(&f, fd, 0, 0, &sn);
	ctlsrv_poll(f.s, 0);
	take(&f, fd, 100, &sn);
	CU_ASSERT_EQUAL(sn.records + sn.gaps, 0);
	put_records(&f, 3, 3000);
	ctlsrv_poll(f.s, 0);
	take(&f, fd, 100, &sn);
	CU_ASSERT_EQUAL(sn.records, 3);
	CU_ASSERT_EQUAL(sn.next, 69);
	close(fd);
	teardown(&f);
}

/* The controller reads one message now and then while the workers hand over far more
 * than the buffer holds: gaps fall due while its queue is full. */
static void gaps_owed_to_a_full_controller(void)
{
	struct fixture f;
	struct seen sn;
	uint64_t put = 0;
	int fd;

	setup(&f, "t_owed");
	fd = client(&f);
	subscribe(&f, fd, 0, 0, &sn);
	for (int round = 0; round < 200; round++) {
		put_records(&f, 100, 1000 + round);
		put += 100;
		ctlsrv_poll(f.s, 0);
		if (round % 3 == 0)
			(void)take(&f, fd, 1, &sn);
	}
	for (int idle = 0; idle < 5;) {
		ctlsrv_poll(f.s, 0);
		idle = take(&f, fd, 1000, &sn) ? 0 : idle + 1;
	}
	CU_ASSERT(sn.gaps > 0);
	CU_ASSERT_TRUE(sn.in_order);
	CU_ASSERT_EQUAL(sn.next, put + 1);
	CU_ASSERT_EQUAL(sn.records + sn.gaps, put);
	if (sn.records + sn.gaps != put)
		fprintf(stderr, "put %llu, delivered %llu, in gaps %llu\n",
			(unsigned long long)put, (unsigned long long)sn.records,
			(unsigned long long)sn.gaps);
	close(fd);
	teardown(&f);
}

/* Sends cp in chunks as the controller does: the last chunk's reply type, its code and
 * text in err. */
static int send_policy(struct fixture *f, int fd, const struct cpolicy *cp, int *code,
		       char *err, size_t errlen)
{
	static uint8_t chunk[CTLPROTO_PAYLOAD_MAX];
	struct ctlproto_msg m;
	const char *text;
	uint8_t *bin;
	size_t len, off = 0, tlen;
	int n = -1;

	CU_ASSERT_EQUAL_FATAL(cpolicy_serialize(cp, &bin, &len), 0);
	*code = 0;
	while (off < len) {
		size_t k = len - off < CTLPROTO_CHUNK_MAX ? len - off : CTLPROTO_CHUNK_MAX;

		for (unsigned i = 0; i < 4; i++) {
			chunk[i] = (uint8_t)(len >> (8 * i));
			chunk[4 + i] = (uint8_t)(off >> (8 * i));
		}
		memcpy(chunk + 8, bin + off, k);
		CU_ASSERT_EQUAL_FATAL(ctlproto_send(fd, CTL_POLICY_CHUNK, 1, chunk, 8 + k, 0), 0);
		ctlsrv_poll(f->s, 0);
		n = ctlproto_recv(fd, f->buf, sizeof(f->buf), &m, MSG_DONTWAIT);
		CU_ASSERT_FATAL(n > 0);
		off += k;
	}
	free(bin);
	if (m.type == CTL_ERROR &&
	    ctlproto_error_decode(m.payload, m.len, code, &text, &tlen) == 0)
		snprintf(err, errlen, "%.*s", (int)tlen, text);
	return m.type;
}

static void policy_breaking_a_rail_refused(void)
{
	static const char *const flows[] = {
		TEST_FLOW("MN", "mynumber:atena", "lgwan:chukan", "\"https\"", ""),
		NULL
	};
	struct cpolicy *cp = test_compile_flows(flows);
	struct fixture f;
	char err[512] = "";
	int fd, code;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cp);
	CU_ASSERT_FATAL(cp->n_rules > 0);
	cp->rules[0].to_zone = ZONE_INTERNET;   /* what policy_check would never let by */
	setup(&f, "t_rails");
	fd = client(&f);
	CU_ASSERT_EQUAL(send_policy(&f, fd, cp, &code, err, sizeof(err)), CTL_ERROR);
	CU_ASSERT_EQUAL(code, EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "guard rail 1"));
	CU_ASSERT_EQUAL(f.d.refused, 1);
	CU_ASSERT_EQUAL(f.d.generation, 0);
	cpolicy_free(cp);
	close(fd);
	teardown(&f);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "gaps owed to a full controller are sent later", gaps_owed_to_a_full_controller },
		{ "records stay until acknowledged and come again after a resubscribe",
		  resent_after_resubscribe },
		{ "a policy that breaks a guard rail is refused", policy_breaking_a_rail_refused },
		{ NULL, NULL },
	};
	int ret;

	if (test_eal_start("test_ctlsrv", 128, NULL) != 0)
		return 2;
	ret = test_run("ctlsrv", cases);
	test_eal_stop();
	return ret;
}
