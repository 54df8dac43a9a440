/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "cp_addr.h"
#include "cp_handlers.h"

int
cp_port_index(const struct cp_config *cfg, const char *name)
{
	unsigned i;

	for (i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
cp_service_index(const struct cp_config *cfg, const struct cp_ip *vip, uint16_t port)
{
	unsigned i;

	for (i = 0; i < cfg->n_services; i++)
		if (cfg->services[i].port == port && cp_ip_equal(&cfg->services[i].vip, vip))
			return (int)i;
	return -1;
}

int
cp_address_index(const struct cp_config *cfg, const struct cp_ip *ip)
{
	unsigned i;

	for (i = 0; i < cfg->n_addresses; i++)
		if (cp_ip_equal(&cfg->addresses[i].ip, ip))
			return (int)i;
	return -1;
}

void
cp_array_remove(void *base, size_t size, unsigned *n, unsigned i)
{
	unsigned char *b = base;

	memmove(b + (size_t)i * size, b + (size_t)(i + 1) * size, (size_t)(*n - i - 1) * size);
	(*n)--;
	/* Zero the slot left behind so that equal configs are equal bytes too. */
	memset(b + (size_t)*n * size, 0, size);
}
