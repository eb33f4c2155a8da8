#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_mbuf.h>

#include "replay_out.h"

#define FRAME_MAX 65535
#define RECORD_MAX 4096

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, mode);
	if (f == NULL)
		fprintf(stderr, "bunri-replay: %s: %s\n", path, strerror(errno));
	return f;
}

/* mkdir -p: every missing directory on the way is created. */
static int mkdirs(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int replay_out_open(struct replay_out *o, const char *dir)
{
	char path[PATH_MAX];
	int ret = -ENOMEM;

	memset(o, 0, sizeof(*o));
	o->dir = dir;
	ret = mkdirs(dir);
	if (ret != 0) {
		fprintf(stderr, "bunri-replay: --out %s: %s\n", dir, strerror(-ret));
		return ret;
	}
	ret = -ENOMEM;
	o->frame = malloc(FRAME_MAX);
	o->flow_totals = json_object();
	if (o->frame == NULL || o->flow_totals == NULL)
		goto err;
	o->verdicts_f = open_in(dir, "verdicts.jsonl", "w");
	o->flows_f = open_in(dir, "flows.jsonl", "w");
	if (o->verdicts_f == NULL || o->flows_f == NULL) {
		ret = -EIO;
		goto err;
	}
	o->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, FRAME_MAX,
						       PCAP_TSTAMP_PRECISION_MICRO);
	if (o->dead == NULL)
		goto err;
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		snprintf(path, sizeof(path), "%s/%s.pcap", dir, zone_name((enum zone)z));
		o->dump[z] = pcap_dump_open(o->dead, path);
		if (o->dump[z] == NULL) {
			fprintf(stderr, "bunri-replay: %s: %s\n", path, pcap_geterr(o->dead));
			ret = -EIO;
			goto err;
		}
	}
	return 0;
err:
	replay_out_close(o);
	return ret;
}

static void emit(void *ctx, const struct flowrec *r)
{
	struct replay_out *o = ctx;
	char buf[RECORD_MAX];
	int n = flowrec_format_json(r, buf, sizeof(buf));

	if (n < 0 || (size_t)n >= sizeof(buf)) {
		fprintf(stderr, "bunri-replay: a flow record could not be formatted (%d)\n", n);
		if (o->error == 0)
			o->error = -EINVAL;
		return;
	}
	if (fprintf(o->flows_f, "%s\n", buf) < 0 && o->error == 0)
		o->error = -EIO;
	o->records++;
}

struct flowrec_sink replay_out_sink(struct replay_out *o)
{
	return (struct flowrec_sink){ .emit = emit, .ctx = o };
}

/* Every frame a zone sent, whichever of its ports, goes to that zone's pcap. */
static void drain_tx(struct replay_out *o, unsigned z, struct pipeline_tx *tx, int64_t now_ms)
{
	for (uint16_t i = 0; i < tx->n; i++) {
		struct rte_mbuf *m = tx->pkts[i];
		struct pcap_pkthdr h = { 0 };
		const void *data;

		h.ts.tv_sec = now_ms / 1000;
		h.ts.tv_usec = (now_ms % 1000) * 1000;
		h.caplen = h.len = RTE_MIN(rte_pktmbuf_pkt_len(m), (uint32_t)FRAME_MAX);
		data = rte_pktmbuf_read(m, 0, h.caplen, o->frame);
		if (data != NULL)
			pcap_dump((u_char *)o->dump[z], &h, data);
		rte_pktmbuf_free(m);
	}
	tx->n = 0;
}

void replay_out_drain(struct replay_out *o, struct pipeline *p, int64_t now_ms)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		for (unsigned l = 0; l < PIPELINE_LINKS_MAX; l++)
			drain_tx(o, z, pipeline_tx(p, (uint8_t)z, (uint8_t)l), now_ms);
}

