/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_commands.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cp_handlers.h"
#include "cp_queries.h"

const char *const cp_role_words[] = { "client", "server", "both", NULL };
const char *const cp_mode_words[] = { "l4", "tls", NULL };
const char *const cp_nat_words[] = { "two-arm", "full", NULL };
const char *const cp_sched_words[] = { "wrr", NULL };
const char *const cp_timeout_words[] = { "syn", "established", "closing", "reset", "neigh", "hello",
					       NULL };
const char *const cp_onoff_words[] = { "off", "on", NULL };
const char *const cp_log_level_words[] = { "emerg",  "alert", "crit", "err",
					   "warning", "notice", "info", "debug", NULL };

static const struct cp_param port_add[] = {
	[ARG_PORT_NAME] = { .meta = "NAME", .type = CP_P_NAME },
	[ARG_PORT_DEV] = { .key = "dev", .meta = "DEVICE", .type = CP_P_DEV },
	[ARG_PORT_ROLE] = { .key = "role", .type = CP_P_KEYWORD, .words = cp_role_words },
	{ .type = CP_P_END },
};

static const struct cp_param address_add[] = {
	[ARG_ADDR_PREFIX] = { .meta = "IP/LEN", .type = CP_P_PREFIX },
	[ARG_ADDR_PORT] = { .key = "port", .meta = "NAME", .type = CP_P_NAME },
	[ARG_ADDR_SNAT] = { .key = "snat", .type = CP_P_FLAG, .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param address_del[] = {
	[ARG_ADDR_DEL_IP] = { .meta = "IP", .type = CP_P_IP },
	{ .type = CP_P_END },
};

static const struct cp_param route_add[] = {
	[ARG_ROUTE_PREFIX] = { .meta = "PREFIX/LEN", .type = CP_P_PREFIX },
	[ARG_ROUTE_VIA] = { .key = "via", .meta = "IP", .type = CP_P_IP },
	[ARG_ROUTE_PORT] = { .key = "port", .meta = "NAME", .type = CP_P_NAME },
	{ .type = CP_P_END },
};

static const struct cp_param route_del[] = {
	[ARG_ROUTE_DEL_PREFIX] = { .meta = "PREFIX/LEN", .type = CP_P_PREFIX },
	{ .type = CP_P_END },
};

static const struct cp_param neigh_add[] = {
	[ARG_NEIGH_IP] = { .meta = "IP", .type = CP_P_IP },
	[ARG_NEIGH_MAC] = { .key = "lladdr", .meta = "MAC", .type = CP_P_MAC },
	[ARG_NEIGH_PORT] = { .key = "port", .meta = "NAME", .type = CP_P_NAME },
	{ .type = CP_P_END },
};

static const struct cp_param neigh_del[] = {
	[ARG_NEIGH_DEL_IP] = { .meta = "IP", .type = CP_P_IP },
	{ .type = CP_P_END },
};

static const struct cp_param service_add[] = {
	[ARG_SVC_EP] = { .meta = "VIP:PORT", .type = CP_P_ENDPOINT },
	[ARG_SVC_MODE] = { .key = "mode",
			   .type = CP_P_KEYWORD,
			   .words = cp_mode_words,
			   .optional = true },
	[ARG_SVC_NAT] = { .key = "nat",
			  .type = CP_P_KEYWORD,
			  .words = cp_nat_words,
			  .optional = true },
	[ARG_SVC_SCHED] = { .key = "sched",
			    .type = CP_P_KEYWORD,
			    .words = cp_sched_words,
			    .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param service_del[] = {
	[ARG_SVC_DEL_EP] = { .meta = "VIP:PORT", .type = CP_P_ENDPOINT },
	{ .type = CP_P_END },
};

static const struct cp_param service_set[] = {
	[ARG_SVCSET_EP] = { .meta = "VIP:PORT", .type = CP_P_ENDPOINT },
	[ARG_SVCSET_MODE] = { .key = "mode",
			      .type = CP_P_KEYWORD,
			      .words = cp_mode_words,
			      .optional = true },
	[ARG_SVCSET_SCHED] = { .key = "sched",
			       .type = CP_P_KEYWORD,
			       .words = cp_sched_words,
			       .optional = true },
	[ARG_SVCSET_LIFETIME] = { .key = "session-lifetime",
				  .meta = "S",
				  .type = CP_P_UINT,
				  .min = 1,
				  .max = 604800,
				  .optional = true },
	[ARG_SVCSET_HELLO_TIMEOUT] = { .key = "hello-timeout",
				       .meta = "S",
				       .type = CP_P_UINT,
				       .min = 0,
				       .max = 86400,
				       .optional = true },
	[ARG_SVCSET_KEYNAME_LEN] = { .key = "keyname-len",
				     .meta = "N",
				     .type = CP_P_UINT,
				     .min = 1,
				     .max = 32,
				     .optional = true },
	[ARG_SVCSET_SERVER_ID_LEN] = { .key = "server-id-len",
				       .meta = "N",
				       .type = CP_P_UINT,
				       .min = 0,
				       .max = CP_SERVER_ID_MAX,
				       .optional = true },
	[ARG_SVCSET_PSK_SERVER_ID] = { .key = "psk-server-id",
				       .type = CP_P_KEYWORD,
				       .words = cp_onoff_words,
				       .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param service_health[] = {
	[ARG_HEALTH_EP] = { .meta = "VIP:PORT", .type = CP_P_ENDPOINT },
	[ARG_HEALTH_STATE] = { .type = CP_P_KEYWORD, .words = cp_onoff_words },
	[ARG_HEALTH_INTERVAL] = { .key = "interval",
				  .meta = "MS",
				  .type = CP_P_UINT,
				  .min = 100,
				  .max = 3600000,
				  .optional = true },
	[ARG_HEALTH_TIMEOUT] = { .key = "timeout",
				 .meta = "MS",
				 .type = CP_P_UINT,
				 .min = 10,
				 .max = 3600000,
				 .optional = true },
	[ARG_HEALTH_RISE] = { .key = "rise",
			      .meta = "N",
			      .type = CP_P_UINT,
			      .min = 1,
			      .max = 10,
			      .optional = true },
	[ARG_HEALTH_FALL] = { .key = "fall",
			      .meta = "N",
			      .type = CP_P_UINT,
			      .min = 1,
			      .max = 10,
			      .optional = true },
	{ .type = CP_P_END },
};

#define BACKEND_REF                                                    \
	[ARG_BE_SVC] = { .meta = "VIP:PORT", .type = CP_P_ENDPOINT }, \
	[ARG_BE_EP] = { .meta = "IP:PORT", .type = CP_P_ENDPOINT }

#define BACKEND_WEIGHT                              \
	{                                           \
		.key = "weight", .meta = "N", .type = CP_P_UINT, .min = 0, .max = 65535, \
		.optional = true                    \
	}

#define BACKEND_NAME                                                                \
	{                                                                           \
		.key = "name", .meta = "NAME", .type = CP_P_NAME, .optional = true \
	}

static const struct cp_param backend_add[] = {
	BACKEND_REF,
	[ARG_BE_WEIGHT] = BACKEND_WEIGHT,
	[ARG_BE_NAME] = BACKEND_NAME,
	{ .type = CP_P_END },
};

static const struct cp_param backend_set[] = {
	BACKEND_REF,
	[ARG_BE_WEIGHT] = BACKEND_WEIGHT,
	[ARG_BE_NAME] = BACKEND_NAME,
	[ARG_BE_SERVER_ID] = { .key = "server-id",
			       .meta = "HEX",
			       .type = CP_P_HEX,
			       .min = 0,
			       .max = CP_SERVER_ID_MAX,
			       .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param backend_del[] = {
	BACKEND_REF,
	[ARG_BE_DEL_RESET] = { .key = "reset", .type = CP_P_FLAG, .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param backend_drain[] = {
	BACKEND_REF,
	[ARG_BE_DRAIN_RESUME] = { .key = "resumptions", .type = CP_P_FLAG, .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param backend_only[] = {
	BACKEND_REF,
	{ .type = CP_P_END },
};

static const struct cp_param set_timeout[] = {
	[ARG_SET_TIMEOUT_KIND] = { .type = CP_P_KEYWORD, .words = cp_timeout_words },
	[ARG_SET_TIMEOUT_SECS] = { .meta = "SECONDS", .type = CP_P_UINT, .min = 1, .max = 86400 },
	{ .type = CP_P_END },
};

static const struct cp_param set_limit_flows[] = {
	[ARG_SET_VALUE] = { .meta = "N", .type = CP_P_UINT, .min = 1, .max = 16u << 20 },
	{ .type = CP_P_END },
};

static const struct cp_param set_limit_neigh_queue[] = {
	[ARG_SET_VALUE] = { .meta = "N", .type = CP_P_UINT, .min = 0, .max = 4096 },
	{ .type = CP_P_END },
};

static const struct cp_param set_snat_ports[] = {
	[ARG_SET_VALUE] = { .meta = "LOW-HIGH", .type = CP_P_RANGE, .min = 1, .max = 65535 },
	{ .type = CP_P_END },
};

/* --- queries and actions (cp_queries.h has their argument indices) --- */

static const struct cp_param no_params[] = {
	{ .type = CP_P_END },
};

static const struct cp_param q_help[] = {
	[ARG_Q_HELP_WORDS] = { .meta = "COMMAND...", .type = CP_P_REST, .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param q_service[] = {
	[ARG_Q_SERVICE] = { .meta = "VIP:PORT", .type = CP_P_ENDPOINT, .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param q_stats[] = {
	[ARG_Q_STATS_LCORE] = { .key = "lcore", .type = CP_P_FLAG, .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param q_flows[] = {
	[ARG_Q_FLOWS_SERVICE] = { .key = "service",
				  .meta = "VIP:PORT",
				  .type = CP_P_ENDPOINT,
				  .optional = true },
	[ARG_Q_FLOWS_BACKEND] = { .key = "backend",
				  .meta = "IP:PORT",
				  .type = CP_P_ENDPOINT,
				  .optional = true },
	[ARG_Q_FLOWS_CLIENT] = { .key = "client", .meta = "IP", .type = CP_P_IP, .optional = true },
	[ARG_Q_FLOWS_LIMIT] = { .key = "limit",
				.meta = "N",
				.type = CP_P_UINT,
				.min = 1,
				.max = CP_Q_FLOWS_LIMIT_MAX,
				.optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param q_table[] = {
	[ARG_Q_TABLE_SERVICE] = { .meta = "VIP:PORT", .type = CP_P_ENDPOINT, .optional = true },
	[ARG_Q_TABLE_ENTRIES] = { .key = "entries",
				  .meta = "N",
				  .type = CP_P_UINT,
				  .min = 1,
				  .max = CP_Q_ENTRIES_MAX,
				  .optional = true },
	{ .type = CP_P_END },
};

static const struct cp_param q_log_level[] = {
	[ARG_Q_LOG_LEVEL] = { .type = CP_P_KEYWORD, .words = cp_log_level_words },
	{ .type = CP_P_END },
};

#define QUERY(name_, args_, q_, help_, params_)                                            \
	{                                                                                   \
		.name = (name_), .args = (args_), .handler = NULL, .help = (help_),         \
		.params = (params_), .query = (q_)                                          \
	}

/*
 * In the order `help` lists them; commands with the same first word stay
 * together (the "commands start with" hint lists each verb once). The synopses are checked against the
 * parameter lists by a unit test.
 */
static const struct cp_command commands[] = {
	{ "port add", "NAME dev DEVICE role client|server|both", cp_cmd_port_add,
	  "add a DPDK port; role client faces the clients and owns the VIPs, server faces the "
	  "backends, both is one-arm",
	  port_add },
	{ "address add", "IP/LEN port NAME [snat]", cp_cmd_address_add,
	  "give tlslb an address and its connected subnet on a port; snat: usable as a full-NAT "
	  "source (not on a client-only port)",
	  address_add },
	{ "address del", "IP", cp_cmd_address_del, "remove one of tlslb's addresses", address_del },
	{ "route add", "PREFIX/LEN via IP port NAME", cp_cmd_route_add,
	  "reach PREFIX/LEN through the gateway IP on a port (no host bits in the prefix)",
	  route_add },
	{ "route del", "PREFIX/LEN", cp_cmd_route_del, "remove a route", route_del },
	{ "neigh add", "IP lladdr MAC port NAME", cp_cmd_neigh_add,
	  "a static neighbour: IP is at unicast MAC on a port, no ARP needed", neigh_add },
	{ "neigh del", "IP", cp_cmd_neigh_del, "remove a static neighbour", neigh_del },
	{ "service add", "VIP:PORT [mode l4|tls] [nat two-arm|full] [sched wrr]",
	  cp_cmd_service_add,
	  "add a virtual service (defaults: mode l4, nat two-arm, sched wrr; nat full needs an "
	  "snat address)",
	  service_add },
	{ "service del", "VIP:PORT", cp_cmd_service_del, "remove a service and its backends",
	  service_del },
	{ "service set",
	  "VIP:PORT [mode l4|tls] [sched wrr] [session-lifetime S] [hello-timeout S] "
	  "[keyname-len N] [server-id-len N] [psk-server-id off|on]",
	  cp_cmd_service_set,
	  "change a service; mode tls: learned sessions live session-lifetime s (1..604800, "
	  "default 86400), hello-timeout s (0..86400, 0: set timeout hello), ticket key names "
	  "are keyname-len bytes (1..32, default 16), servers put a server-id-len byte ID "
	  "(0..16) first in session IDs (and PSK identities with psk-server-id on)",
	  service_set },
	{ "service health", "VIP:PORT off|on [interval MS] [timeout MS] [rise N] [fall N]",
	  cp_cmd_service_health,
	  "TCP SYN probes of the service's backends every interval ms (100..3600000, default "
	  "2000), failed after timeout ms (10..interval, 1000); rise/fall (1..10, 2/3) in a "
	  "row bring a backend up/down",
	  service_health },
	{ "backend add", "VIP:PORT IP:PORT [weight N] [name NAME]", cp_cmd_backend_add,
	  "add a backend to an existing service; weight 0..65535, default 1, 0 takes no new "
	  "flows; name labels it in show and metrics (unique in the service)",
	  backend_add },
	{ "backend set", "VIP:PORT IP:PORT [weight N] [name NAME] [server-id HEX]",
	  cp_cmd_backend_set,
	  "change a backend's weight, name, or the server ID its servers put in session IDs "
	  "(server-id-len bytes of hex, or none)",
	  backend_set },
	{ "backend drain", "VIP:PORT IP:PORT [resumptions]", cp_cmd_backend_drain,
	  "no new flows to the backend; its flows continue, and with resumptions so do "
	  "resumptions aimed at it",
	  backend_drain },
	{ "backend undrain", "VIP:PORT IP:PORT", cp_cmd_backend_undrain,
	  "end a drain: the backend takes new flows again", backend_only },
	{ "backend disable", "VIP:PORT IP:PORT", cp_cmd_backend_disable,
	  "no new flows, no resumptions and no health probes; existing flows continue",
	  backend_only },
	{ "backend enable", "VIP:PORT IP:PORT", cp_cmd_backend_enable,
	  "undo drain or disable: the backend takes new flows (when healthy)", backend_only },
	{ "backend del", "VIP:PORT IP:PORT [reset]", cp_cmd_backend_del,
	  "remove a backend from a service; its flows finish, or with reset are reset",
	  backend_del },
	{ "set timeout", "syn|established|closing|reset|neigh|hello SECONDS", cp_cmd_set_timeout,
	  "idle timeout of a flow state, the lifetime of a learned neighbour, or how long a "
	  "mode tls flow waits for its ClientHello (1..86400 s)",
	  set_timeout },
	{ "set limit flows", "N", cp_cmd_set_limit_flows,
	  "most flows tracked at once (1..16777216); new SYNs beyond it are dropped",
	  set_limit_flows },
	{ "set limit neigh-queue", "N", cp_cmd_set_limit_neigh_queue,
	  "packets held per neighbour while it is being resolved (0..4096)",
	  set_limit_neigh_queue },
	{ "set snat-ports", "LOW-HIGH", cp_cmd_set_snat_ports,
	  "source ports full-NAT allocates from (1..65535)", set_snat_ports },
	QUERY("set log level", "emerg|alert|crit|err|warning|notice|info|debug",
	      CP_Q_SET_LOG_LEVEL, "how much tlslb logs from now on (not saved)", q_log_level),
	QUERY("save", "", CP_Q_SAVE,
	      "print the running configuration as commands that load back into it", no_params),
	QUERY("help", "[COMMAND...]", CP_Q_HELP,
	      "the commands with their arguments, or those starting with COMMAND", q_help),
	QUERY("show services", "", CP_Q_SHOW_SERVICES, "the services and their settings",
	      no_params),
	QUERY("show backends", "[VIP:PORT]", CP_Q_SHOW_BACKENDS,
	      "backends: admin state, health, weight, active flows, full and resumed "
	      "handshakes, resumption rate",
	      q_service),
	QUERY("show stats", "[lcore]", CP_Q_SHOW_STATS,
	      "every counter, summed or per lcore", q_stats),
	QUERY("show flows", "[service VIP:PORT] [backend IP:PORT] [client IP] [limit N]",
	      CP_Q_SHOW_FLOWS,
	      "tracked flows matching the filters, at most limit (default 100, up to 100000)",
	      q_flows),
	QUERY("show sessions", "[VIP:PORT] [entries N]", CP_Q_SHOW_SESSIONS,
	      "learned TLS sessions per service, and up to N entries", q_table),
	QUERY("show keynames", "[VIP:PORT] [entries N]", CP_Q_SHOW_KEYNAMES,
	      "learned ticket key names per service, and up to N entries", q_table),
	QUERY("show neighbours", "", CP_Q_SHOW_NEIGHBOURS, "the neighbour table", no_params),
	QUERY("show version", "", CP_Q_SHOW_VERSION, "tlslb, DPDK and OpenSSL versions",
	      no_params),
	QUERY("show metrics", "", CP_Q_SHOW_METRICS,
	      "counters and gauges in the Prometheus text format", no_params),
	QUERY("show keys", "", CP_Q_SHOW_KEYS, "the session-ticket keys (names and ages, never "
	      "the secrets)", no_params),
	/* keys commands go here */
	QUERY("keys rotate", "[VIP:PORT]", CP_Q_KEYS_ROTATE,
	      "start a new session-ticket key now (every service, or one)", q_service),
	QUERY("clear counters", "", CP_Q_CLEAR_COUNTERS, "reset every counter to zero",
	      no_params),
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cp_command *
cp_commands(size_t *n)
{
	*n = N_COMMANDS;
	return commands;
}

/* How many words @name has, and whether they equal words[0..]. */
static unsigned
name_match(const char *name, const char *const *words, unsigned n_words, bool *full)
{
	unsigned matched = 0;
	const char *p = name;

	*full = false;
	for (;;) {
		size_t len = strcspn(p, " ");

		if (matched == n_words || strlen(words[matched]) != len ||
		    strncmp(words[matched], p, len) != 0)
			return matched;
		matched++;
		if (p[len] == '\0') {
			*full = true;
			return matched;
		}
		p += len + 1;
	}
}

static unsigned
name_words(const char *name)
{
	unsigned n = 1;

	for (; *name != '\0'; name++)
		n += *name == ' ';
	return n;
}

/*
 * Levenshtein distance, ignoring case (the grammar does not, so "PORT add"
 * deserves a suggestion); inputs are cut to 64 bytes.
 */
static unsigned
edit_distance(const char *a, const char *b)
{
	unsigned row[65];
	size_t la = strnlen(a, 64), lb = strnlen(b, 64);
	size_t i, j;

	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (tolower((unsigned char)a[i - 1]) !=
						tolower((unsigned char)b[j - 1]));

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* words[0..n) joined by spaces, cut to fit. */
static void
join_words(const char *const *words, unsigned n, char *buf, size_t len)
{
	size_t used = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? " " : "", words[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Append ", NAME" (or "NAME" first) to a suggestion list. */
static void
list_add(char *buf, size_t len, const char *name)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s\"%s\"", used ? ", " : "", name);
}

static const char *
verbs(char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < N_COMMANDS; i++) {
		size_t vlen = strcspn(commands[i].name, " ");

		if (i > 0 && strncmp(commands[i - 1].name, commands[i].name, vlen) == 0 &&
		    commands[i - 1].name[vlen] == ' ')
			continue;
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%.*s", i ? ", " : "", (int)vlen,
			 commands[i].name);
	}
	return buf;
}

static void
no_command(const char *const *words, unsigned n_words, struct cp_err *e)
{
	char typed[128], cand[128], list[512], all[256];
	unsigned best = ~0u, best_k = 1;
	size_t i;

	/* An incomplete command ("set limit") lists the commands it starts. */
	list[0] = '\0';
	for (i = 0; i < N_COMMANDS; i++) {
		bool full;

		if (name_match(commands[i].name, words, n_words, &full) == n_words)
			list_add(list, sizeof(list), commands[i].name);
	}
	join_words(words, n_words, typed, sizeof(typed));
	if (list[0] != '\0') {
		cp_errf(e, EINVAL, "incomplete command \"%s\"; one of: %s", typed, list);
		return;
	}

	/*
	 * Otherwise the nearest names, compared with as many words as each name
	 * has; the message quotes that many words, the rest are arguments.
	 */
	for (i = 0; i < N_COMMANDS; i++) {
		unsigned k = name_words(commands[i].name);
		unsigned d;

		if (k > n_words)
			k = n_words;
		join_words(words, k, cand, sizeof(cand));
		d = edit_distance(cand, commands[i].name);
		/* Short names are all near each other ("show" is 3 edits from "save"). */
		if (d * 2 >= strlen(commands[i].name))
			continue;
		if (d < best) {
			best = d;
			best_k = k;
			list[0] = '\0';
		}
		if (d == best)
			list_add(list, sizeof(list), commands[i].name);
	}
	if (best <= 3) {
		join_words(words, best_k, typed, sizeof(typed));
		cp_errf(e, EINVAL, "unknown command \"%s\"; did you mean %s?", typed, list);
		return;
	}

	/* A known verb with a wrong object ("service frob") lists what the verb takes. */
	list[0] = '\0';
	for (i = 0; i < N_COMMANDS; i++) {
		bool full;

		if (name_match(commands[i].name, words, 1, &full) == 1)
			list_add(list, sizeof(list), commands[i].name);
	}
	join_words(words, list[0] != '\0' && n_words > 1 ? 2 : 1, typed, sizeof(typed));
	if (list[0] != '\0')
		cp_errf(e, EINVAL, "unknown command \"%s\"; did you mean %s?", typed, list);
	else
		cp_errf(e, EINVAL, "unknown command \"%s\"; commands start with: %s", typed,
			verbs(all, sizeof(all)));
}

const struct cp_command *
cp_command_find(const char *const *words, unsigned n_words, unsigned *n_name, struct cp_err *e)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++) {
		bool full;
		unsigned m = name_match(commands[i].name, words, n_words, &full);

		if (full) {
			*n_name = m;
			return &commands[i];
		}
	}
	no_command(words, n_words, e);
	return NULL;
}
