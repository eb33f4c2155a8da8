/* appliance.cfg: loading it, and its appliance-wide settings (sanitizer, timeouts,
 * control socket, logging). The zones are in zones.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgread.h"
#include "model.h"
#include "policy.h"
#include "zones.h"

#define DEFAULT_SOCKET "/run/bunri/control.sock"
#define DEFAULT_LOG_DIR "/var/log/bunri"
#define DEFAULT_LOG_KEY "/etc/bunri/keys/flowlog.key"

struct loader {
	struct cfgctx ctx;
	struct appliance *a;
};

#define ERR(ld, s, code, ...) \
	diag_add((ld)->ctx.d, DIAG_ERROR, (ld)->ctx.file, cfgread_line(s), NULL, 0, code, __VA_ARGS__)

static const char *const top_keys[] = { "appliance", "zones", "sanitizer", "timeouts",
					"control", "logging", "limits", NULL };
static char *group_string(struct loader *ld, const config_setting_t *root, const char *group,
			  const char *key, const char *def, bool absolute)
{
	const config_setting_t *g = config_setting_get_member(root, group);
	const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
	const char *v = def;
	char what[64];

	snprintf(what, sizeof(what), "%s.%s", group, key);
	if (s) {
		v = cfgread_string(s, ld->ctx.file, NULL, what, ld->ctx.d);
		if (!v)
			return NULL;
		if (!v[0] || (absolute && v[0] != '/')) {
			ERR(ld, s, "bad-value", "%s must be %s", what,
			    absolute ? "an absolute path" : "a non-empty string");
			return NULL;
		}
	}
	return v ? strdup(v) : NULL;
}

static void parse_group_keys(struct loader *ld, const config_setting_t *root)
{
	static const char *const appliance_keys[] = { "name", "model", NULL };
	static const char *const sanitizer_keys[] = { "host", NULL };
	static const char *const control_keys[] = { "socket", NULL };
	static const char *const logging_keys[] = { "dir",	       "rotate_size_mb",
						    "rotate_seconds", "retention_days",
						    "fsync_ms",	       "key",
						    "buffer_records", "ipfix",
						    "ipfix_domain",   "write_buffer_mb",
						    "checkpoint_seconds", "checkpoint_file",
						    "syslog",	       "deny_rate",
						    "deny_interval",  NULL };
	static const char *const limit_keys[] = { "connections", "zone_connections",
						  "zone_embryonic", "flow_connections",
						  "adaptive_start", "adaptive_end", NULL };
	static const char *const timeout_keys[] = { "tcp_established", "tcp_transitory", "udp",
						    "icmp", NULL };
	static const struct {
		const char *group;
		const char *const *keys;
	} groups[] = { { "appliance", appliance_keys }, { "sanitizer", sanitizer_keys },
		       { "control", control_keys },     { "logging", logging_keys },
		       { "timeouts", timeout_keys },    { "limits", limit_keys } };

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		const config_setting_t *g = config_setting_get_member(root, groups[i].group);

		if (!g)
			continue;
		if (!config_setting_is_group(g))
			ERR(ld, g, "type", "%s must be a group { ... }", groups[i].group);
		else
			cfgread_unknown_keys(g, groups[i].keys, ld->ctx.file, NULL, groups[i].group,
					     ld->ctx.d);
	}
}

static void parse_timeouts(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *g = config_setting_get_member(root, "timeouts");
	struct {
		const char *key;
		uint32_t *v;
	} t[] = { { "tcp_established", &ld->a->timeouts.tcp_established },
		  { "tcp_transitory", &ld->a->timeouts.tcp_transitory },
		  { "udp", &ld->a->timeouts.udp },
		  { "icmp", &ld->a->timeouts.icmp } };

	ld->a->timeouts = (struct cp_timeouts){ 7440, 240, 120, 30 };
	for (size_t i = 0; g && config_setting_is_group(g) && i < 4; i++) {
		const config_setting_t *s = config_setting_get_member(g, t[i].key);
		int v;

		if (!s)
			continue;
		v = config_setting_get_int(s);
		if (config_setting_type(s) != CONFIG_TYPE_INT || v < 1 || v > 7 * 86400)
			ERR(ld, s, "bad-timeout",
			    "timeouts.%s must be a number of seconds from 1 to 604800", t[i].key);
		else
			*t[i].v = (uint32_t)v;
	}
}

void appliance_limits_default(struct cp_limits *l)
{
	/* No zone takes more than half the table, nor a quarter in handshakes; pf's
	 * adaptive defaults (60% and 120% of the limit). */
	*l = (struct cp_limits){ .connections = 0, .zone_connections = 50,
				 .zone_embryonic = 25, .flow_connections = 50,
				 .adaptive_start = 60, .adaptive_end = 120 };
}

