/* Zones, addresses, CIDR prefixes, MACs, dates and service literals as config files
 * write them. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "runner.h"
#include "service.h"
#include "timefmt.h"
#include "zone.h"

static void zones_by_name(void)
{
	CU_ASSERT_EQUAL(zone_from_name("mynumber"), ZONE_MYNUMBER);
	CU_ASSERT_EQUAL(zone_from_name("lgwan"), ZONE_LGWAN);
	CU_ASSERT_EQUAL(zone_from_name("internet"), ZONE_INTERNET);
	CU_ASSERT_EQUAL(zone_from_name("Internet"), ZONE_NONE);
	CU_ASSERT_EQUAL(zone_from_name(""), ZONE_NONE);
	CU_ASSERT_STRING_EQUAL(zone_name(ZONE_LGWAN), "lgwan");
	CU_ASSERT_STRING_EQUAL(zone_name((enum zone)7), "?");
}

static void ipv4_literals(void)
{
	uint32_t a;

	CU_ASSERT_EQUAL(addr_parse_ipv4("10.20.5.10", &a), 0);
	CU_ASSERT_EQUAL(a, 0x0a14050a);
	CU_ASSERT_EQUAL(addr_parse_ipv4("255.255.255.255", &a), 0);
	CU_ASSERT_EQUAL(a, 0xffffffffu);
	CU_ASSERT_EQUAL(addr_parse_ipv4("0.0.0.0", &a), 0);
	const char *bad[] = { "256.1.1.1", "1.2.3",  "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4",
			      "01.2.3.4",  "1..3.4", "a.b.c.d",   "",	      "1.2.3.-4",
			      "1.2.3.4/", "4294967296" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(addr_parse_ipv4(bad[i], &a), -EINVAL);
}

static void cidr_literals(void)
{
	struct cidr c;
	char buf[ADDR_STRLEN];

	CU_ASSERT_EQUAL(addr_parse_cidr("10.10.3.0/28", &c), 0);
	CU_ASSERT_EQUAL(c.addr, 0x0a0a0300);
	CU_ASSERT_EQUAL(c.len, 28);
	CU_ASSERT_STRING_EQUAL(addr_format_cidr(c, buf), "10.10.3.0/28");
	CU_ASSERT_EQUAL(addr_parse_cidr("10.10.4.7", &c), 0);
	CU_ASSERT_EQUAL(c.len, 32);
	CU_ASSERT_EQUAL(addr_parse_cidr("0.0.0.0/0", &c), 0);
	CU_ASSERT_EQUAL(c.len, 0);
	CU_ASSERT_EQUAL(addr_parse_cidr("10.10.3.1/24", &c), -EDOM);
	CU_ASSERT_EQUAL(addr_parse_cidr("10.10.3.0/33", &c), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_cidr("10.10.3.0/", &c), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_cidr("10.10.3.0/2x", &c), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_cidr("10.10.3.0/0024", &c), -EINVAL);
}

static void cidr_relations(void)
{
	struct cidr net16 = { 0x0a0a0000, 16 }, net24 = { 0x0a0a0300, 24 },
		    other = { 0x0a140000, 16 }, all = { 0, 0 };

	CU_ASSERT_TRUE(cidr_contains(net16, net24));
	CU_ASSERT_FALSE(cidr_contains(net24, net16));
	CU_ASSERT_TRUE(cidr_contains(all, other));
	CU_ASSERT_TRUE(cidr_overlaps(net24, net16));
	CU_ASSERT_FALSE(cidr_overlaps(net16, other));
	CU_ASSERT_TRUE(cidr_contains_addr(net24, 0x0a0a03ff));
	CU_ASSERT_FALSE(cidr_contains_addr(net24, 0x0a0a0400));
	CU_ASSERT_EQUAL(cidr_mask(0), 0);
	CU_ASSERT_EQUAL(cidr_mask(32), 0xffffffffu);
	CU_ASSERT_EQUAL(cidr_mask(20), 0xfffff000u);
}

static void mac_literals(void)
{
	uint8_t m[6];
	char buf[MAC_STRLEN];

	CU_ASSERT_EQUAL(addr_parse_mac("52:54:00:12:34:56", m), 0);
	CU_ASSERT_STRING_EQUAL(addr_format_mac(m, buf), "52:54:00:12:34:56");
	CU_ASSERT_EQUAL(addr_parse_mac("52-54-00-AB-cd-EF", m), 0);
	CU_ASSERT_STRING_EQUAL(addr_format_mac(m, buf), "52:54:00:ab:cd:ef");
	CU_ASSERT_EQUAL(addr_parse_mac("52:54-00:12:34:56", m), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_mac("52:54:00:12:34", m), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_mac("52:54:00:12:34:567", m), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_mac("01:00:5e:00:00:01", m), -EINVAL); /* multicast */
	CU_ASSERT_EQUAL(addr_parse_mac("ff:ff:ff:ff:ff:ff", m), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_mac("00:00:00:00:00:00", m), -EINVAL);
	CU_ASSERT_EQUAL(addr_parse_mac("g2:54:00:12:34:56", m), -EINVAL);
}

