/* Checkpoints of the flow log's head: the signed line (format, parse, every way it can be
 * wrong), files and syslog files of them, the anchor's file and real syslog sockets, the
 * writer's checkpoints, and recovery and verify against a checkpoint the log falls
 * short of. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "anchor.h"
#include "audit.h"
#include "audit_fixture.h"
#include "checkpoint.h"
#include "flowlog.h"
#include "ipfix.h"
#include "runner.h"

#define T0 1775000000000LL   /* 2026-03-31T23:33:20Z */
#define SEG "flows-000000000001-20260331T233320Z.jsonl"

static struct checkpoint sample(void)
{
	struct checkpoint cp = {.seq = 4242, .time_ms = T0 + 5123};

	memset(cp.hash, 0x5a, sizeof(cp.hash));
	snprintf(cp.segment, sizeof(cp.segment), SEG);
	snprintf(cp.event, sizeof(cp.event), "tick");
	return cp;
}

static void format_and_parse(void)
{
	struct checkpoint cp = sample(), back;
	uint8_t id[SEAL_KEY_ID_LEN];
	char line[CHECKPOINT_LINE_MAX];
	struct fixture f;
	int n;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	n = checkpoint_format(&cp, f.key, line, sizeof(line));
	CU_ASSERT_FATAL(n > 0 && (size_t)n == strlen(line));
	CU_ASSERT(strncmp(line, CHECKPOINT_MAGIC "key=", strlen(CHECKPOINT_MAGIC) + 4) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, " seq=4242 hash=5a5a"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, " time=2026-03-31T23:33:25.123Z segment=" SEG
				      " event=tick sig="));
	CU_ASSERT_EQUAL(checkpoint_parse(line, (size_t)n, RING(f.pub), &back), 0);
	CU_ASSERT_EQUAL(back.seq, 4242);
	CU_ASSERT_EQUAL(back.time_ms, T0 + 5123);
	CU_ASSERT(memcmp(back.hash, cp.hash, sizeof(cp.hash)) == 0);
	CU_ASSERT_STRING_EQUAL(back.segment, SEG);
	CU_ASSERT_STRING_EQUAL(back.event, "tick");
	seal_key_id_bytes(f.key, id);
	CU_ASSERT(memcmp(back.key_id, id, sizeof(id)) == 0);
	/* the private key verifies too (the writer's recovery checks with it) */
	CU_ASSERT_EQUAL(checkpoint_parse(line, (size_t)n, RING(f.key), &back), 0);
	/* refused: a public key signs nothing, a name or event that would break the line */
	CU_ASSERT_EQUAL(checkpoint_format(&cp, f.pub, line, sizeof(line)), -EINVAL);
	snprintf(cp.segment, sizeof(cp.segment), "a b");
	CU_ASSERT_EQUAL(checkpoint_format(&cp, f.key, line, sizeof(line)), -EINVAL);
	cp = sample();
	snprintf(cp.event, sizeof(cp.event), "x=1");
	CU_ASSERT_EQUAL(checkpoint_format(&cp, f.key, line, sizeof(line)), -EINVAL);
	cp = sample();
	CU_ASSERT_EQUAL(checkpoint_format(&cp, f.key, line, 200), -ENOSPC);
	fixture_teardown(&f);
}

/* line with the first `from` replaced by `to` (same length or not) into out */
static void replaced(const char *line, const char *from, const char *to, char *out, size_t len)
{
	const char *p = strstr(line, from);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	snprintf(out, len, "%.*s%s%s", (int)(p - line), line, to, p + strlen(from));
}

