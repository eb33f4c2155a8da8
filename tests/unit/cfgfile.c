#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "timefmt.h"

const char *const TEST_APPLIANCE =
	"appliance = { name = \"test-seg\"; };\n"
	"zones = {\n"
	"  mynumber = { port = \"net_ring0\"; address = \"10.10.0.1/24\";\n"
	"               networks = [\"10.10.0.0/16\"];\n"
	"               routes = ( { to = \"10.10.0.0/16\"; via = \"10.10.0.254\"; } ); };\n"
	"  lgwan = { port = \"net_ring1\"; address = \"10.20.0.1/24\";\n"
	"            networks = [\"10.20.0.0/16\"];\n"
	"            routes = ( { to = \"10.20.0.0/16\"; via = \"10.20.0.254\"; } ); };\n"
	"  internet = { port = \"net_ring2\"; address = \"172.16.0.1/24\";\n"
	"               networks = [\"172.16.0.0/16\"];\n"
	"               routes = ( { to = \"172.16.0.0/16\"; via = \"172.16.0.254\"; } ); };\n"
	"};\n"
	"sanitizer = { host = \"172.16.30.10\"; };\n";

static const char *const POLICY_HEAD =
	"hosts = {\n"
	"  atena = { address = \"10.10.2.10\"; mac = \"52:54:00:10:02:0a\"; };\n"
	"  mnops = { address = \"10.10.9.5\"; mac = \"52:54:00:10:09:05\"; };\n"
	"  chukan = { address = \"10.20.5.10\"; mac = \"52:54:00:20:05:0a\"; };\n"
	"  pcs = { address = [\"10.20.16.0/24\", \"10.20.17.0/24\"]; };\n"
	"  fs = { address = \"10.20.6.20\"; };\n"
	"  vb = { address = \"172.16.20.10\"; }; san = { address = \"172.16.30.10\"; };\n"
	"};\n"
	"services = { https = \"tcp/443\"; rdp = [\"tcp/3389\", \"udp/3389\"]; smb = \"tcp/445\"; };\n"
	"flows = (\n";

static char **written;
static size_t n_written;

static void remove_written(void)
{
	for (size_t i = 0; i < n_written; i++) {
		unlink(written[i]);
		free(written[i]);
	}
	free(written);
}

char *cfgfile_write(const char *text)
{
	char *path = strdup("/tmp/bunri-test-XXXXXX.cfg");
	char **grown;
	int fd;

	if (!path)
		abort();
	fd = mkstemps(path, 4);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) < 0)
		abort();
	if (n_written == 0)
		atexit(remove_written);
	grown = realloc(written, (n_written + 1) * sizeof(*written));
	if (!grown)
		abort();
	written = grown;
	written[n_written++] = strdup(path);
	return path;
}

char *test_policy_text(const char *const *flows)
{
	size_t len = strlen(POLICY_HEAD) + 4;
	char *s;

	for (size_t i = 0; flows[i]; i++)
		len += strlen(flows[i]) + 3;
	s = malloc(len);
	if (!s)
		abort();
	strcpy(s, POLICY_HEAD);
	for (size_t i = 0; flows[i]; i++) {
		strcat(s, flows[i]);
		strcat(s, flows[i + 1] ? ",\n" : "\n");
	}
	strcat(s, ");\n");
	return s;
}

int64_t test_now(void)
{
	int64_t t = 0;

	if (timefmt_parse("2026-11-22 12:00", false, &t) < 0)
		abort();
	return t;
}

struct diag *test_build(const char *appliance, const char *policy, int64_t now, int *ret,
			struct cpolicy **cp)
{
	char *ap = cfgfile_write(appliance), *pp = cfgfile_write(policy);
	struct diag *d = diag_new();

	if (!d)
		abort();
	*ret = policy_build(ap, pp, now, d, cp);
	free(ap);
	free(pp);
	return d;
}

struct cpolicy *test_compile_flows(const char *const *flows)
{
	char *text = test_policy_text(flows);
	struct cpolicy *cp = NULL;
	int ret;
	struct diag *d = test_build(TEST_APPLIANCE, text, test_now(), &ret, &cp);

	if (ret != 0)
		diag_dump(d);
	diag_free(d);
	free(text);
	return cp;
}

bool diag_has(const struct diag *d, enum diag_level level, const char *code, unsigned line,
	      const char *flow, int rail)
{
	for (size_t i = 0; i < diag_count(d); i++) {
		const struct diag_entry *e = diag_get(d, i);

		if (e->level != level || !e->code || strcmp(e->code, code) != 0)
			continue;
		if (line && e->line != line)
			continue;
		if (flow && (!e->flow || strcmp(e->flow, flow) != 0))
			continue;
		if (rail && e->rail != rail)
			continue;
		return true;
	}
	diag_dump(d);
	return false;
}

void diag_dump(const struct diag *d)
{
	fprintf(stderr, "--- %zu diagnostics:\n", diag_count(d));
	diag_print(d, stderr);
}
