/* bunri-audit: what auditors and the install step run against the flow log.
 *
 *   bunri-audit keygen --out-dir DIR [--rotate]
 *   bunri-audit verify --log-dir DIR (--pubkey FILE | --pubkey-dir DIR)... [--from TIME]
 *                      [--to TIME] [--checkpoint FILE | --from-syslog FILE]...
 *   bunri-audit export --log-dir DIR [--from TIME] [--to TIME] [--zone Z] [--flow ID]
 *                      [--host IP] [--type flow|deny|chain|gap]
 *                      --format csv|jsonl|ipfix [--excel] [-o FILE]
 *                      [--collector IPV4[:PORT]] [--domain N]
 *
 * TIME is YYYY-MM-DD or YYYY-MM-DD[T ]HH:MM[:SS[.mmm]], optionally followed by Z or
 * +HH:MM / -HH:MM; without an offset it is Japan time (JST, +09:00). keygen --rotate
 * replaces the pair in DIR and keeps the old public key there as flowlog-<id>.pub;
 * verify takes every public key that signed segments (one --pubkey each, or
 * --pubkey-dir: flowlog.pub and every flowlog-<id>.pub of a directory), and checks the
 * log against the signed checkpoints of its head in each --checkpoint file (the
 * controller's checkpoint file, or a syslog file that holds them; --from-syslog is the
 * same).
 * Exit status: 0 fine, 1 verify found problems, 2 bad usage or the log cannot be read. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "audit.h"
#include "flowrec.h"
#include "ipfix.h"
#include "zone.h"
#include "version.h"

#define JST_OFFSET_S (9 * 3600)

static const char usage[] =
	"usage: bunri-audit keygen --out-dir DIR [--rotate]\n"
	"       bunri-audit verify --log-dir DIR (--pubkey FILE | --pubkey-dir DIR)...\n"
	"                          [--from TIME] [--to TIME]\n"
	"                          [--checkpoint FILE | --from-syslog FILE]...\n"
	"       bunri-audit export --log-dir DIR [--from TIME] [--to TIME] [--zone ZONE]\n"
	"                          [--flow ID] [--host IP] [--type flow|deny|chain|gap]\n"
	"                          --format csv|jsonl|ipfix [--excel] [-o FILE]\n"
	"                          [--collector IPV4[:PORT]] [--domain N]\n"
	"TIME: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]] with Z or +HH:MM; JST when none.\n";

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* See TIME above: 0 and Unix ms, or -EINVAL. */
static int parse_time(const char *s, int64_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, se = 0, ms = 0, oh = 9, om = 0;
	int n = 0, sign = 1;
	const char *p;

	if (sscanf(s, "%4u-%2u-%2u%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -EINVAL;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2u:%2u%n", &h, &mi, &n) != 2 || n != 5)
			return -EINVAL;
		p += 1 + n;
		if (*p == ':') {
			if (sscanf(p + 1, "%2u%n", &se, &n) != 1 || n != 2)
				return -EINVAL;
			p += 1 + n;
			if (*p == '.') {
				if (sscanf(p + 1, "%3u%n", &ms, &n) != 1 || n != 3)
					return -EINVAL;
				p += 1 + n;
			}
		}
	}
	if (*p == 'Z') {
		oh = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2u:%2u%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59)
			return -EINVAL;
		p += 1 + n;
	}
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return -EINVAL;
	*out = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) -
		sign * (int64_t)(oh * 3600 + om * 60)) * 1000 + ms;
	return 0;
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_problem(void *ctx, const char *segment, uint64_t seq, const char *kind,
			  const char *detail)
{
	(void)ctx;
	printf("PROBLEM: %s%s%sseq %" PRIu64 ": %s: %s\n", *segment ? "segment " : "", segment,
	       *segment ? ": " : "", seq, kind, detail);
}

