/* bunri-controld: reads appliance.cfg and policy.cfg, checks and compiles them, and keeps
 * bunri-dataplane running that policy: installs it at start and after every reconnect,
 * re-reads it on `bunrictl reload` and SIGHUP (a policy that fails its checks is refused
 * and the running one stays), recompiles unattended when a flow starts or expires, writes
 * every change to the policy audit file, and writes the records the dataplane streams
 * to the sealed flow log. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "anchor.h"
#include "ctlproto.h"
#include "dpconn.h"
#include "flowlog.h"
#include "flowlog_io.h"
#include "ipfix.h"
#include "opsock.h"
#include "polaudit.h"
#include "recstream.h"
#include "policy.h"
#include "version.h"
#include "controld.h"

#include <systemd/sd-daemon.h>

#define RECONNECT_MS 500
#define TICK_MS 200
#define DRAIN_MS 2000   /* at stop, records still coming are taken for this long at most */

int64_t controld_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void controld_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bunri-controld: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void on_record(void *ctx, uint64_t run, uint64_t seq, const struct flowrec *r)
{
	struct controld *c = ctx;
	uint64_t before = c->rs.st.appended;
	int ret = recstream_record(&c->rs, run, seq, r);

	if (ret != 0 && ret != -EAGAIN)
		controld_say("flow log: %s; the dataplane keeps the records and sends them again",
		    strerror(-ret));
	/* Live export is best effort: a lost datagram is counted by the exporter. */
	for (unsigned i = 0; c->rs.st.appended > before && i < c->n_ipfix; i++)
		(void)ipfix_add(c->ipfix[i], r, controld_now_ms());
}

static void on_gap(void *ctx, const struct ctlproto_gap *g)
{
	struct controld *c = ctx;

	controld_say("the dataplane lost %llu records (seq %llu-%llu: %llu in its rings, %llu with its "
	    "buffer full)", (unsigned long long)(g->last_seq - g->first_seq + 1),
	    (unsigned long long)g->first_seq, (unsigned long long)g->last_seq,
	    (unsigned long long)g->ring, (unsigned long long)g->buffer);
	if (recstream_gap(&c->rs, g) != 0)
		controld_say("flow log: the gap record waits for the disk");
}

static void on_beat(void *ctx, const struct ctlproto_beat *b, bool shutdown)
{
	struct controld *c = ctx;

	if (!shutdown) {
		(void)recstream_beat(&c->rs, b);
		return;
	}
	controld_say("bunri-dataplane stops cleanly after record %llu", (unsigned long long)b->seq);
	if (recstream_end(&c->rs, b, controld_now_ms()) != 0)
		controld_say("flow log: the run's end waits for the disk");
}

static void on_restarted(void *ctx)
{
	recstream_restarted(&((struct controld *)ctx)->rs);
}

/* The stream closed: without the shutdown message the dataplane died (or its socket
 * did), and the log says so with the connections it last reported live. */
static void dp_gone(struct controld *c)
{
	if (c->dp.shutdown)
		return;
	controld_say("bunri-dataplane went away without a shutdown message after record %llu "
	    "(%llu connections live at its last heartbeat)", (unsigned long long)c->rs.seq,
	    (unsigned long long)c->rs.beat.live);
	if (recstream_end(&c->rs, NULL, controld_now_ms()) != 0)
		controld_say("flow log: the crash record waits for the disk");
}

/* Loads, checks and compiles both files at now. 0 and the three objects, or -errno
 * with every problem printed to report. */
static int load(const struct controld *c, int64_t now_s, FILE *report,
		struct appliance **a, struct policy **p, struct cpolicy **cp)
{
	struct diag *d = diag_new();
	int ret;

