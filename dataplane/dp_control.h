/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's control thread (DESIGN.md "Process and modules"): a DPDK
 * control thread that serves the Unix socket (cp_sock) through the
 * dispatcher (cp_ctl), applies config changes to the running dataplane, and
 * runs the other periodic control work (views' listeners, the key service,
 * retiring backend slots). It registers itself with EAL for an lcore id,
 * which the learned tables' writers and the RCU reclamation need.
 */
#ifndef DP_CONTROL_H
#define DP_CONTROL_H

#include <stddef.h>

#include "cp_config.h"

struct dp_daemon;

struct dp_control_conf {
	const char *socket_path;  /* NULL: the default under /run/tlslb/ */
	const char *socket_group; /* NULL: root and the daemon's user only */
	const char *metrics_listen; /* IP:PORT of the Prometheus endpoint; NULL: none */
};

struct dp_control;

/* Open the socket and start the thread. @cfg: the config the daemon runs. */
struct dp_control *dp_control_start(struct dp_daemon *d, const struct cp_config *cfg,
				    const struct dp_control_conf *conf, char *err, size_t err_len);

/* Stop the thread, close the socket (the file is removed). NULL is fine. */
void dp_control_stop(struct dp_control *c);

#endif /* DP_CONTROL_H */
