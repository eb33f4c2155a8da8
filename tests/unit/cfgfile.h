/* Test helpers: config text written to real temporary files, run through the real
 * loader, and questions about the diagnostics that came back. */
#ifndef BUNRI_TEST_CFGFILE_H
#define BUNRI_TEST_CFGFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"

/* The test appliance: mynumber 10.10.0.0/16, lgwan 10.20.0.0/16, internet 172.16.0.0/16,
 * sanitizer host 172.16.30.10, ports net_ring0..2. */
extern const char *const TEST_APPLIANCE;

/* policy.cfg lines 1-9: hosts atena (10.10.2.10, MAC), mnops (10.10.9.5, MAC),
 * chukan (10.20.5.10, MAC), pcs (10.20.16.0/24 + 10.20.17.0/24), fs (10.20.6.20),
 * vb (172.16.20.10), san (172.16.30.10); services https, rdp, smb. Line 10 opens flows;
 * the i-th flow given to test_policy_text() is on line 11 + i. */
#define TEST_FIRST_FLOW_LINE 11

/* One flow on one line, valid until 2027-03-31, with extra keys appended. */
#define TEST_FLOW(id, from, to, svc, extra)                                               \
	"{ id = \"" id "\"; purpose = \"" id " の目的\"; from = \"" from "\"; to = \"" to   \
	"\"; services = [" svc "]; approved_by = \"決裁\"; valid_until = \"2027-03-31\"; "   \
	extra " }"
/* The line of the i-th flow given to test_policy_text(). */
#define TEST_LINE(i) (TEST_FIRST_FLOW_LINE + (i))

/* Writes text to a new temporary file; returns its malloc'd path (removed at exit). */
char *cfgfile_write(const char *text);

/* The standard header plus one flow per string, NULL-terminated. malloc'd. */
char *test_policy_text(const char *const *flows);

/* "2026-11-22 12:00" JST as Unix seconds. */
int64_t test_now(void);

/* Runs policy_build() on the two texts at `now`; returns the diagnostics and stores the
 * return code in *ret and the compiled policy in *cp (when cp is not NULL). */
struct diag *test_build(const char *appliance, const char *policy, int64_t now, int *ret,
			struct cpolicy **cp);

/* The standard policy with these flows, compiled at test_now(); NULL (diagnostics
 * printed) when it does not build. */
struct cpolicy *test_compile_flows(const char *const *flows);

/* Is there an entry of that level with that code (and line, flow, rail when non-zero /
 * non-NULL)? */
bool diag_has(const struct diag *d, enum diag_level level, const char *code, unsigned line,
	      const char *flow, int rail);

/* Prints every entry to stderr: shown when an assertion fails. */
void diag_dump(const struct diag *d);

#endif
