/* bunri-replay's input: several pcap files, one per zone port, merged into one stream
 * in timestamp order (ties: the order the files were given, then file order). */
#ifndef BUNRI_PCAPIN_H
#define BUNRI_PCAPIN_H

#include <stddef.h>
#include <stdint.h>

#define PCAPIN_MAX 16

struct pcapin_frame {
	unsigned input;        /* index of the file in the order it was added */
	uint8_t zone;
	uint64_t index;        /* 0-based position in its own file */
	int64_t ts_us;         /* Unix time, microseconds */
	uint32_t caplen;
	uint32_t len;          /* on the wire */
	const uint8_t *data;   /* valid until the next pcapin_next() */
};

struct pcapin;

struct pcapin *pcapin_new(void);
/* Opens path for zone. 0, or -EINVAL with a message in err (unreadable file, not
 * Ethernet, too many files). */
int pcapin_add(struct pcapin *in, uint8_t zone, const char *path, char *err,
	       size_t errlen);
/* 1 and the next frame, 0 at the end of every file, -EIO with a message in err for a
 * file that is damaged part-way. */
int pcapin_next(struct pcapin *in, struct pcapin_frame *f, char *err, size_t errlen);
/* The timestamp of the earliest frame not yet returned, or -1 when none is left. */
int64_t pcapin_peek_ts(struct pcapin *in);
void pcapin_free(struct pcapin *in);

#endif
