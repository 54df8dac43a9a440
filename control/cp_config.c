/* SPDX-License-Identifier: BSD-3-Clause */
#include "cp_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_args.h"
#include "cp_commands.h"
#include "cp_lexer.h"

void
cp_config_init(struct cp_config *cfg)
{
	/* memset, not an initializer: padding must be zero too for byte compares. */
	memset(cfg, 0, sizeof(*cfg));
	cfg->timeouts.syn = 5;
	cfg->timeouts.established = 900;
	cfg->timeouts.closing = 30;
	cfg->timeouts.reset = 5;
	cfg->timeouts.neigh = 300;
	cfg->timeouts.hello = 5;
	cfg->limits.flows = 1u << 20;
	cfg->limits.neigh_queue = 64;
	cfg->limits.snat_port_low = 1024;
	cfg->limits.snat_port_high = 65535;
}

int
cp_config_apply_line(struct cp_config *cfg, const char *line, char *err, size_t err_len)
{
	struct cp_err e = { .buf = err, .len = err_len };
	const struct cp_command *cmd;
	struct cp_words words;
	struct cp_args args;
	unsigned n_name;
	int rc;

	if (err != NULL && err_len > 0)
		err[0] = '\0';
	rc = cp_lex(line, &words, &e);
	if (rc < 0)
		return rc;
	if (words.n == 0)
		return 0;
	cmd = cp_command_find(words.w, words.n, &n_name, &e);
	if (cmd == NULL)
		return -EINVAL;
	/* Views and actions of a running daemon mean nothing in a file. */
	if (cmd->handler == NULL)
		return cp_errf(&e, EINVAL, "%s: not a configuration command", cmd->name);
	rc = cp_args_match(cmd->params, words.w + n_name, words.n - n_name, &args, &e);
	if (rc < 0)
		return cp_err_prefix(&e, -rc, "%s: ", cmd->name);
	rc = cmd->handler(cfg, &args, &e);
	if (rc < 0)
		return cp_err_prefix(&e, -rc, "%s: ", cmd->name);
	return 0;
}

/*
 * One line of @in, without its "\n", into buf[size]. Reads at most size - 2
 * bytes so that a line too long is known without reading it all.
 * @return line length, -1 at end of file, -E2BIG for an overlong line
 */
static long
read_line(FILE *in, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	while ((c = getc(in)) != EOF && c != '\n') {
		if (n == size - 2)
			return -E2BIG;
		buf[n++] = (char)c;
	}
	if (c == EOF && n == 0)
		return -1;
	buf[n] = '\0';
	return (long)n;
}

int
cp_config_load_stream(struct cp_config *cfg, FILE *in, const char *name, char *err, size_t err_len)
{
	/* Room for CP_LINE_MAX bytes, a '\r' of a CRLF file, and the NUL. */
	char line[CP_LINE_MAX + 3];
	char reason[512];
	unsigned lineno = 0;
	int rc;

	cp_config_init(cfg);
	for (;;) {
		long n = read_line(in, line, sizeof(line));
		const char *nul;

		if (n == -1)
			break;
		lineno++;
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == -E2BIG || n > CP_LINE_MAX) {
			snprintf(err, err_len, "%s:%u: line longer than %d bytes", name, lineno,
				 CP_LINE_MAX);
			return -EINVAL;
		}
		/* A NUL would silently cut the line short for everything after us. */
		nul = memchr(line, '\0', (size_t)n);
		if (nul != NULL) {
			snprintf(err, err_len, "%s:%u: NUL byte at column %ld", name, lineno,
				 (long)(nul - line) + 1);
			return -EINVAL;
		}
		rc = cp_config_apply_line(cfg, line, reason, sizeof(reason));
		if (rc < 0) {
			snprintf(err, err_len, "%s:%u: %s", name, lineno, reason);
			return rc;
		}
	}
	if (ferror(in)) {
		snprintf(err, err_len, "%s:%u: read error", name, lineno);
		return -EIO;
	}
	/* A file starts a daemon: no flow exists yet that `backend del ... reset` could reset. */
	memset(&cfg->pending, 0, sizeof(cfg->pending));
	rc = cp_config_validate(cfg, reason, sizeof(reason));
	if (rc < 0) {
		snprintf(err, err_len, "%s: %s", name, reason);
		return rc;
	}
	return 0;
}

