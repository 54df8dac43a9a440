/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>

#include "dp_csum.h"
#include "dp_svc.h"

/* A few hundred keys at most: linear probing in a quarter-full array beats
 * an rte_hash, and a snapshot is plain memory that needs no unique names. */
static uint32_t kv_slot(uint64_t key)
{
	return rte_hash_crc_8byte(key, 0x9e3779b9u) & (DP_KV_SIZE - 1);
}

int dp_kv_put(struct dp_kv *kv, uint64_t key, uint32_t val)
{
	uint32_t i = kv_slot(key), n;

	for (n = 0; n < DP_KV_SIZE; n++, i = (i + 1) & (DP_KV_SIZE - 1)) {
		if (kv->key[i] == key || kv->key[i] == 0) {
			kv->key[i] = key;
			kv->val[i] = val;
			return 0;
		}
	}
	return -ENOSPC;
}

int dp_kv_get(const struct dp_kv *kv, uint64_t key, uint32_t *val)
{
	uint32_t i = kv_slot(key), n;

	for (n = 0; n < DP_KV_SIZE; n++, i = (i + 1) & (DP_KV_SIZE - 1)) {
		if (kv->key[i] == key) {
			*val = kv->val[i];
			return 0;
		}
		if (kv->key[i] == 0)
			break;
	}
	return -ENOENT;
}

static uint64_t svc_key(uint32_t vip, uint16_t port)
{
	return 1ull << 48 | (uint64_t)port << 32 | vip;
}

static uint64_t local_key(uint32_t ip)
{
	return 1ull << 32 | ip;
}

uint32_t dp_svc_local(const struct dp_svc_table *t, uint32_t ip)
{
	uint32_t v;

	return dp_kv_get(&t->local_h, local_key(ip), &v) == 0 ? v : 0;
}

int dp_svc_find(const struct dp_svc_table *t, uint32_t vip, uint16_t port)
{
	uint32_t v;

	return dp_kv_get(&t->svc_h, svc_key(vip, port), &v) == 0 ? (int)v : -ENOENT;
}

int dp_svc_local_add(struct dp_svc_table *t, uint32_t ip, uint32_t flags)
{
	return dp_kv_put(&t->local_h, local_key(ip), dp_svc_local(t, ip) | flags);
}

static uint8_t route_state(const struct cp_backend *b)
{
	if (b->admin == CP_ADMIN_ENABLED && b->weight > 0)
		return DP_BACKEND_UP;
	/* a drained backend may still be asked to resume its own sessions */
	if (b->admin == CP_ADMIN_DRAINING && b->drain_resume)
		return DP_BACKEND_UP;
	return DP_BACKEND_DRAINING;
}

static bool has_server_id(const struct cp_backend *b, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++)
		if (b->server_id[i])
			return true;
	return false;
}

static void fill_backends(struct dp_svc_table *t, const struct cp_config *cfg,
			  const int16_t *svc_slot, const int16_t *bk_slot)
{
	uint16_t count[CP_MAX_SERVICES] = { 0 };
	unsigned i, k = 0, nsid = 0;

	for (i = 0; i < cfg->n_backends; i++)
		if (bk_slot[i] >= 0)
			count[svc_slot[cfg->backends[i].service]]++;
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		t->svc[i].first = (uint16_t)k;
		k += count[i];
	}
	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];
		struct dp_backend *d;
		struct dp_service *s;
		int slot = bk_slot[i];

		if (slot < 0)
			continue;
		s = &t->svc[svc_slot[b->service]];
		d = &t->bk[slot];
		d->ip = b->ip.v4;
		d->port = rte_cpu_to_be_16(b->port);
		d->service = (uint16_t)svc_slot[b->service];
		d->weight = b->admin == CP_ADMIN_ENABLED ? b->weight : 0;
		d->nh = -1;
		d->flags = DP_SLOT_LIVE;
		d->admin = b->admin;
		d->nat_addr_delta = dp_csum_delta32(s->vip, d->ip);
		d->nat_port_delta = dp_csum_delta16(s->port, d->port);
		/* grouping keeps each service's pick loop on contiguous entries */
		t->bk_order[s->first + s->n++] = (uint16_t)slot;
		t->bk_svc[slot] = d->service;
		t->bk_state[slot] = route_state(b);
		if ((unsigned)slot >= t->n_backends)
			t->n_backends = (unsigned)slot + 1;
	}
	/* server IDs, grouped by service likewise */
	memset(count, 0, sizeof(count));
	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];
		const struct dp_service *s;

		if (bk_slot[i] < 0)
			continue;
		s = &t->svc[svc_slot[b->service]];
		if (s->server_id_len && has_server_id(b, s->server_id_len))
			count[svc_slot[b->service]]++;
	}
	for (i = 0; i < CP_MAX_SERVICES; i++) {
		t->svc[i].sid_first = (uint16_t)nsid;
		nsid += count[i];
	}
	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];
		struct dp_tlsroute_server_id *id;
		struct dp_service *s;

		if (bk_slot[i] < 0)
			continue;
		s = &t->svc[svc_slot[b->service]];
		if (!s->server_id_len || !has_server_id(b, s->server_id_len))
			continue;
		id = &t->server_ids[s->sid_first + s->n_sid++];
		memcpy(id->id, b->server_id, sizeof(id->id));
		id->backend = (uint16_t)bk_slot[i];
	}
}