static int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {{"out-dir", required_argument, 0, 'd'},
					     {"rotate", no_argument, 0, 'r'}, {0, 0, 0, 0}};
	char old_id[2 * SEAL_KEY_ID_LEN + 1], new_id[2 * SEAL_KEY_ID_LEN + 1];
	const char *dir = NULL;
	bool rotate = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'r')
			rotate = true;
		else
			goto bad;
	}
	if (!dir || optind != argc)
		goto bad;
	if (rotate) {
		rc = seal_key_rotate(dir, old_id, new_id);
		if (rc) {
			fprintf(stderr, "bunri-audit: keygen --rotate in %s: %s\n", dir,
				rc == -EINVAL ? "flowlog.key is not an Ed25519 private key" :
				rc == -EPERM ? "flowlog.key is readable by others (chmod 600)" :
				strerror(-rc));
			return 2;
		}
		printf("rotated %s: key %s retired (its public key stays as %s/flowlog-%s.pub), "
		       "new key %s in %s/%s and %s/%s\n"
		       "restart bunri-controld to sign with the new key; give auditors %s/%s too\n",
		       dir, old_id, dir, old_id, new_id, dir, SEAL_KEY_FILE, dir, SEAL_PUB_FILE,
		       dir, SEAL_PUB_FILE);
		return 0;
	}
	rc = seal_keygen(dir);
	if (rc) {
		fprintf(stderr, "bunri-audit: keygen in %s: %s%s\n", dir, strerror(-rc),
			rc == -EEXIST ? " (a key is already there; it is never overwritten)" : "");
		return 2;
	}
	printf("wrote %s/%s (private, 0600) and %s/%s (give this one to auditors)\n", dir,
	       SEAL_KEY_FILE, dir, SEAL_PUB_FILE);
	return 0;
bad:
	fputs(usage, stderr);
	return 2;
}

/* One --pubkey: the current key or a retired one (flowlog-<id>.pub). */
static int add_pubkey(struct seal_keyring *keys, const char *path)
{
	int rc;

	if (keys->n == SEAL_KEYRING_MAX) {
		fprintf(stderr, "bunri-audit: at most %d --pubkey\n", SEAL_KEYRING_MAX);
		return -E2BIG;
	}
	rc = seal_key_load_public(path, &keys->key[keys->n]);
	if (rc) {
		fprintf(stderr, "bunri-audit: %s: %s\n", path,
			rc == -EINVAL ? "not an Ed25519 public key (PEM)" : strerror(-rc));
		return rc;
	}
	keys->n++;
	return 0;
}

/* --pubkey-dir: DIR/flowlog.pub (when there) and every retired DIR/flowlog-<id>.pub. */
static int add_pubkey_dir(struct seal_keyring *keys, const char *dir)
{
	char path[4096];
	size_t before = keys->n;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, SEAL_PUB_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	if (access(path, F_OK) == 0 && (rc = add_pubkey(keys, path)) != 0)
		return rc;
	rc = seal_keyring_load_retired(dir, keys);
	if (rc) {
		fprintf(stderr, "bunri-audit: public keys in %s: %s\n", dir,
			rc == -E2BIG ? "too many" : rc == -EINVAL ? "a flowlog-<id>.pub is not an "
			"Ed25519 public key" : strerror(-rc));
		return rc;
	}
	if (keys->n == before) {
		fprintf(stderr, "bunri-audit: no flowlog.pub or flowlog-<id>.pub in %s\n", dir);
		return -ENOENT;
	}
	return 0;
}

/* Which key signed how many of the segments checked (with more than one key given). */
static void print_signers(const struct seal_keyring *keys, const struct audit_verify_result *res)
{
	char id[2 * SEAL_KEY_ID_LEN + 1];

	if (keys->n < 2)
		return;
	for (size_t i = 0; i < keys->n; i++) {
		seal_key_id(keys->key[i], id);
		printf("key %s: %" PRIu64 " segment(s)\n", id, res->signed_by[i]);
	}
}