static void tampered_lines(void)
{
	struct checkpoint cp = sample(), back;
	char line[CHECKPOINT_LINE_MAX], bad[CHECKPOINT_LINE_MAX + 64], *sig;
	struct fixture f, other;
	int n;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&other), 0);
	n = checkpoint_format(&cp, f.key, line, sizeof(line));
	CU_ASSERT_FATAL(n > 0);

	replaced(line, "seq=4242", "seq=4243", bad, sizeof(bad));
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EKEYREJECTED);
	replaced(line, "hash=5a", "hash=5b", bad, sizeof(bad));
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EKEYREJECTED);
	replaced(line, "event=tick", "event=seal", bad, sizeof(bad));
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EKEYREJECTED);
	snprintf(bad, sizeof(bad), "%s", line);
	sig = strstr(bad, " sig=") + 5;
	sig[0] = sig[0] == '0' ? '1' : '0';
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EKEYREJECTED);
	/* without a ring the fields are read and nothing is checked */
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), NULL, &back), 0);
	CU_ASSERT_EQUAL(back.seq, 4242);

	/* another key's ring: its key id is not there */
	CU_ASSERT_EQUAL(checkpoint_parse(line, (size_t)n, RING(other.pub), &back), -ENOKEY);

	/* malformed: a field missing, a short hash, a bad time, junk after the signature */
	replaced(line, " event=tick", "", bad, sizeof(bad));
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EBADMSG);
	replaced(line, "hash=5a5a", "hash=5a", bad, sizeof(bad));
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EBADMSG);
	replaced(line, "time=2026-03-31T23", "time=2026-13-31T23", bad, sizeof(bad));
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EBADMSG);
	replaced(line, "seq=4242", "seq=99999999999999999999999", bad, sizeof(bad));
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EBADMSG);
	snprintf(bad, sizeof(bad), "%s0", line);         /* a longer signature */
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), -EBADMSG);
	/* what the carrier puts after it (a CR, a suffix, binary) is not the checkpoint's */
	snprintf(bad, sizeof(bad), "%s \r\n", line);
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), 0);
	snprintf(bad, sizeof(bad), "%s\x01\x01", line);
	CU_ASSERT_EQUAL(checkpoint_parse(bad, strlen(bad), RING(f.pub), &back), 0);
	CU_ASSERT_EQUAL(checkpoint_parse("a syslog line", 13, RING(f.pub), &back), -ENOENT);
	/* cut short anywhere: never read past the text */
	for (int cut = 0; cut < n; cut += 7)
		CU_ASSERT(checkpoint_parse(line, (size_t)cut, RING(f.pub), &back) < 0);
	fixture_teardown(&other);
	fixture_teardown(&f);
}

/* The RFC 5424 form, and the checkpoint found again in what a receiver stores. */
static void syslog_form(void)
{
	struct checkpoint cp = sample(), back;
	char line[CHECKPOINT_LINE_MAX], msg[ANCHOR_SYSLOG_MAX], stored[ANCHOR_SYSLOG_MAX + 64];
	struct fixture f;
	int n;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_FATAL(checkpoint_format(&cp, f.key, line, sizeof(line)) > 0);
	n = anchor_syslog_format("city-seg01", "bunri-controld", cp.time_ms, 77, line, msg,
				 sizeof(msg));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT(strncmp(msg, "<110>1 2026-03-31T23:33:25.123Z city-seg01 bunri-controld 77 "
			  "checkpoint - " CHECKPOINT_MAGIC, 80) == 0);
	CU_ASSERT_EQUAL(checkpoint_parse(msg, (size_t)n, RING(f.pub), &back), 0);
	/* rsyslog's default file format keeps the message after its own prefix */
	snprintf(stored, sizeof(stored), "2026-03-31T23:33:25.123Z city-seg01 bunri-controld[77] "
		 "%s\n", line);
	CU_ASSERT_EQUAL(checkpoint_parse(stored, strlen(stored), RING(f.pub), &back), 0);
	CU_ASSERT_EQUAL(back.seq, 4242);
	CU_ASSERT_EQUAL(anchor_syslog_format("h", "a", cp.time_ms, 1, line, msg, 100), -ENOSPC);
	fixture_teardown(&f);
}

static int bad_lines[8], n_bad;

