/* SPDX-License-Identifier: BSD-3-Clause */
/* set commands: timeouts and limits. Ranges are in the parameter lists. */
#include "cp_handlers.h"

int
cp_cmd_set_timeout(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	uint32_t secs = a->v[ARG_SET_TIMEOUT_SECS].u;

	(void)e;
	switch ((enum cp_timeout_kind)a->v[ARG_SET_TIMEOUT_KIND].u) {
	case CP_TO_SYN:
		cfg->timeouts.syn = secs;
		break;
	case CP_TO_ESTABLISHED:
		cfg->timeouts.established = secs;
		break;
	case CP_TO_CLOSING:
		cfg->timeouts.closing = secs;
		break;
	case CP_TO_RESET:
		cfg->timeouts.reset = secs;
		break;
	case CP_TO_NEIGH:
		cfg->timeouts.neigh = secs;
		break;
	case CP_TO_HELLO:
		cfg->timeouts.hello = secs;
		break;
	}
	return 0;
}

int
cp_cmd_set_limit_flows(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	(void)e;
	cfg->limits.flows = a->v[ARG_SET_VALUE].u;
	return 0;
}

int
cp_cmd_set_limit_neigh_queue(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	(void)e;
	cfg->limits.neigh_queue = a->v[ARG_SET_VALUE].u;
	return 0;
}

int
cp_cmd_set_snat_ports(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	(void)e;
	cfg->limits.snat_port_low = (uint16_t)a->v[ARG_SET_VALUE].lo;
	cfg->limits.snat_port_high = (uint16_t)a->v[ARG_SET_VALUE].hi;
	return 0;
}
