/* policy.cfg: hosts, services and flows as operations staff write them. This file turns
 * the text into the model and reports what cannot be read; check.c and rails.c judge
 * the meaning. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgread.h"
#include "model.h"
#include "policy.h"
#include "service.h"
#include "timefmt.h"

struct loader {
	struct policy *p;
	const struct appliance *a;
	const char *file;
	struct diag *d;
	bool nomem;
};

#define ERR(ld, s, flow, code, ...) \
	diag_add((ld)->d, DIAG_ERROR, (ld)->file, cfgread_line(s), flow, 0, code, __VA_ARGS__)

static const char *const top_keys[] = { "hosts", "services", "flows", NULL };
static const char *const flow_keys[] = { "id",	      "purpose",     "from",	    "to",
					 "services",  "kind",	     "approved_by", "valid_from",
					 "valid_until", "log",	     "max_connections", NULL };

static void parse_host(struct loader *ld, const config_setting_t *s, struct host *h)
{
	static const char *const keys[] = { "address", "mac", "description", NULL };
	const config_setting_t *c;
	char what[96];
	unsigned n;

	h->name = strdup(config_setting_name(s));
	h->line = cfgread_line(s);
	snprintf(what, sizeof(what), "host \"%s\"", h->name ? h->name : "?");
	if (!config_setting_is_group(s)) {
		ERR(ld, s, NULL, "type", "%s must be a group { address = ...; }", what);
		return;
	}
	cfgread_unknown_keys(s, keys, ld->file, NULL, what, ld->d);
	c = config_setting_get_member(s, "address");
	if (!c) {
		ERR(ld, s, NULL, "missing", "%s has no address", what);
		return;
	}
	n = cfgread_string_count(c, ld->file, NULL, what, ld->d);
	h->addrs = calloc(n ? n : 1, sizeof(*h->addrs));
	if (!h->addrs || !h->name) {
		ld->nomem = true;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *v = cfgread_string_at(c, i);
		int r = strcmp(v, "any") == 0 ? 0 : addr_parse_cidr(v, &h->addrs[h->n_addrs]);

		if (r == 0 && strcmp(v, "any") == 0)
			h->addrs[h->n_addrs] = (struct cidr){ 0, 0 };
		if (r == -EDOM)
			ERR(ld, c, NULL, "bad-cidr",
			    "%s: address \"%s\" has host bits set; write the network address or a "
			    "single host without /len",
			    what, v);
		else if (r < 0)
			ERR(ld, c, NULL, "bad-cidr",
			    "%s: address \"%s\" is not an IPv4 address or prefix like "
			    "\"10.20.5.10\" or \"10.10.3.0/28\"",
			    what, v);
		else
			h->n_addrs++;
	}
	if ((c = config_setting_get_member(s, "mac"))) {
		const char *v = cfgread_string(c, ld->file, NULL, "mac", ld->d);

		if (v && addr_parse_mac(v, h->mac) < 0)
			ERR(ld, c, NULL, "bad-mac",
			    "%s: mac \"%s\" must be a unicast MAC like \"52:54:00:12:34:56\"", what, v);
		else if (v)
			h->has_mac = true;
	}
}

static void parse_hosts(struct loader *ld, const config_setting_t *hosts)
{
	int n;

	if (!hosts)
		return;
	if (!config_setting_is_group(hosts)) {
		ERR(ld, hosts, NULL, "type", "hosts must be a group { name = { address = ...; }; }");
		return;
	}
	n = config_setting_length(hosts);
	ld->p->hosts = calloc(n ? (size_t)n : 1, sizeof(struct host));
	if (!ld->p->hosts) {
		ld->nomem = true;
		return;
	}
	for (int i = 0; i < n; i++)
		parse_host(ld, config_setting_get_elem(hosts, (unsigned)i),
			   &ld->p->hosts[ld->p->n_hosts++]);
}

static void parse_service(struct loader *ld, const config_setting_t *s, struct service *sv)
{
	char what[96];
	unsigned n;

	sv->name = strdup(config_setting_name(s));
	sv->line = cfgread_line(s);
	snprintf(what, sizeof(what), "service \"%s\"", sv->name ? sv->name : "?");
	n = cfgread_string_count(s, ld->file, NULL, what, ld->d);
	sv->v = calloc(n ? n : 1, sizeof(*sv->v));
	if (!sv->v || !sv->name) {
		ld->nomem = true;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *lit = cfgread_string_at(s, i), *why;

		if (service_parse(lit, &sv->v[sv->n], &why) < 0)
			ERR(ld, s, NULL, "bad-service", "%s: \"%s\": %s", what, lit, why);
		else
			sv->n++;
	}
}

static void parse_services(struct loader *ld, const config_setting_t *services)
{
	int n;

	if (!services)
		return;
	if (!config_setting_is_group(services)) {
		ERR(ld, services, NULL, "type", "services must be a group { https = \"tcp/443\"; }");
		return;
	}
	n = config_setting_length(services);
	ld->p->services = calloc(n ? (size_t)n : 1, sizeof(struct service));
	if (!ld->p->services) {
		ld->nomem = true;
		return;
	}
	for (int i = 0; i < n; i++)
		parse_service(ld, config_setting_get_elem(services, (unsigned)i),
			      &ld->p->services[ld->p->n_services++]);
}

static struct host *find_host(struct policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_hosts; i++)
		if (p->hosts[i].name && strcmp(p->hosts[i].name, name) == 0)
			return &p->hosts[i];
	return NULL;
}

static struct service *find_service(struct policy *p, const char *name)
{
	for (unsigned i = 0; i < p->n_services; i++)
		if (p->services[i].name && strcmp(p->services[i].name, name) == 0)
			return &p->services[i];
	return NULL;
}

static char *dup(struct loader *ld, const char *s)
{
	char *r = strdup(s);

	if (!r)
		ld->nomem = true;
	return r;
}

/* "zone:host" or "zone:CIDR" or "zone:any". False after reporting. */
static bool parse_endpoint(struct loader *ld, const config_setting_t *s, const char *flow,
			   const char *key, struct endpoint *e)
{
	const char *v = cfgread_string(s, ld->file, flow, key, ld->d);
	const char *colon, *rest;
	char zn[16];
	int r;

	if (!v)
		return false;
	e->text = dup(ld, v);
	colon = strchr(v, ':');
	if (!colon || (size_t)(colon - v) >= sizeof(zn)) {
		ERR(ld, s, flow, "bad-endpoint",
		    "%s = \"%s\": write \"zone:host\" or \"zone:CIDR\", e.g. \"lgwan:chukan-server\"",
		    key, v);
		return false;
	}
	memcpy(zn, v, (size_t)(colon - v));
	zn[colon - v] = '\0';
	rest = colon + 1;
	e->zone = zone_from_name(zn);
	if (e->zone == ZONE_NONE) {
		ERR(ld, s, flow, "unknown-zone",
		    "%s: unknown zone \"%s\"; the zones are mynumber, lgwan and internet", key, zn);
		return false;
	}
	if (!ld->a->zones[e->zone].enabled) {
		ERR(ld, s, flow, "unknown-zone", "%s: zone %s is not configured in appliance.cfg",
		    key, zn);
		return false;
	}
	if (strcmp(rest, "any") == 0 || strcmp(rest, "0.0.0.0/0") == 0) {
		e->any = true;
		e->literal = (struct cidr){ 0, 0 };
		e->parsed = true;
		return true;
	}
	if (isdigit((unsigned char)rest[0])) {
		r = addr_parse_cidr(rest, &e->literal);
		if (r == -EDOM)
			ERR(ld, s, flow, "bad-cidr",
			    "%s: \"%s\" has host bits set; write the network address", key, rest);
		else if (r < 0)
			ERR(ld, s, flow, "bad-cidr", "%s: \"%s\" is not an IPv4 address or prefix",
			    key, rest);
		e->parsed = r == 0;
		return r == 0;
	}
	e->host = find_host(ld->p, rest);
	if (!e->host) {
		ERR(ld, s, flow, "unknown-host",
		    "%s: unknown host \"%s\"; define it under hosts or write a CIDR", key, rest);
		return false;
	}
	((struct host *)e->host)->used = true;
	for (unsigned i = 0; i < e->host->n_addrs; i++)
		if (e->host->addrs[i].len == 0)
			e->any = true;
	e->parsed = true;
	return true;
}

