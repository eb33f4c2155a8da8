#include "job.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "sandbox.h"
#include "sanitize.h"
#include "slog.h"

#define LOG(...) slog_write("job", __VA_ARGS__)

/* Exit codes of the child besides 0. */
#define CHILD_IO_ERROR 2
#define CHILD_NO_MEMORY 3

struct child_arg {
	const struct san_config *cfg;
	const char *name;
	int in_fd;
	int out_fd;
};

const char *job_verdict_name(enum job_verdict v)
{
	return v == JOB_CLEAN ? "clean" : v == JOB_SANITIZED ? "sanitized" : "blocked";
}

int job_sha256_fd(int fd, char hex[65], long long *size)
{
	unsigned char md[EVP_MAX_MD_SIZE], chunk[65536];
	unsigned int mdlen = 0, i;
	long long total = 0;
	EVP_MD_CTX *c;
	int rc = 0;

	c = EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		rc = -EIO;
		goto err_ctx;
	}
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof(chunk), total);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto err_ctx;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(c, chunk, (size_t)n) != 1) {
			rc = -EIO;
			goto err_ctx;
		}
		total += n;
	}
	if (EVP_DigestFinal_ex(c, md, &mdlen) != 1) {
		rc = -EIO;
		goto err_ctx;
	}
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (size)
		*size = total;
err_ctx:
	EVP_MD_CTX_free(c);
	return rc;
}

static int child_prepare(void *arg)
{
	(void)arg;
	return sanitize_prepare();
}

static int read_all(int fd, long long max, struct buf *b)
{
	unsigned char chunk[65536];
	int rc;

	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof(chunk), (off_t)b->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if ((long long)(b->len + (size_t)n) > max)
			return -EFBIG;
		rc = buf_append(b, chunk, (size_t)n);
		if (rc < 0)
			return rc;
	}
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Inside the sandbox: sanitize, write the output, then one JSON message. */
static int child_work(void *varg, int msg_fd)
{
	struct child_arg *a = varg;
	struct buf in = { 0 }, out = { 0 };
	struct san_result res;
	struct san_ctx ctx;
	const char *verdict;
	json_t *msg;
	char *text;
	int rc;

	memset(&res, 0, sizeof(res));
	rc = san_ctx_init(&ctx, a->cfg);
	if (rc < 0)
		return CHILD_NO_MEMORY;
	rc = read_all(a->in_fd, a->cfg->max_input_bytes, &in);
	if (rc == -EFBIG) {
		san_block(&ctx, "larger than max_input_mb");
		rc = SAN_BLOCKED;
	} else if (rc < 0) {
		return rc == -ENOMEM ? CHILD_NO_MEMORY : CHILD_IO_ERROR;
	} else {
		rc = sanitize_buffer(&ctx, a->name, in.data, in.len, &out, &res);
	}
	if (rc == SAN_OK && ctx.reason[0])
		rc = SAN_BLOCKED; /* a module recorded a problem but still produced output */
	if (rc == SAN_OK && write_all(a->out_fd, out.data, out.len) < 0)
		rc = san_block(&ctx, "cannot write the output");
	verdict = rc != SAN_OK ? "blocked" : json_array_size(ctx.removed) ? "sanitized" : "clean";
	msg = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s}", "verdict", verdict, "type", res.mime,
			"format", sanitize_format_name(res.format), "out_ext", res.out_ext,
			"removed", ctx.removed, "reason", ctx.reason);
	if (!msg)
		return CHILD_NO_MEMORY;
	text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return CHILD_NO_MEMORY;
	if (write_all(msg_fd, (unsigned char *)text, strlen(text)) < 0)
		return CHILD_IO_ERROR;
	return 0;
}

static double elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static const char *base_name(const char *name)
{
	const char *s = strrchr(name, '/');

	return s ? s + 1 : name;
}