/* One key of `limits`: an integer from lo to hi, or an error saying so. */
static bool limit_key(struct loader *ld, const config_setting_t *g, const char *key,
		      long lo, long hi, const char *unit, long *v)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return false;
	*v = config_setting_get_int(s);
	if (config_setting_type(s) != CONFIG_TYPE_INT || *v < lo || *v > hi) {
		ERR(ld, s, "bad-limit", "limits.%s must be %s from %ld to %ld", key, unit, lo,
		    hi);
		return false;
	}
	return true;
}

static void parse_limits(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *g = config_setting_get_member(root, "limits");
	struct cp_limits *l = &ld->a->limits;
	long v;

	appliance_limits_default(l);
	if (!g || !config_setting_is_group(g))
		return;
	if (limit_key(ld, g, "connections", 8, 1L << 26, "a number of connections", &v))
		l->connections = (uint32_t)v;
	if (limit_key(ld, g, "zone_connections", 1, 100, "a percentage of the table", &v))
		l->zone_connections = (uint8_t)v;
	if (limit_key(ld, g, "zone_embryonic", 1, 100, "a percentage of the table", &v))
		l->zone_embryonic = (uint8_t)v;
	if (limit_key(ld, g, "flow_connections", 1, 100, "a percentage of the table", &v))
		l->flow_connections = (uint8_t)v;
	if (limit_key(ld, g, "adaptive_start", 0, 100, "a percentage of the table", &v))
		l->adaptive_start = (uint8_t)v;
	if (limit_key(ld, g, "adaptive_end", 0, 1000, "a percentage of the table (0: off)",
		      &v))
		l->adaptive_end = (uint16_t)v;
	if (l->adaptive_end != 0 && l->adaptive_end <= l->adaptive_start)
		ERR(ld, config_setting_get_member(g, "adaptive_end") ?
			config_setting_get_member(g, "adaptive_end") : g, "bad-limit",
		    "limits.adaptive_end (%u) must be above adaptive_start (%u), or 0 for no "
		    "adaptive timeouts", l->adaptive_end, l->adaptive_start);
}

static void parse_sanitizer(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *g = config_setting_get_member(root, "sanitizer");
	const config_setting_t *s = g && config_setting_is_group(g) ?
					    config_setting_get_member(g, "host") :
					    NULL;
	const char *v;

	if (!s)
		return;
	v = cfgread_string(s, ld->ctx.file, NULL, "sanitizer.host", ld->ctx.d);
	if (!v)
		return;
	if (addr_parse_ipv4(v, &ld->a->sanitizer_host) < 0) {
		ERR(ld, s, "bad-address", "sanitizer.host \"%s\" must be one IPv4 address", v);
		return;
	}
	ld->a->has_sanitizer = true;
	ld->a->sanitizer_line = cfgread_line(s);
	if (appliance_zone_of(ld->a, (struct cidr){ ld->a->sanitizer_host, 32 }) != ZONE_INTERNET)
		ERR(ld, s, "sanitizer-zone",
		    "sanitizer.host %s is not in the internet zone's networks; the 無害化 host "
		    "sits on the internet side",
		    v);
}

/* An integer key of group g within [lo, hi], or def when absent. */
static unsigned bounded_int(struct loader *ld, const config_setting_t *g, const char *key,
			    unsigned def, unsigned lo, unsigned hi)
{
	const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
	long long v;

	if (!s)
		return def;
	v = config_setting_get_int64(s);
	if ((config_setting_type(s) != CONFIG_TYPE_INT &&
	     config_setting_type(s) != CONFIG_TYPE_INT64) ||
	    v < lo || v > hi) {
		ERR(ld, s, "bad-value", "%s.%s must be a whole number from %u to %u",
		    config_setting_name(g), key, lo, hi);
		return def;
	}
	return (unsigned)v;
}