static int time_arg(const char *opt, const char *v, int64_t *out)
{
	if (parse_time(v, out) == 0)
		return 0;
	fprintf(stderr, "bunri-audit: %s %s: not a time; write e.g. 2026-04-01, "
		"2026-04-01T09:30 (JST) or 2026-04-01T00:30:00Z\n", opt, v);
	return -EINVAL;
}

struct bad_checkpoints {
	const char *path;
	uint64_t n;
};

static void print_bad_checkpoint(void *ctx, uint64_t line, int err)
{
	struct bad_checkpoints *b = ctx;

	b->n++;
	printf("PROBLEM: checkpoint %s:%" PRIu64 ": %s: %s\n", b->path, line,
	       err == -EBADMSG ? "edited" : AUDIT_BAD_SIGNATURE,
	       err == -EBADMSG ? "the line is not a well-formed checkpoint" :
	       err == -ENOKEY ? "signed by a key not among the public keys given" :
	       err == -EKEYREJECTED ? "the signature does not match" : strerror(-err));
}

/* Each --checkpoint file into set (after every --pubkey is known): 0, or 2 when one
 * cannot be read; b counts the checkpoints that do not verify. */
static int load_checkpoints(struct checkpoint_set *set, char **paths, int n,
			    const struct seal_keyring *keys, struct bad_checkpoints *b)
{
	for (int i = 0; i < n; i++) {
		int rc;

		b->path = paths[i];
		rc = checkpoint_set_load(set, paths[i], keys, print_bad_checkpoint, b);
		if (rc) {
			fprintf(stderr, "bunri-audit: checkpoints %s: %s\n", paths[i], strerror(-rc));
			return 2;
		}
	}
	return 0;
}