int job_run(const struct san_config *cfg, int in_fd, const char *name, int out_fd,
	    enum job_verdict *verdict, json_t **report)
{
	struct sandbox_limits lim = { cfg->sandbox_cpu_seconds, cfg->sandbox_timeout_seconds,
				      cfg->sandbox_memory, cfg->sandbox_file_size,
				      cfg->sandbox_open_files };
	struct child_arg arg = { cfg, base_name(name), in_fd, out_fd };
	struct sandbox_job sj = { child_prepare, child_work, &arg, { in_fd, out_fd, -1, -1 } };
	struct sandbox_result sr;
	char sha_in[65] = "", sha_out[65] = "";
	json_t *msg = NULL, *r;
	const char *v = "blocked", *reason = "";
	struct timespec t0;
	long long size = 0, out_size = 0;
	static int prepared;
	struct stat st;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* loaded once here and inherited by every child, which then needs no open() */
	if (!prepared && sanitize_prepare() == 0)
		prepared = 1;
	/* a FIFO or device would never end */
	if (fstat(in_fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	rc = job_sha256_fd(in_fd, sha_in, &size);
	if (rc < 0)
		return rc;
	r = json_pack("{s:s, s:I, s:s}", "input", base_name(name), "size", (json_int_t)size,
		      "sha256_in", sha_in);
	if (!r)
		return -ENOMEM;
	rc = sandbox_run(&lim, &sj, &sr);
	if (rc < 0) {
		reason = "sandbox: cannot start the child";
	} else if (sr.status == SANDBOX_EXIT && sr.code == CHILD_NO_MEMORY) {
		reason = "sandbox: out of memory (sandbox.memory_mb)";
	} else if (sr.status != SANDBOX_DONE) {
		reason = sr.reason;
	} else {
		msg = sr.msg ? json_loads(sr.msg, 0, NULL) : NULL;
		if (!msg || !json_is_string(json_object_get(msg, "verdict")))
			reason = "sandbox: the child's report is unreadable";
		else
			v = json_string_value(json_object_get(msg, "verdict"));
	}
	if (msg) {
		json_object_set(r, "type", json_object_get(msg, "type"));
		json_object_set(r, "format", json_object_get(msg, "format"));
		json_object_set(r, "removed", json_object_get(msg, "removed"));
		if (strcmp(v, "blocked") == 0)
			reason = json_string_value(json_object_get(msg, "reason"));
	}
	if (strcmp(v, "clean") == 0 || strcmp(v, "sanitized") == 0) {
		rc = job_sha256_fd(out_fd, sha_out, &out_size);
		if (rc < 0) {
			v = "blocked";
			reason = "cannot hash the output";
		}
	} else {
		v = "blocked";
	}
	*verdict = strcmp(v, "clean") == 0 ? JOB_CLEAN :
		   strcmp(v, "sanitized") == 0 ? JOB_SANITIZED : JOB_BLOCKED;
	json_object_set_new(r, "verdict", json_string(v));
	if (*verdict == JOB_BLOCKED) {
		json_object_set_new(r, "reason", json_string(reason && reason[0] ? reason : "blocked"));
		json_object_set_new(r, "sha256_out", json_null());
	} else {
		const char *ext = msg ? json_string_value(json_object_get(msg, "out_ext")) : NULL;

		json_object_set_new(r, "sha256_out", json_string(sha_out));
		json_object_set_new(r, "size_out", json_integer(out_size));
		if (ext && ext[0])
			json_object_set_new(r, "output_ext", json_string(ext));
	}
	if (!json_object_get(r, "removed"))
		json_object_set_new(r, "removed", json_array());
	if (!json_object_get(r, "type"))
		json_object_set_new(r, "type", json_null());
	json_object_set_new(r, "elapsed_ms", json_real(elapsed_ms(&t0)));
	LOG("%s: %s", name, v);
	json_decref(msg);
	sandbox_result_free(&sr);
	*report = r;
	return 0;
}