static bool parse_flow_services(struct loader *ld, const config_setting_t *s, const char *id,
				struct flow *f)
{
	unsigned n = cfgread_string_count(s, ld->file, id, "services", ld->d);
	unsigned total = 0;
	bool ok = n > 0;

	/* Count first: a named service may stand for several protocol/port entries. */
	for (unsigned i = 0; i < n; i++) {
		const char *v = cfgread_string_at(s, i);
		struct service *sv = service_is_literal(v) ? NULL : find_service(ld->p, v);

		total += sv ? sv->n : 1;
	}
	f->svcs = calloc(total ? total : 1, sizeof(*f->svcs));
	if (!f->svcs) {
		ld->nomem = true;
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		const char *v = cfgread_string_at(s, i), *why;

		if (service_is_literal(v)) {
			if (service_parse(v, &f->svcs[f->n_svcs], &why) < 0) {
				ERR(ld, s, id, "bad-service", "services: \"%s\": %s", v, why);
				ok = false;
				continue;
			}
			f->port_unrestricted |= service_unrestricted(&f->svcs[f->n_svcs]);
			f->n_svcs++;
			continue;
		}
		struct service *sv = find_service(ld->p, v);
		if (!sv) {
			ERR(ld, s, id, "unknown-service",
			    "services: unknown service \"%s\"; define it under services or write "
			    "a literal like \"tcp/443\"",
			    v);
			ok = false;
			continue;
		}
		sv->used = true;
		for (unsigned j = 0; j < sv->n; j++) {
			f->port_unrestricted |= service_unrestricted(&sv->v[j]);
			f->svcs[f->n_svcs++] = sv->v[j];
		}
	}
	return ok;
}

