#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_packet.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ports.h"

#define RX_DESC 1024
#define TX_DESC 1024
#define AF_PACKET_DRIVER "net_af_packet"

/* The well-known key made of one repeated 16-bit pattern: the Toeplitz hash of (a, b)
 * then equals that of (b, a), so both directions of a connection hash alike. */
static uint8_t symmetric_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static int find_ports(struct ports *p, const struct cpolicy *cp, char *err, size_t errlen)
{
	memset(p->port, 0, sizeof(p->port));
	p->n = 0;
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		const struct cp_zone *cz = cpolicy_zone(cp, (enum zone)z);

		for (unsigned l = 0; l < CP_PORTS_MAX; l++)
			p->zone_port[z][l] = UINT16_MAX;
		if (!cz->enabled)
			continue;
		for (unsigned i = 0; i < cz->n_ports && i < CP_PORTS_MAX; i++) {
			struct ports_port *pp = &p->port[p->n];

			if (rte_eth_dev_get_port_by_name(cz->ports[i], &pp->id) != 0) {
				snprintf(err, errlen, "zone %s: port \"%s\" does not exist (bind the "
					 "NIC to DPDK with dpdk-devbind.py, or give the vdev with "
					 "--vdev)", zone_name((enum zone)z), cz->ports[i]);
				return -ENODEV;
			}
			for (unsigned j = 0; j < p->n; j++) {
				if (p->port[j].id == pp->id) {
					snprintf(err, errlen, "port \"%s\" is named twice",
						 cz->ports[i]);
					return -EINVAL;
				}
			}
			pp->zone = (uint8_t)z;
			pp->link = (uint8_t)i;
			snprintf(pp->name, sizeof(pp->name), "%s", cz->ports[i]);
			p->zone_port[z][i] = pp->id;
			p->n++;
		}
	}
	if (p->n == 0) {
		snprintf(err, errlen, "appliance.cfg configures no port");
		return -EINVAL;
	}
	return 0;
}

static int setup_port(struct ports *p, const struct ports_port *pp,
		      const struct cp_zone *cz, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int ret;

	ret = rte_eth_dev_info_get(pp->id, &info);
	if (ret != 0)
		goto fail;
	if (info.max_rx_queues < p->n_queues || info.max_tx_queues < p->n_queues) {
		snprintf(err, errlen, "port \"%s\" has %u RX and %u TX queues; %u workers need "
			 "one each (run fewer workers)", pp->name, info.max_rx_queues,
			 info.max_tx_queues, p->n_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	if (p->n_queues > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = symmetric_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(symmetric_key);
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		p->rss = true;
	} else if (p->n_queues > 1 && strcmp(info.driver_name, AF_PACKET_DRIVER) == 0) {
		/* The kernel spreads an AF_PACKET port's frames over its sockets (qpairs=N)
		 * by PACKET_FANOUT_HASH, a symmetric flow hash: both directions of a
		 * connection reach the same queue index, so the same worker. */
		p->rss = true;
	} else if (p->n_queues > 1) {
		snprintf(err, errlen, "port \"%s\" cannot spread connections over %u workers "
			 "(no RSS): run one worker", pp->name, p->n_queues);
		return -EINVAL;
	}
	/* A NIC that checks IPv4, TCP and UDP checksums saves the worker from summing them
	 * (ipv4_validate and ipv4_check_l4 trust the mbuf's GOOD/BAD flags and sum only
	 * when the port gave no verdict). */
	conf.rxmode.offloads |= info.rx_offload_capa & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	ret = rte_eth_dev_configure(pp->id, p->n_queues, p->n_queues, &conf);
	if (ret != 0)
		goto fail;
	for (uint16_t q = 0; q < p->n_queues; q++) {
		uint16_t nrx = RX_DESC, ntx = TX_DESC;

		ret = rte_eth_dev_adjust_nb_rx_tx_desc(pp->id, &nrx, &ntx);
		if (ret != 0)
			goto fail;
		ret = rte_eth_rx_queue_setup(pp->id, q, nrx, rte_eth_dev_socket_id(pp->id),
					     NULL, p->pool);
		if (ret != 0)
			goto fail;
		ret = rte_eth_tx_queue_setup(pp->id, q, ntx, rte_eth_dev_socket_id(pp->id),
					     NULL);
		if (ret != 0)
			goto fail;
	}
	if (cz->has_mac) {
		struct rte_ether_addr mac;

		memcpy(mac.addr_bytes, cz->mac, sizeof(mac.addr_bytes));
		/* Not every device can change its MAC; promiscuous mode covers those. */
		(void)rte_eth_dev_default_mac_addr_set(pp->id, &mac);
	}
	ret = rte_eth_dev_start(pp->id);
	if (ret != 0)
		goto fail;
	ret = rte_eth_promiscuous_enable(pp->id);
	if (ret != 0 && ret != -ENOTSUP)
		goto fail;
	return 0;

fail:
	snprintf(err, errlen, "port \"%s\" (zone %s) failed to start: %s", pp->name,
		 zone_name((enum zone)pp->zone), rte_strerror(-ret));
	return ret;
}

/* The AF_PACKET sockets bound to interface ifindex among the process's descriptors:
 * net_af_packet keeps its sockets to itself, so they are found by the interface they
 * are bound to (the af_packet ports of one dataplane share a namespace, so interface
 * indexes tell them apart). */
static unsigned find_packet_sockets(int ifindex, int *fds, unsigned max)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	unsigned n = 0;

	if (dir == NULL)
		return 0;
	while (n < max && (de = readdir(dir)) != NULL) {
		struct sockaddr_ll sll;
		socklen_t len = sizeof(sll);
		int domain, fd;
		socklen_t dlen = sizeof(domain);
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end != '\0' || v == dirfd(dir) || v < 0 || v > INT32_MAX)
			continue;
		fd = (int)v;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0 ||
		    domain != AF_PACKET)
			continue;
		memset(&sll, 0, sizeof(sll));
		if (getsockname(fd, (struct sockaddr *)&sll, &len) != 0 ||
		    sll.sll_ifindex != ifindex)
			continue;
		fds[n++] = fd;
	}
	closedir(dir);
	return n;
}

