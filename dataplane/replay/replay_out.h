/* What bunri-replay writes: verdicts.jsonl, one pcap per zone with the frames that
 * left its port, flows.jsonl (flow and deny records) and counters.json. */
#ifndef BUNRI_REPLAY_OUT_H
#define BUNRI_REPLAY_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "expect.h"
#include "flowname.h"
#include "flowrec.h"
#include "pipeline.h"
#include "tables.h"

struct replay_out {
	const char *dir;
	FILE *verdicts_f;
	FILE *flows_f;
	pcap_t *dead;
	pcap_dumper_t *dump[ZONE_COUNT];
	struct expect_verdict *verdicts;  /* every verdict, for --expect */
	size_t n_verdicts;
	size_t cap_verdicts;
	uint64_t records;
	json_t *flow_totals;              /* flow id -> counters of retired tables */
	uint8_t *frame;                   /* a whole frame, for chained mbufs */
	int error;                        /* first write error, -errno */
};

/* Creates dir if needed and opens every output. 0, or -errno with a message printed. */
int replay_out_open(struct replay_out *o, const char *dir);
/* The sink the pipeline emits records into (appended to flows.jsonl). */
struct flowrec_sink replay_out_sink(struct replay_out *o);
/* Writes every frame waiting in the pipeline's TX buffers to its zone's pcap, stamped
 * now, and frees it. */
void replay_out_drain(struct replay_out *o, struct pipeline *p, int64_t now_ms);
/* Appends one verdict line. 0 or -ENOMEM. */
int replay_out_verdict(struct replay_out *o, uint8_t zone, uint64_t index,
		       const struct pipeline_verdict *v, const struct flowname *names);
/* Adds the rule counters of tables about to be freed to the per-flow totals. */
void replay_out_retire_tables(struct replay_out *o, const struct tables *t,
			      const struct flowname *names);
/* Writes counters.json (with t's counters) and flushes everything. 0 or -errno. */
int replay_out_finish(struct replay_out *o, const struct pipeline *p,
		      const struct tables *t, const struct flowname *names);
void replay_out_close(struct replay_out *o);

#endif