int dp_svc_fill(struct dp_svc_table *t, const struct cp_config *cfg, const int16_t *svc_slot,
		const int16_t *bk_slot)
{
	uint32_t client_ports = 0;
	unsigned i;
	int ret;

	for (i = 0; i < CP_MAX_BACKENDS; i++)
		t->bk_svc[i] = UINT16_MAX;
	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].role & CP_ROLE_CLIENT)
			client_ports |= 1u << i;
	for (i = 0; i < cfg->n_services; i++) {
		const struct cp_service *s = &cfg->services[i];
		struct dp_service *d;
		int slot = svc_slot[i];

		if (slot < 0)
			continue;
		d = &t->svc[slot];
		d->vip = s->vip.v4;
		d->port = rte_cpu_to_be_16(s->port);
		d->nat = s->nat;
		d->mode = s->mode;
		d->flags = DP_SLOT_LIVE;
		d->server_id_len = s->server_id_len > DP_TLSROUTE_SERVER_ID_MAX ?
					   DP_TLSROUTE_SERVER_ID_MAX : s->server_id_len;
		d->psk_server_id = s->psk_server_id;
		d->health = s->health;
		/* 0 twice: dp_tls.h's default, DP_TLS_HELLO_TIMEOUT_MS */
		d->hello_timeout_ms = s->hello_timeout	  ? s->hello_timeout * 1000u :
				      cfg->timeouts.hello ? cfg->timeouts.hello * 1000u :
							    5000u;
		ret = dp_kv_put(&t->svc_h, svc_key(d->vip, d->port), (uint32_t)slot);
		if (ret < 0)
			return ret;
		ret = dp_svc_local_add(t, d->vip, DP_LOCAL_VIP | client_ports);
		if (ret < 0)
			return ret;
		if ((unsigned)slot >= t->n_services)
			t->n_services = (unsigned)slot + 1;
	}
	fill_backends(t, cfg, svc_slot, bk_slot);
	for (i = 0; i < cfg->n_addresses; i++) {
		const struct cp_address *a = &cfg->addresses[i];
		uint32_t flags = DP_LOCAL_ADDR | (1u << a->port);

		t->addr[i] = *a;
		if (a->ip.family != AF_INET || a->port >= CP_MAX_PORTS)
			continue;
		if (a->snat) {
			flags |= DP_LOCAL_SNAT;
			t->snat[a->port][t->n_snat[a->port]++] = (uint8_t)i;
			t->snat[CP_MAX_PORTS][t->n_snat[CP_MAX_PORTS]++] = (uint8_t)i;
		}
		ret = dp_svc_local_add(t, a->ip.v4, flags);
		if (ret < 0)
			return ret;
	}
	t->n_addr = cfg->n_addresses;
	dp_route_build(&t->routes, cfg);
	return 0;
}
