/* Dates in policy files. Municipal approvals give dates in Japan Standard Time
 * (UTC+09:00, no daylight saving); bunri turns them into Unix seconds. */
#ifndef BUNRI_TIMEFMT_H
#define BUNRI_TIMEFMT_H

#include <stdbool.h>
#include <stdint.h>

#define TIMEFMT_JST_OFFSET (9 * 3600)
#define TIMEFMT_STRLEN 48

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (JST). A plain date is the start of that day, or
 * with end_of_day the end of it (the next day's 00:00), so `valid_until = "2027-03-31"`
 * still allows the whole of 31 March. 0, or -EINVAL for bad syntax or a day that does
 * not exist. */
int timefmt_parse(const char *s, bool end_of_day, int64_t *out);

/* "2027-04-01 00:00 JST" into buf (TIMEFMT_STRLEN bytes); returns buf. */
char *timefmt_format_jst(int64_t t, char *buf);

#endif
