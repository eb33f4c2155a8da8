#include "worker.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "job.h"
#include "slog.h"

#define LOG(...) slog_write("worker", __VA_ARGS__)

#define TMP_SUFFIX ".bunri-tmp"
#define INTENT_SUFFIX ".intent"

static int mkdir_p(const char *path)
{
	char tmp[SAN_PATH_MAX];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int worker_setup(const struct san_config *cfg)
{
	const char *dirs[] = { cfg->inbox, cfg->outbox, cfg->work, cfg->processed, cfg->quarantine };
	char logdir[SAN_PATH_MAX], *slash;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		rc = mkdir_p(dirs[i]);
		if (rc < 0)
			return rc;
	}
	snprintf(logdir, sizeof(logdir), "%s", cfg->audit_log);
	slash = strrchr(logdir, '/');
	if (slash && slash != logdir) {
		*slash = '\0';
		return mkdir_p(logdir);
	}
	return 0;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) != 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int path(char *out, const char *dir, const char *pre, const char *name, const char *suf)
{
	int n = snprintf(out, PATH_MAX, "%s/%s%s%s", dir, pre, name, suf);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* Writes text to path via a temporary name and a rename. */
static int write_atomic(const char *p, const char *text)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text), off = 0;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s" TMP_SUFFIX, p) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, p) != 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* Output name: the claimed name with the extension the sanitizer chose (.docm ->
 * .docx, archives -> .zip). */
static void output_name(const char *name, const char *ext, char *out, size_t outlen)
{
	char *dot;

	snprintf(out, outlen, "%s", name);
	if (!ext || !ext[0])
		return;
	dot = strrchr(out, '.');
	if (dot && dot != out)
		*dot = '\0';
	snprintf(out + strlen(out), outlen - strlen(out), "%s", ext);
}

/* 1 if the audit log already holds a line with this id (a crash came between the
 * append and the final move). */
static int audited(const char *log, const char *id)
{
	char line[8192], needle[600];
	FILE *f = fopen(log, "r");
	int found = 0;

	if (!f)
		return 0;
	snprintf(needle, sizeof(needle), "\"id\":\"%s\"", id);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static int audit_append(const struct san_config *cfg, json_t *intent)
{
	const char *id = json_string_value(json_object_get(intent, "id"));
	json_t *rep = json_object_get(intent, "report");
	json_t *line;
	char *text;
	int fd, rc = 0;

	if (audited(cfg->audit_log, id))
		return 0;
	line = json_pack("{s:s, s:I, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?}", "id", id, "time",
			 (json_int_t)time(NULL), "input", json_object_get(rep, "input"), "sha256_in",
			 json_object_get(rep, "sha256_in"), "sha256_out",
			 json_object_get(rep, "sha256_out"), "verdict", json_object_get(rep, "verdict"),
			 "output", json_object_get(intent, "output"), "type", json_object_get(rep, "type"));
	if (!line)
		return -ENOMEM;
	if (json_object_get(rep, "reason"))
		json_object_set(line, "reason", json_object_get(rep, "reason"));
	/* compact, so audited() finds "id":"..." */
	text = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (!text)
		return -ENOMEM;
	fd = open(cfg->audit_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	flock(fd, LOCK_EX);
	{
		size_t len = strlen(text);
		char *withnl = malloc(len + 2);

		if (!withnl) {
			rc = -ENOMEM;
		} else {
			memcpy(withnl, text, len);
			withnl[len] = '\n';
			if (write(fd, withnl, len + 1) != (ssize_t)(len + 1))
				rc = -EIO;
			else if (fsync(fd) != 0)
				rc = -errno;
			free(withnl);
		}
	}
	close(fd);
out:
	free(text);
	return rc;
}

/* Renames the temporary output to the intent's output name without replacing another
 * file's output (a.docm and a.docx both become a.docx): a taken name becomes
 * a~2.docx, recorded in the intent before the rename so recovery repeats the same step. */
static int commit(const struct san_config *cfg, const char *wdir, const char *name, json_t *intent,
		  const char *tmp)
{
	const char *outname = json_string_value(json_object_get(intent, "output"));
	char fin[PATH_MAX], alt[NAME_MAX + 16], ip[PATH_MAX], base[NAME_MAX + 1];
	const char *dot;
	char *text;
	int n, rc;

	snprintf(base, sizeof(base), "%s", outname);
	dot = strrchr(base, '.');
	for (n = 2; n < 100000; n++) {
		if (path(fin, cfg->outbox, "", outname, "") < 0)
			return -ENAMETOOLONG;
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, fin, RENAME_NOREPLACE) == 0)
			return sync_dir(cfg->outbox);
		if (errno != EEXIST)
			return -errno;
		if (dot && dot != base)
			snprintf(alt, sizeof(alt), "%.*s~%d%s", (int)(dot - base), base, n, dot);
		else
			snprintf(alt, sizeof(alt), "%s~%d", base, n);
		json_object_set_new(intent, "output", json_string(alt));
		outname = json_string_value(json_object_get(intent, "output"));
		text = json_dumps(intent, JSON_COMPACT);
		if (!text)
			return -ENOMEM;
		rc = path(ip, wdir, "", name, INTENT_SUFFIX);
		if (rc == 0)
			rc = write_atomic(ip, text);
		free(text);
		if (rc < 0)
			return rc;
	}
	return -EEXIST;
}