int
cp_config_load(struct cp_config *cfg, const char *path, char *err, size_t err_len)
{
	FILE *in = fopen(path, "r");
	int rc;

	if (in == NULL) {
		rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = cp_config_load_stream(cfg, in, path, err, err_len);
	fclose(in);
	return rc;
}

bool
cp_config_equal(const struct cp_config *a, const struct cp_config *b)
{
	unsigned i;

	if (a->n_ports != b->n_ports || a->n_addresses != b->n_addresses ||
	    a->n_routes != b->n_routes || a->n_neighs != b->n_neighs ||
	    a->n_services != b->n_services || a->n_backends != b->n_backends)
		return false;
	for (i = 0; i < a->n_ports; i++) {
		const struct cp_port *x = &a->ports[i], *y = &b->ports[i];

		if (strcmp(x->name, y->name) != 0 || strcmp(x->dev, y->dev) != 0 ||
		    x->role != y->role)
			return false;
	}
	for (i = 0; i < a->n_addresses; i++) {
		const struct cp_address *x = &a->addresses[i], *y = &b->addresses[i];

		if (!cp_ip_equal(&x->ip, &y->ip) || x->prefix_len != y->prefix_len ||
		    x->port != y->port || x->snat != y->snat)
			return false;
	}
	for (i = 0; i < a->n_routes; i++) {
		const struct cp_route *x = &a->routes[i], *y = &b->routes[i];

		if (!cp_ip_equal(&x->prefix, &y->prefix) || x->prefix_len != y->prefix_len ||
		    !cp_ip_equal(&x->gateway, &y->gateway) || x->port != y->port)
			return false;
	}
	for (i = 0; i < a->n_neighs; i++) {
		const struct cp_neigh *x = &a->neighs[i], *y = &b->neighs[i];

		if (!cp_ip_equal(&x->ip, &y->ip) || memcmp(x->mac, y->mac, sizeof(x->mac)) != 0 ||
		    x->port != y->port)
			return false;
	}
	for (i = 0; i < a->n_services; i++) {
		const struct cp_service *x = &a->services[i], *y = &b->services[i];

		if (!cp_ip_equal(&x->vip, &y->vip) || x->port != y->port || x->mode != y->mode ||
		    x->nat != y->nat || x->sched != y->sched ||
		    x->session_lifetime != y->session_lifetime ||
		    x->hello_timeout != y->hello_timeout || x->keyname_len != y->keyname_len ||
		    x->server_id_len != y->server_id_len || x->psk_server_id != y->psk_server_id ||
		    x->health.enabled != y->health.enabled ||
		    x->health.interval_ms != y->health.interval_ms ||
		    x->health.timeout_ms != y->health.timeout_ms ||
		    x->health.rise != y->health.rise || x->health.fall != y->health.fall)
			return false;
	}
	for (i = 0; i < a->n_backends; i++) {
		const struct cp_backend *x = &a->backends[i], *y = &b->backends[i];

		if (!cp_ip_equal(&x->ip, &y->ip) || x->port != y->port || x->weight != y->weight ||
		    x->service != y->service || x->admin != y->admin ||
		    x->drain_resume != y->drain_resume ||
		    strncmp(x->name, y->name, sizeof(x->name)) != 0 ||
		    memcmp(x->server_id, y->server_id, sizeof(x->server_id)) != 0)
			return false;
	}
	return a->timeouts.syn == b->timeouts.syn &&
	       a->timeouts.established == b->timeouts.established &&
	       a->timeouts.closing == b->timeouts.closing &&
	       a->timeouts.reset == b->timeouts.reset && a->timeouts.neigh == b->timeouts.neigh &&
	       a->timeouts.hello == b->timeouts.hello &&
	       a->limits.flows == b->limits.flows &&
	       a->limits.neigh_queue == b->limits.neigh_queue &&
	       a->limits.snat_port_low == b->limits.snat_port_low &&
	       a->limits.snat_port_high == b->limits.snat_port_high;
}
