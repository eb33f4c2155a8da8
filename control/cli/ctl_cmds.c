#include <arpa/inet.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "ctl_cmds.h"
#include "ctlproto.h"
#include "flowrec.h"
#include "policy.h"
#include "zone.h"

struct common {
	struct ctl_target t;
	bool json;
	bool prometheus;
	bool allow_deny_all;
	struct ctlproto_flows_query q;
};

/* Parses the options every live command shares, plus the filters of `flows`. */
static int parse(int argc, char **argv, struct common *c, bool flows)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "prometheus", no_argument, NULL, 'P' },
		{ "zone", required_argument, NULL, 'z' },
		{ "host", required_argument, NULL, 'H' },
		{ "flow", required_argument, NULL, 'f' },
		{ "allow-deny-all", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr a;
	int ch;

	memset(c, 0, sizeof(*c));
	c->t.config = BUNRI_DEFAULT_APPLIANCE;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:s:j", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': c->t.config = optarg; break;
		case 's': c->t.socket = optarg; break;
		case 'j': c->json = true; break;
		case 'P': c->prometheus = true; break;
		case 'D':
			if (strcmp(argv[0], "reload") != 0) {
				fprintf(stderr, "bunrictl: --allow-deny-all is for reload\n");
				return 2;
			}
			c->allow_deny_all = true;
			break;
		case 'z':
			if (!flows || zone_from_name(optarg) == ZONE_NONE) {
				fprintf(stderr, "bunrictl: --zone: mynumber, lgwan or internet\n");
				return 2;
			}
			c->q.zone = (uint8_t)(zone_from_name(optarg) + 1);
			break;
		case 'H':
			if (!flows || inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "bunrictl: --host: an IPv4 address, e.g. 10.10.0.10\n");
				return 2;
			}
			c->q.host = ntohl(a.s_addr);
			break;
		case 'f':
			if (!flows || strlen(optarg) >= sizeof(c->q.flow)) {
				fprintf(stderr, "bunrictl: --flow: a flow id\n");
				return 2;
			}
			snprintf(c->q.flow, sizeof(c->q.flow), "%s", optarg);
			break;
		default:
			fprintf(stderr, "bunrictl %s: see bunrictl help\n", argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bunrictl %s: unexpected \"%s\"\n", argv[0], argv[optind]);
		return 2;
	}
	return 0;
}

static json_int_t num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2));

	if (s != NULL)
		puts(s);
	free(s);
}

static void print_time(json_int_t ms)
{
	char buf[32];

	if (ms <= 0)
		fputs("-", stdout);
	else
		fputs(flowrec_format_time(ms, buf), stdout);
}

/* bunri-controld's lines of `bunrictl status`. */
static void print_controller(const json_t *ctl)
{
	const json_t *log = json_object_get(ctl, "flow_log"), *x;
	size_t i;

	if (!json_is_object(ctl)) {
		puts("controller  NOT REACHABLE: no flow records are written and no policy "
		     "change is made until bunri-controld runs");
		return;
	}
	printf("controller  pid %lld, dataplane %s, %lld records received\n",
	       (long long)num(ctl, "pid"),
	       json_is_true(json_object_get(json_object_get(ctl, "dataplane"), "connected")) ?
	       "connected" : "NOT CONNECTED", (long long)num(ctl, "records_received"));
	if (json_is_object(log))
		printf("flow log    %s: seq %lld, fsynced through %lld, %lld segments sealed, "
		       "%lld records refused by the disk\n", str(log, "dir"),
		       (long long)num(log, "seq"), (long long)num(log, "synced_seq"),
		       (long long)num(log, "segments"), (long long)num(log, "errors"));
	else
		puts("flow log    NOT OPEN");
	x = json_object_get(ctl, "records");
	if (json_is_object(x))
		printf("            records of run %s: %lld received, %lld written and fsynced "
		       "(through seq %lld), %lld already in the log, %lld lost in gap records, "
		       "%lld refused by the disk (asked for again)\n", str(x, "run"),
		       (long long)num(x, "received"), (long long)num(x, "written"),
		       (long long)num(x, "acknowledged_seq"), (long long)num(x, "duplicates"),
		       (long long)num(x, "lost"), (long long)num(x, "refused"));
	json_array_foreach(json_object_get(ctl, "ipfix"), i, x)
		printf("ipfix       %s: %lld records in %lld messages, %lld send errors\n",
		       str(x, "collector"), (long long)num(x, "records"),
		       (long long)num(x, "messages"), (long long)num(x, "send_errors"));
}

