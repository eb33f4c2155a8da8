/* bunri-controld's flow log: the key and the retired keys that sign it, the checkpoints
 * that anchor its head outside it (a file, syslog, the IPFIX collectors), where the
 * dataplane's records stand in it, and the live IPFIX export beside it. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "controld.h"
#include "flowlog_io.h"

static void on_checkpoint(void *ctx, const struct checkpoint *cp)
{
	struct controld *c = ctx;
	int ret = anchor_put(c->anchor, cp);

	if (ret != c->anchor_rc)
		controld_say("flow-log checkpoint (seq %llu): %s", (unsigned long long)cp->seq,
		    ret ? strerror(-ret) : "kept again");
	c->anchor_rc = ret;
}

/* The IPFIX collectors get each checkpoint too, as an options record (best effort). */
static void checkpoint_to_ipfix(void *ctx, const char *line, size_t len)
{
	struct controld *c = ctx;

	for (unsigned i = 0; i < c->n_ipfix; i++)
		(void)ipfix_add_checkpoint(c->ipfix[i], line, len, controld_now_ms());
}

static void log_line(void *ctx, const char *msg)
{
	(void)ctx;
	controld_say("flow log: %s", msg);
}

/* The checkpoint file and syslog of logging.checkpoint_file and logging.syslog; the
 * file's newest checkpoint is what recovery holds the log to. */
static int open_anchor(struct controld *c, struct flowlog_options *fo)
{
	const struct appliance_logging *lg = appliance_logging(c->a);
	struct anchor_options ao = {.file = lg->checkpoint_file, .syslog_socket = lg->syslog_socket,
				    .syslog_port = lg->syslog_port, .hostname = appliance_name(c->a),
				    .app = "bunri-controld", .key = c->key, .ring = &c->ring,
				    .forward = checkpoint_to_ipfix, .forward_ctx = c};
	uint32_t a = lg->syslog_addr;
	char host[16];
	int ret;

	if (!ao.file && !ao.syslog_socket && !a && !lg->n_collectors) {
		controld_say("flow log: no logging.checkpoint_file, logging.syslog or logging.ipfix: the "
		    "log's head is not anchored outside it, so a cut tail would not show");
		return 0;
	}
	c->ring.key[c->ring.n++] = c->key;
	for (size_t i = 0; i < c->retired.n && c->ring.n < SEAL_KEYRING_MAX; i++)
		c->ring.key[c->ring.n++] = c->retired.key[i];
	snprintf(host, sizeof(host), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255);
	ao.syslog_host = a ? host : NULL;
	ret = anchor_open(&c->anchor, &ao);
	if (ret != 0) {
		controld_say("flow-log checkpoints (%s): %s", ao.file ? ao.file : "syslog", strerror(-ret));
		return ret;
	}
	fo->anchor = anchor_last(c->anchor);
	fo->checkpoint = on_checkpoint;
	fo->checkpoint_ctx = c;
	fo->checkpoint_ms = lg->checkpoint_seconds * 1000;
	return 0;
}

int controld_open_flowlog(struct controld *c)
{
	const struct appliance_logging *lg = appliance_logging(c->a);
	struct flowlog_options fo = {
		.dir = lg->dir,
		.rotate_bytes = (uint64_t)lg->rotate_size_mb << 20,
		.rotate_seconds = lg->rotate_seconds,
		.retention_days = lg->retention_days,
		.fsync_ms = lg->fsync_ms,
		.io_buffers = lg->write_buffer_mb * ((1u << 20) / FLOWLOG_IO_BUF_SIZE),
		.log = log_line,
	};
	char keydir[PATH_MAX];
	int ret = seal_key_load_private(lg->key, &c->key);

	if (ret != 0) {
		controld_say("flow-log key %s: %s (create one with: bunri-audit keygen --out-dir %s)",
		    lg->key, strerror(-ret), "DIR");
		return ret;
	}
	/* Segments signed before a key rotation are checked with the old public keys. */
	snprintf(keydir, sizeof(keydir), "%s", lg->key);
	ret = seal_keyring_load_retired(dirname(keydir), &c->retired);
	if (ret != 0) {
		controld_say("flow-log keys beside %s: %s", lg->key, strerror(-ret));
		return ret;
	}
	fo.retired = &c->retired;
	ret = open_anchor(c, &fo);
	if (ret != 0)
		return ret;
	ret = flowlog_open(&c->log, &fo, c->key, controld_now_ms());
	/* Under the shipped unit only /var/log/bunri is writable: name the setting. */
	if (ret != 0) {
		controld_say("flow log in %s/flows: %s%s", lg->dir, strerror(-ret),
		    ret == -EROFS || ret == -EACCES ? "; under systemd a logging.dir other than "
		    "/var/log/bunri must be listed in ReadWritePaths= of bunri-controld.service "
		    "(systemctl edit bunri-controld)" : "");
		return ret;
	}
	/* where the dataplane's records stand in the log: resent ones are skipped */
	snprintf(keydir, sizeof(keydir), "%s/flows", lg->dir);
	ret = recstream_init(&c->rs, c->log, keydir);
	if (ret != 0)
		controld_say("flow log in %s: cannot read where the records stand: %s", keydir,
		    strerror(-ret));
	return ret;
}

void controld_open_ipfix(struct controld *c)
{
	const struct appliance_logging *lg = appliance_logging(c->a);

	for (unsigned i = 0; i < lg->n_collectors; i++) {
		uint32_t a = lg->collectors[i].addr;
		char host[16];
		int ret;

		snprintf(host, sizeof(host), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
			 (a >> 8) & 255, a & 255);
		ret = ipfix_open_udp(&c->ipfix[c->n_ipfix], host, lg->collectors[i].port,
				     lg->ipfix_domain);
		if (ret != 0) {
			controld_say("IPFIX collector %s:%u: %s", host, lg->collectors[i].port,
			    strerror(-ret));
			continue;
		}
		controld_say("exporting IPFIX to %s:%u", host, lg->collectors[i].port);
		snprintf(c->ipfix_name[c->n_ipfix], sizeof(c->ipfix_name[0]), "%s:%u", host,
			 lg->collectors[i].port);
		c->n_ipfix++;
	}
}
