/* bunri-audit export: selects records from the segments in seq order and writes them
 * as CSV, JSON Lines (the log's own lines, so their hashes stay checkable) or IPFIX.
 * One line in memory at a time; segments whose seal puts them outside the time range
 * are not opened. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "audit.h"
#include "flowrec.h"
#include "ipfix.h"
#include "record.h"

#define JST_OFFSET_MS (9 * 3600 * 1000LL)
#define EXPORT_UDP_RATE 4000   /* IPFIX messages per second to a collector */

static const char *const csv_columns[] = {
	"seq", "type", "start", "end", "from_zone", "to_zone", "src", "sport", "dst", "dport",
	"proto", "src_mac", "flow", "packets_out", "packets_in", "bytes_out", "bytes_in",
	"tcp_flags", "end_reason", "reason", "count", "prev", "hash",
	"scope", "srcs", "dsts", "dports", /* deny records only; empty for the others */
};
#define N_COLUMNS (sizeof(csv_columns) / sizeof(csv_columns[0]))

struct exporter {
	const struct audit_export_options *o;
	struct audit_export_result *res;
	FILE *out;                          /* CSV and JSONL */
	struct ipfix_exporter *ipfix;
	struct record rec;                  /* the line being exported */
};

int audit_csv_field(const char *s, bool excel, char *out, size_t len)
{
	bool quote = strpbrk(s, ",\"\r\n") != NULL;
	bool formula = excel && strchr("=+-@\t\r", s[0]) && s[0];
	size_t o = 0;

	if (formula)
		quote = true;
	if (quote)
		out[o++] = '"';
	if (formula)
		out[o++] = '\'';
	for (; *s; s++) {
		if (o + 4 >= len)
			return -ENOSPC;
		if (*s == '"')
			out[o++] = '"';
		out[o++] = *s;
	}
	if (quote)
		out[o++] = '"';
	out[o] = '\0';
	return (int)o;
}

/* "2026-04-01T00:00:00.123Z" as "2026-04-01 09:00:00.123" (JST) */
static void to_jst(const char *utc, char *buf, size_t len)
{
	int64_t ms;
	time_t secs;
	struct tm tm;

	if (segment_parse_time(utc, strlen(utc), &ms)) {
		snprintf(buf, len, "%s", utc);
		return;
	}
	ms += JST_OFFSET_MS;
	secs = (time_t)(ms / 1000);
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "%s", utc);
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%03u", (tm.tm_year + 1900) % 10000,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ms % 1000) % 1000u);
}

/* v as decimal at out; returns the length. */
static size_t put_int(char *out, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[o++] = '-';
	while (n)
		out[o++] = tmp[--n];
	return o;
}

/* One CSV row, built in memory and written with one call: a field per column, in
 * column order, then CRLF. */
static int write_csv(struct exporter *x, const struct record *rec)
{
	char line[2 * SEGMENT_LINE_MAX + 4 * N_COLUMNS + 8], jst[80];
	size_t o = 0;
	int n;

	for (size_t i = 0; i < N_COLUMNS; i++) {
		/* the writer puts the fields in column order: look there first */
		const struct record_field *v = i < rec->n && !strcmp(rec->f[i].key, csv_columns[i])
						       ? &rec->f[i] : record_get(rec, csv_columns[i]);
		const char *text = "";

		if (sizeof(line) - o < 32)
			return -ENOSPC;
		if (v && v->kind == RECORD_INT && v->num >= 0) {
			/* a number never needs quoting, nor (not negative) a formula guard */
			o += put_int(line + o, v->num);
		} else {
			char num[24];

			if (v && v->kind == RECORD_STRING) {
				text = v->str;
				if (x->o->excel && (i == 2 || i == 3)) {
					to_jst(text, jst, sizeof(jst));
					text = jst;
				}
			} else if (v && v->kind == RECORD_INT) {
				num[put_int(num, v->num)] = '\0';
				text = num;
			}
			n = audit_csv_field(text, x->o->excel, line + o, sizeof(line) - o - 2);
			if (n < 0)
				return -ENOSPC;
			o += (size_t)n;
		}
		if (i + 1 < N_COLUMNS)
			line[o++] = ',';
	}
	line[o++] = '\r';
	line[o++] = '\n';
	return fwrite(line, 1, o, x->out) == o ? 0 : -EIO;
}