int ctl_reload_cmd(int argc, char **argv)
{
	uint8_t flags[4] = { 0 };
	struct common c;
	char *text;
	int ret = parse(argc, argv, &c, false);

	if (ret != 0)
		return ret;
	if (ctl_target_resolve(&c.t, true) != 0)
		return 2;
	flags[0] = c.allow_deny_all ? CTL_RELOAD_ALLOW_DENY_ALL : 0;
	c.t.work_ms = CTL_RELOAD_WORK_MS;
	ret = ctl_request(&c.t, CTL_RELOAD, flags, sizeof(flags), &text);
	if (ret == 2)
		return 2;
	if (c.json) {
		json_t *j = json_pack("{s:b, s:s}", "ok", ret == 0, "message", text);

		print_json(j);
		json_decref(j);
	} else {
		fputs(text, ret == 0 ? stdout : stderr);
		if (ret != 0)
			fputs("bunrictl: reload refused or not applied: the running policy stays\n",
			      stderr);
	}
	free(text);
	return ret;
}

/* Each zone's connections against its share of the table (appliance.cfg `limits`). */
static void print_zone_shares(const json_t *s)
{
	const json_t *z;
	size_t i;

	printf("%-9s %10s %10s %10s %10s %12s\n", "ZONE", "LIVE", "LIMIT", "EMBRYONIC",
	       "EMB LIMIT", "EARLY DROPS");
	json_array_foreach(json_object_get(s, "zones"), i, z) {
		const json_t *c = json_object_get(z, "connections");

		printf("%-9s %10lld %10lld %10lld %10lld %12lld\n", str(z, "zone"),
		       (long long)num(c, "live"), (long long)num(c, "limit"),
		       (long long)num(c, "embryonic"), (long long)num(c, "embryonic_limit"),
		       (long long)num(c, "early_drops"));
	}
}

