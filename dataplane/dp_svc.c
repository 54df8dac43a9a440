/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>

#include "dp_svc.h"

struct dp_svc_key {
	uint32_t vip;
	uint16_t port;
	uint16_t zero;
};

static struct rte_hash *make_hash(const char *name, const char *what, uint32_t entries,
				  uint32_t key_len, int socket)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = entries < 64 ? 64 : entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = socket,
	};

	snprintf(hname, sizeof(hname), "%s_%s", name, what);
	return rte_hash_create(&hp);
}

static uint32_t local_of(const struct dp_svc_table *t, uint32_t ip)
{
	void *data;

	if (rte_hash_lookup_data(t->local_h, &ip, &data) < 0)
		return 0;
	return (uint32_t)(uintptr_t)data;
}

static int local_add(struct dp_svc_table *t, uint32_t ip, uint32_t flags)
{
	return rte_hash_add_key_data(t->local_h, &ip,
				     (void *)(uintptr_t)(local_of(t, ip) | flags));
}

static int add_services(struct dp_svc_table *t, const struct cp_config *cfg)
{
	uint32_t client_ports = 0;
	unsigned i, j, k = 0;
	int ret;

	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].role & CP_ROLE_CLIENT)
			client_ports |= 1u << i;
	for (i = 0; i < cfg->n_services; i++) {
		const struct cp_service *s = &cfg->services[i];
		struct dp_service *d = &t->svc[i];
		struct dp_svc_key key = { 0 };

		if (s->vip.family != AF_INET)
			continue;
		d->vip = s->vip.v4;
		d->port = rte_cpu_to_be_16(s->port);
		d->nat = s->nat;
		d->mode = s->mode;
		d->first = (uint16_t)k;
		/* grouping keeps each service's pick loop on contiguous indices */
		for (j = 0; j < cfg->n_backends; j++)
			if (cfg->backends[j].service == i && cfg->backends[j].ip.family == AF_INET)
				t->bk_order[k++] = (uint16_t)j;
		d->n = (uint16_t)(k - d->first);
		key.vip = d->vip;
		key.port = d->port;
		ret = rte_hash_add_key_data(t->svc_h, &key, (void *)(uintptr_t)i);
		if (ret < 0)
			return ret;
		ret = local_add(t, d->vip, DP_LOCAL_VIP | client_ports);
		if (ret < 0)
			return ret;
	}
	t->n_services = cfg->n_services;
	return 0;
}

static int add_addresses(struct dp_svc_table *t, const struct cp_config *cfg)
{
	unsigned i;
	int ret;

	for (i = 0; i < cfg->n_addresses; i++) {
		const struct cp_address *a = &cfg->addresses[i];
		uint32_t flags = DP_LOCAL_ADDR | (1u << a->port);

		if (a->ip.family != AF_INET || a->port >= CP_MAX_PORTS)
			continue;
		if (a->snat) {
			flags |= DP_LOCAL_SNAT;
			t->snat[a->port][t->n_snat[a->port]++] = (uint8_t)i;
			t->snat[CP_MAX_PORTS][t->n_snat[CP_MAX_PORTS]++] = (uint8_t)i;
		}
		ret = local_add(t, a->ip.v4, flags);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int dp_svc_init(struct dp_svc_table *t, const struct cp_config *cfg, const char *name,
		int socket)
{
	unsigned i;
	int ret = -ENOMEM;

	memset(t, 0, sizeof(*t));
	t->svc_h = make_hash(name, "svc", CP_MAX_SERVICES, sizeof(struct dp_svc_key), socket);
	t->local_h = make_hash(name, "local", CP_MAX_SERVICES + CP_MAX_ADDRESSES,
			       sizeof(uint32_t), socket);
	if (t->svc_h == NULL || t->local_h == NULL)
		goto fail;
	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];
		struct dp_backend *d = &t->bk[i];

		d->ip = b->ip.v4;
		d->port = rte_cpu_to_be_16(b->port);
		d->service = b->service;
		/* a backend outside IPv4 is never picked */
		d->weight = b->ip.family == AF_INET ? b->weight : 0;
		d->nh = -1;
	}
	t->n_backends = cfg->n_backends;
	ret = add_services(t, cfg);
	if (ret < 0)
		goto fail;
	ret = add_addresses(t, cfg);
	if (ret < 0)
		goto fail;
	return 0;
fail:
	dp_svc_fini(t);
	return ret;
}

void dp_svc_fini(struct dp_svc_table *t)
{
	rte_hash_free(t->svc_h);
	rte_hash_free(t->local_h);
	t->svc_h = NULL;
	t->local_h = NULL;
}

int dp_svc_find(const struct dp_svc_table *t, uint32_t vip, uint16_t port)
{
	struct dp_svc_key key = { .vip = vip, .port = port };
	void *data;

	if (rte_hash_lookup_data(t->svc_h, &key, &data) < 0)
		return -ENOENT;
	return (int)(uintptr_t)data;
}

uint32_t dp_svc_local(const struct dp_svc_table *t, uint32_t ip)
{
	return local_of(t, ip);
}
