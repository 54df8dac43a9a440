/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * tlslb's own DPDK log type ("tlslb"), so operators filter and raise it like
 * any DPDK component (`--log-level=tlslb:debug`, `set log level debug`).
 * One line per event worth an operator's attention (state changes, config
 * applied), never one per packet.
 *
 * @code
 *	DP_LOG(NOTICE, "backend %s down", name);
 * @endcode
 */
#ifndef DP_LOG_H
#define DP_LOG_H

#include <rte_log.h>

/** The log type id, registered by a constructor in dp_log.c. */
extern int dp_logtype;

/** Log one line at RTE_LOG_@p level (EMERG .. DEBUG); the newline is added. */
#define DP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, dp_logtype, "tlslb: " fmt "\n", ##__VA_ARGS__)

/**
 * Set tlslb's log level.
 * @param level  RTE_LOG_EMERG (1) .. RTE_LOG_DEBUG (8)
 * @return 0 or -EINVAL
 */
int dp_log_set_level(unsigned level);

/** tlslb's current log level (1..8). */
unsigned dp_log_level(void);

#endif /* DP_LOG_H */