static void print_status(const json_t *s)
{
	const json_t *pol = json_object_get(s, "policy"), *zones = json_object_get(s, "zones");
	const json_t *z, *drops = json_object_get(s, "drops"), *conn, *rec, *v;
	const char *key;
	size_t i;

	printf("appliance   %s (pid %lld, %lld workers%s)\n", str(s, "appliance"),
	       (long long)num(s, "pid"), (long long)num(s, "workers"),
	       json_is_true(json_object_get(s, "rss")) ? ", RSS" : "");
	printf("policy      %s%s\n", str(pol, "digest"),
	       json_is_true(json_object_get(pol, "deny_all")) ? " (deny-all: no flow in force)"
								: "");
	printf("            generation %lld, loaded ", (long long)num(pol, "generation"));
	print_time(num(pol, "loaded_at_ms"));
	printf(", %lld flows, %lld rules\n", (long long)num(pol, "flows"),
	       (long long)num(pol, "rules"));
	if (num(pol, "next_change") > 0) {
		printf("            next change ");
		print_time(num(pol, "next_change") * 1000);
		putchar('\n');
	}
	printf("\n%-9s %-22s %-5s %12s %12s %12s %12s\n", "ZONE", "PORT", "LINK", "RX PKTS",
	       "TX PKTS", "FORWARDED", "DROPPED");
	json_array_foreach(zones, i, z) {
		const json_t *ports = json_object_get(z, "ports"), *p;
		size_t k;

		/* the port's own frames; what the zone forwarded and dropped on its first row */
		json_array_foreach(ports, k, p) {
			printf("%-9s %-22s %-5s %12lld %12lld", k == 0 ? str(z, "zone") : "",
			       str(p, "name"), str(p, "link"), (long long)num(p, "rx_packets"),
			       (long long)num(p, "tx_packets"));
			if (k == 0)
				printf(" %12lld %12lld", (long long)num(z, "forwarded"),
				       (long long)num(z, "dropped"));
			putchar('\n');
		}
	}
	printf("\ndrops by reason:");
	if (json_object_size(drops) == 0)
		printf(" none");
	json_object_foreach((json_t *)drops, key, v)
		printf(" %s=%lld", key, (long long)json_integer_value(v));
	conn = json_object_get(s, "connections");
	rec = json_object_get(s, "records");
	printf("\nconnections %lld live of %lld (admitted at most %lld), %lld opened, %lld "
	       "closed\n", (long long)num(conn, "live"), (long long)num(conn, "capacity"),
	       (long long)num(conn, "limit"), (long long)num(conn, "opened"),
	       (long long)num(conn, "closed"));
	print_zone_shares(s);
	if (json_array_size(json_object_get(s, "per_worker")) > 1) {
		json_array_foreach(json_object_get(s, "per_worker"), i, v)
			printf("  worker %lld  %lld live, %lld opened, %lld frames not sent, %lld "
			       "records lost, %lld neighbours not shared\n",
			       (long long)num(v, "worker"), (long long)num(v, "live"),
			       (long long)num(v, "opened"), (long long)num(v, "tx_dropped"),
			       (long long)num(v, "records_lost"), (long long)num(v, "neighbours_lost"));
	}
	printf("records     run %s: %lld emitted (last seq %lld), %lld acknowledged, %lld "
	       "buffered until acknowledged, %lld sent (%lld again); controller %s\n",
	       str(rec, "run"), (long long)num(rec, "emitted"), (long long)num(rec, "seq"),
	       (long long)num(rec, "acknowledged"), (long long)num(rec, "buffered"),
	       (long long)num(rec, "sent"), (long long)num(rec, "resent"),
	       !json_is_true(json_object_get(rec, "controller")) ? "NOT CONNECTED" :
	       json_is_object(json_object_get(s, "controller")) ? "connected" :
	       "connected but NOT ANSWERING");
	printf("            %lld lost (%lld in full worker rings, %lld with the buffer full), "
	       "each in a gap record\n",
	       (long long)(num(rec, "lost_ring") + num(rec, "dropped_buffer")),
	       (long long)num(rec, "lost_ring"), (long long)num(rec, "dropped_buffer"));
	printf("control     %lld bad messages refused\n", (long long)num(s, "bad_messages"));
	print_controller(json_object_get(s, "controller"));
}

/* The dataplane's answer to a query without arguments: printed as JSON with --json (*j
 * NULL then), else in *j for a table. 0, or the exit status of a failure. */
static int fetch(int argc, char **argv, uint16_t type, json_t **j)
{
	struct common c;
	int ret = parse(argc, argv, &c, false);

	*j = NULL;
	if (ret != 0 || (ret = ctl_target_resolve(&c.t, false)) != 0)
		return ret;
	ret = ctl_query(&c.t, type, NULL, 0, j);
	if (ret != 0 || !c.json)
		return ret;
	print_json(*j);
	json_decref(*j);
	*j = NULL;
	return 0;
}

/* The controller's own status (flow log, dataplane link, IPFIX), or JSON null when it
 * cannot be asked (why is printed on stderr). */
static json_t *controller_status(const struct common *c)
{
	struct ctl_target t = c->t;
	json_t *j;

	if (ctl_target_resolve(&t, true) != 0 || ctl_query(&t, CTL_STATUS, NULL, 0, &j) != 0)
		return json_null();
	return j;
}