static void parse_collectors(struct loader *ld, const config_setting_t *s)
{
	static const char *const keys[] = { "address", "port", NULL };
	struct appliance_logging *lg = &ld->a->logging;
	int n = config_setting_length(s);

	if (config_setting_type(s) != CONFIG_TYPE_LIST || n > APPLIANCE_MAX_COLLECTORS) {
		ERR(ld, s, "type",
		    "logging.ipfix must be a list of at most %d collectors: "
		    "( { address = \"192.0.2.10\"; port = 4739; } )",
		    APPLIANCE_MAX_COLLECTORS);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *c = config_setting_get_elem(s, (unsigned)i);
		const char *addr = NULL;
		int port = 0;

		if (!config_setting_is_group(c) ||
		    !config_setting_lookup_string(c, "address", &addr) ||
		    !config_setting_lookup_int(c, "port", &port) || port < 1 || port > 65535 ||
		    addr_parse_ipv4(addr, &lg->collectors[lg->n_collectors].addr) < 0) {
			ERR(ld, c, "bad-collector",
			    "an IPFIX collector is { address = \"<IPv4>\"; port = <1-65535>; }");
			continue;
		}
		cfgread_unknown_keys(c, keys, ld->ctx.file, NULL, "an IPFIX collector", ld->ctx.d);
		lg->collectors[lg->n_collectors++].port = (uint16_t)port;
	}
}

/* logging.syslog = { socket = "/dev/log"; address = "192.0.2.20"; port = 514; }: where
 * the flow log's checkpoints go (either or both). */
static void parse_syslog(struct loader *ld, const config_setting_t *g)
{
	const config_setting_t *s = config_setting_get_member(g, "syslog");
	static const char *const keys[] = { "socket", "address", "port", NULL };
	struct appliance_logging *lg = &ld->a->logging;
	const char *addr = NULL;
	int port = 514;

	if (!config_setting_is_group(s)) {
		ERR(ld, s, "type", "logging.syslog must be a group: { socket = \"/dev/log\"; "
		    "address = \"192.0.2.20\"; port = 514; } (either or both)");
		return;
	}
	cfgread_unknown_keys(s, keys, ld->ctx.file, NULL, "logging.syslog", ld->ctx.d);
	ld->a->syslog_socket = group_string(ld, g, "syslog", "socket", NULL, true);
	if (config_setting_get_member(s, "address") &&
	    (!config_setting_lookup_string(s, "address", &addr) ||
	     addr_parse_ipv4(addr, &lg->syslog_addr) < 0 || lg->syslog_addr == 0))
		ERR(ld, config_setting_get_member(s, "address"), "bad-address",
		    "logging.syslog.address must be one IPv4 address, e.g. \"192.0.2.20\"");
	if (config_setting_get_member(s, "port") &&
	    (!config_setting_lookup_int(s, "port", &port) || port < 1 || port > 65535))
		ERR(ld, config_setting_get_member(s, "port"), "bad-value",
		    "logging.syslog.port must be a port number from 1 to 65535");
	lg->syslog_port = (uint16_t)port;
	lg->syslog_socket = ld->a->syslog_socket;
}

/* The checkpoint file must not lie under the log directory, where whoever rewrites the
 * log could rewrite it too. */
static void parse_checkpoint_file(struct loader *ld, const config_setting_t *g)
{
	const char *f = ld->a->checkpoint_file, *dir = ld->a->log_dir;
	size_t n = dir ? strlen(dir) : 0;

	ld->a->logging.checkpoint_file = f;
	if (f && dir && !strncmp(f, dir, n) && (f[n] == '/' || f[n] == '\0' || dir[n - 1] == '/'))
		ERR(ld, config_setting_get_member(g, "checkpoint_file"), "bad-value",
		    "logging.checkpoint_file must lie outside logging.dir (%s), best on another "
		    "filesystem or a remote one", dir);
}