static void dates_in_jst(void)
{
	int64_t t;
	char buf[TIMEFMT_STRLEN];

	/* 2027-03-31 00:00 JST is 2027-03-30 15:00 UTC. */
	CU_ASSERT_EQUAL(timefmt_parse("2027-03-31", false, &t), 0);
	CU_ASSERT_EQUAL(t, 1806418800);
	/* valid_until keeps the whole day: it ends at 2027-04-01 00:00 JST. */
	CU_ASSERT_EQUAL(timefmt_parse("2027-03-31", true, &t), 0);
	CU_ASSERT_EQUAL(t, 1806418800 + 86400);
	CU_ASSERT_STRING_EQUAL(timefmt_format_jst(t, buf), "2027-04-01 00:00 JST");
	CU_ASSERT_EQUAL(timefmt_parse("2027-03-31 18:30", true, &t), 0);
	CU_ASSERT_EQUAL(t, 1806418800 + 18 * 3600 + 30 * 60);
	CU_ASSERT_EQUAL(timefmt_parse("2028-02-29", false, &t), 0);
	const char *bad[] = { "2027-02-29", "2027-13-01", "2027-00-10", "2027-4-1",
			      "27-04-01",   "2027-04-01x", "2027-04-01 24:00", "1969-12-31",
			      "2027/04/01", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(timefmt_parse(bad[i], false, &t), -EINVAL);
}

static void service_literals(void)
{
	struct svc_entry e;
	const char *why;
	char buf[24];

	CU_ASSERT_EQUAL(service_parse("tcp/443", &e, &why), 0);
	CU_ASSERT(e.proto == IPPROTO_TCP && e.lo == 443 && e.hi == 443);
	CU_ASSERT_FALSE(service_unrestricted(&e));
	CU_ASSERT_EQUAL(service_parse("udp/5000-5010", &e, &why), 0);
	CU_ASSERT(e.proto == IPPROTO_UDP && e.lo == 5000 && e.hi == 5010);
	CU_ASSERT_STRING_EQUAL(service_format(&e, buf), "udp/5000-5010");
	CU_ASSERT_EQUAL(service_parse("icmp/echo", &e, &why), 0);
	CU_ASSERT(e.proto == IPPROTO_ICMP && e.lo == 8 && e.hi == 8);
	CU_ASSERT_STRING_EQUAL(service_format(&e, buf), "icmp/echo");
	CU_ASSERT_EQUAL(service_parse("tcp/any", &e, &why), 0);
	CU_ASSERT_TRUE(service_unrestricted(&e));
	CU_ASSERT_EQUAL(service_parse("tcp", &e, &why), 0);
	CU_ASSERT_TRUE(service_unrestricted(&e));
	CU_ASSERT_EQUAL(service_parse("udp/1-65535", &e, &why), 0);
	CU_ASSERT_TRUE(service_unrestricted(&e));
	CU_ASSERT_EQUAL(service_parse("icmp/any", &e, &why), 0);
	CU_ASSERT_TRUE(service_unrestricted(&e));
	const char *bad[] = { "tcp/0",	   "tcp/65536", "tcp/10-5",	"tcp/-5",   "tcp/5-",
			      "sctp/80",  "tcp/80x",   "icmp/redirect", "tcp/080", "tcp/" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(service_parse(bad[i], &e, &why), -EINVAL);
	CU_ASSERT_TRUE(service_is_literal("tcp/443"));
	CU_ASSERT_TRUE(service_is_literal("udp"));
	CU_ASSERT_FALSE(service_is_literal("https"));
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "zone names", zones_by_name },
		{ "IPv4 literals", ipv4_literals },
		{ "CIDR literals", cidr_literals },
		{ "CIDR containment and overlap", cidr_relations },
		{ "MAC literals", mac_literals },
		{ "dates in JST", dates_in_jst },
		{ "service literals", service_literals },
		{ NULL, NULL },
	};
	return test_run("zone_addr", cases);
}