int ctl_status_cmd(int argc, char **argv)
{
	struct common c;
	json_t *j;
	int ret = parse(argc, argv, &c, false);

	if (ret != 0 || (ret = ctl_target_resolve(&c.t, false)) != 0)
		return ret;
	ret = ctl_query(&c.t, CTL_STATUS, NULL, 0, &j);
	if (ret != 0)
		return ret;
	/* the controller's part: null while it is not running */
	json_object_set_new(j, "controller", controller_status(&c));
	if (c.json)
		print_json(j);
	else
		print_status(j);
	json_decref(j);
	return 0;
}

int ctl_rules_cmd(int argc, char **argv)
{
	const json_t *f;
	json_t *j;
	size_t i;
	int ret = fetch(argc, argv, CTL_RULES, &j);

	if (ret != 0 || j == NULL)
		return ret;
	printf("%-16s %-18s %6s %12s %14s %8s  %s\n", "FLOW", "ZONES", "RULES", "PACKETS",
	       "BYTES", "CONNS", "LAST HIT");
	json_array_foreach(json_object_get(j, "flows"), i, f) {
		char zones[32];

		snprintf(zones, sizeof(zones), "%s>%s", str(f, "from"), str(f, "to"));
		printf("%-16s %-18s %6lld %12lld %14lld %8lld  ", str(f, "id"), zones,
		       (long long)num(f, "rules"), (long long)num(f, "packets"),
		       (long long)num(f, "bytes"), (long long)num(f, "connections"));
		if (json_is_null(json_object_get(f, "last_hit_ms")))
			fputs("never", stdout);
		else
			print_time(num(f, "last_hit_ms"));
		putchar('\n');
	}
	if (json_array_size(json_object_get(j, "flows")) == 0)
		puts("(no flow in force: deny-all)");
	json_decref(j);
	return 0;
}

int ctl_flows_cmd(int argc, char **argv)
{
	uint8_t payload[256];
	struct common c;
	const json_t *e;
	json_t *j;
	size_t i;
	int len, ret = parse(argc, argv, &c, true);

	if (ret != 0 || (ret = ctl_target_resolve(&c.t, false)) != 0)
		return ret;
	c.q.limit = CTLPROTO_FLOWS_PAGE_MAX;
	len = ctlproto_flows_encode(&c.q, payload, sizeof(payload));
	if (len < 0)
		return 2;
	ret = ctl_query(&c.t, CTL_FLOWS, payload, (size_t)len, &j);
	if (ret != 0)
		return ret;
	if (c.json) {
		print_json(j);
		json_decref(j);
		return 0;
	}
	printf("%-12s %-5s %-30s %-30s %-12s %9s %9s\n", "FLOW", "PROTO", "FROM", "TO",
	       "STATE", "PKTS OUT", "PKTS IN");
	json_array_foreach(json_object_get(j, "connections"), i, e) {
		char from[64], to[64];

		snprintf(from, sizeof(from), "%s:%s:%lld", str(e, "from_zone"), str(e, "src"),
			 (long long)num(e, "sport"));
		snprintf(to, sizeof(to), "%s:%s:%lld", str(e, "to_zone"), str(e, "dst"),
			 (long long)num(e, "dport"));
		printf("%-12s %-5s %-30s %-30s %-12s %9lld %9lld\n", str(e, "flow"),
		       str(e, "proto"), from, to, str(e, "state"),
		       (long long)num(e, "packets_out"), (long long)num(e, "packets_in"));
	}
	printf("%lld connections%s\n", (long long)num(j, "total"),
	       (size_t)num(j, "total") > json_array_size(json_object_get(j, "connections")) ?
	       " (first shown)" : "");
	json_decref(j);
	return 0;
}