static void note_bad(void *ctx, uint64_t line, int err)
{
	(void)ctx;
	(void)err;
	if (n_bad < 8)
		bad_lines[n_bad++] = (int)line;
}

/* A syslog file: other lines, copies, checkpoints out of order, forged ones. */
static void set_from_file(void)
{
	struct checkpoint_set set = {0};
	char line[CHECKPOINT_LINE_MAX], path[160];
	struct fixture f, other;
	FILE *fp;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&other), 0);
	snprintf(path, sizeof(path), "%s/syslog", f.dir);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fputs("Dec  2 10:00:00 host sshd[1]: accepted\n", fp);                  /* 1 */
	for (uint64_t seq = 30; seq >= 10; seq -= 10) {                          /* 2..4 */
		struct checkpoint cp = sample();
		cp.seq = seq;
		cp.time_ms = T0 + (int64_t)seq;
		CU_ASSERT_FATAL(checkpoint_format(&cp, f.key, line, sizeof(line)) > 0);
		fprintf(fp, "host bunri[1]: %s\n", line);
		if (seq == 20)
			fprintf(fp, "relay bunri[1]: %s\n", line);               /* 4: a copy */
	}
	{
		struct checkpoint cp = sample();
		cp.seq = 99;
		CU_ASSERT_FATAL(checkpoint_format(&cp, other.key, line, sizeof(line)) > 0);
		fprintf(fp, "%s\n", line);                                      /* 6: other key */
		fprintf(fp, "x " CHECKPOINT_MAGIC "key=zz\n");                  /* 7: malformed */
	}
	fclose(fp);
	n_bad = 0;
	CU_ASSERT_EQUAL(checkpoint_set_load(&set, path, RING(f.pub), note_bad, NULL), 0);
	CU_ASSERT_EQUAL(set.found, 6);
	CU_ASSERT_EQUAL(set.bad, 2);
	CU_ASSERT_EQUAL(n_bad, 2);
	CU_ASSERT_EQUAL(bad_lines[0], 6);
	CU_ASSERT_EQUAL(bad_lines[1], 7);
	CU_ASSERT_EQUAL_FATAL(set.n, 3);
	CU_ASSERT_EQUAL(set.cp[0].seq, 10);
	CU_ASSERT_EQUAL(set.cp[1].seq, 20);
	CU_ASSERT_EQUAL(checkpoint_set_newest(&set)->seq, 30);
	checkpoint_set_free(&set);
	snprintf(path, sizeof(path), "%s/none", f.dir);
	CU_ASSERT_EQUAL(checkpoint_set_load(&set, path, RING(f.pub), NULL, NULL), -ENOENT);
	checkpoint_set_free(&set);
	fixture_teardown(&other);
	fixture_teardown(&f);
}

/* The anchor set the inode's append-only flag (where the filesystem has one): the
 * scratch directory cannot be removed until it is cleared. */
static void clear_append_only(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), flags = 0;

	CU_ASSERT_FATAL(fd >= 0);
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & FS_APPEND_FL)) {
		flags &= ~FS_APPEND_FL;
		CU_ASSERT_EQUAL(ioctl(fd, FS_IOC_SETFLAGS, &flags), 0);
	}
	close(fd);
}

/* The newest checkpoint of a long file, read from its tail: forged and replayed lines
 * appended after it do not hide it; what lies before the tail is not read. */