static bool valid_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= CP_FLOW_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("-_.", id[i]))
			return false;
	return true;
}

/* A required non-empty string member; NULL after reporting. */
static const char *required(struct loader *ld, const config_setting_t *fs, const char *flow,
			    const char *key, const char *hint)
{
	const config_setting_t *c = config_setting_get_member(fs, key);
	const char *v;

	if (!c) {
		ERR(ld, fs, flow, "missing", "no %s; %s", key, hint);
		return NULL;
	}
	v = cfgread_string(c, ld->file, flow, key, ld->d);
	if (v && !v[0]) {
		ERR(ld, c, flow, "missing", "%s is empty; %s", key, hint);
		return NULL;
	}
	return v;
}

static bool parse_date(struct loader *ld, const config_setting_t *fs, const char *flow,
		       const char *key, bool end_of_day, int64_t *out, unsigned *line)
{
	const config_setting_t *c = config_setting_get_member(fs, key);
	const char *v;

	if (!c)
		return false;
	*line = cfgread_line(c);
	v = cfgread_string(c, ld->file, flow, key, ld->d);
	if (!v)
		return false;
	if (timefmt_parse(v, end_of_day, out) < 0) {
		ERR(ld, c, flow, "bad-date",
		    "%s = \"%s\" is not a date; write \"YYYY-MM-DD\" (JST), e.g. \"2027-03-31\"",
		    key, v);
		return false;
	}
	return true;
}

static void parse_flow(struct loader *ld, const config_setting_t *fs, unsigned index,
		       struct flow *f)
{
	const config_setting_t *c;
	const char *v, *id;
	char fallback[32];
	bool ok = true;
	unsigned line;