int ctl_neighbors_cmd(int argc, char **argv)
{
	const json_t *e;
	json_t *j;
	size_t i;
	int ret = fetch(argc, argv, CTL_NEIGHBORS, &j);

	if (ret != 0 || j == NULL)
		return ret;
	printf("%-9s %-16s %-18s %-8s %-22s %8s %8s\n", "ZONE", "ADDRESS", "MAC", "STATE",
	       "PORT", "EXPIRES", "WAITING");
	json_array_foreach(json_object_get(j, "neighbors"), i, e) {
		const json_t *mac = json_object_get(e, "mac"), *port = json_object_get(e, "port");
		char expires[24] = "-";

		if (json_is_integer(json_object_get(e, "expires_s")))
			snprintf(expires, sizeof(expires), "%llds",
				 (long long)num(e, "expires_s"));
		printf("%-9s %-16s %-18s %-8s %-22s %8s %8lld\n", str(e, "zone"), str(e, "ip"),
		       json_is_string(mac) ? json_string_value(mac) : "(asking)", str(e, "state"),
		       json_is_string(port) ? json_string_value(port) : "-", expires,
		       (long long)num(e, "waiting_frames"));
	}
	if (json_array_size(json_object_get(j, "neighbors")) == 0)
		puts("(no neighbour known yet)");
	if (!json_is_true(json_object_get(j, "complete")))
		puts("(incomplete: a worker did not answer in time, or its table is larger than shown)");
	json_decref(j);
	return 0;
}

/* One counter per zone and direction: <metric>{zone,dir="rx"|"tx"} from rx_<what> and
 * tx_<what>. */
static void zone_metric(const json_t *s, const char *metric, const char *help, const char *what)
{
	const json_t *z;
	char rx[32], tx[32];
	size_t i;

	snprintf(rx, sizeof(rx), "rx_%s", what);
	snprintf(tx, sizeof(tx), "tx_%s", what);
	printf("# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
	json_array_foreach(json_object_get(s, "zones"), i, z) {
		printf("%s{zone=\"%s\",dir=\"rx\"} %lld\n", metric, str(z, "zone"),
		       (long long)num(z, rx));
		printf("%s{zone=\"%s\",dir=\"tx\"} %lld\n", metric, str(z, "zone"),
		       (long long)num(z, tx));
	}
}

/* Each zone's connections against its share of the table. */
static void zone_share_metrics(const json_t *s)
{
	static const struct {
		const char *metric, *type, *help, *field;
	} m[] = {
		{ "bunri_zone_connections", "gauge", "Live connections by initiator zone.",
		  "live" },
		{ "bunri_zone_connections_limit", "gauge",
		  "Connections one zone may hold (limits.zone_connections).", "limit" },
		{ "bunri_zone_embryonic", "gauge",
		  "TCP handshakes in progress by initiator zone.", "embryonic" },
		{ "bunri_zone_embryonic_limit", "gauge",
		  "Handshakes one zone may hold (limits.zone_embryonic).", "embryonic_limit" },
		{ "bunri_zone_early_drops_total", "counter",
		  "Handshakes ended to make room for a new connection.", "early_drops" },
	};
	const json_t *z;
	size_t i;

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		printf("# HELP %s %s\n# TYPE %s %s\n", m[k].metric, m[k].help, m[k].metric,
		       m[k].type);
		json_array_foreach(json_object_get(s, "zones"), i, z)
			printf("%s{zone=\"%s\"} %lld\n", m[k].metric, str(z, "zone"),
			       (long long)num(json_object_get(z, "connections"), m[k].field));
	}
}

