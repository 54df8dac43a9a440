/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP: answer for the virtual IPs (on client-facing ports) and tlslb's own
 * addresses (on their port), learn the senders we were resolving, and build
 * requests. Entries are only refreshed, never created, from received ARP, so
 * a stranger cannot fill the neighbour table. */
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "dp_internal.h"

void dp_arp_input(struct dp_worker *w, uint16_t port, struct rte_mbuf *m, const struct dp_pkt *p)
{
	struct dp_shared *sh = w->sh;
	struct rte_arp_hdr *a = p->arp;
	struct rte_arp_ipv4 *d = &a->arp_data;
	uint32_t local = dp_svc_local(w->snap, d->arp_tip);
	uint32_t our_ip = d->arp_tip;
	bool learned = false;
	int slot;

	if (!(local & (1u << port)) || !rte_is_valid_assigned_ether_addr(&d->arp_sha)) {
		w->st.arp_ignored++;
		dp_drop(w, m, DP_DROP_ARP_IGNORED);
		return;
	}
	slot = dp_neigh_find(&sh->neigh, d->arp_sip);
	if (slot >= 0 && dp_neigh_learn(&sh->neigh, (uint32_t)slot, &d->arp_sha, w->now_ms) == 0) {
		w->st.arp_replies_learned++;
		learned = true;
		dp_xmit_waiting(w, slot, false);
	}

	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) {
		if (!learned) {
			/* unsolicited: nothing of ours was waiting for it */
			w->st.arp_ignored++;
			dp_drop(w, m, DP_DROP_ARP_IGNORED);
			return;
		}
		rte_pktmbuf_free(m);
		return;
	}

	/* answer in place: the request already has the right shape */
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	d->arp_tha = d->arp_sha;
	d->arp_tip = d->arp_sip;
	d->arp_sha = sh->ports[port].mac;
	d->arp_sip = our_ip;
	p->eth->dst_addr = d->arp_tha;
	p->eth->src_addr = sh->ports[port].mac;
	w->st.arp_requests_answered++;
	dp_xmit(w, port, m);
}

/* The sender address of our requests: an address of the port on the target's
 * prefix, else any address of the port, else 0 (an ARP probe, RFC 5227). */
static uint32_t source_for(const struct dp_svc_table *snap, uint16_t port, uint32_t target)
{
	uint32_t any = 0;
	unsigned i;

	for (i = 0; i < snap->n_addr; i++) {
		const struct cp_address *a = &snap->addr[i];
		uint32_t mask;

		if (a->port != port || a->ip.family != AF_INET)
			continue;
		mask = rte_cpu_to_be_32(a->prefix_len ? ~0u << (32 - a->prefix_len) : 0);
		if (((a->ip.v4 ^ target) & mask) == 0)
			return a->ip.v4;
		if (any == 0)
			any = a->ip.v4;
	}
	return any;
}

struct rte_mbuf *dp_arp_request(struct dp_worker *w, uint16_t port, uint32_t target)
{
	const struct rte_ether_addr *mac = &w->sh->ports[port].mac;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(w->mp);
	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*a));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	a = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = *mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *mac;
	a->arp_data.arp_sip = source_for(w->snap, port, target);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = target;
	return m;
}
