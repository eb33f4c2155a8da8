#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "ctlproto.h"
#include "ctlreply.h"

void ctlreply_clear(struct ctlreply *r)
{
	free(r->buf);
	*r = (struct ctlreply){ 0 };
}

void ctlreply_start(struct ctlreply *r, uint16_t type, uint32_t seq, void *buf, size_t len)
{
	ctlreply_clear(r);
	r->buf = buf;
	r->len = len;
	r->seq = seq;
	r->type = type;
}

int ctlreply_flush(struct ctlreply *r, int fd)
{
	while (ctlreply_pending(r)) {
		size_t left = r->len - r->off;
		bool last = left <= CTLPROTO_PAYLOAD_MAX;
		int ret = ctlproto_send(fd, last ? r->type : CTL_PART, r->seq,
					r->buf != NULL ? r->buf + r->off : NULL,
					last ? left : CTLPROTO_PAYLOAD_MAX, MSG_DONTWAIT);

		if (ret == -EAGAIN)
			return 0;
		if (ret != 0) {
			ctlreply_clear(r);
			return ret;
		}
		if (last)
			ctlreply_clear(r);
		else
			r->off += CTLPROTO_PAYLOAD_MAX;
	}
	return 0;
}