static void newest_in_tail(void)
{
	char line[CHECKPOINT_LINE_MAX], path[160], junk[1024];
	struct checkpoint cp = sample(), back;
	struct fixture f, other;
	FILE *fp;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_setup(&other), 0);
	snprintf(path, sizeof(path), "%s/checkpoints", f.dir);
	CU_ASSERT_EQUAL(checkpoint_newest(path, RING(f.pub), &back), -ENOENT);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	cp.seq = 1000000;                       /* before the tail: never read */
	CU_ASSERT_FATAL(checkpoint_format(&cp, f.key, line, sizeof(line)) > 0);
	fprintf(fp, "%s\n", line);
	memset(junk, 'x', sizeof(junk) - 1);
	junk[sizeof(junk) - 1] = '\0';
	for (unsigned i = 0; i < (CHECKPOINT_TAIL_BYTES / sizeof(junk)) + 8; i++)
		fprintf(fp, "%s\n", junk);
	for (uint64_t seq = 100; seq <= 500; seq += 100) {
		cp.seq = seq;
		CU_ASSERT_FATAL(checkpoint_format(&cp, f.key, line, sizeof(line)) > 0);
		fprintf(fp, "%s\n", line);
	}
	cp.seq = 300;                           /* an older one replayed */
	CU_ASSERT_FATAL(checkpoint_format(&cp, f.key, line, sizeof(line)) > 0);
	fprintf(fp, "%s\n", line);
	cp.seq = 900;                           /* another key's */
	CU_ASSERT_FATAL(checkpoint_format(&cp, other.key, line, sizeof(line)) > 0);
	fprintf(fp, "%s\n", line);
	fprintf(fp, "%.*s", 50, line);          /* a torn line */
	fclose(fp);
	CU_ASSERT_EQUAL(checkpoint_newest(path, RING(f.pub), &back), 0);
	CU_ASSERT_EQUAL(back.seq, 500);
	CU_ASSERT_EQUAL(checkpoint_newest(path, RING(other.pub), &back), 0);
	CU_ASSERT_EQUAL(back.seq, 900);
	fixture_teardown(&other);
	fixture_teardown(&f);
}

static int bound(int type, struct sockaddr *sa, socklen_t len)
{
	int fd = socket(type == AF_UNIX ? AF_UNIX : AF_INET, SOCK_DGRAM, 0);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, sa, len), 0);
	return fd;
}

/* The anchor's file (appended, its newest read back on reopen) and both syslog
 * sockets, received by real sockets. */
static void anchor_places(void)
{
	struct anchor_options o = {0};
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct sockaddr_in in = {.sin_family = AF_INET};
	socklen_t inlen = sizeof(in);
	struct checkpoint cp = sample(), back;
	struct anchor_stats st;
	char path[160], msg[ANCHOR_SYSLOG_MAX];
	struct anchor *a;
	struct fixture f;
	int ufd, ifd;
	ssize_t n;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	snprintf(path, sizeof(path), "%s/checkpoints", f.dir);
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/log.sock", f.dir);
	ufd = bound(AF_UNIX, (struct sockaddr *)&un, sizeof(un));
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ifd = bound(AF_INET, (struct sockaddr *)&in, sizeof(in));
	CU_ASSERT_EQUAL_FATAL(getsockname(ifd, (struct sockaddr *)&in, &inlen), 0);
	o = (struct anchor_options){.file = path, .syslog_socket = un.sun_path,
				    .syslog_host = "127.0.0.1", .syslog_port = ntohs(in.sin_port),
				    .hostname = "seg 01", .key = f.key, .ring = RING(f.key)};
	CU_ASSERT_EQUAL(anchor_open(&a, &(struct anchor_options){.key = f.pub, .ring = RING(f.pub)}),
			-EINVAL);
	CU_ASSERT_EQUAL_FATAL(anchor_open(&a, &o), 0);
	CU_ASSERT_PTR_NULL(anchor_last(a));
	CU_ASSERT_EQUAL(anchor_put(a, &cp), 0);
	cp.seq = 5000;
	CU_ASSERT_EQUAL(anchor_put(a, &cp), 0);
	anchor_get_stats(a, &st);
	CU_ASSERT_EQUAL(st.checkpoints, 2);
	CU_ASSERT_EQUAL(st.file_errors + st.syslog_errors, 0);
	CU_ASSERT_EQUAL(st.last_seq, 5000);
	anchor_close(a);
	for (int fd = ufd, i = 0; i < 2; fd = ifd, i++) {
		n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);
		CU_ASSERT_FATAL(n > 0);
		msg[n] = '\0';
		/* a space in the host name would shift RFC 5424's fields */
		CU_ASSERT(strncmp(msg, "<110>1 2026-03-31T23:33:25.123Z seg_01 bunri ", 45) == 0);
		CU_ASSERT_EQUAL(checkpoint_parse(msg, (size_t)n, RING(f.pub), &back), 0);
		CU_ASSERT_EQUAL(back.seq, 4242);
	}
	/* reopened: the newest checkpoint the file holds */
	o.syslog_socket = o.syslog_host = NULL;
	CU_ASSERT_EQUAL_FATAL(anchor_open(&a, &o), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(anchor_last(a));
	CU_ASSERT_EQUAL(anchor_last(a)->seq, 5000);
	anchor_close(a);
	clear_append_only(path);
	close(ufd);
	close(ifd);
	unlink(un.sun_path);
	fixture_teardown(&f);
}