int replay_out_verdict(struct replay_out *o, uint8_t zone, uint64_t index,
		       const struct pipeline_verdict *v, const struct flowname *names)
{
	struct expect_verdict *ev;
	json_t *line;
	char *text;

	if (o->n_verdicts == o->cap_verdicts) {
		size_t cap = o->cap_verdicts ? 2 * o->cap_verdicts : 1024;
		struct expect_verdict *grown = realloc(o->verdicts, cap * sizeof(*grown));

		if (grown == NULL)
			return -ENOMEM;
		o->verdicts = grown;
		o->cap_verdicts = cap;
	}
	ev = &o->verdicts[o->n_verdicts++];
	ev->zone = zone;
	ev->index = index;
	ev->verdict = verdict_name((enum verdict)v->verdict);
	ev->to = v->to < ZONE_COUNT ? zone_name((enum zone)v->to) : NULL;
	ev->flow = v->flow != FLOWNAME_NONE ? flowname_get(names, v->flow) : NULL;
	ev->reason = reason_name((enum reason)v->reason);

	line = json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:s}", "zone", zone_name((enum zone)zone),
			 "index", (json_int_t)index, "verdict", ev->verdict, "to", ev->to,
			 "flow", ev->flow, "reason", ev->reason);
	if (line == NULL)
		return -ENOMEM;
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(line);
	if (text == NULL)
		return -ENOMEM;
	if (fprintf(o->verdicts_f, "%s\n", text) < 0 && o->error == 0)
		o->error = -EIO;
	free(text);
	return 0;
}

static int add_u64(json_t *obj, const char *key, uint64_t v)
{
	json_t *old = json_object_get(obj, key);
	uint64_t sum = v + (old != NULL ? (uint64_t)json_integer_value(old) : 0);

	return json_object_set_new(obj, key, json_integer((json_int_t)sum));
}

void replay_out_retire_tables(struct replay_out *o, const struct tables *t,
			      const struct flowname *names)
{
	for (uint32_t i = 0; i < t->n_rules; i++) {
		const char *id = flowname_get(names, t->rule_flow[i]);
		struct rule_counters rc;
		json_t *f = json_object_get(o->flow_totals, id);

		tables_rule_total(t, i, &rc);
		if (f == NULL) {
			f = json_object();
			if (f == NULL || json_object_set_new(o->flow_totals, id, f) != 0)
				continue;
		}
		add_u64(f, "packets", rc.packets);
		add_u64(f, "bytes", rc.bytes);
		add_u64(f, "connections", rc.connections);
	}
}

static json_t *zone_json(const struct counters *c, unsigned z)
{
	json_t *drops = json_object();

	for (unsigned r = 0; r < REASON_COUNT; r++)
		if (c->drop[z][r] != 0)
			json_object_set_new(drops, reason_name((enum reason)r),
					    json_integer((json_int_t)c->drop[z][r]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I}",
			 "rx_packets", (json_int_t)c->rx_packets[z],
			 "rx_bytes", (json_int_t)c->rx_bytes[z],
			 "tx_packets", (json_int_t)c->tx_packets[z],
			 "tx_bytes", (json_int_t)c->tx_bytes[z],
			 "forward", (json_int_t)c->forward[z],
			 "local", (json_int_t)c->local[z],
			 "drop", drops,
			 "early_drops", (json_int_t)c->early_drop[z]);
}

int replay_out_finish(struct replay_out *o, const struct pipeline *p,
		      const struct tables *t, const struct flowname *names)
{
	const struct counters *c = pipeline_counters(p);
	json_t *root, *zones;
	char path[PATH_MAX];
	int ret = 0;

	replay_out_retire_tables(o, t, names);
	zones = json_object();
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		json_object_set_new(zones, zone_name((enum zone)z), zone_json(c, z));
	root = json_pack("{s:o, s:{s:I, s:I}, s:O, s:I, s:I}",
			 "zones", zones,
			 "connections", "opened", (json_int_t)c->conn_opened,
			 "closed", (json_int_t)c->conn_closed,
			 "flows", o->flow_totals,
			 "records", (json_int_t)o->records,
			 "policy_generation", (json_int_t)t->generation);
	if (root == NULL)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/counters.json", o->dir);
	if (json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		fprintf(stderr, "bunri-replay: %s: cannot write\n", path);
		ret = -EIO;
	}
	json_decref(root);
	if (fflush(o->verdicts_f) != 0 || fflush(o->flows_f) != 0)
		ret = -EIO;
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		if (pcap_dump_flush(o->dump[z]) != 0)
			ret = -EIO;
	if (o->error != 0)
		ret = o->error;
	if (ret != 0)
		fprintf(stderr, "bunri-replay: writing %s failed\n", o->dir);
	return ret;
}

void replay_out_close(struct replay_out *o)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		if (o->dump[z] != NULL)
			pcap_dump_close(o->dump[z]);
	if (o->dead != NULL)
		pcap_close(o->dead);
	if (o->verdicts_f != NULL)
		fclose(o->verdicts_f);
	if (o->flows_f != NULL)
		fclose(o->flows_f);
	json_decref(o->flow_totals);
	free(o->verdicts);
	free(o->frame);
	memset(o, 0, sizeof(*o));
}