#define str record_str
#define num record_uint

/* The record back into the form the dataplane emitted it in. */
static int to_flowrec(const struct record *rec, const struct segment_line *l, struct flowrec *r)
{
	const char *type = str(rec, "type"), *end = str(rec, "end_reason");
	enum zone z;

	memset(r, 0, sizeof(*r));
	if (!strcmp(type, "flow"))
		r->type = FLOWREC_FLOW;
	else if (!strcmp(type, "deny"))
		r->type = FLOWREC_DENY;
	else
		return -EINVAL;
	r->start_ms = l->start_ms;
	r->end_ms = l->end_ms;
	z = zone_from_name(str(rec, "from_zone"));
	r->from_zone = (uint8_t)z;
	z = zone_from_name(str(rec, "to_zone"));
	r->to_zone = (uint8_t)z;
	r->proto = (uint8_t)num(rec, "proto");
	r->tcp_flags = (uint8_t)num(rec, "tcp_flags");
	if (addr_parse_ipv4(str(rec, "src"), &r->src) || addr_parse_ipv4(str(rec, "dst"), &r->dst))
		return -EINVAL;
	r->sport = (uint16_t)num(rec, "sport");
	r->dport = (uint16_t)num(rec, "dport");
	if (addr_parse_mac(str(rec, "src_mac"), r->src_mac))
		memset(r->src_mac, 0, sizeof(r->src_mac));
	snprintf(r->flow, sizeof(r->flow), "%s", str(rec, "flow"));
	r->packets_out = num(rec, "packets_out");
	r->packets_in = num(rec, "packets_in");
	r->bytes_out = num(rec, "bytes_out");
	r->bytes_in = num(rec, "bytes_in");
	for (int e = 0; e < FLOWREC_END_COUNT; e++)
		if (*end && !strcmp(end, flowrec_end_name((enum flowrec_end)e)))
			r->end_reason = (enum flowrec_end)e;
	snprintf(r->reason, sizeof(r->reason), "%s", str(rec, "reason"));
	r->count = num(rec, "count");
	for (int s = 1; r->type == FLOWREC_DENY && s < FLOWREC_SCOPE_COUNT; s++)
		if (!strcmp(str(rec, "scope"), flowrec_scope_name((enum flowrec_scope)s)))
			r->scope = (enum flowrec_scope)s;
	r->srcs = (uint32_t)num(rec, "srcs");
	r->dsts = (uint32_t)num(rec, "dsts");
	r->dports = (uint32_t)num(rec, "dports");
	return 0;
}

static bool selected(struct exporter *x, const struct record *rec)
{
	const struct audit_export_options *o = x->o;
	uint32_t a;

	if (o->zone >= 0) {
		const char *z = zone_name((enum zone)o->zone);
		if (strcmp(str(rec, "from_zone"), z) && strcmp(str(rec, "to_zone"), z))
			return false;
	}
	if (o->flow && strcmp(str(rec, "flow"), o->flow))
		return false;
	if (o->has_host) {
		bool src = addr_parse_ipv4(str(rec, "src"), &a) == 0 && a == o->host;
		bool dst = addr_parse_ipv4(str(rec, "dst"), &a) == 0 && a == o->host;
		if (!src && !dst)
			return false;
	}
	return true;
}

static int export_line(struct exporter *x, const struct segment_line *l)
{
	const struct audit_export_options *o = x->o;
	bool need_fields = o->format != AUDIT_JSONL || o->zone >= 0 || o->flow || o->has_host;
	struct flowrec r;
	int rc = 0;

	if (l->end_ms < o->from_ms || (l->start_ms != INT64_MIN ? l->start_ms : l->end_ms) >= o->to_ms)
		return 0;
	if (o->type && strcmp(l->type, o->type))
		return 0;
	if (need_fields) {
		if (record_parse(l->text, l->len, &x->rec)) {
			x->res->skipped++;
			return 0;
		}
		if (!selected(x, &x->rec))
			return 0;
	}
	switch (o->format) {
	case AUDIT_JSONL:
		if (fwrite(l->text, 1, l->len, x->out) != l->len || fputc('\n', x->out) == EOF)
			rc = -EIO;
		break;
	case AUDIT_CSV:
		rc = write_csv(x, &x->rec);
		break;
	case AUDIT_IPFIX:
		/* chain and gap records are the log's own, not flows */
		if (to_flowrec(&x->rec, l, &r))
			return 0;
		rc = ipfix_add(x->ipfix, &r, o->now_ms);
		break;
	}
	if (!rc)
		x->res->exported++;
	return rc;
}

