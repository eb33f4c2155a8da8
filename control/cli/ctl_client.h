/* bunrictl's side of the control protocol: finds the sockets from appliance.cfg,
 * connects with messages an operator understands (daemon not running, permission
 * denied), sends one request and assembles its reply. */
#ifndef BUNRI_CTL_CLIENT_H
#define BUNRI_CTL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* How long bunrictl waits for a daemon to accept, take a request and start answering
 * (a stopped or hung daemon is named after this long, exit 2). */
#define CTL_ANSWER_MS 1500
/* A reload's verdict, once the controller has taken it: longer than the controller
 * gives the dataplane to install a policy. */
#define CTL_RELOAD_WORK_MS 35000

struct ctl_target {
	const char *config;         /* appliance.cfg */
	const char *socket;         /* --socket: overrides the one from appliance.cfg */
	char path[4096];
	const char *daemon;         /* "bunri-dataplane" or "bunri-controld" */
	int work_ms;                /* after the first answer, the wait for each next piece
				     * (0: CTL_ANSWER_MS) */
};

/* Fills t->path: the dataplane's socket (controld: false) or the controller's. 0, or
 * 2 after printing why (appliance.cfg unreadable). */
int ctl_target_resolve(struct ctl_target *t, bool controld);

/* Sends type with payload and waits for the reply, CTL_ANSWER_MS at most for each step
 * (connect, send, the first answer). 0 and a malloc'd NUL-terminated
 * *text (CTL_OK), 1 and the error text (CTL_ERROR, printed by the caller), or 2 after
 * printing what went wrong with the socket. */
int ctl_request(const struct ctl_target *t, uint16_t type, const void *payload, size_t len,
		char **text);
/* ctl_request for a JSON reply: 0 and *out, else 1 or 2 with the problem printed. */
int ctl_query(const struct ctl_target *t, uint16_t type, const void *payload, size_t len,
	      json_t **out);

#endif