/* After the decision is durable: commit the output if it is still a temporary file,
 * write the audit line and the report, move the original. Safe to repeat. */
static int finish(const struct san_config *cfg, const char *wdir, const char *name, json_t *intent)
{
	const char *verdict = json_string_value(json_object_get(json_object_get(intent, "report"), "verdict"));
	const char *outname = json_string_value(json_object_get(intent, "output"));
	int blocked = !verdict || strcmp(verdict, "blocked") == 0;
	const char *dest = blocked ? cfg->quarantine : cfg->processed;
	char tmp[PATH_MAX], fin[PATH_MAX], src[PATH_MAX], rep[PATH_MAX], ip[PATH_MAX];
	char *text;
	int rc;

	if (!blocked && outname) {
		if (path(tmp, cfg->outbox, ".", name, TMP_SUFFIX) < 0)
			return -ENAMETOOLONG;
		/* the temporary file is gone once the commit rename happened; the reader
		 * may have taken the output since, and it must not come back */
		if (exists(tmp)) {
			rc = commit(cfg, wdir, name, intent, tmp);
			if (rc < 0)
				return rc;
			outname = json_string_value(json_object_get(intent, "output"));
		}
	}
	rc = audit_append(cfg, intent);
	if (rc < 0)
		return rc;
	if (path(rep, dest, "", name, ".json") < 0 || path(src, wdir, "", name, "") < 0 ||
	    path(fin, dest, "", name, "") < 0 || path(ip, wdir, "", name, INTENT_SUFFIX) < 0)
		return -ENAMETOOLONG;
	text = json_dumps(json_object_get(intent, "report"), JSON_INDENT(2));
	if (!text)
		return -ENOMEM;
	rc = write_atomic(rep, text);
	free(text);
	if (rc < 0)
		return rc;
	if (exists(src) && rename(src, fin) != 0)
		return -errno;
	rc = sync_dir(dest);
	if (rc == 0 && unlink(ip) != 0 && errno != ENOENT)
		rc = -errno;
	if (rc == 0)
		rc = sync_dir(wdir);
	LOG("%s: %s%s%s", name, verdict ? verdict : "blocked", outname ? " -> " : "",
	    outname ? outname : "");
	return rc;
}

/* Sanitizes work/<w>/name and records the decision; then finish(). */
static int process(const struct san_config *cfg, const char *wdir, const char *name)
{
	char src[PATH_MAX], tmp[PATH_MAX], ip[PATH_MAX], outname[NAME_MAX + 16], id[NAME_MAX + 80];
	enum job_verdict verdict;
	json_t *report = NULL, *intent;
	const char *ext;
	char *text;
	int in_fd, out_fd, rc;

	if (path(src, wdir, "", name, "") < 0 || path(tmp, cfg->outbox, ".", name, TMP_SUFFIX) < 0 ||
	    path(ip, wdir, "", name, INTENT_SUFFIX) < 0)
		return -ENAMETOOLONG;
	in_fd = open(src, O_RDONLY | O_CLOEXEC);
	if (in_fd < 0)
		return -errno;
	out_fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out_fd < 0) {
		rc = -errno;
		goto err_in;
	}
	rc = job_run(cfg, in_fd, name, out_fd, &verdict, &report);
	if (rc < 0)
		goto err_out;
	if (verdict != JOB_BLOCKED && fsync(out_fd) != 0) {
		rc = -errno;
		goto err_report;
	}
	if (verdict == JOB_BLOCKED)
		unlink(tmp);
	ext = json_string_value(json_object_get(report, "output_ext"));
	output_name(name, ext, outname, sizeof(outname));
	snprintf(id, sizeof(id), "%s/%s", json_string_value(json_object_get(report, "sha256_in")), name);
	intent = json_pack("{s:s, s:O}", "id", id, "report", report);
	if (!intent) {
		rc = -ENOMEM;
		goto err_report;
	}
	if (verdict != JOB_BLOCKED)
		json_object_set_new(intent, "output", json_string(outname));
	text = json_dumps(intent, JSON_COMPACT);
	rc = text ? write_atomic(ip, text) : -ENOMEM;
	free(text);
	if (rc == 0)
		rc = sync_dir(wdir);
	if (rc == 0)
		rc = finish(cfg, wdir, name, intent);
	json_decref(intent);
