/* appliance.cfg: the shipped example, defaults, and every kind of mistake, each at its
 * line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "model.h"
#include "runner.h"

static struct diag *load(const char *text, int *ret, struct appliance **a)
{
	char *path = cfgfile_write(text);
	struct diag *d = diag_new();

	*ret = appliance_load(path, d, a);
	free(path);
	return d;
}

static void shipped_example(void)
{
	const char *src = getenv("BUNRI_SRCDIR");
	char path[4096];
	struct appliance *a = NULL;
	struct diag *d = diag_new();
	const struct appliance_logging *lg;

	snprintf(path, sizeof(path), "%s/deploy/examples/appliance.cfg", src ? src : ".");
	CU_ASSERT_EQUAL_FATAL(appliance_load(path, d, &a), 0);
	CU_ASSERT_EQUAL(diag_count(d), 0);
	CU_ASSERT_STRING_EQUAL(appliance_name(a), "city-hall-seg01");
	CU_ASSERT_STRING_EQUAL(appliance_socket_path(a), "/run/bunri/control.sock");
	CU_ASSERT_STRING_EQUAL(a->zones[ZONE_MYNUMBER].cp.ports[0], "0000:3b:00.0");
	CU_ASSERT_EQUAL(a->zones[ZONE_MYNUMBER].cp.address, 0x0a0a0001);
	CU_ASSERT_EQUAL(a->zones[ZONE_MYNUMBER].cp.prefix_len, 24);
	CU_ASSERT_TRUE(a->zones[ZONE_LGWAN].cp.ping);
	CU_ASSERT_FALSE(a->zones[ZONE_MYNUMBER].cp.ping);
	CU_ASSERT_EQUAL(a->zones[ZONE_MYNUMBER].n_neighbors, 1);
	CU_ASSERT_TRUE(a->has_sanitizer);
	CU_ASSERT_EQUAL(a->sanitizer_host, 0xac101e0a);
	CU_ASSERT_EQUAL(a->timeouts.tcp_established, 7440);
	lg = appliance_logging(a);
	CU_ASSERT_STRING_EQUAL(lg->dir, "/var/log/bunri");
	CU_ASSERT_EQUAL(lg->rotate_size_mb, 64);
	CU_ASSERT_EQUAL(lg->write_buffer_mb, 8);
	CU_ASSERT_EQUAL(lg->deny_rate, 10);
	CU_ASSERT_EQUAL(lg->deny_interval, 60);
	CU_ASSERT_EQUAL(lg->n_collectors, 0);
	CU_ASSERT_EQUAL(appliance_zone_of(a, (struct cidr){ 0x0a0a0300, 24 }), ZONE_MYNUMBER);
	CU_ASSERT_EQUAL(appliance_zone_of(a, (struct cidr){ 0x0a000000, 8 }), ZONE_NONE);
	CU_ASSERT_EQUAL(appliance_route_zone(a, (struct cidr){ 0xac101e0a, 32 }), ZONE_INTERNET);
	appliance_free(a);
	diag_free(d);
}

static void defaults_and_settings(void)
{
	const char *text = "appliance = { name = \"x\"; };\n"
			   "zones = {\n"
			   "  lgwan = { port = [\"net_ring1\", \"net_ring3\"]; vlan = 20; "
			   "address = \"10.20.0.1/24\"; networks = [\"10.20.0.0/16\"]; };\n"
			   "  internet = { port = \"net_ring2\"; address = \"172.16.0.1/24\"; "
			   "networks = \"172.16.0.0/16\"; };\n"
			   "};\n"
			   "timeouts = { udp = 60; };\n"
			   "logging = { dir = \"/srv/log\"; rotate_size_mb = 128; retention_days = 0;\n"
			   "  write_buffer_mb = 64; deny_rate = 3; deny_interval = 300;\n"
			   "  checkpoint_file = \"/srv/anchor/checkpoints\";\n"
			   "  syslog = { socket = \"/dev/log\"; address = \"192.0.2.20\"; };\n"
			   "  ipfix = ( { address = \"127.0.0.1\"; port = 4739; } ); };\n";
	struct appliance *a = NULL;
	int ret;
	struct diag *d = load(text, &ret, &a);

	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_FALSE(a->zones[ZONE_MYNUMBER].enabled);
	CU_ASSERT_EQUAL(a->zones[ZONE_LGWAN].cp.n_ports, 2);
	CU_ASSERT_EQUAL(a->zones[ZONE_LGWAN].cp.vlan, 20);
	CU_ASSERT_EQUAL(a->timeouts.udp, 60);
	CU_ASSERT_EQUAL(a->timeouts.tcp_transitory, 240);
	CU_ASSERT_FALSE(a->has_sanitizer);
	CU_ASSERT_STRING_EQUAL(appliance_log_dir(a), "/srv/log");
	CU_ASSERT_EQUAL(appliance_logging(a)->rotate_size_mb, 128);
	CU_ASSERT_EQUAL(appliance_logging(a)->retention_days, 0);
	CU_ASSERT_EQUAL(appliance_logging(a)->fsync_ms, 1000);
	CU_ASSERT_EQUAL(appliance_logging(a)->write_buffer_mb, 64);
	CU_ASSERT_EQUAL(appliance_logging(a)->deny_rate, 3);
	CU_ASSERT_EQUAL(appliance_logging(a)->deny_interval, 300);
	CU_ASSERT_EQUAL(appliance_logging(a)->n_collectors, 1);
	CU_ASSERT_EQUAL(appliance_logging(a)->collectors[0].addr, 0x7f000001);
	CU_ASSERT_STRING_EQUAL(appliance_logging(a)->key, "/etc/bunri/keys/flowlog.key");
	CU_ASSERT_EQUAL(appliance_logging(a)->checkpoint_seconds, 5);
	CU_ASSERT_STRING_EQUAL(appliance_logging(a)->checkpoint_file, "/srv/anchor/checkpoints");
	CU_ASSERT_STRING_EQUAL(appliance_logging(a)->syslog_socket, "/dev/log");
	CU_ASSERT_EQUAL(appliance_logging(a)->syslog_addr, 0xc0000214);
	CU_ASSERT_EQUAL(appliance_logging(a)->syslog_port, 514);
	appliance_free(a);
	diag_free(d);
}

/* The checkpoint settings: in the log directory, a bad syslog address or port. */
static void checkpoint_settings(void)
{
	const char *text = "appliance = { name = \"x\"; };\n"
			   "zones = {\n"
			   "  lgwan = { port = \"p1\"; address = \"10.20.0.1/24\"; "
			   "networks = [\"10.20.0.0/16\"]; };\n"
			   "  internet = { port = \"p2\"; address = \"172.16.0.1/24\"; "
			   "networks = \"172.16.0.0/16\"; };\n"
			   "};\n"
			   "logging = { dir = \"/srv/log\";\n"                  /* 6 */
			   "  checkpoint_file = \"/srv/log/flows/cp\";\n"       /* 7 */
			   "  checkpoint_seconds = 0;\n"                         /* 8 */
			   "  syslog = { address = \"host\";\n"                 /* 9 */
			   "    port = 0; socket = \"dev/log\"; }; };\n";        /* 10 */
	struct appliance *a = NULL;
	int ret;
	struct diag *d = load(text, &ret, &a);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT_EQUAL(diag_errors(d), 5);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-value", 7, NULL, 0));     /* in the log dir */
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-value", 8, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-address", 9, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-value", 10, NULL, 0));    /* port, socket */
	diag_free(d);
}

