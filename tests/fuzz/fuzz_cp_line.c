/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for cp_ctl_exec(), the control plane's entry point for a
 * command line from the socket.
 *
 * The input is split on '\n' into lines run one after the other on a daemon
 * started from a realistic config (two services, full NAT, health, a drain),
 * so the fuzzer can build up state. A fake apply hook stands for the
 * dataplane (it refuses some configs, as a real one may), fake query hooks
 * answer the show commands from the running config. Broken promises abort:
 *  - a failed command, and any query, leaves cp_config_save() output
 *    byte-identical; a failure has a non-empty one-line reason and an errno;
 *  - a config command that succeeded leaves a config that
 *    cp_config_validate() accepts, that is canonical (unused slots zero,
 *    backends grouped by service), and whose save output loads back into an
 *    equal config that saves identically;
 *  - the apply hook only ever sees validated configs, and the log one line;
 *  - the config file's path agrees with the runtime one: a line that
 *    cp_config_apply_line() + cp_config_validate() refuse is refused by
 *    cp_ctl_exec() with the same errno and reason (the command's name in
 *    front of validate's), one they accept leads to an equal config unless
 *    the fake dataplane refuses it;
 *  - every successful reply renders as text (no NUL inside) and as strict
 *    JSON; `save` answers exactly what cp_config_save() prints.
 * `show version` answers with a reply built by a small interpreter over the
 * raw input bytes (control characters, bytes above 0x7f, misuse of the
 * builder included), to push the renderer further than command lines can.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_commands.h"
#include "cp_config.h"
#include "cp_ctl.h"
#include "cp_lexer.h"
#include "cp_queries.h"
#include "cp_reply.h"
#include "fuzz_json.h"

/* Lines run per input: enough to build state, few enough to stay fast. */
#define MAX_LINES 48
/* Rows a fake query answers at most, whatever limit it is given. */
#define MAX_ROWS 40
/* Builder operations the `show version` interpreter runs at most. */
#define MAX_REPLY_OPS 256
#define REASON_LEN 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_cp_line: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                                            \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* Where the daemon starts: the example config grown by what it leaves out. */
static const char *const base_lines[] = {
	"port add client dev net_af_packet0,iface=tlslb-c role client",
	"port add server dev net_af_packet1,iface=tlslb-s role server",
	"address add 10.99.0.1/24 port client",
	"address add 10.99.1.1/24 port server",
	"address add 10.99.2.1/24 port server snat",
	"route add 192.0.2.0/24 via 10.99.0.254 port client",
	"neigh add 10.99.1.11 lladdr 02:00:00:99:01:0b port server",
	"set timeout syn 5",
	"set timeout established 900",
	"set timeout hello 5",
	"set limit flows 1048576",
	"service add 10.99.0.10:443 mode l4 nat two-arm sched wrr",
	("service set 10.99.0.10:443 session-lifetime 86400 hello-timeout 0 keyname-len 16 "
	 "server-id-len 0"),
	"backend add 10.99.0.10:443 10.99.1.11:443 weight 1 name s1",
	"backend add 10.99.0.10:443 10.99.1.12:443 weight 1 name s2",
	"service add 10.99.0.20:8443 mode tls nat full",
	"service set 10.99.0.20:8443 server-id-len 2 psk-server-id on",
	"service health 10.99.0.20:8443 on interval 1000 timeout 500 rise 2 fall 3",
	"backend add 10.99.0.20:8443 10.99.1.21:443 weight 3 name a",
	"backend add 10.99.0.20:8443 10.99.2.22:443",
	"backend set 10.99.0.20:8443 10.99.1.21:443 server-id 0a0b",
	"backend drain 10.99.0.20:8443 10.99.2.22:443 resumptions",
};

/* Configs are large (hundreds of KiB): kept off the stack, made once. */
static struct cp_config *base_config, *loaded_config, *file_config;

/* What one input's hooks saw. */
static struct {
	const uint8_t *data; /* the raw input, for `show version` */
	size_t len;
	bool applied;       /* the apply hook said yes for the current line */
	bool reply_misused; /* the current reply was built wrong on purpose */
} run;

/* ---- helpers ------------------------------------------------------------ */

static char *
save_text(const struct cp_config *cfg, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	CHECK(f != NULL);
	CHECK(cp_config_save(cfg, f) == 0);
	CHECK(fclose(f) == 0);
	return text;
}

static void
check_reason(int rc, const char *reason)
{
	CHECK(rc < 0 && rc > -4096);
	CHECK(reason[0] != '\0');
	CHECK(strchr(reason, '\n') == NULL);
	CHECK(strchr(reason, '\r') == NULL);
}

/* As large as the largest array of a config; memcmp beats an instrumented byte loop. */
static const uint8_t zeros[sizeof(((struct cp_config *)0)->backends)];

static bool
all_zero(const void *p, size_t n)
{
	return n <= sizeof(zeros) && memcmp(p, zeros, n) == 0;
}

/* What the header promises of every config the grammar builds. */
static void
check_canonical(const struct cp_config *cfg)
{
	unsigned i;

	CHECK(cfg->n_ports <= CP_MAX_PORTS && cfg->n_addresses <= CP_MAX_ADDRESSES);
	CHECK(cfg->n_routes <= CP_MAX_ROUTES && cfg->n_neighs <= CP_MAX_NEIGHS);
	CHECK(cfg->n_services <= CP_MAX_SERVICES && cfg->n_backends <= CP_MAX_BACKENDS);
	CHECK(all_zero(&cfg->ports[cfg->n_ports],
		       (CP_MAX_PORTS - cfg->n_ports) * sizeof(cfg->ports[0])));
	CHECK(all_zero(&cfg->addresses[cfg->n_addresses],
		       (CP_MAX_ADDRESSES - cfg->n_addresses) * sizeof(cfg->addresses[0])));
	CHECK(all_zero(&cfg->routes[cfg->n_routes],
		       (CP_MAX_ROUTES - cfg->n_routes) * sizeof(cfg->routes[0])));
	CHECK(all_zero(&cfg->neighs[cfg->n_neighs],
		       (CP_MAX_NEIGHS - cfg->n_neighs) * sizeof(cfg->neighs[0])));
	CHECK(all_zero(&cfg->services[cfg->n_services],
		       (CP_MAX_SERVICES - cfg->n_services) * sizeof(cfg->services[0])));
	CHECK(all_zero(&cfg->backends[cfg->n_backends],
		       (CP_MAX_BACKENDS - cfg->n_backends) * sizeof(cfg->backends[0])));
	for (i = 0; i < cfg->n_backends; i++) {
		CHECK(cfg->backends[i].service < cfg->n_services);
		if (i > 0)
			CHECK(cfg->backends[i - 1].service <= cfg->backends[i].service);
	}
	for (i = 0; i < cfg->n_addresses; i++)
		CHECK(cfg->addresses[i].port < cfg->n_ports);
	for (i = 0; i < cfg->n_routes; i++)
		CHECK(cfg->routes[i].port < cfg->n_ports);
	for (i = 0; i < cfg->n_neighs; i++)
		CHECK(cfg->neighs[i].port < cfg->n_ports);
}

/* A config that succeeded: valid, canonical, and `save` reproduces it. */
static void
check_round_trip(const struct cp_config *cfg, const char *text, size_t len)
{
	char err[512] = "";
	char *again;
	size_t again_len;
	FILE *in;

	CHECK(cp_config_validate(cfg, err, sizeof(err)) == 0);
	check_canonical(cfg);
	in = fmemopen((void *)text, len, "r");
	CHECK(in != NULL);
	if (cp_config_load_stream(loaded_config, in, "saved", err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_cp_line: save output does not load: %s\n%s", err, text);
		abort();
	}
	fclose(in);
	CHECK(cp_config_equal(cfg, loaded_config));
	again = save_text(loaded_config, &again_len);
	CHECK(again_len == len && memcmp(again, text, len) == 0);
	free(again);
}

/* ---- fake dataplane ------------------------------------------------------ */

/* The configs the fake dataplane refuses, as one out of memory would. */
static bool
unlucky(const struct cp_config *cfg)
{
	unsigned i;

	for (i = 0; i < cfg->n_backends; i++)
		if (cfg->backends[i].weight == 13)
			return true;
	return false;
}

static int
fake_apply(void *ctx, const struct cp_config *next, struct cp_err *e)
{
	char err[512];

	(void)ctx;
	CHECK(cp_config_validate(next, err, sizeof(err)) == 0);
	CHECK(next->pending.n_resets <= CP_MAX_PENDING_RESETS);
	if (unlucky(next))
		return cp_errf(e, EBUSY, "fake dataplane: weight 13 is unlucky");
	run.applied = true;
	return 0;
}

static void
fake_log(void *ctx, const char *line)
{
	(void)ctx;
	CHECK(strncmp(line, "config applied: ", 16) == 0);
	CHECK(strchr(line, '\n') == NULL);
}

static const struct cp_service *
find_service(const struct cp_config *cfg, const struct cp_value *v, unsigned *idx)
{
	unsigned i;

	for (i = 0; i < cfg->n_services; i++) {
		if (cp_ip_equal(&cfg->services[i].vip, &v->ip) &&
		    cfg->services[i].port == v->port) {
			*idx = i;
			return &cfg->services[i];
		}
	}
	return NULL;
}

static int
no_service(const struct cp_value *v, struct cp_err *e)
{
	char ep[CP_ENDPOINT_STRLEN];

	return cp_errf(e, ENOENT, "no service %s",
		       cp_endpoint_str(&v->ip, v->port, ep, sizeof(ep)));
}

static int
q_services(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	   struct cp_err *e)
{
	static const char *const cols[] = { "service", "mode", "backends", "health", "rate" };
	char ep[CP_ENDPOINT_STRLEN];
	unsigned i, j, n;

	(void)ctx;
	(void)args;
	(void)e;
	cp_reply_table(out, "services", 5, cols);
	for (i = 0; i < cfg->n_services; i++) {
		const struct cp_service *sv = &cfg->services[i];

		for (j = 0, n = 0; j < cfg->n_backends; j++)
			n += cfg->backends[j].service == i;
		cp_reply_str(out, cp_endpoint_str(&sv->vip, sv->port, ep, sizeof(ep)));
		cp_reply_str(out, sv->mode == CP_MODE_TLS ? "tls" : "l4");
		cp_reply_u64(out, n);
		cp_reply_bool(out, sv->health.enabled);
		/* No backend: no rate, which JSON must show as null. */
		cp_reply_double(out, n ? (double)sv->port / n : 0.0 / 0.0, sv->keyname_len % 6);
	}
	return 0;
}

static int
q_backends(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	   struct cp_err *e)
{
	static const char *const cols[] = { "backend", "name", "weight", "admin", "server_id" };
	const struct cp_value *filter = args->set[ARG_Q_SERVICE] ? &args->v[ARG_Q_SERVICE] : NULL;
	char ep[CP_ENDPOINT_STRLEN];
	unsigned i, svc = 0;

	(void)ctx;
	if (filter != NULL && find_service(cfg, filter, &svc) == NULL)
		return no_service(filter, e);
	cp_reply_table(out, "backends", 5, cols);
	for (i = 0; i < cfg->n_backends && cp_reply_rows(out) < MAX_ROWS; i++) {
		const struct cp_backend *b = &cfg->backends[i];

		if (filter != NULL && b->service != svc)
			continue;
		cp_reply_str(out, cp_endpoint_str(&b->ip, b->port, ep, sizeof(ep)));
		cp_reply_str(out, b->name);
		cp_reply_u64(out, b->weight);
		cp_reply_i64(out, -(int64_t)b->admin);
		cp_reply_strf(out, "%02x%02x", b->server_id[0], b->server_id[1]);
	}
	return 0;
}

static int
q_stats(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	struct cp_err *e)
{
	static const char *const cols[] = { "lcore", "counter", "value" };
	unsigned lcores = args->set[ARG_Q_STATS_LCORE] ? 3 : 1, l;

	(void)ctx;
	(void)e;
	cp_reply_table(out, "stats", 3, cols);
	for (l = 0; l < lcores; l++) {
		cp_reply_u64(out, l);
		cp_reply_str(out, "flows");
		cp_reply_u64(out, UINT64_MAX - cfg->n_backends);
	}
	cp_reply_textf(out, "note", "summed over %u lcores\n", lcores);
	return 0;
}

static int
q_flows(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	struct cp_err *e)
{
	static const char *const cols[] = { "client", "backend", "state" };
	uint32_t limit = args->set[ARG_Q_FLOWS_LIMIT] ? args->v[ARG_Q_FLOWS_LIMIT].u
						      : CP_Q_FLOWS_LIMIT_DEFAULT;
	char ep[CP_ENDPOINT_STRLEN], ip[CP_IPV4_STRLEN];
	unsigned i, svc;

	(void)ctx;
	if (args->set[ARG_Q_FLOWS_SERVICE] &&
	    find_service(cfg, &args->v[ARG_Q_FLOWS_SERVICE], &svc) == NULL)
		return no_service(&args->v[ARG_Q_FLOWS_SERVICE], e);
	CHECK(limit >= 1 && limit <= CP_Q_FLOWS_LIMIT_MAX);
	cp_reply_table(out, "flows", 3, cols);
	for (i = 0; i < cfg->n_backends && i < limit && i < MAX_ROWS; i++) {
		const struct cp_backend *b = &cfg->backends[i];

		cp_reply_str(out,
			     args->set[ARG_Q_FLOWS_CLIENT]
				     ? cp_ip_str(&args->v[ARG_Q_FLOWS_CLIENT].ip, ip, sizeof(ip))
				     : "198.51.100.7");
		cp_reply_str(out, cp_endpoint_str(&b->ip, b->port, ep, sizeof(ep)));
		cp_reply_str(out, "established");
	}
	return 0;
}

static int
q_table(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	struct cp_err *e)
{
	static const char *const counts[] = { "service", "entries" };
	static const char *const entries[] = { "key", "backend" };
	uint32_t n = args->set[ARG_Q_TABLE_ENTRIES] ? args->v[ARG_Q_TABLE_ENTRIES].u : 0;
	char ep[CP_ENDPOINT_STRLEN];
	unsigned i, svc = 0;

	(void)ctx;
	if (args->set[ARG_Q_TABLE_SERVICE] &&
	    find_service(cfg, &args->v[ARG_Q_TABLE_SERVICE], &svc) == NULL)
		return no_service(&args->v[ARG_Q_TABLE_SERVICE], e);
	CHECK(n <= CP_Q_ENTRIES_MAX);
	cp_reply_table(out, "counts", 2, counts);
	for (i = 0; i < cfg->n_services; i++) {
		cp_reply_str(out, cp_endpoint_str(&cfg->services[i].vip, cfg->services[i].port, ep,
						  sizeof(ep)));
		cp_reply_u64(out, i * 1000u);
	}
	if (n == 0)
		return 0;
	cp_reply_table(out, "entries", 2, entries);
	for (i = 0; i < n && i < MAX_ROWS; i++) {
		cp_reply_strf(out, "%032x", i);
		cp_reply_str(out, cfg->n_backends ? cfg->backends[i % cfg->n_backends].name : "");
	}
	return 0;
}

static int
q_neighbours(void *ctx, const struct cp_config *cfg, const struct cp_args *args,
	     struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = { "ip", "lladdr", "port", "static" };
	char ip[CP_IPV4_STRLEN];
	unsigned i;

	(void)ctx;
	(void)args;
	(void)e;
	cp_reply_table(out, "neighbours", 4, cols);
	for (i = 0; i < cfg->n_neighs && i < MAX_ROWS; i++) {
		const struct cp_neigh *nb = &cfg->neighs[i];

		cp_reply_str(out, cp_ip_str(&nb->ip, ip, sizeof(ip)));
		cp_reply_strf(out, "%02x:%02x:%02x:%02x:%02x:%02x", nb->mac[0], nb->mac[1],
			      nb->mac[2], nb->mac[3], nb->mac[4], nb->mac[5]);
		cp_reply_str(out, cfg->ports[nb->port].name);
		cp_reply_bool(out, true);
	}
	return 0;
}

static int
q_metrics(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	  struct cp_err *e)
{
	unsigned i;

	(void)ctx;
	(void)args;
	(void)e;
	cp_reply_textf(out, "metrics", "# TYPE tlslb_backend_weight gauge\n");
	for (i = 0; i < cfg->n_backends && i < MAX_ROWS; i++)
		cp_reply_textf(out, "metrics", "tlslb_backend_weight{backend=\"%s\"} %u\n",
			       cfg->backends[i].name, cfg->backends[i].weight);
	return 0;
}

static int
q_rotate(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	 struct cp_err *e)
{
	unsigned svc;

	(void)ctx;
	(void)out;
	if (args->set[ARG_Q_SERVICE] && find_service(cfg, &args->v[ARG_Q_SERVICE], &svc) == NULL)
		return no_service(&args->v[ARG_Q_SERVICE], e);
	return 0; /* an empty reply: text "", JSON {} */
}

static int
q_log_level(void *ctx, const struct cp_config *cfg, const struct cp_args *args,
	    struct cp_reply *out, struct cp_err *e)
{
	(void)ctx;
	(void)cfg;
	(void)e;
	cp_reply_textf(out, "log", "log level %s", cp_log_level_words[args->v[ARG_Q_LOG_LEVEL].u]);
	return 0;
}

static int
q_fail(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
       struct cp_err *e)
{
	(void)ctx;
	(void)cfg;
	(void)args;
	/* A handler that filled part of a reply before failing: the reply is dropped. */
	cp_reply_textf(out, "partial", "half");
	return cp_errf(e, EIO, "fake dataplane: counters are busy");
}

/* ---- `show version`: a reply built from the raw input bytes --------------- */

struct byte_reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t
next_byte(struct byte_reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

/* Up to @p max bytes (the next byte says how many) as a C string: may be empty,
 * may hold any byte but NUL. */
static void
next_string(struct byte_reader *r, char *buf, size_t max)
{
	size_t n = next_byte(r) % max, i, j = 0;

	for (i = 0; i < n; i++) {
		uint8_t b = next_byte(r);

		if (b != 0)
			buf[j++] = (char)b;
	}
	buf[j] = '\0';
}

static uint64_t
next_u64(struct byte_reader *r)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < 8; i++)
		v = v << 8 | next_byte(r);
	return v;
}

static int
q_version(void *ctx, const struct cp_config *cfg, const struct cp_args *args, struct cp_reply *out,
	  struct cp_err *e)
{
	struct byte_reader r = { run.data, run.len };
	char cols[CP_REPLY_COLS_MAX + 2][16];
	const char *colp[CP_REPLY_COLS_MAX + 2];
	char name[24], text[64];
	unsigned op, n, i;
	double d;
	uint64_t bits;

	(void)ctx;
	(void)cfg;
	(void)args;
	(void)e;
	/* The program follows the first NUL (after the lines), or is the whole input. */
	{
		const uint8_t *nul = memchr(run.data, 0, run.len);

		if (nul != NULL) {
			r.p = nul + 1;
			r.left = run.len - (size_t)(nul + 1 - run.data);
		}
	}
	run.reply_misused = true; /* the program may misuse the builder: render may refuse */
	for (op = 0; op < MAX_REPLY_OPS && r.left > 0; op++) {
		switch (next_byte(&r) % 8) {
		case 0:
			next_string(&r, name, sizeof(name));
			n = next_byte(&r) % (CP_REPLY_COLS_MAX + 2);
			for (i = 0; i < n; i++) {
				next_string(&r, cols[i], sizeof(cols[i]));
				colp[i] = cols[i];
			}
			/* 0 or too many columns, or a name used twice: misuse, on purpose. */
			cp_reply_table(out, name, n, colp);
			break;
		case 1:
			next_string(&r, text, sizeof(text));
			cp_reply_str(out, text);
			break;
		case 2:
			cp_reply_u64(out, next_u64(&r));
			break;
		case 3:
			cp_reply_i64(out, (int64_t)next_u64(&r));
			break;
		case 4:
			bits = next_u64(&r);
			memcpy(&d, &bits, sizeof(d));
			cp_reply_double(out, d, next_byte(&r) % 20);
			break;
		case 5:
			cp_reply_bool(out, next_byte(&r) & 1);
			break;
		case 6:
			next_string(&r, name, sizeof(name));
			next_string(&r, text, sizeof(text));
			cp_reply_textf(out, name, "%s", text);
			break;
		default:
			next_string(&r, text, sizeof(text));
			cp_reply_strf(out, "<%s>", text);
			break;
		}
	}
	if (op == 0)
		cp_reply_textf(out, "version", "tlslb fuzz");
	return 0;
}

/* ---- one line ------------------------------------------------------------ */

static bool
is_save(const char *line)
{
	static struct cp_words w;
	char reason[64];
	struct cp_err e = { reason, sizeof(reason) };

	return cp_lex(line, &w, &e) == 0 && w.n == 1 && strcmp(w.w[0], "save") == 0;
}

/* The command @p line names, or NULL (empty, not lexed, unknown). */
static const struct cp_command *
command_of(const char *line)
{
	static struct cp_words w;
	char reason[REASON_LEN];
	struct cp_err e = { reason, sizeof(reason) };
	unsigned n_name;

	if (cp_lex(line, &w, &e) < 0 || w.n == 0)
		return NULL;
	return cp_command_find(w.w, w.n, &n_name, &e);
}

/* What the config file's path makes of @p line on the running config. */
struct file_verdict {
	bool compared; /* false: a query, the file path has nothing to say */
	int rc;        /* what cp_ctl_exec() must return (-EBUSY: up to the fake dataplane) */
	char reason[REASON_LEN];
};

static void
file_path(const struct cp_config *running, const char *line, struct file_verdict *v)
{
	const struct cp_command *cmd = command_of(line);
	char why[REASON_LEN];

	memset(v, 0, sizeof(*v));
	if (cmd != NULL && cmd->query != CP_Q_NONE)
		return;
	v->compared = true;
	memcpy(file_config, running, sizeof(*file_config));
	v->rc = cp_config_apply_line(file_config, line, v->reason, sizeof(v->reason));
	if (v->rc < 0 || cmd == NULL)
		return;
	v->rc = cp_config_validate(file_config, why, sizeof(why));
	if (v->rc < 0) {
		snprintf(v->reason, sizeof(v->reason), "%s: %s", cmd->name, why);
		return;
	}
	if (unlucky(file_config)) {
		v->rc = -EBUSY;
		snprintf(v->reason, sizeof(v->reason), "%s: fake dataplane: weight 13 is unlucky",
			 cmd->name);
	}
}

static void
check_same_verdict(const struct file_verdict *v, int rc, const char *reason,
		   const struct cp_config *running, const char *line)
{
	if (!v->compared)
		return;
	if (rc != v->rc || (rc < 0 && strcmp(reason, v->reason) != 0)) {
		fprintf(stderr,
			"fuzz_cp_line: \"%s\": runtime says %d \"%s\", the config file path %d \"%s\"\n",
			line, rc, rc < 0 ? reason : "", v->rc, v->rc < 0 ? v->reason : "");
		abort();
	}
	if (rc == 0)
		CHECK(cp_config_equal(running, file_config));
}

static void
check_reply(const struct cp_reply *reply, const char *line, const char *saved, size_t saved_len)
{
	char *text = NULL, *json = NULL;
	size_t text_len = 0, json_len = 0;
	int rc_text, rc_json;

	rc_text = cp_reply_render(reply, CP_REPLY_TEXT, &text, &text_len);
	rc_json = cp_reply_render(reply, CP_REPLY_JSON, &json, &json_len);
	CHECK(rc_text == rc_json);
	if (rc_text < 0) {
		CHECK(run.reply_misused);
		CHECK(rc_text == -EINVAL || rc_text == -ENOMEM);
		CHECK(text == NULL && json == NULL);
		return;
	}
	CHECK(text != NULL && json != NULL);
	CHECK(strlen(text) == text_len && strlen(json) == json_len);
	/* Padding never ends a line (the hooks' cells have no blanks; programs' may). */
	if (!run.reply_misused)
		CHECK(strstr(text, " \n") == NULL && (text_len == 0 || text[text_len - 1] != ' '));
	if (!fuzz_json_object_valid(json, json_len)) {
		fprintf(stderr, "fuzz_cp_line: invalid JSON for \"%s\":\n%s\n", line, json);
		abort();
	}
	if (is_save(line))
		CHECK(text_len == saved_len && memcmp(text, saved, saved_len) == 0);
	free(text);
	free(json);
}

static void
run_line(struct cp_ctl *ctl, const char *line, char **saved, size_t *saved_len)
{
	char reason[REASON_LEN] = "";
	struct cp_err e = { reason, sizeof(reason) };
	struct cp_reply *reply = cp_reply_new();
	struct file_verdict verdict;
	char *now;
	size_t now_len;
	int rc;

	CHECK(reply != NULL);
	file_path(cp_ctl_config(ctl), line, &verdict);
	run.applied = false;
	run.reply_misused = false;
	rc = cp_ctl_exec(ctl, line, reply, &e);
	check_same_verdict(&verdict, rc, reason, cp_ctl_config(ctl), line);
	if (rc < 0) {
		check_reason(rc, reason);
		CHECK(!run.applied);
	} else {
		CHECK(rc == 0);
		check_reply(reply, line, *saved, *saved_len);
	}
	cp_reply_free(reply);

	now = save_text(cp_ctl_config(ctl), &now_len);
	if (rc == 0 && run.applied) {
		check_round_trip(cp_ctl_config(ctl), now, now_len);
		free(*saved);
		*saved = now;
		*saved_len = now_len;
		return;
	}
	/* Refused, or a query: nothing changed, to the byte. */
	if (now_len != *saved_len || memcmp(now, *saved, now_len) != 0) {
		fprintf(stderr, "fuzz_cp_line: \"%s\" (rc %d) changed the config\n", line, rc);
		abort();
	}
	free(now);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];
	size_t i;

	(void)argc;
	(void)argv;
	base_config = malloc(sizeof(*base_config));
	loaded_config = malloc(sizeof(*loaded_config));
	file_config = malloc(sizeof(*file_config));
	CHECK(base_config != NULL && loaded_config != NULL && file_config != NULL);
	cp_config_init(base_config);
	for (i = 0; i < sizeof(base_lines) / sizeof(base_lines[0]); i++) {
		if (cp_config_apply_line(base_config, base_lines[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "fuzz_cp_line: base config line \"%s\": %s\n",
				base_lines[i], err);
			abort();
		}
	}
	if (cp_config_validate(base_config, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_cp_line: base config: %s\n", err);
		abort();
	}
	memset(&base_config->pending, 0, sizeof(base_config->pending));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct cp_ctl_ops ops = { .apply = fake_apply, .log = fake_log };
	struct cp_ctl *ctl;
	char *lines, *line, *saved;
	size_t saved_len, start;
	unsigned n = 0;

	ops.query[CP_Q_SHOW_SERVICES].fn = q_services;
	ops.query[CP_Q_SHOW_BACKENDS].fn = q_backends;
	ops.query[CP_Q_SHOW_STATS].fn = q_stats;
	ops.query[CP_Q_SHOW_FLOWS].fn = q_flows;
	ops.query[CP_Q_SHOW_SESSIONS].fn = q_table;
	ops.query[CP_Q_SHOW_KEYNAMES].fn = q_table;
	ops.query[CP_Q_SHOW_NEIGHBOURS].fn = q_neighbours;
	ops.query[CP_Q_SHOW_VERSION].fn = q_version;
	ops.query[CP_Q_SHOW_METRICS].fn = q_metrics;
	/* CP_Q_SHOW_KEYS left out: "not available in this build". */
	ops.query[CP_Q_KEYS_ROTATE].fn = q_rotate;
	ops.query[CP_Q_CLEAR_COUNTERS].fn = q_fail;
	ops.query[CP_Q_SET_LOG_LEVEL].fn = q_log_level;

	run.data = data;
	run.len = len;
	ctl = cp_ctl_create(base_config, &ops);
	CHECK(ctl != NULL);
	saved = save_text(cp_ctl_config(ctl), &saved_len);

	/* A copy with a NUL after every line; a NUL inside a line ends it early, as in C. */
	lines = malloc(len + 1);
	CHECK(lines != NULL);
	memcpy(lines, data, len);
	lines[len] = '\0';
	for (start = 0; start <= len && n < MAX_LINES; n++) {
		char *nl = memchr(lines + start, '\n', len - start);

		line = lines + start;
		if (nl != NULL)
			*nl = '\0';
		run_line(ctl, line, &saved, &saved_len);
		if (nl == NULL)
			break;
		start = (size_t)(nl - lines) + 1;
	}
	free(lines);
	free(saved);
	cp_ctl_free(ctl);
	return 0;
}