	*a = NULL;
	*p = NULL;
	*cp = NULL;
	if (d == NULL)
		return -ENOMEM;
	ret = appliance_load(c->o.config, d, a);
	if (ret == 0)
		ret = policy_load(c->o.policy, *a, d, p);
	if (ret == 0 && policy_check(*a, *p, now_s, d) > 0)
		ret = -EINVAL;
	if (ret == 0) {
		*cp = policy_compile(*a, *p, now_s);
		if (*cp == NULL)
			ret = -errno;
	}
	if (ret != 0 || diag_count(d) > 0) {
		diag_sort(d);
		diag_print(d, report);
		if (ret != 0)
			fprintf(report, "%zu errors: the policy is refused\n", diag_errors(d));
	}
	if (ret != 0) {
		policy_free(*p);
		appliance_free(*a);
		*a = NULL;
		*p = NULL;
	}
	diag_free(d);
	return ret;
}

static bool unchanged(const struct cpolicy *old, const struct cpolicy *new,
		      const struct polaudit_diff *d)
{
	return old != NULL && d->n_added == 0 && d->n_removed == 0 && d->n_changed == 0 &&
	       memcmp(cpolicy_digest(old), cpolicy_digest(new), CPOLICY_DIGEST_LEN) == 0;
}

static size_t flows_in_force(const struct cpolicy *cp)
{
	const struct cp_flow *f;

	return cp != NULL ? cpolicy_flows(cp, &f) : 0;
}

/* Makes cp the running policy: installs it and audits the change. Takes cp either way.
 * A change the dataplane did not install is not applied (the running policy stays,
 * audited as such); with must_install false (startup, a flow's start or end) a
 * dataplane that is not connected gets cp when it connects. 0, or -errno. */
static int adopt(struct controld *c, struct cpolicy *cp, long uid, const char *trigger,
		 bool must_install, FILE *report)
{
	struct polaudit_diff diff;
	char err[512], hex[2 * CPOLICY_DIGEST_LEN + 1];
	int ret = polaudit_diff(c->cp, cp, &diff);

	if (ret != 0) {
		cpolicy_free(cp);
		return ret;
	}
	if (c->dp.fd >= 0) {
		ret = dpconn_install(&c->dp, cp, err, sizeof(err));
	} else {
		ret = -ENOTCONN;
		snprintf(err, sizeof(err), "bunri-dataplane is not connected on %.400s", c->dp_path);
	}
	if (ret != 0 && (must_install || c->dp.fd >= 0)) {
		fprintf(report, "NOT APPLIED: %s\n", err);
		if (!unchanged(c->cp, cp, &diff) &&
		    polaudit_append_not_applied(c->audit_path, controld_now_ms(), uid, trigger, c->cp, cp,
						&diff, err) != 0)
			controld_say("cannot append to the audit file %s", c->audit_path);
		goto err_refused;
	}
	if (ret != 0)
		fprintf(report, "%s; it gets this policy when it connects\n", err);
	fprintf(report, "policy %s in force (%s): ", cpolicy_digest_hex(cp, hex), trigger);
	polaudit_describe(&diff, report);
	fputc('\n', report);
	/* The same files reloaded change nothing, and the audit file lists changes only. */
	if (!unchanged(c->cp, cp, &diff) &&
	    polaudit_append(c->audit_path, controld_now_ms(), uid, trigger, c->cp, cp, &diff) != 0)
		controld_say("cannot append to the audit file %s", c->audit_path);
	polaudit_diff_free(&diff);
	cpolicy_free(c->cp);
	c->cp = cp;
	return 0;

err_refused:
	polaudit_diff_free(&diff);
	cpolicy_free(cp);
	return ret;
}

/* Re-reads the files. Returns 0 or -errno; what happened goes to report. A policy that
 * takes away every flow in force needs allow_deny_all: a file cut to its header must
 * not cut every connection. */
static int reload(struct controld *c, long uid, const char *trigger, bool allow_deny_all,
		  FILE *report)
{
	struct appliance *a;
	struct policy *p;
	struct cpolicy *cp;
	int ret = load(c, controld_now_ms() / 1000, report, &a, &p, &cp);

	if (ret == 0 && !allow_deny_all && flows_in_force(cp) == 0 &&
	    flows_in_force(c->cp) > 0) {
		fprintf(report, "the new policy allows nothing: it removes all %zu flows in force "
			"(deny-all). To deny everything on purpose: bunrictl reload "
			"--allow-deny-all\n", flows_in_force(c->cp));
		cpolicy_free(cp);
		ret = -ECANCELED;
	}
	if (ret == 0)
		ret = adopt(c, cp, uid, trigger, true, report);
	if (ret != 0) {
		fprintf(report, "the running policy stays in force\n");
		policy_free(p);
		appliance_free(a);
		return ret;
	}
	policy_free(c->p);
	appliance_free(c->a);
	c->p = p;
	c->a = a;
	return 0;
}