/* net_af_packet joins its sockets to a fanout group with PACKET_FANOUT_FLAG_DEFRAG (no
 * devarg turns it off): the kernel reassembles IPv4 fragments before the port sees
 * them, unless the namespace gives reassembly no memory, when it drops them. */
static void warn_reassembly(const char *port)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ipfrag_high_thresh", "r");
	unsigned long thresh = 1;

	if (f != NULL) {
		if (fscanf(f, "%lu", &thresh) != 1)
			thresh = 1;
		fclose(f);
	}
	if (thresh != 0)
		fprintf(stderr, "bunri-dataplane: port %s: the kernel reassembles IPv4 "
			"fragments before this AF_PACKET port hands them over, so they are judged "
			"whole instead of dropped; set net.ipv4.ipfrag_low_thresh=0 and "
			"net.ipv4.ipfrag_high_thresh=0 in this namespace to have them dropped\n",
			port);
}

static void find_port_sockets(struct ports_port *pp)
{
	struct rte_eth_dev_info info;

	pp->n_sockets = 0;
	if (rte_eth_dev_info_get(pp->id, &info) != 0 ||
	    strcmp(info.driver_name, AF_PACKET_DRIVER) != 0 || info.if_index == 0)
		return;
	warn_reassembly(pp->name);
	pp->n_sockets = find_packet_sockets((int)info.if_index, pp->sockets,
					    PORTS_SOCKETS_MAX);
	if (pp->n_sockets == 0)
		fprintf(stderr, "bunri-dataplane: port %s: its kernel sockets were not found; "
			"frames the kernel drops on it are not counted\n", pp->name);
}

void ports_count_drops(struct ports *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct ports_port *pp = &p->port[i];

		for (unsigned s = 0; s < pp->n_sockets; s++) {
			struct tpacket_stats st;
			socklen_t len = sizeof(st);

			/* TPACKET_V2 rings: tp_drops counts frames the full ring turned away. */
			if (getsockopt(pp->sockets[s], SOL_PACKET, PACKET_STATISTICS, &st,
				       &len) == 0)
				pp->socket_drops += st.tp_drops;
		}
	}
}

/* The PMD closes its sockets when a port stops: count what they dropped last, then
 * forget them (their descriptor numbers may be reused). */
static void forget_sockets(struct ports *p)
{
	ports_count_drops(p);
	for (unsigned i = 0; i < p->n; i++)
		p->port[i].n_sockets = 0;
}

int ports_open(struct ports *p, const struct cpolicy *cp, unsigned n_workers,
	       unsigned n_mbufs, char *err, size_t errlen)
{
	unsigned started = 0;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = find_ports(p, cp, err, errlen);
	if (ret != 0)
		return ret;
	p->n_queues = (uint16_t)n_workers;
	p->pool = rte_pktmbuf_pool_create("bunri_mbufs", n_mbufs, 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (p->pool == NULL) {
		snprintf(err, errlen, "mbuf pool of %u: %s", n_mbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (; started < p->n; started++) {
		const struct ports_port *pp = &p->port[started];

		ret = setup_port(p, pp, cpolicy_zone(cp, (enum zone)pp->zone), err, errlen);
		if (ret != 0)
			goto err_ports;
		find_port_sockets(&p->port[started]);
	}
	for (unsigned z = 0; z < ZONE_COUNT; z++) {
		if (p->zone_port[z][0] != UINT16_MAX &&
		    rte_eth_macaddr_get(p->zone_port[z][0], &p->zone_mac[z]) != 0)
			memset(&p->zone_mac[z], 0, sizeof(p->zone_mac[z]));
	}
	return 0;

err_ports:
	for (unsigned i = 0; i <= started && i < p->n; i++) {
		(void)rte_eth_dev_stop(p->port[i].id);
		(void)rte_eth_dev_close(p->port[i].id);
	}
	rte_mempool_free(p->pool);
	p->pool = NULL;
	return ret;
}

void ports_watch_links(struct ports *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		const struct ports_port *pp = &p->port[i];
		struct rte_eth_link link;
		uint8_t down;

		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(pp->id, &link) != 0)
			continue; /* the PMD cannot say: keep what we knew */
		down = link.link_status == RTE_ETH_LINK_DOWN;
		if (down == p->link_down[pp->zone][pp->link])
			continue;
		__atomic_store_n(&p->link_down[pp->zone][pp->link], down, __ATOMIC_RELAXED);
		p->link_changes++;
		fprintf(stderr, "bunri-dataplane: port %s (%s, port %u of the zone) link %s\n",
			pp->name, zone_name((enum zone)pp->zone), pp->link, down ? "down" : "up");
	}
}

void ports_stop(struct ports *p)
{
	forget_sockets(p);
	for (unsigned i = 0; i < p->n; i++)
		(void)rte_eth_dev_stop(p->port[i].id);
}

void ports_close(struct ports *p)
{
	forget_sockets(p);
	for (unsigned i = 0; i < p->n; i++) {
		(void)rte_eth_dev_stop(p->port[i].id);
		(void)rte_eth_dev_close(p->port[i].id);
	}
	rte_mempool_free(p->pool);
	p->pool = NULL;
	p->n = 0;
}