static void ipfix_forward(void *x, const char *line, size_t len)
{
	CU_ASSERT_EQUAL(ipfix_add_checkpoint(x, line, len, T0), 0);
}

static unsigned get16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* Decodes one IPFIX message (RFC 7011) and returns the checkpoint line of its options
 * record 257 in line (NUL-terminated), after checking the options template it must
 * carry: 1 found, 0 not. */
static int ipfix_checkpoint(const uint8_t *m, size_t n, uint32_t domain, char *line, size_t len)
{
	bool templ = false;
	int found = 0;

	CU_ASSERT_FATAL(n >= 16 && get16(m) == 10 && get16(m + 2) == n);
	CU_ASSERT(get32(m + 12) == domain);
	for (size_t off = 16; off + 4 <= n;) {
		unsigned id = get16(m + off), slen = get16(m + off + 2);
		const uint8_t *p = m + off + 4;

		CU_ASSERT_FATAL(slen >= 4 && off + slen <= n);
		if (id == 3) {
			/* template 257: 2 fields, 1 of them scope; 149/4; PEN IE 5, variable */
			templ = get16(p) == IPFIX_CHECKPOINT_TEMPLATE_ID && get16(p + 2) == 2 &&
				get16(p + 4) == 1 && get16(p + 6) == 149 && get16(p + 8) == 4 &&
				get16(p + 10) == (5 | 0x8000) && get16(p + 12) == 65535 &&
				get32(p + 14) == IPFIX_PEN;
		} else if (id == IPFIX_CHECKPOINT_TEMPLATE_ID) {
			unsigned l = get16(p + 5);

			CU_ASSERT(templ);       /* the template comes first */
			CU_ASSERT(get32(p) == domain && p[4] == 255);
			CU_ASSERT_FATAL(l < len && 4 + 4 + 3 + l == slen);
			memcpy(line, p + 7, l);
			line[l] = '\0';
			found = 1;
		}
		off += slen;
	}
	return found;
}

/* Checkpoints to an IPFIX collector (a real loopback socket) as options records, next
 * to flow records, through the anchor's forward hook as the controller does. */