/* Each mistake reported at its own line, all in one run. */
static void every_mistake_in_one_run(void)
{
	const char *text =
		"appliance = { name = \"x\"; colour = \"red\"; };\n"		 /* 1 */
		"zones = {\n"							 /* 2 */
		"  mynumber = { port = \"p0\"; address = \"10.10.0.0/24\";\n"	 /* 3 */
		"    networks = [\"10.10.0.0/16\"]; };\n"			 /* 4 */
		"  lgwan = { port = \"p0\"; address = \"10.20.0.1/24\";\n"	 /* 5 */
		"    networks = [\"10.20.0.1/16\", \"10.10.0.0/16\"];\n"	 /* 6 */
		"    routes = ( { to = \"10.20.0.0/16\"; via = \"10.30.0.1\"; },\n" /* 7 */
		"               { to = \"192.168.0.0/16\"; via = \"10.20.0.254\"; } );\n" /* 8 */
		"    neighbors = ( { ip = \"10.20.0.254\"; mac = \"01:00:5e:00:00:01\"; } );\n" /* 9 */
		"    vlan = 5000; mtu = 9000; };\n"				 /* 10 */
		"  internet = { address = \"172.16.0.1/24\"; networks = [\"172.16.0.0/16\"]; };\n" /* 11 */
		"  dmz = { port = \"p9\"; };\n"					 /* 12 */
		"};\n"								 /* 13 */
		"sanitizer = { host = \"10.20.0.9\"; };\n"			 /* 14 */
		"timeouts = { udp = 0; };\n"					 /* 15 */
		"logging = { dir = \"relative/path\"; fsync_ms = 5000; };\n"	 /* 16 */
		"extra = 1;\n";							 /* 17 */
	struct appliance *a = NULL;
	int ret;
	struct diag *d = load(text, &ret, &a);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-key", 1, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-address", 3, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-cidr", 6, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-route", 7, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "route-outside", 8, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-mac", 9, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-vlan", 10, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-key", 10, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "missing", 11, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-zone", 12, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "shared-port", 5, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "shared-network", 6, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "sanitizer-zone", 14, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-timeout", 15, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-value", 16, NULL, 0));
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unknown-key", 17, NULL, 0));
	CU_ASSERT(diag_errors(d) >= 16);
	diag_free(d);
}