	f->line = cfgread_line(fs);
	f->log = true;
	if (!config_setting_is_group(fs)) {
		ERR(ld, fs, NULL, "type", "flow #%u must be a group { id = ...; ... }", index + 1);
		f->broken = true;
		return;
	}
	/* A flow without a usable id is named by its position: "#3" is the third. */
	snprintf(fallback, sizeof(fallback), "#%u", index + 1);
	id = required(ld, fs, fallback, "id", "give every flow a unique id, e.g. \"MN-LG-001\"");
	if (id && !valid_id(id)) {
		ERR(ld, config_setting_get_member(fs, "id"), fallback, "bad-id",
		    "flow id \"%s\" must be 1-%d letters, digits, '-', '_' or '.'", id,
		    CP_FLOW_ID_MAX - 1);
		id = NULL;
	}
	f->id = dup(ld, id ? id : fallback);
	if (!f->id) {
		f->broken = true;
		return;
	}
	ok = id != NULL;
	f->id_line = cfgread_line(config_setting_get_member(fs, "id"));
	cfgread_unknown_keys(fs, flow_keys, ld->file, f->id, "a flow", ld->d);
	if ((v = required(ld, fs, f->id, "purpose", "say what the communication is for")))
		f->purpose = dup(ld, v);
	else
		ok = false;
	if ((v = required(ld, fs, f->id, "approved_by",
			  "name the approval, e.g. \"情報政策課長 決裁第123号\"")))
		f->approved_by = dup(ld, v);
	else
		ok = false;
	if ((c = config_setting_get_member(fs, "from"))) {
		f->from_line = cfgread_line(c);
		ok &= parse_endpoint(ld, c, f->id, "from", &f->from);
	} else {
		ERR(ld, fs, f->id, "missing", "no from; write from = \"zone:host\"");
		ok = false;
	}
	if ((c = config_setting_get_member(fs, "to"))) {
		f->to_line = cfgread_line(c);
		ok &= parse_endpoint(ld, c, f->id, "to", &f->to);
	} else {
		ERR(ld, fs, f->id, "missing", "no to; write to = \"zone:host\"");
		ok = false;
	}
	if ((c = config_setting_get_member(fs, "services"))) {
		f->services_line = cfgread_line(c);
		ok &= parse_flow_services(ld, c, f->id, f);
	} else {
		ERR(ld, fs, f->id, "missing", "no services; the port is what makes it specific");
		ok = false;
	}
	f->kind = FLOW_SPECIFIC;
	f->kind_line = f->line;
	if ((c = config_setting_get_member(fs, "kind"))) {
		f->kind_line = cfgread_line(c);
		v = cfgread_string(c, ld->file, f->id, "kind", ld->d);
		if (v && strcmp(v, "sanitized") == 0)
			f->kind = FLOW_SANITIZED;
		else if (!v || strcmp(v, "specific") != 0) {
			/* Between lgwan and internet this is guard rail 2 itself. */
			bool rail = (f->from.zone == ZONE_LGWAN && f->to.zone == ZONE_INTERNET) ||
				    (f->from.zone == ZONE_INTERNET && f->to.zone == ZONE_LGWAN);

			if (v)
				diag_add(ld->d, DIAG_ERROR, ld->file, cfgread_line(c), f->id,
					 rail ? 2 : 0, rail ? "rail-2" : "bad-kind",
					 "%skind \"%s\" is not a kind; write \"specific\" or "
					 "\"sanitized\"",
					 rail ? "guard rail 2: " : "", v);
			ok = false;
		}
	}
	if ((c = config_setting_get_member(fs, "log"))) {
		if (config_setting_type(c) != CONFIG_TYPE_BOOL) {
			ERR(ld, c, f->id, "type", "log must be true or false");
			ok = false;
		}
		f->log = config_setting_get_bool(c);
	}
	if ((c = config_setting_get_member(fs, "max_connections"))) {
		int v = config_setting_get_int(c);

		/* A ceiling above the largest table would limit nothing. */
		if (config_setting_type(c) != CONFIG_TYPE_INT || v < 1 || v > (1 << 26)) {
			ERR(ld, c, f->id, "bad-limit",
			    "max_connections must be a number of connections from 1 to 67108864");
			ok = false;
		} else {
			f->max_connections = (uint32_t)v;
		}
	}
	if (config_setting_get_member(fs, "valid_from") &&
	    !parse_date(ld, fs, f->id, "valid_from", false, &f->valid_from, &line))
		ok = false;
	if (!config_setting_get_member(fs, "valid_until")) {
		ERR(ld, fs, f->id, "missing",
		    "no valid_until; every approval ends, write e.g. valid_until = \"2027-03-31\"");
		ok = false;
	} else if (!parse_date(ld, fs, f->id, "valid_until", true, &f->valid_until,
			       &f->until_line)) {
		ok = false;
	} else if (f->valid_from && f->valid_until <= f->valid_from) {
		ERR(ld, config_setting_get_member(fs, "valid_until"), f->id, "bad-date",
		    "valid_until is not after valid_from");
		ok = false;
	}
	f->broken = !ok;
}