/* One counter per approved flow, from the rules reply's field. */
static void flow_metric(const json_t *r, const char *metric, const char *help,
			const char *field)
{
	const json_t *f;
	size_t i;

	printf("# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
	json_array_foreach(json_object_get(r, "flows"), i, f)
		printf("%s{flow=\"%s\"} %lld\n", metric, str(f, "id"), (long long)num(f, field));
}

/* Per port: <metric>{zone,port} from each port's <what> (or its link as 1/0). */
static void port_metric(const json_t *s, const char *metric, const char *type,
			const char *help, const char *what)
{
	const json_t *z, *p;
	size_t i, k;

	printf("# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
	json_array_foreach(json_object_get(s, "zones"), i, z) {
		json_array_foreach(json_object_get(z, "ports"), k, p) {
			long long v = strcmp(what, "link") == 0 ?
				strcmp(str(p, "link"), "up") == 0 : (long long)num(p, what);

			printf("%s{zone=\"%s\",port=\"%s\"} %lld\n", metric, str(z, "zone"),
			       str(p, "name"), v);
		}
	}
}

/* What an operator alerts on besides traffic: ports, capacity, records, the policy. */
static void print_health(const json_t *s)
{
	const json_t *conn = json_object_get(s, "connections"), *rec = json_object_get(s, "records"),
		     *pol = json_object_get(s, "policy");

	port_metric(s, "bunri_port_up", "gauge", "Link state of each port (1 up).", "link");
	port_metric(s, "bunri_port_rx_missed_total", "counter",
		    "Frames the NIC, or for an AF_PACKET port the kernel, dropped because the "
		    "workers did not keep up.", "rx_missed");
	port_metric(s, "bunri_port_rx_nombuf_total", "counter",
		    "Frames the NIC dropped for want of mbufs.", "rx_nombuf");
	port_metric(s, "bunri_port_errors_total", "counter", "Receive errors of each port.",
		    "rx_errors");
	puts("# HELP bunri_link_changes_total Link state changes seen since start.\n"
	     "# TYPE bunri_link_changes_total counter");
	printf("bunri_link_changes_total %lld\n", (long long)num(s, "link_changes"));
	puts("# HELP bunri_tx_dropped_total Frames a port did not take.\n"
	     "# TYPE bunri_tx_dropped_total counter");
	printf("bunri_tx_dropped_total %lld\n", (long long)num(s, "tx_dropped"));
	puts("# HELP bunri_connections_capacity Connections the tables hold at most.\n"
	     "# TYPE bunri_connections_capacity gauge");
	printf("bunri_connections_capacity %lld\n", (long long)num(conn, "capacity"));
	puts("# HELP bunri_records_lost_total Flow records lost before the controller wrote "
	     "them (a full worker ring or dataplane buffer; each loss is also a gap record).\n"
	     "# TYPE bunri_records_lost_total counter");
	printf("bunri_records_lost_total %lld\n",
	       (long long)(num(rec, "lost_ring") + num(rec, "dropped_buffer")));
	puts("# HELP bunri_records_lost_reason_total Flow records lost, by where.\n"
	     "# TYPE bunri_records_lost_reason_total counter");
	printf("bunri_records_lost_reason_total{reason=\"ring_full\"} %lld\n",
	       (long long)num(rec, "lost_ring"));
	printf("bunri_records_lost_reason_total{reason=\"buffer_full\"} %lld\n",
	       (long long)num(rec, "dropped_buffer"));
	puts("# HELP bunri_records_emitted_total Flow records the dataplane numbered (kept or "
	     "lost).\n# TYPE bunri_records_emitted_total counter");
	printf("bunri_records_emitted_total %lld\n", (long long)num(rec, "emitted"));
	puts("# HELP bunri_records_acknowledged_total Flow records the controller acknowledged "
	     "as fsynced.\n# TYPE bunri_records_acknowledged_total counter");
	printf("bunri_records_acknowledged_total %lld\n", (long long)num(rec, "acknowledged"));
	puts("# HELP bunri_records_resent_total Flow records sent again after a resubscribe.\n"
	     "# TYPE bunri_records_resent_total counter");
	printf("bunri_records_resent_total %lld\n", (long long)num(rec, "resent"));
	puts("# HELP bunri_records_buffered Flow records waiting for the controller.\n"
	     "# TYPE bunri_records_buffered gauge");
	printf("bunri_records_buffered %lld\n", (long long)num(rec, "buffered"));
	/* connected only when the controller also answers: a stopped controller still holds
	 * its socket, and is neither up nor taking records */
	puts("# HELP bunri_controller_connected Whether bunri-controld holds the dataplane's "
	     "record stream and answers (never 1 while bunri_controld_up is 0).\n"
	     "# TYPE bunri_controller_connected gauge");
	printf("bunri_controller_connected %d\n",
	       json_is_true(json_object_get(rec, "controller")) &&
	       json_is_object(json_object_get(s, "controller")));
	puts("# HELP bunri_controller_stream_held Whether a controller holds the dataplane's "
	     "record stream, as the dataplane sees it (1 with bunri_controld_up 0: the "
	     "controller is stopped or hung).\n# TYPE bunri_controller_stream_held gauge");
	printf("bunri_controller_stream_held %d\n", json_is_true(json_object_get(rec, "controller")));
	puts("# HELP bunri_policy_loaded_timestamp_seconds When the running policy was "
	     "installed.\n# TYPE bunri_policy_loaded_timestamp_seconds gauge");
	printf("bunri_policy_loaded_timestamp_seconds %lld\n",
	       (long long)(num(pol, "loaded_at_ms") / 1000));
	puts("# HELP bunri_policy_deny_all Whether the running policy allows nothing.\n"
	     "# TYPE bunri_policy_deny_all gauge");
	printf("bunri_policy_deny_all %d\n", json_is_true(json_object_get(pol, "deny_all")));
	puts("# HELP bunri_control_bad_messages_total Malformed control-socket messages.\n"
	     "# TYPE bunri_control_bad_messages_total counter");
	printf("bunri_control_bad_messages_total %lld\n", (long long)num(s, "bad_messages"));
}

/* The controller's gauges: whether it answers, and its flow log and IPFIX export. */
static void print_controller_metrics(const json_t *ctl)
{
	const json_t *log = json_object_get(ctl, "flow_log"), *x;
	size_t i;

	puts("# HELP bunri_controld_up Whether bunri-controld answered on its own socket "
	     "within 1.5 s.\n"
	     "# TYPE bunri_controld_up gauge");
	printf("bunri_controld_up %d\n", json_is_object(ctl));
	if (json_is_object(log)) {
		puts("# HELP bunri_flowlog_seq The last flow-log record's seq.\n"
		     "# TYPE bunri_flowlog_seq gauge");
		printf("bunri_flowlog_seq %lld\n", (long long)num(log, "seq"));
		puts("# HELP bunri_flowlog_unsynced_records Records written but not yet fsynced.\n"
		     "# TYPE bunri_flowlog_unsynced_records gauge");
		printf("bunri_flowlog_unsynced_records %lld\n",
		       (long long)(num(log, "seq") - num(log, "synced_seq")));
		puts("# HELP bunri_flowlog_segments_total Segments sealed by this controller.\n"
		     "# TYPE bunri_flowlog_segments_total counter");
		printf("bunri_flowlog_segments_total %lld\n", (long long)num(log, "segments"));
		puts("# HELP bunri_flowlog_errors_total Records the disk refused (each also a "
		     "gap record once it works).\n# TYPE bunri_flowlog_errors_total counter");
		printf("bunri_flowlog_errors_total %lld\n", (long long)num(log, "errors"));
	}
	x = json_object_get(ctl, "records");
	if (json_is_object(x)) {
		puts("# HELP bunri_flowlog_records_written_total Dataplane records this "
		     "controller wrote and fsynced.\n"
		     "# TYPE bunri_flowlog_records_written_total counter");
		printf("bunri_flowlog_records_written_total %lld\n", (long long)num(x, "written"));
		puts("# HELP bunri_flowlog_records_duplicate_total Records received again and "
		     "skipped (already in the log).\n"
		     "# TYPE bunri_flowlog_records_duplicate_total counter");
		printf("bunri_flowlog_records_duplicate_total %lld\n",
		       (long long)num(x, "duplicates"));
		puts("# HELP bunri_flowlog_records_gap_total Records this controller wrote as "
		     "lost in gap records.\n# TYPE bunri_flowlog_records_gap_total counter");
		printf("bunri_flowlog_records_gap_total %lld\n", (long long)num(x, "lost"));
	}
	if (json_array_size(json_object_get(ctl, "ipfix")) == 0)
		return;
	puts("# HELP bunri_ipfix_records_total Records sent to each IPFIX collector.\n"
	     "# TYPE bunri_ipfix_records_total counter");
	json_array_foreach(json_object_get(ctl, "ipfix"), i, x)
		printf("bunri_ipfix_records_total{collector=\"%s\"} %lld\n", str(x, "collector"),
		       (long long)num(x, "records"));
	puts("# HELP bunri_ipfix_send_errors_total Messages that could not be sent.\n"
	     "# TYPE bunri_ipfix_send_errors_total counter");
	json_array_foreach(json_object_get(ctl, "ipfix"), i, x)
		printf("bunri_ipfix_send_errors_total{collector=\"%s\"} %lld\n",
		       str(x, "collector"), (long long)num(x, "send_errors"));
}

/* Prometheus text exposition format, for node_exporter's textfile collector. */
static void print_prometheus(const json_t *s, const json_t *r)
{
	const json_t *z, *v, *conn = json_object_get(s, "connections");
	const char *key;
	size_t i;

	zone_metric(s, "bunri_zone_packets_total", "Frames by zone and direction.", "packets");
	zone_metric(s, "bunri_zone_bytes_total", "Bytes by zone and direction.", "bytes");
	puts("# HELP bunri_drops_total Dropped frames by ingress zone and reason.\n"
	     "# TYPE bunri_drops_total counter");
	json_array_foreach(json_object_get(s, "zones"), i, z) {
		json_object_foreach(json_object_get(z, "drops"), key, v)
			printf("bunri_drops_total{zone=\"%s\",reason=\"%s\"} %lld\n",
			       str(z, "zone"), key, (long long)json_integer_value(v));
	}
	puts("# HELP bunri_connections Live connections.\n# TYPE bunri_connections gauge");
	printf("bunri_connections %lld\n", (long long)num(conn, "live"));
	zone_share_metrics(s);
	puts("# HELP bunri_policy_generation Policy installs since start.\n"
	     "# TYPE bunri_policy_generation gauge");
	printf("bunri_policy_generation %lld\n",
	       (long long)num(json_object_get(s, "policy"), "generation"));
	flow_metric(r, "bunri_flow_packets_total", "Packets per approved flow.", "packets");
	flow_metric(r, "bunri_flow_bytes_total", "Bytes per approved flow.", "bytes");
	flow_metric(r, "bunri_flow_connections_total", "Connections per approved flow.",
		    "connections");
	print_health(s);
	print_controller_metrics(json_object_get(s, "controller"));
}

int ctl_stats_cmd(int argc, char **argv)
{
	struct common c;
	json_t *s, *r, *both;
	int ret = parse(argc, argv, &c, false);

	if (ret != 0 || (ret = ctl_target_resolve(&c.t, false)) != 0)
		return ret;
	if (!c.prometheus && !c.json) {
		fprintf(stderr, "bunrictl stats: give --prometheus or --json\n");
		return 2;
	}
	ret = ctl_query(&c.t, CTL_STATUS, NULL, 0, &s);
	if (ret != 0)
		return ret;
	ret = ctl_query(&c.t, CTL_RULES, NULL, 0, &r);
	if (ret != 0) {
		json_decref(s);
		return ret;
	}
	json_object_set_new(s, "controller", controller_status(&c));
	if (c.prometheus) {
		print_prometheus(s, r);
	} else {
		both = json_pack("{s:O, s:O}", "status", s, "rules", r);
		print_json(both);
		json_decref(both);
	}
	json_decref(s);
	json_decref(r);
	return 0;
}