static void syntax_error_has_line(void)
{
	struct appliance *a = NULL;
	int ret;
	struct diag *d = load("appliance = { name = \"x\"; };\nzones = {\n  lgwan = { port = ; };\n};\n",
			      &ret, &a);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "syntax", 3, NULL, 0));
	diag_free(d);
}

static void include_is_refused(void)
{
	struct appliance *a = NULL;
	int ret;
	struct diag *d = load("appliance = { name = \"x\"; };\n  @include \"/etc/passwd\"\n", &ret, &a);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "syntax", 2, NULL, 0));
	diag_free(d);
}

static void unreadable_file(void)
{
	struct appliance *a = NULL;
	struct diag *d = diag_new();

	CU_ASSERT_EQUAL(appliance_load("/nonexistent/bunri/appliance.cfg", d, &a), -ENOENT);
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "unreadable", 0, NULL, 0));
	CU_ASSERT_EQUAL(appliance_load("/tmp", d, &a), -EISDIR);
	diag_free(d);
}

/* Deny records: at least one per source and interval, intervals of 1 s to 1 hour. */
static void deny_bounds(void)
{
	static const char *const values[] = { "deny_rate = 0", "deny_rate = 100001",
					      "deny_interval = 0", "deny_interval = 3601" };

	for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char text[512];
		struct appliance *a = NULL;
		int ret;
		struct diag *d;

		snprintf(text, sizeof(text),
			 "appliance = { name = \"x\"; };\n"
			 "zones = { lgwan = { port = \"a\"; address = \"10.20.0.1/24\"; "
			 "networks = [\"10.20.0.0/16\"]; };\n"
			 "  internet = { port = \"b\"; address = \"172.16.0.1/24\"; "
			 "networks = [\"172.16.0.0/16\"]; }; };\n"
			 "logging = { %s; };\n", values[i]);
		d = load(text, &ret, &a);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-value", 4, NULL, 0));
		diag_free(d);
	}
}

/* The writer's memory for a slow disk: 1 to 512 MiB. */
static void write_buffer_bounds(void)
{
	static const char *const values[] = { "0", "513", "-1", "\"8\"" };

	for (unsigned i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char text[512];
		struct appliance *a = NULL;
		int ret;
		struct diag *d;

		snprintf(text, sizeof(text),
			 "appliance = { name = \"x\"; };\n"
			 "zones = { lgwan = { port = \"a\"; address = \"10.20.0.1/24\"; "
			 "networks = [\"10.20.0.0/16\"]; };\n"
			 "  internet = { port = \"b\"; address = \"172.16.0.1/24\"; "
			 "networks = [\"172.16.0.0/16\"]; }; };\n"
			 "logging = { write_buffer_mb = %s; };\n", values[i]);
		d = load(text, &ret, &a);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT(diag_has(d, DIAG_ERROR, "bad-value", 4, NULL, 0));
		if (!diag_has(d, DIAG_ERROR, "bad-value", 4, NULL, 0))
			diag_dump(d);
		diag_free(d);
	}
}

static void one_zone_is_not_enough(void)
{
	struct appliance *a = NULL;
	int ret;
	struct diag *d = load("appliance = { name = \"x\"; };\n"
			      "zones = { lgwan = { port = \"a\"; address = \"10.20.0.1/24\"; "
			      "networks = [\"10.20.0.0/16\"]; }; };\n",
			      &ret, &a);

	CU_ASSERT_EQUAL(ret, -EINVAL);
	CU_ASSERT(diag_has(d, DIAG_ERROR, "zones", 2, NULL, 0));
	diag_free(d);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "shipped example", shipped_example },
		{ "defaults and settings", defaults_and_settings },
		{ "checkpoint settings", checkpoint_settings },
		{ "every mistake in one run", every_mistake_in_one_run },
		{ "syntax error has its line", syntax_error_has_line },
		{ "@include is refused", include_is_refused },
		{ "unreadable file", unreadable_file },
		{ "one zone is not enough", one_zone_is_not_enough },
		{ "write buffer from 1 to 512 MiB", write_buffer_bounds },
		{ "deny_rate and deny_interval bounds", deny_bounds },
		{ NULL, NULL },
	};
	return test_run("appliance", cases);
}
