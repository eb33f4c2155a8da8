#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "anchor.h"

#define DEFAULT_SYSLOG_PORT 514

struct anchor {
	struct anchor_options o;
	char hostname[256];
	char app[49];                   /* RFC 5424: APP-NAME is at most 48 characters */
	long pid;
	int fd;                         /* the checkpoint file, -1 when none */
	int unix_fd;                    /* the local syslog socket, -1 when none */
	struct sockaddr_un unix_addr;
	int udp_fd;                     /* to the syslog collector, -1 when none */
	struct sockaddr_in udp_addr;
	bool has_last;
	struct checkpoint last;         /* the file's newest when opened */
	struct anchor_stats st;
};

/* The newest verified checkpoint already in the file. Lines that do not verify are
 * not believed (anyone who could append them could not sign them). */
static int read_last(struct anchor *a)
{
	int rc = checkpoint_newest(a->o.file, a->o.ring, &a->last);

	if (rc == -ENOENT)
		return 0;
	a->has_last = rc == 0;
	return rc;
}

/* O_APPEND, and the inode's append-only flag: once set, not even its owner can rewrite
 * or truncate the file (clearing it takes CAP_LINUX_IMMUTABLE). */
static int open_file(struct anchor *a)
{
	int flags = 0;

	a->fd = open(a->o.file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (a->fd < 0)
		return -errno;
	if (ioctl(a->fd, FS_IOC_GETFLAGS, &flags) == 0) {
		if (!(flags & FS_APPEND_FL)) {
			flags |= FS_APPEND_FL;
			(void)ioctl(a->fd, FS_IOC_SETFLAGS, &flags);
			flags = 0;
			(void)ioctl(a->fd, FS_IOC_GETFLAGS, &flags);
		}
		a->st.append_only = (flags & FS_APPEND_FL) != 0;
	}
	return 0;
}

static int open_syslog(struct anchor *a)
{
	if (a->o.syslog_socket) {
		if (strlen(a->o.syslog_socket) >= sizeof(a->unix_addr.sun_path))
			return -ENAMETOOLONG;
		a->unix_addr.sun_family = AF_UNIX;
		strcpy(a->unix_addr.sun_path, a->o.syslog_socket);
		a->unix_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (a->unix_fd < 0)
			return -errno;
	}
	if (a->o.syslog_host) {
		a->udp_addr.sin_family = AF_INET;
		a->udp_addr.sin_port = htons(a->o.syslog_port ? a->o.syslog_port
							      : DEFAULT_SYSLOG_PORT);
		if (inet_pton(AF_INET, a->o.syslog_host, &a->udp_addr.sin_addr) != 1)
			return -EINVAL;
		a->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (a->udp_fd < 0)
			return -errno;
	}
	return 0;
}

int anchor_open(struct anchor **out, const struct anchor_options *o)
{
	struct anchor *a;
	int rc;

	if (!o->key || !seal_key_can_sign(o->key) || !o->ring)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->o = *o;
	a->fd = a->unix_fd = a->udp_fd = -1;
	a->pid = (long)getpid();
	snprintf(a->hostname, sizeof(a->hostname), "%s", o->hostname ? o->hostname : "-");
	snprintf(a->app, sizeof(a->app), "%s", o->app ? o->app : "bunri");
	/* RFC 5424 header fields are printable US-ASCII without spaces */
	for (char *p = a->hostname; *p; p++)
		if (*p <= ' ' || *p > '~')
			*p = '_';
	if (o->file) {
		rc = read_last(a);
		if (!rc)
			rc = open_file(a);
		if (rc)
			goto err;
	}
	rc = open_syslog(a);
	if (rc)
		goto err;
	*out = a;
	return 0;
err:
	anchor_close(a);
	return rc;
}

const struct checkpoint *anchor_last(const struct anchor *a)
{
	return a->has_last ? &a->last : NULL;
}

int anchor_syslog_format(const char *hostname, const char *app, int64_t time_ms, long pid,
			 const char *line, char *buf, size_t len)
{
	time_t s = (time_t)(time_ms / 1000);
	struct tm tm;
	int n;

	if (!gmtime_r(&s, &tm))
		return -EINVAL;
	/* MSGID "checkpoint", no structured data: the checkpoint is the message itself, so
	 * a receiver that stores only the message (most file formats) keeps all of it */
	n = snprintf(buf, len, "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s %ld checkpoint - %s",
		     ANCHOR_SYSLOG_PRI, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, (int)(time_ms % 1000), hostname, app, pid, line);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

static int append_file(struct anchor *a, const char *line, size_t n)
{
	char buf[CHECKPOINT_LINE_MAX + 1];
	ssize_t w;

	memcpy(buf, line, n);
	buf[n] = '\n';
	/* one write of a whole line: O_APPEND puts it after whatever is there */
	w = write(a->fd, buf, n + 1);
	if (w < 0)
		return -errno;
	if ((size_t)w != n + 1)
		return -EIO;
	return fdatasync(a->fd) ? -errno : 0;
}

static int send_syslog(struct anchor *a, const struct checkpoint *cp, const char *line)
{
	char msg[ANCHOR_SYSLOG_MAX];
	int n, rc = 0;

	n = anchor_syslog_format(a->hostname, a->app, cp->time_ms, a->pid, line, msg, sizeof(msg));
	if (n < 0)
		return n;
	if (a->unix_fd >= 0 && sendto(a->unix_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
				      (struct sockaddr *)&a->unix_addr, sizeof(a->unix_addr)) < 0)
		rc = -errno;
	if (a->udp_fd >= 0 && sendto(a->udp_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL,
				     (struct sockaddr *)&a->udp_addr, sizeof(a->udp_addr)) < 0 &&
	    !rc)
		rc = -errno;
	return rc;
}

int anchor_put(struct anchor *a, const struct checkpoint *cp)
{
	char line[CHECKPOINT_LINE_MAX];
	int n, rc = 0, rc2;

	n = checkpoint_format(cp, a->o.key, line, sizeof(line));
	if (n < 0)
		return n;
	a->st.checkpoints++;
	a->st.last_seq = cp->seq;
	if (a->fd >= 0) {
		rc = append_file(a, line, (size_t)n);
		if (rc)
			a->st.file_errors++;
	}
	if (a->o.forward)
		a->o.forward(a->o.forward_ctx, line, (size_t)n);
	if (a->unix_fd >= 0 || a->udp_fd >= 0) {
		rc2 = send_syslog(a, cp, line);
		if (rc2) {
			a->st.syslog_errors++;
			rc = rc ? rc : rc2;
		}
	}
	return rc;
}

void anchor_get_stats(const struct anchor *a, struct anchor_stats *st)
{
	*st = a->st;
}

void anchor_close(struct anchor *a)
{
	if (!a)
		return;
	if (a->fd >= 0)
		close(a->fd);
	if (a->unix_fd >= 0)
		close(a->unix_fd);
	if (a->udp_fd >= 0)
		close(a->udp_fd);
	free(a);
}