/* A flow started or ended: the files in force (never unreviewed edits), compiled at
 * the new instant. 0 or -errno. */
static int expire(struct controld *c, int64_t now_s)
{
	struct cpolicy *cp = policy_compile(c->a, c->p, now_s);
	char *text = NULL;
	size_t len = 0;
	FILE *report;
	int ret;

	if (cp == NULL) {
		controld_say("cannot recompile the policy at a flow's start or end: %s", strerror(errno));
		return -errno;
	}
	report = open_memstream(&text, &len);
	if (report == NULL) {
		cpolicy_free(cp);
		return -ENOMEM;
	}
	ret = adopt(c, cp, -1, "expiry", false, report);
	fclose(report);
	controld_say("a flow started or ended, recompiled unattended: %s", text != NULL ? text : "");
	free(text);
	return ret;
}

/* What became of the records the dataplane sent: written once, skipped as already in
 * the log, fsynced (and acknowledged), lost (in gap records), refused by the disk. */
static json_t *records_json(const struct recstream *rs)
{
	char run[17];

	snprintf(run, sizeof(run), "%016llx", (unsigned long long)rs->run);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:I}",
			 "received", (json_int_t)rs->st.received,
			 "duplicates", (json_int_t)rs->st.duplicates,
			 "appended", (json_int_t)rs->st.appended,
			 "written", (json_int_t)rs->st.written,
			 "lost", (json_int_t)rs->st.lost,
			 "refused", (json_int_t)rs->st.refused,
			 "runs_ended", (json_int_t)rs->st.runs_ended,
			 "run", run, "seq", (json_int_t)rs->seq,
			 "acknowledged_seq", (json_int_t)rs->acked.seq);
}

/* The controller's own state for `bunrictl status`: the flow log (how far it is
 * written and fsynced, what the disk refused), the dataplane link and each IPFIX
 * collector. NULL when out of memory. */
static char *status_json(const struct controld *c)
{
	json_t *o = json_object(), *dp = json_object(), *ipfix = json_array(), *log = NULL;
	json_t *clients = opsock_status(&c->ops);
	char *text = NULL;

	if (o == NULL || dp == NULL || ipfix == NULL || clients == NULL)
		goto out;
	if (c->log != NULL) {
		struct flowlog_stats st;

		flowlog_get_stats(c->log, &st);
		log = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "dir",
				appliance_logging(c->a)->dir, "seq", (json_int_t)st.seq,
				"synced_seq", (json_int_t)st.synced_seq, "records",
				(json_int_t)st.records, "segments", (json_int_t)st.segments,
				"errors", (json_int_t)st.errors, "bytes", (json_int_t)st.bytes);
	}
	for (unsigned i = 0; i < c->n_ipfix; i++) {
		struct ipfix_stats st;

		ipfix_get_stats(c->ipfix[i], &st);
		json_array_append_new(ipfix, json_pack("{s:s, s:I, s:I, s:I}", "collector",
						       c->ipfix_name[i], "records",
						       (json_int_t)st.records, "messages",
						       (json_int_t)st.messages, "send_errors",
						       (json_int_t)st.send_errors));
	}
	json_object_set_new(dp, "connected", json_boolean(c->dp.fd >= 0));
	json_object_set_new(dp, "socket", json_string(c->dp_path));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "started_ms", json_integer(c->started_ms));
	json_object_set_new(o, "records_received", json_integer((json_int_t)c->rs.st.received));
	json_object_set_new(o, "records", records_json(&c->rs));
	json_object_set_new(o, "dataplane", dp);
	json_object_set_new(o, "flow_log", log != NULL ? log : json_null());
	json_object_set_new(o, "ipfix", ipfix);
	json_object_set_new(o, "clients", clients);
	dp = ipfix = clients = NULL;
	text = json_dumps(o, JSON_COMPACT);
