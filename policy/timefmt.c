#include <ctype.h>
#include <errno.h>
#include <stdio.h>

#include "timefmt.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's method). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static unsigned days_in_month(int y, unsigned m)
{
	static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* Reads exactly n digits. */
static int digits(const char **s, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return -EINVAL;
		v = v * 10 + (unsigned)((*s)[i] - '0');
	}
	*s += n;
	*out = v;
	return 0;
}

int timefmt_parse(const char *s, bool end_of_day, int64_t *out)
{
	unsigned y, m, d, hh = 0, mm = 0;
	bool has_time = false;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &m) || *s++ != '-' ||
	    digits(&s, 2, &d))
		return -EINVAL;
	if (*s == ' ' || *s == 'T') {
		s++;
		if (digits(&s, 2, &hh) || *s++ != ':' || digits(&s, 2, &mm))
			return -EINVAL;
		has_time = true;
	}
	if (*s != '\0')
		return -EINVAL;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month((int)y, m) || hh > 23 ||
	    mm > 59)
		return -EINVAL;
	int64_t t = days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
	if (!has_time && end_of_day)
		t += 86400;
	*out = t - TIMEFMT_JST_OFFSET;
	return 0;
}

char *timefmt_format_jst(int64_t t, char *buf)
{
	int64_t local = t + TIMEFMT_JST_OFFSET;
	int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
	int64_t secs = local - days * 86400;
	unsigned m, d;
	int y;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, TIMEFMT_STRLEN, "%04d-%02u-%02u %02u:%02u JST", y, m, d,
		 (unsigned)(secs / 3600), (unsigned)(secs % 3600 / 60));
	return buf;
}