err_report:
	json_decref(report);
err_out:
	close(out_fd);
err_in:
	close(in_fd);
	return rc;
}

static int skip_name(const char *n)
{
	size_t l = strlen(n);

	return n[0] == '.' || (l > 5 && strcmp(n + l - 5, ".part") == 0) ||
	       (l > 4 && strcmp(n + l - 4, ".tmp") == 0) ||
	       (l > 8 && strcmp(n + l - 8, ".partial") == 0);
}

static int recover_dir(const struct san_config *cfg, const char *wdir)
{
	struct dirent *de;
	DIR *d = opendir(wdir);
	int handled = 0, rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while (rc >= 0 && (de = readdir(d))) {
		char name[NAME_MAX + 1], ip[PATH_MAX], src[PATH_MAX], tmp[PATH_MAX];
		size_t l = strlen(de->d_name);
		json_t *intent;

		if (de->d_name[0] == '.')
			continue;
		if (l > strlen(TMP_SUFFIX) && strcmp(de->d_name + l - strlen(TMP_SUFFIX), TMP_SUFFIX) == 0) {
			if (path(tmp, wdir, "", de->d_name, "") == 0)
				unlink(tmp);
			continue;
		}
		if (l > strlen(INTENT_SUFFIX) &&
		    strcmp(de->d_name + l - strlen(INTENT_SUFFIX), INTENT_SUFFIX) == 0)
			snprintf(name, sizeof(name), "%.*s", (int)(l - strlen(INTENT_SUFFIX)), de->d_name);
		else
			snprintf(name, sizeof(name), "%s", de->d_name);
		if (path(ip, wdir, "", name, INTENT_SUFFIX) < 0 || path(src, wdir, "", name, "") < 0)
			continue;
		intent = json_load_file(ip, 0, NULL);
		if (intent) {
			LOG("recovering %s from its intent", name);
			rc = finish(cfg, wdir, name, intent);
			json_decref(intent);
		} else if (exists(src)) {
			LOG("redoing %s", name);
			unlink(ip);
			rc = process(cfg, wdir, name);
		} else {
			unlink(ip);
			continue;
		}
		handled++;
	}
	closedir(d);
	return rc < 0 ? rc : handled;
}

int worker_recover(const struct san_config *cfg)
{
	struct dirent *de;
	DIR *d;
	int total = 0, rc = 0;

	/* a temporary output without an intent is a partial write: its file is redone */
	d = opendir(cfg->outbox);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char p[PATH_MAX], name[NAME_MAX + 1], ip[PATH_MAX], wd[PATH_MAX];
		int has_intent = 0, w;

		if (de->d_name[0] != '.' || l <= strlen(TMP_SUFFIX) + 1 ||
		    strcmp(de->d_name + l - strlen(TMP_SUFFIX), TMP_SUFFIX) != 0)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(l - 1 - strlen(TMP_SUFFIX)), de->d_name + 1);
		for (w = 0; w < 64 && !has_intent; w++) {
			snprintf(wd, sizeof(wd), "%s/%d", cfg->work, w);
			if (path(ip, wd, "", name, INTENT_SUFFIX) == 0)
				has_intent = exists(ip);
		}
		if (!has_intent && path(p, cfg->outbox, "", de->d_name, "") == 0)
			unlink(p);
	}
	closedir(d);
	d = opendir(cfg->work);
	if (!d)
		return -errno;
	while (rc >= 0 && (de = readdir(d))) {
		char wd[PATH_MAX];

		if (de->d_name[0] == '.' || path(wd, cfg->work, "", de->d_name, "") < 0)
			continue;
		rc = recover_dir(cfg, wd);
		if (rc > 0)
			total += rc;
	}
	closedir(d);
	return rc < 0 ? rc : total;
}

/* A name not yet used in work/, processed/ or quarantine/: X, else X~2.ext, X~3.ext... */
static int unique_name(const struct san_config *cfg, const char *name, char *out, size_t outlen)
{
	int n;

	for (n = 1; n < 100000; n++) {
		const char *dirs[2] = { cfg->processed, cfg->quarantine };
		char p[PATH_MAX];
		struct dirent *de;
		DIR *d;
		int used = 0, i;

		if (n == 1) {
			snprintf(out, outlen, "%s", name);
		} else {
			const char *dot = strrchr(name, '.');

			if (dot && dot != name)
				snprintf(out, outlen, "%.*s~%d%s", (int)(dot - name), name, n, dot);
			else
				snprintf(out, outlen, "%s~%d", name, n);
		}
		/* work/ before the final folders: a file moving between them is seen once */
		d = opendir(cfg->work);
		while (d && !used && (de = readdir(d))) {
			char wd[PATH_MAX];

			if (de->d_name[0] == '.' || path(wd, cfg->work, "", de->d_name, "") < 0)
				continue;
			used = path(p, wd, "", out, "") == 0 && exists(p);
		}
		if (d)
			closedir(d);
		for (i = 0; i < 2 && !used; i++)
			used = path(p, dirs[i], "", out, "") == 0 && exists(p);
		if (!used)
			return 0;
	}
	return -EEXIST;
}

