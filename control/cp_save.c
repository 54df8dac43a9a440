/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running config as commands. The order is the one load needs (ports
 * before what names them, a service before its backends) and the one the
 * grammar stores, so load(save(cfg)) rebuilds the very same arrays.
 */
#include <errno.h>
#include <stdio.h>

#include "cp_addr.h"
#include "cp_config.h"
#include "cp_handlers.h"

/* Keyword spelling of @v, or NULL when out of the list. */
static const char *
word(const char *const *words, unsigned v)
{
	unsigned i;

	for (i = 0; words[i] != NULL; i++)
		if (i == v)
			return words[i];
	return NULL;
}

static void
save_net(const struct cp_config *cfg, FILE *out)
{
	char a[CP_ENDPOINT_STRLEN], g[CP_IPV4_STRLEN];
	unsigned i;

	for (i = 0; i < cfg->n_ports; i++)
		fprintf(out, "port add %s dev %s role %s\n", cfg->ports[i].name, cfg->ports[i].dev,
			word(cp_role_words, cfg->ports[i].role - 1u));
	for (i = 0; i < cfg->n_addresses; i++) {
		const struct cp_address *ad = &cfg->addresses[i];

		fprintf(out, "address add %s port %s%s\n",
			cp_prefix_str(&ad->ip, ad->prefix_len, a, sizeof(a)),
			cfg->ports[ad->port].name, ad->snat ? " snat" : "");
	}
	for (i = 0; i < cfg->n_routes; i++) {
		const struct cp_route *r = &cfg->routes[i];

		fprintf(out, "route add %s via %s port %s\n",
			cp_prefix_str(&r->prefix, r->prefix_len, a, sizeof(a)),
			cp_ip_str(&r->gateway, g, sizeof(g)), cfg->ports[r->port].name);
	}
	for (i = 0; i < cfg->n_neighs; i++) {
		const struct cp_neigh *nb = &cfg->neighs[i];

		fprintf(out, "neigh add %s lladdr %02x:%02x:%02x:%02x:%02x:%02x port %s\n",
			cp_ip_str(&nb->ip, g, sizeof(g)), nb->mac[0], nb->mac[1], nb->mac[2],
			nb->mac[3], nb->mac[4], nb->mac[5], cfg->ports[nb->port].name);
	}
}

static void
save_settings(const struct cp_config *cfg, FILE *out)
{
	const uint32_t secs[] = {
		[CP_TO_SYN] = cfg->timeouts.syn,
		[CP_TO_ESTABLISHED] = cfg->timeouts.established,
		[CP_TO_CLOSING] = cfg->timeouts.closing,
		[CP_TO_RESET] = cfg->timeouts.reset,
		[CP_TO_NEIGH] = cfg->timeouts.neigh,
		[CP_TO_HELLO] = cfg->timeouts.hello,
	};
	unsigned i;

	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		fprintf(out, "set timeout %s %u\n", cp_timeout_words[i], secs[i]);
	fprintf(out, "set limit flows %u\n", cfg->limits.flows);
	fprintf(out, "set limit neigh-queue %u\n", cfg->limits.neigh_queue);
	fprintf(out, "set snat-ports %u-%u\n", cfg->limits.snat_port_low,
		cfg->limits.snat_port_high);
}

static void
save_backend(const struct cp_config *cfg, const struct cp_backend *be, const char *v, FILE *out)
{
	const struct cp_service *sv = &cfg->services[be->service];
	char b[CP_ENDPOINT_STRLEN];
	unsigned k;

	cp_endpoint_str(&be->ip, be->port, b, sizeof(b));
	fprintf(out, "backend add %s %s weight %u", v, b, be->weight);
	if (be->name[0] != '\0')
		fprintf(out, " name %s", be->name);
	fputc('\n', out);
	if (!cp_server_id_none(be->server_id, sv->server_id_len)) {
		fprintf(out, "backend set %s %s server-id ", v, b);
		for (k = 0; k < sv->server_id_len; k++)
			fprintf(out, "%02x", be->server_id[k]);
		fputc('\n', out);
	}
	if (be->admin == CP_ADMIN_DRAINING)
		fprintf(out, "backend drain %s %s%s\n", v, b,
			be->drain_resume ? " resumptions" : "");
	else if (be->admin == CP_ADMIN_DISABLED)
		fprintf(out, "backend disable %s %s\n", v, b);
}

static void
save_services(const struct cp_config *cfg, FILE *out)
{
	char v[CP_ENDPOINT_STRLEN];
	unsigned i, j;

	for (i = 0; i < cfg->n_services; i++) {
		const struct cp_service *sv = &cfg->services[i];
		const struct cp_health *h = &sv->health;

		cp_endpoint_str(&sv->vip, sv->port, v, sizeof(v));
		fprintf(out, "service add %s mode %s nat %s sched %s\n", v,
			word(cp_mode_words, sv->mode), word(cp_nat_words, sv->nat),
			word(cp_sched_words, sv->sched));
		fprintf(out,
			"service set %s session-lifetime %u hello-timeout %u keyname-len %u "
			"server-id-len %u psk-server-id %s\n",
			v, sv->session_lifetime, sv->hello_timeout, sv->keyname_len,
			sv->server_id_len, word(cp_onoff_words, sv->psk_server_id));
		fprintf(out, "service health %s %s interval %u timeout %u rise %u fall %u\n", v,
			word(cp_onoff_words, h->enabled), h->interval_ms, h->timeout_ms, h->rise,
			h->fall);
		for (j = 0; j < cfg->n_backends; j++)
			if (cfg->backends[j].service == i)
				save_backend(cfg, &cfg->backends[j], v, out);
	}
}

/* What the printers rely on: indices in range and keywords that have a spelling. */
static bool
printable(const struct cp_config *cfg)
{
	unsigned i;

	if (cfg->n_ports > CP_MAX_PORTS || cfg->n_addresses > CP_MAX_ADDRESSES ||
	    cfg->n_routes > CP_MAX_ROUTES || cfg->n_neighs > CP_MAX_NEIGHS ||
	    cfg->n_services > CP_MAX_SERVICES || cfg->n_backends > CP_MAX_BACKENDS)
		return false;
	for (i = 0; i < cfg->n_ports; i++)
		if (cfg->ports[i].role == 0 || word(cp_role_words, cfg->ports[i].role - 1u) == NULL)
			return false;
	for (i = 0; i < cfg->n_addresses; i++)
		if (cfg->addresses[i].port >= cfg->n_ports)
			return false;
	for (i = 0; i < cfg->n_routes; i++)
		if (cfg->routes[i].port >= cfg->n_ports)
			return false;
	for (i = 0; i < cfg->n_neighs; i++)
		if (cfg->neighs[i].port >= cfg->n_ports)
			return false;
	for (i = 0; i < cfg->n_services; i++)
		if (word(cp_mode_words, cfg->services[i].mode) == NULL ||
		    word(cp_nat_words, cfg->services[i].nat) == NULL ||
		    word(cp_sched_words, cfg->services[i].sched) == NULL)
			return false;
	for (i = 0; i < cfg->n_backends; i++)
		if (cfg->backends[i].service >= cfg->n_services)
			return false;
	return cp_check_settings(cfg, NULL) == 0;
}

int
cp_config_save(const struct cp_config *cfg, FILE *out)
{
	if (!printable(cfg))
		return -EINVAL;
	save_net(cfg, out);
	save_settings(cfg, out);
	save_services(cfg, out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