static void ipfix_options(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t inlen = sizeof(in);
	struct checkpoint cp = sample(), back;
	struct ipfix_exporter *x;
	struct anchor *a;
	struct fixture f;
	struct flowrec r;
	uint8_t msg[2048];
	char line[CHECKPOINT_LINE_MAX];
	ssize_t n;
	int fd;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&in, &inlen), 0);
	CU_ASSERT_EQUAL_FATAL(ipfix_open_udp(&x, "127.0.0.1", ntohs(in.sin_port), 7), 0);
	CU_ASSERT_EQUAL_FATAL(anchor_open(&a, &(struct anchor_options){
		.key = f.key, .ring = RING(f.key),
		.forward = ipfix_forward, .forward_ctx = x}), 0);
	fixture_record(1, T0, &r);
	r.type = FLOWREC_FLOW;
	CU_ASSERT_EQUAL(ipfix_add(x, &r, T0), 0);
	CU_ASSERT_EQUAL(anchor_put(a, &cp), 0);
	CU_ASSERT_EQUAL(ipfix_flush(x, T0), 0);
	n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_FATAL(ipfix_checkpoint(msg, (size_t)n, 7, line, sizeof(line)) == 1);
	CU_ASSERT_EQUAL(checkpoint_parse(line, strlen(line), RING(f.pub), &back), 0);
	CU_ASSERT_EQUAL(back.seq, 4242);
	/* data records counted in the header's sequence: the flow and the checkpoint */
	CU_ASSERT_EQUAL(anchor_put(a, &cp), 0);
	CU_ASSERT_EQUAL(ipfix_flush(x, T0), 0);
	n = recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
	CU_ASSERT_FATAL(n > 16);
	CU_ASSERT_EQUAL(get32(msg + 8), 2);
	CU_ASSERT_EQUAL(ipfix_add_checkpoint(x, line, 2000, T0), -EINVAL);
	anchor_close(a);
	CU_ASSERT_EQUAL(ipfix_close(x, T0), 0);
	close(fd);
	/* a collector's IPFIX file holds them verbatim: verify's reader finds them there */
	{
		struct checkpoint_set set = {0};
		char path[160];
		int out;

		snprintf(path, sizeof(path), "%s/x.ipfix", f.dir);
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		CU_ASSERT_FATAL(out >= 0);
		CU_ASSERT_EQUAL_FATAL(ipfix_open_fd(&x, out, 7), 0);
		for (uint64_t seq = 10; seq <= 30; seq += 10) {
			cp.seq = seq;
			CU_ASSERT_FATAL(checkpoint_format(&cp, f.key, line, sizeof(line)) > 0);
			CU_ASSERT_EQUAL(ipfix_add(x, &r, T0), 0);
			CU_ASSERT_EQUAL(ipfix_add_checkpoint(x, line, strlen(line), T0), 0);
		}
		CU_ASSERT_EQUAL(ipfix_close(x, T0), 0);
		close(out);
		CU_ASSERT_EQUAL(checkpoint_set_load(&set, path, RING(f.pub), NULL, NULL), 0);
		CU_ASSERT_EQUAL(set.bad, 0);
		CU_ASSERT_EQUAL(set.n, 3);
		CU_ASSERT_EQUAL(checkpoint_set_newest(&set)->seq, 30);
		checkpoint_set_free(&set);
	}
	fixture_teardown(&f);
}

static struct checkpoint seen[64];
static int n_seen;

static void keep(void *ctx, const struct checkpoint *cp)
{
	(void)ctx;
	if (n_seen < 64)
		seen[n_seen++] = *cp;
}

/* The writer names its head at open, while records flow, at each seal and at close,
 * each time only once its records are on disk. */
static void writer_checkpoints(void)
{
	struct flowlog_options o = {.checkpoint = keep, .checkpoint_ms = 1000,
				    .rotate_bytes = 20000};
	struct flowlog_stats st;
	struct flowlog *fl;
	struct fixture f;
	struct flowrec r;
	int seals = 0;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	n_seen = 0;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	CU_ASSERT_EQUAL_FATAL(n_seen, 1);
	CU_ASSERT_STRING_EQUAL(seen[0].event, "open");
	CU_ASSERT_EQUAL(seen[0].seq, 1);
	for (uint64_t i = 0; i < 200; i++) {
		fixture_record(i, T0 + (int64_t)i * 50, &r);
		CU_ASSERT_EQUAL_FATAL(flowlog_append(fl, &r), 0);
		if (i % 10 == 9)
			CU_ASSERT_EQUAL(flowlog_tick(fl, T0 + (int64_t)i * 50), 0);
	}
	flowlog_get_stats(fl, &st);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 10000), 0);
	CU_ASSERT_FATAL(n_seen > 3);
	for (int i = 1; i < n_seen; i++) {
		CU_ASSERT(seen[i].seq >= seen[i - 1].seq);
		CU_ASSERT(seen[i].time_ms >= seen[i - 1].time_ms);
		seals += !strcmp(seen[i].event, "seal");
	}
	CU_ASSERT(seals >= 2);
	/* the last names the last record, in the segment sealed at close */
	CU_ASSERT_EQUAL(seen[n_seen - 1].seq, st.seq);
	CU_ASSERT_STRING_EQUAL(seen[n_seen - 1].event, "seal");
	fixture_teardown(&f);
}

