/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "dp_log.h"

RTE_LOG_REGISTER(dp_logtype, tlslb, NOTICE);

int dp_log_set_level(unsigned level)
{
	if (level < RTE_LOG_EMERG || level > RTE_LOG_DEBUG)
		return -EINVAL;
	return rte_log_set_level((uint32_t)dp_logtype, level) == 0 ? 0 : -EINVAL;
}

unsigned dp_log_level(void)
{
	int l = rte_log_get_level((uint32_t)dp_logtype);

	return l > 0 ? (unsigned)l : RTE_LOG_NOTICE;
}