/* What the checkpoints vouched for. */
static void print_checkpoints(const struct checkpoint_set *set,
			      const struct audit_verify_result *res, int files)
{
	const struct checkpoint *newest = checkpoint_set_newest(set);
	char t[25];

	if (!files)
		return;
	if (!newest) {
		printf("note: no checkpoint found in the %d checkpoint file(s): the log's tail is "
		       "not checked\n", files);
		return;
	}
	printf("checkpoints: %zu, %" PRIu64 " held by the log as signed; the newest, signed at "
	       "%s, names seq %" PRIu64 " (the log ends at seq %" PRIu64 ")%s\n", set->n,
	       res->checkpoints_held, flowrec_format_time(newest->time_ms, t), newest->seq,
	       res->last_seq, set->dropped ? "; older ones not kept: their records are in "
	       "sealed segments" : "");
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"log-dir", required_argument, 0, 'l'}, {"pubkey", required_argument, 0, 'k'},
		{"pubkey-dir", required_argument, 0, 'K'},
		{"from", required_argument, 0, 'f'},    {"to", required_argument, 0, 't'},
		{"checkpoint", required_argument, 0, 'c'},
		{"from-syslog", required_argument, 0, 'c'},
		{0, 0, 0, 0},
	};
	struct audit_verify_options o = {.from_ms = INT64_MIN, .to_ms = INT64_MAX,
					 .problem = print_problem};
	struct audit_verify_result res;
	struct seal_keyring keys = {.n = 0};
	struct checkpoint_set set = {0};
	struct bad_checkpoints bad = {0};
	char t1[25], t2[25], *cp_files[16];
	int c, rc, n_cp = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o.log_dir = optarg; break;
		case 'k':
			if (add_pubkey(&keys, optarg)) {
				seal_keyring_free(&keys, 0);
				return 2;
			}
			break;
		case 'K':
			if (add_pubkey_dir(&keys, optarg)) {
				seal_keyring_free(&keys, 0);
				return 2;
			}
			break;
		case 'f': if (time_arg("--from", optarg, &o.from_ms)) return 2; break;
		case 't': if (time_arg("--to", optarg, &o.to_ms)) return 2; break;
		case 'c':
			if (n_cp < 16) {
				cp_files[n_cp++] = optarg;
				break;
			}
			fprintf(stderr, "bunri-audit: at most 16 --checkpoint files\n");
			seal_keyring_free(&keys, 0);
			return 2;
		default: seal_keyring_free(&keys, 0); fputs(usage, stderr); return 2;
		}
	}
	if (!o.log_dir || keys.n == 0 || optind != argc) {
		seal_keyring_free(&keys, 0);
		fputs(usage, stderr);
		return 2;
	}
	o.keys = &keys;
	if (load_checkpoints(&set, cp_files, n_cp, &keys, &bad)) {
		seal_keyring_free(&keys, 0);
		checkpoint_set_free(&set);
		return 2;
	}
	o.checkpoints = n_cp ? &set : NULL;
	rc = audit_verify(&o, &res);
	if (rc >= 0) {
		print_signers(&keys, &res);
		print_checkpoints(&set, &res, n_cp);
		res.problems += bad.n;
		if (bad.n && rc == 0)
			rc = 1;
	}
	seal_keyring_free(&keys, 0);
	checkpoint_set_free(&set);
	if (rc < 0) {
		fprintf(stderr, "bunri-audit: cannot read the log in %s/%s: %s\n", o.log_dir,
			SEGMENT_SUBDIR, strerror(-rc));
		return 2;
	}
	if (res.records == 0) {
		snprintf(t1, sizeof(t1), "-");
		snprintf(t2, sizeof(t2), "-");
	} else {
		flowrec_format_time(res.first_ms, t1);
		flowrec_format_time(res.last_ms, t2);
	}
	if (rc == 0 && res.start_explained && res.start_seq > 1)
		printf("note: the log starts at seq %" PRIu64 "; the segments before it were removed "
		       "by retention, as a signed retention record says\n", res.start_seq);
	if (res.open_segment[0])
		printf("note: %s is the open segment (not signed yet); its records are checked "
		       "by the chain only\n", res.open_segment);
	if (res.pending)
		printf("note: %" PRIu64 " newer segment(s) wait for the one before them to be "
		       "signed (.pending); the writer names them, and they are not checked yet\n",
		       res.pending);
	if (rc == 0) {
		printf("OK: %" PRIu64 " records, %" PRIu64 " segments, first %s, last %s\n",
		       res.records, res.segments, t1, t2);
		return 0;
	}
	printf("FAILED: %" PRIu64 " problems in %" PRIu64 " records, %" PRIu64
	       " segments, first %s, last %s\n", res.problems, res.records, res.segments, t1, t2);
	return 1;
}