/* A log that falls short of its checkpoint: recovery goes on from the checkpoint with a
 * `truncated` chain record, and verify names the tail against the checkpoint. */
static void recovery_and_verify(void)
{
	struct flowlog_options o = {.checkpoint = keep};
	struct audit_verify_result res;
	struct checkpoint_set set = {0};
	struct checkpoint ahead;
	struct flowlog *fl;
	struct fixture f;
	struct flowrec r;

	CU_ASSERT_EQUAL_FATAL(fixture_setup(&f), 0);
	o.dir = f.dir;
	n_seen = 0;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0), 0);
	for (uint64_t i = 0; i < 20; i++) {
		fixture_record(i, T0 + (int64_t)i, &r);
		CU_ASSERT_EQUAL_FATAL(flowlog_append(fl, &r), 0);
	}
	CU_ASSERT_EQUAL_FATAL(flowlog_close(fl, T0 + 100), 0);
	CU_ASSERT_EQUAL_FATAL(seen[n_seen - 1].seq, 21);
	/* a checkpoint 9 records past the log's end: its tail was deleted */
	ahead = seen[n_seen - 1];
	ahead.seq = 30;
	ahead.time_ms = T0 + 200;
	memset(ahead.hash, 0x77, sizeof(ahead.hash));
	set.cp = &ahead;
	set.n = 1;
	{
		struct audit_verify_options vo = {.log_dir = f.dir, .keys = RING(f.pub),
						  .from_ms = INT64_MIN, .to_ms = INT64_MAX,
						  .checkpoints = &set};
		CU_ASSERT_EQUAL(audit_verify(&vo, &res), 1);
		CU_ASSERT_EQUAL(res.problems, 1);
		CU_ASSERT_EQUAL(res.last_seq, 21);
		vo.checkpoints = NULL;
		CU_ASSERT_EQUAL(audit_verify(&vo, &res), 0);
	}
	o.anchor = &ahead;
	n_seen = 0;
	CU_ASSERT_EQUAL_FATAL(flowlog_open(&fl, &o, f.key, T0 + 300), 0);
	CU_ASSERT_STRING_EQUAL(seen[0].event, "cut");
	CU_ASSERT_EQUAL(seen[0].seq, 31);
	CU_ASSERT_EQUAL(flowlog_close(fl, T0 + 400), 0);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"seq\":31,\"type\":\"chain\""), 1);
	CU_ASSERT_EQUAL(fixture_count_lines(f.dir, "\"reason\":\"truncated\",\"count\":9,"
					    "\"after_seq\":30,\"torn_bytes\":0,\"found_seq\":21,"), 1);
	fixture_teardown(&f);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "format and parse", format_and_parse },
		{ "tampered lines", tampered_lines },
		{ "RFC 5424 form", syslog_form },
		{ "a set from a syslog file", set_from_file },
		{ "the newest in a long file's tail", newest_in_tail },
		{ "anchor file and syslog sockets", anchor_places },
		{ "IPFIX options records", ipfix_options },
		{ "the writer's checkpoints", writer_checkpoints },
		{ "recovery and verify against a checkpoint", recovery_and_verify },
		{ NULL, NULL },
	};
	return test_run("checkpoint", cases);
}