static void parse_logging(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *g = config_setting_get_member(root, "logging");
	struct appliance_logging *lg = &ld->a->logging;

	if (g && !config_setting_is_group(g))
		g = NULL;
	ld->a->log_dir = group_string(ld, root, "logging", "dir", DEFAULT_LOG_DIR, true);
	ld->a->log_key = group_string(ld, root, "logging", "key", DEFAULT_LOG_KEY, true);
	lg->dir = ld->a->log_dir;
	lg->key = ld->a->log_key;
	lg->rotate_size_mb = bounded_int(ld, g, "rotate_size_mb", 64, 1, 4096);
	lg->rotate_seconds = bounded_int(ld, g, "rotate_seconds", 3600, 10, 86400);
	lg->retention_days = bounded_int(ld, g, "retention_days", 400, 0, 3650);
	lg->fsync_ms = bounded_int(ld, g, "fsync_ms", 1000, 10, 1000);
	lg->buffer_records = bounded_int(ld, g, "buffer_records", 65536, 1024, 16u << 20);
	lg->write_buffer_mb = bounded_int(ld, g, "write_buffer_mb", 8, 1, 512);
	lg->ipfix_domain = bounded_int(ld, g, "ipfix_domain", 1, 0, UINT32_MAX);
	lg->deny_rate = bounded_int(ld, g, "deny_rate", 10, 1, 100000);
	lg->deny_interval = bounded_int(ld, g, "deny_interval", 60, 1, 3600);
	if (g && config_setting_get_member(g, "ipfix"))
		parse_collectors(ld, config_setting_get_member(g, "ipfix"));
	lg->checkpoint_seconds = bounded_int(ld, g, "checkpoint_seconds", 5, 1, 3600);
	ld->a->checkpoint_file = group_string(ld, root, "logging", "checkpoint_file", NULL, true);
	if (g)
		parse_checkpoint_file(ld, g);
	if (g && config_setting_get_member(g, "syslog"))
		parse_syslog(ld, g);
}

static void parse(struct loader *ld, const config_setting_t *root)
{
	const config_setting_t *s;

	cfgread_unknown_keys(root, top_keys, ld->ctx.file, NULL, "appliance.cfg", ld->ctx.d);
	parse_group_keys(ld, root);
	s = config_setting_get_member(root, "appliance");
	s = s ? config_setting_get_member(s, "name") : NULL;
	if (!s)
		diag_add(ld->ctx.d, DIAG_ERROR, ld->ctx.file, 0, NULL, 0, "missing",
			 "no appliance name; write appliance = { name = \"city-hall-seg01\"; };");
	else if (cfgread_string(s, ld->ctx.file, NULL, "appliance.name", ld->ctx.d))
		ld->a->name = strdup(config_setting_get_string(s));
	zones_parse(&ld->ctx, ld->a, config_setting_get_member(root, "zones"));
	parse_sanitizer(ld, root);
	parse_timeouts(ld, root);
	parse_limits(ld, root);
	ld->a->socket_path = group_string(ld, root, "control", "socket", DEFAULT_SOCKET, true);
	parse_logging(ld, root);
}

int appliance_load(const char *path, struct diag *d, struct appliance **out)
{
	size_t errors_before = diag_errors(d);
	struct loader ld = { .ctx = { .file = path, .d = d } };
	config_t cfg;
	int ret;

	*out = NULL;
	ld.a = calloc(1, sizeof(*ld.a));
	if (!ld.a)
		return -ENOMEM;
	ld.a->path = strdup(path);
	if (!ld.a->path) {
		ret = -ENOMEM;
		goto err_free;
	}
	config_init(&cfg);
	ret = cfgread_load(path, &cfg, ld.a->digest, d);
	if (ret < 0)
		goto err_config;
	parse(&ld, config_root_setting(&cfg));
	config_destroy(&cfg);
	if (diag_errors(d) == errors_before &&
	    (!ld.a->name || !ld.a->socket_path || !ld.a->log_dir || !ld.a->log_key)) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (diag_failed(d)) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (diag_errors(d) > errors_before) {
		ret = -EINVAL;
		goto err_free;
	}
	*out = ld.a;
	return 0;

err_config:
	config_destroy(&cfg);
err_free:
	appliance_free(ld.a);
	return ret;
}

void appliance_free(struct appliance *a)
{
	if (!a)
		return;
	for (unsigned zi = 0; zi < ZONE_COUNT; zi++) {
		free(a->zones[zi].networks);
		free(a->zones[zi].network_lines);
		free(a->zones[zi].routes);
		free(a->zones[zi].neighbors);
	}
	free(a->path);
	free(a->name);
	free(a->socket_path);
	free(a->log_dir);
	free(a->log_key);
	free(a->checkpoint_file);
	free(a->syslog_socket);
	free(a);
}

const char *appliance_name(const struct appliance *a)
{
	return a->name;
}

const char *appliance_socket_path(const struct appliance *a)
{
	return a->socket_path;
}

const char *appliance_log_dir(const struct appliance *a)
{
	return a->log_dir;
}

const struct appliance_logging *appliance_logging(const struct appliance *a)
{
	return &a->logging;
}
