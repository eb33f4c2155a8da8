#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "pcapin.h"

struct source {
	pcap_t *pc;
	const char *path;
	uint8_t zone;
	uint64_t next_index;
	bool has;                   /* hdr/data hold the next frame */
	bool eof;
	struct pcap_pkthdr *hdr;
	const uint8_t *data;
};

struct pcapin {
	unsigned n;
	struct source src[PCAPIN_MAX];
	int error;                  /* a read error seen while peeking */
	char errmsg[PCAP_ERRBUF_SIZE + 256];
};

struct pcapin *pcapin_new(void)
{
	return calloc(1, sizeof(struct pcapin));
}

int pcapin_add(struct pcapin *in, uint8_t zone, const char *path, char *err,
	       size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct source *s;
	pcap_t *pc;

	if (in->n >= PCAPIN_MAX) {
		snprintf(err, errlen, "%s: at most %d input files", path, PCAPIN_MAX);
		return -EINVAL;
	}
	pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (pc == NULL) {
		snprintf(err, errlen, "%s: cannot read as pcap: %s", path, ebuf);
		return -EINVAL;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(pcap_datalink(pc));

		if (name != NULL)
			snprintf(err, errlen, "%s: link type %s (%d), only Ethernet (EN10MB) is "
				 "supported", path, name, pcap_datalink(pc));
		else
			snprintf(err, errlen, "%s: link type %d (unknown), only Ethernet "
				 "(EN10MB) is supported", path, pcap_datalink(pc));
		pcap_close(pc);
		return -EINVAL;
	}
	s = &in->src[in->n++];
	*s = (struct source){ .pc = pc, .path = path, .zone = zone };
	return 0;
}

/* Makes sure s holds its next frame if it has one. */
static int fill(struct pcapin *in, struct source *s)
{
	int r;

	if (s->has || s->eof)
		return 0;
	r = pcap_next_ex(s->pc, &s->hdr, &s->data);
	if (r == 1) {
		s->has = true;
		return 0;
	}
	s->eof = true;
	if (r == PCAP_ERROR_BREAK)
		return 0;
	snprintf(in->errmsg, sizeof(in->errmsg), "%s: frame %llu: %s", s->path,
		 (unsigned long long)s->next_index, pcap_geterr(s->pc));
	in->error = -EIO;
	return -EIO;
}

static int64_t ts_of(const struct source *s)
{
	return (int64_t)s->hdr->ts.tv_sec * 1000000 + s->hdr->ts.tv_usec;
}

static struct source *earliest(struct pcapin *in)
{
	struct source *best = NULL;

	for (unsigned i = 0; i < in->n; i++) {
		struct source *s = &in->src[i];

		if (fill(in, s) != 0 || !s->has)
			continue;
		/* Strictly earlier only: on a tie the file given first wins. */
		if (best == NULL || ts_of(s) < ts_of(best))
			best = s;
	}
	return best;
}

int64_t pcapin_peek_ts(struct pcapin *in)
{
	struct source *s = earliest(in);

	return s == NULL ? -1 : ts_of(s);
}

int pcapin_next(struct pcapin *in, struct pcapin_frame *f, char *err, size_t errlen)
{
	struct source *s = earliest(in);

	if (in->error != 0) {
		snprintf(err, errlen, "%s", in->errmsg);
		return in->error;
	}
	if (s == NULL)
		return 0;
	f->input = (unsigned)(s - in->src);
	f->zone = s->zone;
	f->index = s->next_index++;
	f->ts_us = ts_of(s);
	f->caplen = s->hdr->caplen;
	f->len = s->hdr->len;
	f->data = s->data;
	s->has = false;
	return 1;
}

void pcapin_free(struct pcapin *in)
{
	if (in == NULL)
		return;
	for (unsigned i = 0; i < in->n; i++)
		pcap_close(in->src[i].pc);
	free(in);
}