out:
	json_decref(o);
	json_decref(dp);
	json_decref(ipfix);
	json_decref(clients);
	return text;
}

/* A request from bunrictl on our socket: status or reload. */
static void serve_client(struct controld *c, int idx, int64_t now)
{
	struct ctlproto_msg m;
	char *text = NULL;
	size_t len = 0;
	FILE *report;
	uint32_t flags;
	int n = opsock_ready(&c->ops, idx, now, &m), ret;

	if (n == 0)
		return;
	if (n > 0 && m.type == CTL_STATUS && m.len == 0) {
		text = status_json(c);
		if (text != NULL)
			opsock_reply(&c->ops, idx, m.seq, text, strlen(text), now);
		else
			opsock_error(&c->ops, idx, m.seq, ENOMEM, "out of memory");
		return;
	}
	if (n < 0 || m.type != CTL_RELOAD || (m.len != 0 && m.len != 4)) {
		opsock_error(&c->ops, idx, n < 0 ? 0 : m.seq, EBADMSG,
			     "bunri-controld understands only reload and status");
		return;
	}
	flags = m.len == 4 ? (uint32_t)m.payload[0] | (uint32_t)m.payload[1] << 8 |
			     (uint32_t)m.payload[2] << 16 | (uint32_t)m.payload[3] << 24 : 0;
	/* taken: bunrictl now knows the controller answers, and waits for the verdict */
	opsock_ack(&c->ops, idx, m.seq);
	report = open_memstream(&text, &len);
	if (report == NULL)
		return;
	ret = reload(c, opsock_uid(&c->ops, idx), "reload",
		     (flags & CTL_RELOAD_ALLOW_DENY_ALL) != 0, report);
	fclose(report);
	controld_say("reload by uid %ld: %s", opsock_uid(&c->ops, idx), ret == 0 ? "done" : "not applied");
	if (ret == 0) {
		opsock_reply(&c->ops, idx, m.seq, text, len, now);
		return;
	}
	opsock_error(&c->ops, idx, m.seq, -ret, text);
	free(text);
}

static void try_connect(struct controld *c, int64_t now)
{
	struct ctlproto_mark pos;
	char err[512];
	int ret;

	if (c->dp.fd >= 0 || now < c->next_connect_ms)
		return;
	c->next_connect_ms = now + RECONNECT_MS;
	pos = recstream_position(&c->rs);
	if (dpconn_connect(&c->dp, c->dp_path, &pos) != 0)
		return;
	c->dp_up = true;
	/* what the log already holds on disk is freed at once (no new record may come) */
	pos = recstream_acked(&c->rs);
	if (pos.run != 0)
		(void)dpconn_ack(&c->dp, &pos);
	ret = dpconn_install(&c->dp, c->cp, err, sizeof(err));
	if (ret != 0) {
		controld_say("bunri-dataplane connected but refused the policy: %s", err);
		return;
	}
	controld_say("bunri-dataplane connected at %s; policy installed", c->dp_path);
	/* Type=notify: ready once the dataplane enforces the policy (again after a restart
	 * of the dataplane, which systemd ignores). */
	(void)sd_notify(0, "READY=1\nSTATUS=policy installed on bunri-dataplane");
}

static void handle_signals(struct controld *c, int sfd)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			int ret = reload(c, -1, "sighup", false, stderr);

			controld_say("SIGHUP: %s", ret == 0 ? "policy reloaded" : "reload refused");
		} else {
			c->stop = true;
		}
	}
}

/* Every TICK_MS: the flow log's fsync and rotation, and the IPFIX exporters' flush. */
static void tick(struct controld *c, int64_t now)
{
	struct ctlproto_mark m;
	bool again;

	if (flowlog_tick(c->log, now) != 0)
		controld_say("flow log: tick failed");
	/* records count as delivered only once fsynced: then the dataplane may free them */
	if (recstream_tick(&c->rs, now, &m, &again) && c->dp.fd >= 0)
		(void)dpconn_ack(&c->dp, &m);
	if (again && c->dp.fd >= 0) {
		m = recstream_position(&c->rs);
		if (dpconn_subscribe(&c->dp, &m) == 0)
			controld_say("flow log: asking bunri-dataplane for the records after %llu again",
			    (unsigned long long)m.seq);
	}
	for (unsigned i = 0; i < c->n_ipfix; i++)
		(void)ipfix_flush(c->ipfix[i], now);
}