/* Claims inbox/name into wdir under a unique name. 1 claimed, 0 someone else took it. */
static int claim(const struct san_config *cfg, const char *wdir, const char *name, char *claimed,
		 size_t len)
{
	char src[PATH_MAX], dst[PATH_MAX], lockp[PATH_MAX];
	int lock, rc;

	if (path(lockp, cfg->work, "", ".claim", ".lock") < 0 || path(src, cfg->inbox, "", name, "") < 0)
		return -ENAMETOOLONG;
	lock = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (lock < 0)
		return -errno;
	if (flock(lock, LOCK_EX) != 0) {
		rc = -errno;
		goto out;
	}
	rc = unique_name(cfg, name, claimed, len);
	if (rc < 0)
		goto out;
	if (path(dst, wdir, "", claimed, "") < 0) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dst, RENAME_NOREPLACE) != 0)
		rc = errno == ENOENT ? 0 : -errno;
	else
		rc = sync_dir(wdir) == 0 && sync_dir(cfg->inbox) == 0 ? 1 : -EIO;
out:
	close(lock);
	return rc;
}

/* 1 if some process still has path open for writing: a read lease is refused then.
 * Where leases are not available (not the owner, some network filesystems) only the
 * settle time applies. */
static int open_for_writing(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), busy = 0;

	if (fd < 0)
		return 0;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	else
		busy = errno == EAGAIN;
	close(fd);
	return busy;
}

/* One pass over the inbox. Returns files handled; *waiting counts files still settling. */
static int scan(const struct san_config *cfg, const char *wdir, int *waiting, volatile int *stop)
{
	struct timespec now;
	struct dirent *de;
	DIR *d = opendir(cfg->inbox);
	int handled = 0;

	*waiting = 0;
	if (!d)
		return -errno;
	clock_gettime(CLOCK_REALTIME, &now);
	while (!*stop && (de = readdir(d))) {
		char p[PATH_MAX], claimed[NAME_MAX + 1];
		struct stat st;
		long long age_ms;
		int rc;

		if (skip_name(de->d_name) || path(p, cfg->inbox, "", de->d_name, "") < 0)
			continue;
		if (lstat(p, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		/* a file still being written keeps moving its mtime */
		age_ms = (long long)(now.tv_sec - st.st_mtim.tv_sec) * 1000 +
			 (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000;
		if (age_ms < cfg->settle_ms || open_for_writing(p)) {
			(*waiting)++;
			continue;
		}
		rc = claim(cfg, wdir, de->d_name, claimed, sizeof(claimed));
		if (rc <= 0) {
			if (rc < 0)
				LOG("cannot claim %s: %s", de->d_name, strerror(-rc));
			continue;
		}
		rc = process(cfg, wdir, claimed);
		if (rc < 0)
			LOG("%s: %s (left in %s for recovery)", claimed, strerror(-rc), wdir);
		else
			handled++;
	}
	closedir(d);
	return handled;
}

int worker_run(const struct san_config *cfg, int index, int once, volatile int *stop)
{
	char wdir[PATH_MAX];
	int ino, total = 0, rc;

	if (snprintf(wdir, sizeof(wdir), "%s/%d", cfg->work, index) >= (int)sizeof(wdir))
		return -ENAMETOOLONG;
	rc = mkdir_p(wdir);
	if (rc < 0)
		return rc;
	rc = recover_dir(cfg, wdir);
	if (rc < 0)
		return rc;
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino < 0)
		return -errno;
	if (inotify_add_watch(ino, cfg->inbox, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
		rc = -errno;
		goto out;
	}
	while (!*stop) {
		struct pollfd p = { ino, POLLIN, 0 };
		char events[4096];
		int waiting = 0, n;

		n = scan(cfg, wdir, &waiting, stop);
		if (n < 0) {
			rc = n;
			break;
		}
		total += n;
		if (once && n == 0 && waiting == 0)
			break;
		if (n > 0)
			continue;
		/* wake on a new file, or after a settle period for files still being written */
		if (poll(&p, 1, waiting ? (cfg->settle_ms > 100 ? cfg->settle_ms / 2 : 50) : 1000) > 0)
			while (read(ino, events, sizeof(events)) > 0)
				;
	}
	rc = rc < 0 ? rc : total;
out:
	close(ino);
	return rc;
}