static int export_segment(struct exporter *x, const char *path)
{
	struct segment_reader *sr;
	struct segment_line l;
	int rc;

	rc = segment_reader_open(path, &sr);
	if (rc)
		return rc;
	segment_reader_skip_hash(sr);
	while ((rc = segment_reader_next(sr, &l)) > 0) {
		x->res->scanned++;
		if (!l.complete || !l.well_formed || l.end_ms == INT64_MIN) {
			x->res->skipped++;
			continue;
		}
		rc = export_line(x, &l);
		if (rc)
			break;
	}
	segment_reader_close(sr);
	return rc;
}

static int write_header(struct exporter *x)
{
	if (x->o->excel && fputs("\xef\xbb\xbf", x->out) == EOF)
		return -EIO;
	for (size_t i = 0; i < N_COLUMNS; i++) {
		const char *name = csv_columns[i];
		if (x->o->excel && i == 2)
			name = "start_jst";
		if (x->o->excel && i == 3)
			name = "end_jst";
		if (fputs(name, x->out) == EOF || fputs(i + 1 < N_COLUMNS ? "," : "\r\n", x->out) == EOF)
			return -EIO;
	}
	return 0;
}

int audit_export(const struct audit_export_options *o, struct audit_export_result *res)
{
	char dir[4096], path[4096 + SEGMENT_NAME_MAX + 2];
	struct segment_file *segs;
	struct ipfix_stats ist;
	struct exporter *x;
	size_t n;
	int rc, fd;

	memset(res, 0, sizeof(*res));
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", o->log_dir, SEGMENT_SUBDIR) >= sizeof(dir))
		return -ENAMETOOLONG;
	rc = segment_list(dir, &segs, &n);
	if (rc)
		return rc;
	x = calloc(1, sizeof(*x));      /* holds a record's buffer: not for the stack */
	if (!x) {
		rc = -ENOMEM;
		goto err_list;
	}
	x->o = o;
	x->res = res;
	if (o->format == AUDIT_IPFIX) {
		rc = o->collector ? ipfix_open_udp(&x->ipfix, o->collector, o->collector_port,
						   o->ipfix_domain)
				  : ipfix_open_fd(&x->ipfix, o->out_fd, o->ipfix_domain);
		if (rc)
			goto err_alloc;
		/* a bulk export must not overrun the collector: about 50,000 records/s */
		if (o->collector)
			ipfix_set_rate(x->ipfix, EXPORT_UDP_RATE);
	} else {
		fd = dup(o->out_fd);
		x->out = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!x->out) {
			rc = -errno;
			if (fd >= 0)
				close(fd);
			goto err_alloc;
		}
		setvbuf(x->out, NULL, _IOFBF, 1 << 20);
		if (o->format == AUDIT_CSV) {
			rc = write_header(x);
			if (rc)
				goto err_out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct seal s;
		/* a record is selected by start < to and end >= from; flows may last long,
		 * so only the end times a seal gives can rule a segment out */
		if (segs[i].has_seal && seal_read(dir, segs[i].name, NULL, &s) == 0 &&
		    s.records && s.last_time < o->from_ms)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, segs[i].name);
		rc = export_segment(x, path);
		if (rc == -ENOENT)
			rc = 0;     /* removed by retention while we ran */
		if (rc)
			goto err_out;
	}
err_out:
	if (x->ipfix) {
		int rc2 = ipfix_flush(x->ipfix, o->now_ms);
		ipfix_get_stats(x->ipfix, &ist);
		res->bytes = ist.bytes;
		ipfix_close(x->ipfix, o->now_ms);
		rc = rc ? rc : rc2;
	}
	if (x->out) {
		off_t pos;
		if (fflush(x->out) == EOF && !rc)
			rc = -errno;
		pos = ftello(x->out);
		res->bytes = pos > 0 ? (uint64_t)pos : 0;
		if (fclose(x->out) && !rc)
			rc = -errno;
	}
err_alloc:
	free(x);
err_list:
	free(segs);
	return rc;
}