static int by_id_then_position(const void *a, const void *b)
{
	const struct flow *x = *(const struct flow *const *)a, *y = *(const struct flow *const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : (x > y) - (x < y);
}

/* Sorting finds duplicates in n log n: a city's policy may hold thousands of flows. */
static void find_duplicate_ids(struct loader *ld)
{
	unsigned n = ld->p->n_flows;
	struct flow **v = malloc((n ? n : 1) * sizeof(*v));

	if (!v) {
		ld->nomem = true;
		return;
	}
	for (unsigned i = 0; i < n; i++)
		v[i] = &ld->p->flows[i];
	qsort(v, n, sizeof(*v), by_id_then_position);
	for (unsigned i = 1, first = 0; i < n; i++) {
		if (strcmp(v[i]->id, v[first]->id) != 0) {
			first = i;
			continue;
		}
		if (v[i]->id[0] == '#') /* no id of its own: already reported */
			continue;
		diag_add(ld->d, DIAG_ERROR, ld->file, v[i]->id_line, v[i]->id, 0, "duplicate-id",
			 "duplicate flow id; the first is at line %u", v[first]->line);
		v[i]->broken = true;
	}
	free(v);
}

static void parse_flows(struct loader *ld, const config_setting_t *flows)
{
	int n;

	if (!flows)
		return;
	if (config_setting_type(flows) != CONFIG_TYPE_LIST) {
		ERR(ld, flows, NULL, "type", "flows must be a list: flows = ( { ... }, { ... } );");
		return;
	}
	n = config_setting_length(flows);
	ld->p->flows = calloc(n ? (size_t)n : 1, sizeof(struct flow));
	if (!ld->p->flows) {
		ld->nomem = true;
		return;
	}
	for (int i = 0; i < n; i++) {
		parse_flow(ld, config_setting_get_elem(flows, (unsigned)i), (unsigned)i,
			   &ld->p->flows[i]);
		ld->p->n_flows++;
	}
	find_duplicate_ids(ld);
}

int policy_load(const char *path, const struct appliance *a, struct diag *d,
		struct policy **out)
{
	size_t errors_before = diag_errors(d);
	struct loader ld = { .a = a, .file = path, .d = d };
	const config_setting_t *root;
	config_t cfg;
	int ret;

	*out = NULL;
	ld.p = calloc(1, sizeof(*ld.p));
	if (!ld.p)
		return -ENOMEM;
	ld.p->path = strdup(path);
	if (!ld.p->path) {
		ret = -ENOMEM;
		goto err_free;
	}
	config_init(&cfg);
	ret = cfgread_load(path, &cfg, ld.p->digest, d);
	if (ret < 0)
		goto err_config;
	root = config_root_setting(&cfg);
	cfgread_unknown_keys(root, top_keys, ld.file, NULL, "policy.cfg", d);
	parse_hosts(&ld, config_setting_get_member(root, "hosts"));
	parse_services(&ld, config_setting_get_member(root, "services"));
	parse_flows(&ld, config_setting_get_member(root, "flows"));
	/* A file cut short or saved half-written often still parses; allowing nothing is
	 * a decision the file states, never what a missing list means. */
	if (!config_setting_get_member(root, "flows"))
		diag_add(d, DIAG_ERROR, path, 0, NULL, 0, "no-flows",
			 "policy.cfg has no flows list: is it cut short or half-written? To "
			 "allow nothing on purpose, write flows = ( );");
	config_destroy(&cfg);
	if (ld.nomem || diag_failed(d)) {
		ret = -ENOMEM;
		goto err_free;
	}
	/* The checks still run on a policy with errors, so one run reports everything. */
	*out = ld.p;
	return diag_errors(d) > errors_before ? -EINVAL : 0;

err_config:
	config_destroy(&cfg);
err_free:
	policy_free(ld.p);
	return ret;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (unsigned i = 0; i < p->n_hosts; i++) {
		free(p->hosts[i].name);
		free(p->hosts[i].addrs);
	}
	for (unsigned i = 0; i < p->n_services; i++) {
		free(p->services[i].name);
		free(p->services[i].v);
	}
	for (unsigned i = 0; i < p->n_flows; i++) {
		struct flow *f = &p->flows[i];

		free(f->id);
		free(f->purpose);
		free(f->approved_by);
		free(f->from.text);
		free(f->to.text);
		free(f->svcs);
	}
	free(p->hosts);
	free(p->services);
	free(p->flows);
	free(p->path);
	free(p);
}