static void run(struct controld *c, int sfd)
{
	int64_t last_tick = 0, retry_expiry = 0;

	while (!c->stop) {
		struct pollfd pfd[3 + OPSOCK_CLIENTS];
		int who[3 + OPSOCK_CLIENTS];
		unsigned n = 0;
		int64_t now = controld_now_ms(), next = cpolicy_next_change(c->cp);

		if (c->dp_up && c->dp.fd < 0)
			dp_gone(c);
		c->dp_up = c->dp.fd >= 0;
		try_connect(c, now);
		if (next != 0 && now / 1000 >= next && now >= retry_expiry) {
			if (expire(c, now / 1000) != 0)
				retry_expiry = now + 10000;
		}
		if (now - last_tick >= TICK_MS) {
			tick(c, now);
			last_tick = now;
		}
		pfd[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		who[n++] = -1;
		pfd[n] = (struct pollfd){ .fd = c->ops.listen_fd, .events = POLLIN };
		who[n++] = -2;
		if (c->dp.fd >= 0) {
			pfd[n] = (struct pollfd){ .fd = c->dp.fd, .events = POLLIN };
			who[n++] = -3;
		}
		n += opsock_pollfds(&c->ops, pfd + n, who + n, now);
		if (poll(pfd, n, TICK_MS) <= 0)
			continue;
		for (unsigned i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (who[i] == -1)
				handle_signals(c, sfd);
			else if (who[i] == -2)
				opsock_accept(&c->ops, controld_now_ms());
			else if (who[i] == -3 && dpconn_read(&c->dp) != 0)
				controld_say("bunri-dataplane went away; reconnecting");
			else if (who[i] >= 0)
				serve_client(c, who[i], controld_now_ms());
		}
	}
}

/* At stop, records the dataplane still sends reach the log until it is quiet for a tick
 * or DRAIN_MS have passed: a busy dataplane never goes quiet, and a stop that does not
 * end is killed by systemd with the log unsealed. The log keeps being fsynced meanwhile. */
static void drain(struct controld *c)
{
	int64_t start = controld_now_ms(), now = start, last_tick = start;

	while (c->dp.fd >= 0 && now - start < DRAIN_MS) {
		struct pollfd pfd = { .fd = c->dp.fd, .events = POLLIN };
		int64_t left = DRAIN_MS - (now - start);
		int n = poll(&pfd, 1, left < TICK_MS ? (int)left : TICK_MS);

		if (n == 0 || (n < 0 && errno != EINTR))
			break;
		if (n > 0 && dpconn_read(&c->dp) != 0)
			break;
		now = controld_now_ms();
		if (now - last_tick >= TICK_MS) {
			tick(c, now);
			last_tick = now;
		}
	}
	if (c->dp.fd >= 0 && now - start >= DRAIN_MS)
		controld_say("stopping while bunri-dataplane still sends records: after %d ms, records "
		    "still queued on its socket are not written", DRAIN_MS);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bunri-controld [--config FILE] [--policy FILE] [--socket PATH]\n"
		"                      [--dataplane-socket PATH] [--audit FILE]\n"
		"  --config FILE   appliance.cfg (default " BUNRI_DEFAULT_APPLIANCE ")\n"
		"  --policy FILE   policy.cfg (default " BUNRI_DEFAULT_POLICY ")\n"
		"  --socket PATH   where bunrictl reload connects (default controld.sock beside\n"
		"                  the dataplane's control socket)\n"
		"  --dataplane-socket PATH  (default control.socket of appliance.cfg)\n"
		"  --audit FILE    policy-change audit file (default <logging.dir>/policy-audit.jsonl)\n"
		"Reloads on SIGHUP and `bunrictl reload`; stops on SIGTERM.\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "dataplane-socket", required_argument, NULL, 'd' },
		{ "audit", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->config = BUNRI_DEFAULT_APPLIANCE;
	o->policy = BUNRI_DEFAULT_POLICY;
	while ((ch = getopt_long(argc, argv, "c:p:s:d:a:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'p': o->policy = optarg; break;
		case 's': o->socket = optarg; break;
		case 'd': o->dp_socket = optarg; break;
		case 'a': o->audit = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* The controller's socket lives beside the dataplane's. */
static void controld_socket_path(const char *dp_socket, char *out, size_t len)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dp_socket);
	snprintf(out, len, "%s/controld.sock", dirname(tmp));
}

int main(int argc, char **argv)
{
	static struct controld c;
	struct appliance *a;
	struct policy *p;
	struct cpolicy *cp;
	sigset_t mask;
	int sfd, ret, status = 1;

	if (version_asked(argc, argv))
		return printf("bunri-controld %s\n", version_string()) < 0;
	if (parse_args(argc, argv, &c.o) != 0)
		return 2;
	c.started_ms = controld_now_ms();
	dpconn_init(&c.dp, (struct dpconn_sink){ on_record, on_gap, on_beat, on_restarted, &c });
	if (load(&c, controld_now_ms() / 1000, stderr, &a, &p, &cp) != 0) {
		controld_say("not started: fix the files above and start again");
		return 1;
	}
	c.a = a;
	c.p = p;
	snprintf(c.dp_path, sizeof(c.dp_path), "%s",
		 c.o.dp_socket ? c.o.dp_socket : appliance_socket_path(a));
	if (c.o.socket != NULL)
		snprintf(c.socket_path, sizeof(c.socket_path), "%s", c.o.socket);
	else
		controld_socket_path(c.dp_path, c.socket_path, sizeof(c.socket_path));
	if (c.o.audit != NULL)
		snprintf(c.audit_path, sizeof(c.audit_path), "%s", c.o.audit);
	else
		snprintf(c.audit_path, sizeof(c.audit_path), "%s/policy-audit.jsonl",
			 appliance_logging(a)->dir);
	/* the collectors first: the flow log's first checkpoint goes to them too */
	controld_open_ipfix(&c);
	if (controld_open_flowlog(&c) != 0)
		goto out_policy;
	if (adopt(&c, cp, (long)getuid(), "startup", false, stderr) != 0)
		goto out_log;
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		controld_say("signalfd: %s", strerror(errno));
		goto out_log;
	}
	ret = opsock_open(&c.ops, c.socket_path);
	if (ret != 0) {
		controld_say("socket %s: %s", c.socket_path, strerror(-ret));
		goto out_sfd;
	}
	controld_say("running; dataplane socket %s, reload socket %s, audit file %s", c.dp_path,
	    c.socket_path, c.audit_path);
	(void)sd_notify(0, "STATUS=waiting for bunri-dataplane");
	run(&c, sfd);
	drain(&c);
	status = 0;
	opsock_close(&c.ops, c.socket_path);
out_sfd:
	close(sfd);
out_log:
	dpconn_close(&c.dp);
	for (unsigned i = 0; i < c.n_ipfix; i++)
		(void)ipfix_close(c.ipfix[i], controld_now_ms());
	if (flowlog_close(c.log, controld_now_ms()) != 0) {
		controld_say("flow log: the last segment could not be sealed");
		status = 1;
	} else {
		recstream_closed(&c.rs);
	}
	controld_say("stopping; %llu records written and fsynced (%llu received, %llu already in the "
	    "log, %llu refused by the disk and left with the dataplane)",
	    (unsigned long long)c.rs.st.written, (unsigned long long)c.rs.st.received,
	    (unsigned long long)c.rs.st.duplicates, (unsigned long long)c.rs.st.refused);
	anchor_close(c.anchor);
	seal_key_free(c.key);
	seal_keyring_free(&c.retired, 0);
out_policy:
	cpolicy_free(c.cp);
	policy_free(c.p);
	appliance_free(c.a);
	return status;
}
