/* The policy-change audit file: one JSON line per change of the running policy (time,
 * operator, trigger, old and new digest, flows added, removed and changed), appended
 * and fsynced, so auditors can see who changed what when. */
#ifndef BUNRI_POLAUDIT_H
#define BUNRI_POLAUDIT_H

#include <stdint.h>
#include <stdio.h>

#include "cpolicy.h"

struct polaudit_diff {
	unsigned n_added, n_removed, n_changed;
	char (*added)[CP_FLOW_ID_MAX];
	char (*removed)[CP_FLOW_ID_MAX];
	char (*changed)[CP_FLOW_ID_MAX];
};

/* Compares two policies by flow id (old may be NULL): a flow is changed when its rules,
 * validity, kind or logging differ. 0 or -ENOMEM. */
int polaudit_diff(const struct cpolicy *old, const struct cpolicy *new,
		  struct polaudit_diff *out);
void polaudit_diff_free(struct polaudit_diff *d);
/* "added: A, B; removed: C; changed: none" */
void polaudit_describe(const struct polaudit_diff *d, FILE *out);

/* Appends the line of an applied change to path (created 0640 when missing), with
 * "result": "applied": 0 or -errno. uid < 0: no operator (a signal or the timer);
 * trigger says what started it. */
int polaudit_append(const char *path, int64_t now_ms, long uid, const char *trigger,
		    const struct cpolicy *old, const struct cpolicy *new,
		    const struct polaudit_diff *d);

/* Appends the line of a change that could not be applied ("result": "not applied",
 * the reason, and what it would have added, removed and changed): running stays in
 * force. 0 or -errno. */
int polaudit_append_not_applied(const char *path, int64_t now_ms, long uid,
				const char *trigger, const struct cpolicy *running,
				const struct cpolicy *refused, const struct polaudit_diff *d,
				const char *reason);

#endif
