/* Service literals as policy files write them: "tcp/443", "udp/5000-5010", "icmp/echo". */
#ifndef BUNRI_SERVICE_H
#define BUNRI_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* True when s is a literal rather than a service name (it has a '/' or is a bare
 * protocol name). */
bool service_is_literal(const char *s);

/* Parses a literal. 0, or -EINVAL with a reason in *why. "tcp", "tcp/any" and
 * "tcp/1-65535" parse, so that guard rail 3 can name them (service_unrestricted()). */
int service_parse(const char *s, struct svc_entry *out, const char **why);

/* True for an entry that does not limit the port (or the ICMP type). */
bool service_unrestricted(const struct svc_entry *e);

/* "tcp/443", "udp/5000-5010", "icmp/echo" into buf (24 bytes); returns buf. */
char *service_format(const struct svc_entry *e, char *buf);

const char *service_proto_name(uint8_t proto);

#endif