static int parse_collector(char *arg, struct audit_export_options *o)
{
	char *colon = strrchr(arg, ':');
	unsigned long port = IPFIX_DEFAULT_PORT;
	char *end;

	if (colon) {
		*colon = '\0';
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		if (errno || *end || port == 0 || port > 65535)
			return -EINVAL;
	}
	if (!*arg)
		return -EINVAL;
	o->collector = arg;
	o->collector_port = (uint16_t)port;
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"log-dir", required_argument, 0, 'l'}, {"from", required_argument, 0, 'f'},
		{"to", required_argument, 0, 't'},      {"zone", required_argument, 0, 'z'},
		{"flow", required_argument, 0, 'F'},    {"host", required_argument, 0, 'H'},
		{"type", required_argument, 0, 'y'},    {"format", required_argument, 0, 'm'},
		{"excel", no_argument, 0, 'x'},         {"collector", required_argument, 0, 'c'},
		{"domain", required_argument, 0, 'd'},  {0, 0, 0, 0},
	};
	struct audit_export_options o = {.from_ms = INT64_MIN, .to_ms = INT64_MAX, .zone = -1,
					 .out_fd = STDOUT_FILENO, .ipfix_domain = 1};
	struct audit_export_result res;
	const char *format = NULL, *out = NULL;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o.log_dir = optarg; break;
		case 'f': if (time_arg("--from", optarg, &o.from_ms)) return 2; break;
		case 't': if (time_arg("--to", optarg, &o.to_ms)) return 2; break;
		case 'z':
			o.zone = zone_from_name(optarg);
			if (o.zone == ZONE_NONE) {
				fprintf(stderr, "bunri-audit: --zone %s: not a zone; write mynumber, "
					"lgwan or internet\n", optarg);
				return 2;
			}
			break;
		case 'F': o.flow = optarg; break;
		case 'H':
			if (addr_parse_ipv4(optarg, &o.host)) {
				fprintf(stderr, "bunri-audit: --host %s: not an IPv4 address\n", optarg);
				return 2;
			}
			o.has_host = true;
			break;
		case 'y':
			if (strcmp(optarg, "flow") && strcmp(optarg, "deny") &&
			    strcmp(optarg, "chain") && strcmp(optarg, "gap")) {
				fprintf(stderr, "bunri-audit: --type %s: write flow, deny, chain or gap\n",
					optarg);
				return 2;
			}
			o.type = optarg;
			break;
		case 'm': format = optarg; break;
		case 'x': o.excel = true; break;
		case 'o': out = optarg; break;
		case 'c':
			if (parse_collector(optarg, &o)) {
				fprintf(stderr, "bunri-audit: --collector: write IPV4 or IPV4:PORT\n");
				return 2;
			}
			break;
		case 'd': o.ipfix_domain = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (!o.log_dir || !format || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(format, "csv"))
		o.format = AUDIT_CSV;
	else if (!strcmp(format, "jsonl"))
		o.format = AUDIT_JSONL;
	else if (!strcmp(format, "ipfix"))
		o.format = AUDIT_IPFIX;
	else {
		fprintf(stderr, "bunri-audit: --format %s: write csv, jsonl or ipfix\n", format);
		return 2;
	}
	if (o.excel && o.format != AUDIT_CSV) {
		fprintf(stderr, "bunri-audit: --excel goes with --format csv\n");
		return 2;
	}
	if (o.collector && (o.format != AUDIT_IPFIX || out)) {
		fprintf(stderr, "bunri-audit: --collector goes with --format ipfix and no -o\n");
		return 2;
	}
	if (o.format == AUDIT_IPFIX && !out && !o.collector && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "bunri-audit: IPFIX is binary; give -o FILE\n");
		return 2;
	}
	if (out) {
		o.out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (o.out_fd < 0) {
			fprintf(stderr, "bunri-audit: %s: %s\n", out, strerror(errno));
			return 2;
		}
	}
	o.now_ms = wall_ms();
	rc = audit_export(&o, &res);
	if (out && close(o.out_fd) && !rc)
		rc = -errno;
	if (rc == -EINVAL && o.collector) {
		fprintf(stderr, "bunri-audit: export: collector %s is not an IPv4 address "
			"(names are not looked up)\n", o.collector);
		return 2;
	}
	if (rc) {
		fprintf(stderr, "bunri-audit: export from %s: %s\n", o.log_dir, strerror(-rc));
		return 2;
	}
	fprintf(stderr, "bunri-audit: exported %" PRIu64 " of %" PRIu64 " records%s\n",
		res.exported, res.scanned, res.skipped ? " (some lines were not records; run verify)" : "");
	return 0;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "export"))
		return cmd_export(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "bunri-audit: unknown command %s\n%s", argv[1], usage);
	return 2;
}

int main(int argc, char **argv)
{
	int rc;

	if (version_asked(argc, argv))
		return printf("bunri-audit %s\n", version_string()) < 0;
	rc = dispatch(argc, argv);
	/* A report or an export that did not reach its file is no result. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "bunri-audit: cannot write the output: %s\n", strerror(errno));
		return 2;
	}
	return rc;
}
