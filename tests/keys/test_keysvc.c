/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key service with real tlslb-keyagent processes on 127.0.0.1, and
 * certificates made at test time with the openssl command: keys pushed, files
 * written, reload commands run, acknowledgements counted; refusals of an agent
 * from another CA, with an expired certificate, with an identity that serves
 * no backend, and one claiming another backend than its certificate's; the
 * agents come back after the service restarts and keep the keys (state file);
 * no key material in any log or in `show keys`.
 *
 * argv[1]: the tlslb-keyagent executable.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cp_addr.h"
#include "cp_config.h"
#include "cp_keyfmt.h"
#include "cp_keys.h"
#include "cp_keysvc.h"
#include "keys_reply_text.h"

static const char *agent_exe;
static char dir[64];
static char svc_log_path[128];
static FILE *svc_log;

/* Every key the manager handed out during the test, as hex (must never be logged). */
static char secrets[4096][65];
static unsigned n_secrets;

static void __attribute__((format(printf, 1, 2)))
run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, cmd);
}

/* A key pair and a certificate for CN @cn signed by @ca, valid @days (negative: expired). */
static void
make_cert(const char *ca, const char *name, const char *cn, int days)
{
	run("cd %s && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout %s.key -out %s.csr -subj /CN=%s >/dev/null 2>&1 && "
	    "openssl x509 -req -in %s.csr -CA %s.pem -CAkey %s.key -days %d -set_serial %ld "
	    "-out %s.pem >/dev/null 2>&1",
	    dir, name, name, cn, name, ca, ca, days, (long)random() % 1000000 + 2, name);
}

static void
make_ca(const char *name)
{
	run("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout %s.key -out %s.pem -subj /CN=%s -days 2 >/dev/null 2>&1",
	    dir, name, name, name);
}

static void
on_svc_log(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(svc_log, "%s\n", line);
	fflush(svc_log);
}

static void
apply(struct cp_config *cfg, const char *line)
{
	char err[256];

	if (cp_config_apply_line(cfg, line, err, sizeof(err)) != 0)
		fail_msg("\"%s\": %s", line, err);
}

struct world {
	struct cp_config *cfg;
	struct cp_keys *keys;
	struct cp_keysvc *svc;
	uint16_t port;
	char state[128];
};

static void
world_start(struct world *w, uint16_t port)
{
	struct cp_keys_ops ops = { .log = on_svc_log };
	char ca[128], cert[128], key[128];
	struct cp_keysvc_conf conf;
	int rc;

	w->keys = cp_keys_create(&ops);
	assert_non_null(w->keys);
	assert_int_equal(cp_keys_configure(w->keys, w->cfg, (uint64_t)time(NULL)), 0);
	rc = cp_keys_state_load(w->keys, w->state, (uint64_t)time(NULL));
	assert_true(rc == 0 || rc == -ENOENT);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/svc.pem", dir);
	snprintf(key, sizeof(key), "%s/svc.key", dir);
	memset(&conf, 0, sizeof(conf));
	conf.ip = cp_ip4(0x7f000001);
	conf.port = port;
	conf.ca = ca;
	conf.cert = cert;
	conf.key = key;
	conf.state = w->state;
	conf.hello_timeout_ms = 3000;
	conf.log = on_svc_log;
	w->svc = cp_keysvc_create(&conf, w->keys);
	assert_non_null(w->svc);
	w->port = cp_keysvc_port(w->svc);
}

static void
world_stop(struct world *w)
{
	cp_keysvc_free(w->svc);
	cp_keys_free(w->keys);
	w->svc = NULL;
	w->keys = NULL;
}

/* Every agent started and not yet reaped, so a failed step leaves none behind. */
static pid_t live[32];
static unsigned n_live;

/* Start an agent; its stderr goes to DIR/NAME.log. */
static pid_t
agent(const struct world *w, const char *name, const char *cert, const char *format,
      const char *extra)
{
	char cmd[4096];
	pid_t pid;

	run("mkdir -p %s/%s.out && chmod 700 %s/%s.out", dir, name, dir, name);
	snprintf(cmd, sizeof(cmd),
		 "exec %s --connect 127.0.0.1:%u --ca %s/ca.pem --cert %s/%s.pem --key %s/%s.key "
		 "--format %s --dir %s/%s.out --reload 'echo reloaded >> %s/%s.reloads%s' "
		 "--backoff-max 2 %s 2>>%s/%s.log",
		 agent_exe, w->port, dir, dir, cert, dir, cert, format, dir, name, dir, name,
		 strstr(name, "bad") != NULL ? "; exit 3" : "", extra, dir, name);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (n_live < sizeof(live) / sizeof(live[0]))
		live[n_live++] = pid;
	return pid;
}

static void
agent_stop(pid_t pid)
{
	int status;

	unsigned i;

	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	for (i = 0; i < n_live; i++)
		if (live[i] == pid)
			live[i] = live[--n_live];
}

static long
lines_in(const char *name, const char *suffix)
{
	char path[256], line[512];
	long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n++;
	fclose(f);
	return n;
}

static bool
file_has(const char *path, const char *needle)
{
	char *buf = calloc(1, 1 << 20);
	size_t n;
	bool found;
	FILE *f = fopen(path, "r");

	assert_non_null(buf);
	if (f == NULL) {
		free(buf);
		return false;
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* The member's set now; records its secrets for the final grep. */
static void
member_set(struct world *w, const char *cn, struct cp_stek *keys, struct cp_keyset *set)
{
	struct cp_keys_member_ref ref;
	uint64_t gen;
	unsigned i;

	assert_int_equal(cp_keys_member_find(w->keys, cn, &ref), 0);
	assert_int_equal(cp_keys_member_set(w->keys, ref, keys, NULL, 64, set, &gen), 0);
	for (i = 0; i < set->n && n_secrets + 2 < 4096; i++) {
		hex(keys[i].hmac, 16, secrets[n_secrets++]);
		hex(keys[i].aes, 16, secrets[n_secrets++]);
	}
}

/* Poll the service until @done says so or @secs pass. */
static bool
poll_until(struct world *w, bool (*done)(struct world *, void *), void *arg, int secs)
{
	time_t end = time(NULL) + secs;

	while (time(NULL) < end) {
		assert_int_equal(cp_keysvc_poll(w->svc, 50), 0);
		if (done(w, arg))
			return true;
	}
	return false;
}

static long reloads_wanted[2];

static bool
both_reloaded(struct world *w, void *arg)
{
	(void)w;
	(void)arg;
	return lines_in("a1", ".reloads") >= reloads_wanted[0] &&
	       lines_in("a2", ".reloads") >= reloads_wanted[1] &&
	       file_has(svc_log_path, "agent be1 holds") && file_has(svc_log_path, "agent be2 holds");
}

static bool
two_agents(struct world *ww, void *arg)
{
	unsigned conns, agents;
	uint64_t refused;

	(void)arg;
	cp_keysvc_counts(ww->svc, &conns, &agents, &refused);
	return conns == 2 && agents == 2;
}

static bool
log_has(struct world *w, void *arg)
{
	(void)w;
	return file_has(svc_log_path, arg);
}

/* The first key file of an agent holds the member's encrypting key name. */
static void
assert_files(struct world *w)
{
	struct cp_stek keys[64];
	struct cp_keyset set;
	char path[256], name[33];
	uint8_t raw[80];
	struct stat st;
	int fd;

	member_set(w, "be1", keys, &set);
	hex(keys[set.encrypt].name, 16, name);
	snprintf(path, sizeof(path), "%s/a1.out/tickets.keys", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(file_has(path, "tlslb-ticket-keys 1"));
	assert_true(file_has(path, name));
	{
		char enc[32];

		snprintf(enc, sizeof(enc), "encrypt %u\n", set.encrypt);
		assert_true(file_has(path, enc));
	}
	member_set(w, "be2", keys, &set);
	snprintf(path, sizeof(path), "%s/a2.out/ticket.0.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 80);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, raw, sizeof(raw)), 80);
	close(fd);
	assert_memory_equal(raw, keys[set.encrypt].name, 16);
	assert_memory_equal(raw + 16, keys[set.encrypt].hmac, 32);
	assert_memory_equal(raw + 48, keys[set.encrypt].aes, 32);
}

/* Shared by the steps below, which run in order. */
static struct world w;
static pid_t a1, a2;

static void
test_push(void **state)
{
	unsigned conns, agents, i;
	uint64_t refused;

	(void)state;
	memset(&w, 0, sizeof(w));
	w.cfg = malloc(sizeof(*w.cfg));
	assert_non_null(w.cfg);
	cp_config_init(w.cfg);
	apply(w.cfg, "service add 10.0.0.10:443 mode tls");
	apply(w.cfg, "backend add 10.0.0.10:443 10.1.0.11:443");
	apply(w.cfg, "backend add 10.0.0.10:443 10.1.0.12:443");
	apply(w.cfg, "keys agent 10.0.0.10:443 10.1.0.11:443 cn be1 format openssl");
	apply(w.cfg, "keys agent 10.0.0.10:443 10.1.0.12:443 cn be2 format nginx");
	snprintf(w.state, sizeof(w.state), "%s/keys.state", dir);
	world_start(&w, 0);

	/* Both agents get their sets, write them, reload, acknowledge. */
	reloads_wanted[0] = reloads_wanted[1] = 1;
	/* a1 reads its options from a config file, a2 from the command line. */
	{
		char path[256];
		FILE *f;

		snprintf(path, sizeof(path), "%s/a1.conf", dir);
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "# tlslb-keyagent for be1\nbackend 10.1.0.11:443\nbackoff-max 2\n");
		fclose(f);
		snprintf(path, sizeof(path), "--config %s/a1.conf", dir);
		a1 = agent(&w, "a1", "be1", "openssl", path);
	}
	a2 = agent(&w, "a2", "be2", "nginx", "--slots 8");
	assert_true(poll_until(&w, both_reloaded, NULL, 20));
	/* Settle: both acks in, no more pushes in flight. */
	for (i = 0; i < 10; i++)
		cp_keysvc_poll(w.svc, 50);
	cp_keysvc_counts(w.svc, &conns, &agents, &refused);
	assert_int_equal(agents, 2);
	assert_int_equal(refused, 0);
	assert_files(&w);

}

static void
test_rotate(void **state)
{
	struct cp_stek keys[64];
	struct cp_keyset set;
	uint8_t be1_enc[16];
	struct cp_ip vip = cp_ip4(0x0a00000a);
	unsigned i;

	(void)state;
	/* keys rotate: both confirmed the next keys, so it happens, and is pushed. */
	member_set(&w, "be1", keys, &set);
	memcpy(be1_enc, keys[set.encrypt].name, 16);
	reloads_wanted[0] = lines_in("a1", ".reloads") + 1;
	reloads_wanted[1] = lines_in("a2", ".reloads") + 1;
	assert_int_equal(cp_keys_rotate(w.keys, &vip, 443, (uint64_t)time(NULL)), 0);
	assert_true(poll_until(&w, both_reloaded, NULL, 20));
	for (i = 0; i < 10; i++)
		cp_keysvc_poll(w.svc, 50);
	member_set(&w, "be1", keys, &set);
	assert_memory_not_equal(keys[set.encrypt].name, be1_enc, 16);
	assert_files(&w);
	assert_int_equal(cp_keys_count(w.keys, &vip, 443), 6);

}

static void
test_refusals(void **state)
{
	pid_t bad;
	unsigned conns, agents, i;
	uint64_t refused, refused_before;

	(void)state;
	/* Refusals: another CA, expired, an identity with no backend, a wrong backend claim. */
	{
		static const struct {
			const char *name, *cert, *format, *extra, *expect;
		} bads[] = {
			{ "rogue", "rogue", "openssl", "", "certificate refused" },
			{ "expired", "expired", "openssl", "", "certificate has expired" },
			{ "unknown", "be9", "openssl", "", "identity \"be9\" serves no backend" },
			{ "wrong", "be2", "nginx", "--backend 10.1.0.11:443",
			  "identity \"be2\" serves backend 10.1.0.12:443, the agent says it serves "
			  "10.1.0.11:443" },
		};

		for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
			char path[256];
			struct stat st;

			cp_keysvc_counts(w.svc, &conns, &agents, &refused_before);
			bad = agent(&w, bads[i].name, bads[i].cert, bads[i].format, bads[i].extra);
			if (!poll_until(&w, log_has, (void *)bads[i].expect, 15))
				fail_msg("no refusal \"%s\" in the log", bads[i].expect);
			agent_stop(bad);
			cp_keysvc_counts(w.svc, &conns, &agents, &refused);
			print_message("# refused %s: %llu -> %llu\n", bads[i].name,
				      (unsigned long long)refused_before,
				      (unsigned long long)refused);
			assert_true(refused > refused_before);
			/* It got nothing. */
			snprintf(path, sizeof(path), "%s/%s.out/tickets.keys", dir, bads[i].name);
			assert_int_not_equal(stat(path, &st), 0);
			snprintf(path, sizeof(path), "%s/%s.out/ticket.0.key", dir, bads[i].name);
			assert_int_not_equal(stat(path, &st), 0);
		}
		/* "wrong" was refused at its HELLO, before it could displace a2 (same identity). */
		for (i = 0; i < 5; i++)
			cp_keysvc_poll(w.svc, 50);
		cp_keysvc_counts(w.svc, &conns, &agents, &refused);
		assert_int_equal(agents, 2);
	}

	/* TLS 1.2 with a good certificate: the key channel is TLS 1.3 only. */
	{
		char cmd[1024];
		pid_t pid;
		int status;

		snprintf(cmd, sizeof(cmd),
			 "exec openssl s_client -tls1_2 -connect 127.0.0.1:%u -cert %s/be1.pem "
			 "-key %s/be1.key -CAfile %s/ca.pem </dev/null >%s/tls12.log 2>&1",
			 w.port, dir, dir, dir, dir);
		cp_keysvc_counts(w.svc, &conns, &agents, &refused_before);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		assert_true(poll_until(&w, log_has, (void *)"unsupported protocol", 10));
		waitpid(pid, &status, 0);
		cp_keysvc_counts(w.svc, &conns, &agents, &refused);
		assert_int_equal(refused, refused_before + 1);
	}

	/* Not TLS at all, and a connection that never says anything. */
	{
		struct sockaddr_in sa = { .sin_family = AF_INET,
					  .sin_port = htons(w.port),
					  .sin_addr.s_addr = htonl(0x7f000001) };
		int plain = socket(AF_INET, SOCK_STREAM, 0), silent = socket(AF_INET, SOCK_STREAM, 0);

		assert_int_equal(connect(plain, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(connect(silent, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(write(plain, "GET / HTTP/1.0\r\n\r\n", 18), 18);
		cp_keysvc_counts(w.svc, &conns, &agents, &refused_before);
		assert_true(poll_until(&w, log_has, (void *)"no HELLO within 3000 ms", 10));
		cp_keysvc_counts(w.svc, &conns, &agents, &refused);
		assert_int_equal(refused, refused_before + 2);
		assert_int_equal(conns, 2); /* only the two agents left */
		close(plain);
		close(silent);
	}

}

static void
test_service_restart(void **state)
{
	struct cp_stek keys[64];
	struct cp_keyset set;
	uint8_t be1_enc[16];
	unsigned conns, agents, i;
	uint64_t refused;

	(void)state;
	/* The service restarts: agents reconnect, keys are the same as before. */
	member_set(&w, "be1", keys, &set);
	memcpy(be1_enc, keys[set.encrypt].name, 16);
	{
		uint16_t port = w.port;

		world_stop(&w);
		sleep(1);
		world_start(&w, port);
	}
	reloads_wanted[0] = lines_in("a1", ".reloads") + 1;
	reloads_wanted[1] = lines_in("a2", ".reloads") + 1;
	assert_true(poll_until(&w, both_reloaded, NULL, 30));
	for (i = 0; i < 10; i++)
		cp_keysvc_poll(w.svc, 50);
	cp_keysvc_counts(w.svc, &conns, &agents, &refused);
	assert_int_equal(agents, 2);
	member_set(&w, "be1", keys, &set);
	assert_memory_equal(keys[set.encrypt].name, be1_enc, 16);
	assert_files(&w);
	{
		struct stat st;

		assert_int_equal(stat(w.state, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}

}

static void
test_reload_failure(void **state)
{
	struct cp_stek keys[64];
	struct cp_keyset set;
	uint8_t be1_enc[16];
	struct cp_ip vip = cp_ip4(0x0a00000a);
	unsigned i;

	(void)state;
	/*
	 * be2's server cannot reload: its agent reports the error instead of an
	 * ack, so be2 never confirms the next keys and rotation waits for it.
	 */
	agent_stop(a2);
	for (i = 0; i < 5; i++)
		cp_keysvc_poll(w.svc, 50);
	member_set(&w, "be1", keys, &set);
	memcpy(be1_enc, keys[set.encrypt].name, 16);
	a2 = agent(&w, "a2bad", "be2", "nginx", "");
	assert_true(poll_until(&w, log_has, (void *)"agent be2 failed gen", 20));
	assert_int_equal(cp_keys_rotate(w.keys, &vip, 443, (uint64_t)time(NULL)), 0);
	for (i = 0; i < 10; i++)
		cp_keysvc_poll(w.svc, 50);
	member_set(&w, "be1", keys, &set);
	assert_memory_equal(keys[set.encrypt].name, be1_enc, 16);
	assert_true(file_has(svc_log_path, "rotation due, waiting for be2"));
	/* Gone, it no longer holds rotation up. */
	agent_stop(a2);
	for (i = 0; i < 10; i++)
		cp_keysvc_poll(w.svc, 50);
	member_set(&w, "be1", keys, &set);
	assert_memory_not_equal(keys[set.encrypt].name, be1_enc, 16);
	a2 = agent(&w, "a2", "be2", "nginx", "--slots 8");

}

static void
test_no_key_material(void **state)
{
	struct cp_reply *r;
	unsigned i;

	(void)state;
	/* a2 came back at the end of test_reload_failure: let it settle. */
	assert_true(poll_until(&w, two_agents, NULL, 15));
	for (i = 0; i < 10; i++)
		cp_keysvc_poll(w.svc, 50);
	/* show keys names the keys and the agents, and holds no key material. */
	r = cp_reply_new();
	assert_int_equal(cp_keysvc_q_show(w.svc, w.cfg, NULL, r, NULL), 0);
	{
		char *json;
		size_t len;

		assert_int_equal(cp_reply_render(r, CP_REPLY_JSON, &json, &len), 0);
		assert_non_null(strstr(json, "\"connections\":2,\"agents\":2,\"refused\":0,"));
		free(json);
	}
	{
		FILE *f;
		char path[256];

		snprintf(path, sizeof(path), "%s/show.txt", dir);
		f = fopen(path, "w");
		fputs(keys_reply_text(r), f);
		fclose(f);
		{
			/* TAP: every line a comment. */
			const char *line = keys_reply_text(r);

			while (*line != '\0') {
				size_t len = strcspn(line, "\n");

				print_message("# %.*s\n", (int)len, line);
				line += len + (line[len] == '\n');
			}
		}
		assert_non_null(strstr(keys_reply_text(r), "be1"));
		assert_non_null(strstr(keys_reply_text(r), "per-server"));
	}
	cp_reply_free(r);

	agent_stop(a1);
	agent_stop(a2);
	world_stop(&w);

	/* Not one key in any log or in show keys. */
	static const char *const logs[] = { "svc.log",	 "a1.log",	"a2.log",
					    "a2bad.log",	 "rogue.log",	"expired.log",
					    "unknown.log", "wrong.log",	"a3.log",
					    "hp1.log",	 "hp2.log" };

	assert_true(n_secrets > 20);
	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		char path[256];
		unsigned j;

		snprintf(path, sizeof(path), "%s/%s", dir, logs[i]);
		for (j = 0; j < n_secrets; j++)
			if (file_has(path, secrets[j]))
				fail_msg("key material %s found in %s", secrets[j], path);
	}
	{
		char path[256];
		unsigned j;

		snprintf(path, sizeof(path), "%s/show.txt", dir);
		for (j = 0; j < n_secrets; j++)
			assert_false(file_has(path, secrets[j]));
	}
	/* The logs say what happened. */
	assert_true(file_has(svc_log_path, "agent be1 (127.0.0.1:"));
	free(w.cfg);
	w.cfg = NULL;
}

/*
 * The state file cannot be written: no key reaches an agent (a key a server
 * uses must survive a restart of tlslb), and the log says why.
 */
static void
test_state_unwritable(void **state)
{
	struct world bad;
	pid_t a3;
	unsigned i;

	(void)state;
	memset(&bad, 0, sizeof(bad));
	bad.cfg = malloc(sizeof(*bad.cfg));
	assert_non_null(bad.cfg);
	cp_config_init(bad.cfg);
	apply(bad.cfg, "service add 10.0.0.20:443 mode tls");
	apply(bad.cfg, "backend add 10.0.0.20:443 10.1.0.21:443");
	apply(bad.cfg, "keys agent 10.0.0.20:443 10.1.0.21:443 cn be1 format openssl");
	snprintf(bad.state, sizeof(bad.state), "%s/no-such-dir/keys.state", dir);
	world_start(&bad, 0);
	a3 = agent(&bad, "a3", "be1", "openssl", "");
	assert_true(poll_until(&bad, log_has, (void *)"up for backend 10.1.0.21:443", 15));
	for (i = 0; i < 20; i++)
		cp_keysvc_poll(bad.svc, 50);
	assert_true(file_has(svc_log_path, "no-such-dir/keys.state: No such file or directory; "
					   "new keys are held back"));
	{
		struct cp_reply *r = cp_reply_new();

		assert_int_equal(cp_keysvc_q_show(bad.svc, bad.cfg, NULL, r, NULL), 0);
		assert_non_null(strstr(keys_reply_text(r),
				       "write failed: No such file or directory; new keys held back"));
		cp_reply_free(r);
	}
	assert_int_equal(lines_in("a3", ".reloads"), 0);
	agent_stop(a3);
	world_stop(&bad);
	free(bad.cfg);
}

static bool
hp_reloaded(struct world *hw, void *arg)
{
	const long *want = arg;

	(void)hw;
	return lines_in("hp1", ".reloads") >= want[0] && lines_in("hp2", ".reloads") >= want[1];
}

/*
 * HAProxy servers: policy auto turns fleet-shared (HAProxy decrypts with its
 * last 3 lines), each file holds previous, current, next with the current one
 * on line 2 (HAProxy encrypts with the penultimate), the same on both servers.
 */
static void
test_haproxy_fleet(void **state)
{
	struct cp_ip vip = cp_ip4(0x0a00001e);
	struct cp_stek keys[64], f1[8], f2[8];
	struct cp_keyset set;
	struct world hw;
	char path[256], why[256];
	struct cp_err err = { .buf = why, .len = sizeof(why) };
	long want[2] = { 1, 1 };
	unsigned n1, n2, i;
	pid_t h1, h2;

	(void)state;
	memset(&hw, 0, sizeof(hw));
	hw.cfg = malloc(sizeof(*hw.cfg));
	assert_non_null(hw.cfg);
	cp_config_init(hw.cfg);
	apply(hw.cfg, "service add 10.0.0.30:443 mode tls");
	apply(hw.cfg, "backend add 10.0.0.30:443 10.1.0.31:443");
	apply(hw.cfg, "backend add 10.0.0.30:443 10.1.0.32:443");
	apply(hw.cfg, "keys agent 10.0.0.30:443 10.1.0.31:443 cn hp1 format haproxy");
	apply(hw.cfg, "keys agent 10.0.0.30:443 10.1.0.32:443 cn hp2 format haproxy");
	snprintf(hw.state, sizeof(hw.state), "%s/hp.state", dir);
	world_start(&hw, 0);
	assert_int_equal(cp_keys_policy(hw.keys, &vip, 443), CP_KEYS_POLICY_FLEET_SHARED);
	h1 = agent(&hw, "hp1", "hp1", "haproxy", "");
	h2 = agent(&hw, "hp2", "hp2", "haproxy", "");
	assert_true(poll_until(&hw, hp_reloaded, want, 20));
	for (i = 0; i < 10; i++)
		cp_keysvc_poll(hw.svc, 50);

	/* Rotate twice: previous, current, next all exist. */
	for (i = 0; i < 2; i++) {
		want[0] = lines_in("hp1", ".reloads") + 1;
		want[1] = lines_in("hp2", ".reloads") + 1;
		assert_int_equal(cp_keys_rotate(hw.keys, &vip, 443, (uint64_t)time(NULL)), 0);
		assert_true(poll_until(&hw, hp_reloaded, want, 20));
		for (n1 = 0; n1 < 10; n1++)
			cp_keysvc_poll(hw.svc, 50);
	}
	assert_int_equal(cp_keys_count(hw.keys, &vip, 443), 3);
	member_set(&hw, "hp1", keys, &set);
	assert_int_equal(set.n, 3);
	assert_int_equal(set.encrypt, 1);
	snprintf(path, sizeof(path), "%s/hp1.out/tls-ticket-keys", dir);
	assert_int_equal(cp_keyfmt_read_haproxy(path, f1, 8, &n1, &err), 0);
	snprintf(path, sizeof(path), "%s/hp2.out/tls-ticket-keys", dir);
	assert_int_equal(cp_keyfmt_read_haproxy(path, f2, 8, &n2, &err), 0);
	assert_int_equal(n1, 3);
	assert_int_equal(n2, 3);
	for (i = 0; i < 3; i++) {
		assert_memory_equal(f1[i].name, keys[i].name, 16);
		assert_memory_equal(f1[i].aes, keys[i].aes, 32);
		assert_memory_equal(f1[i].hmac, keys[i].hmac, 32);
		assert_memory_equal(&f1[i], &f2[i], sizeof(f1[i]));
	}
	agent_stop(h1);
	agent_stop(h2);
	world_stop(&hw);
	free(hw.cfg);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_keysvc.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	make_ca("ca");
	make_ca("otherca");
	make_cert("ca", "svc", "tlslb-keys", 2);
	make_cert("ca", "be1", "be1", 2);
	make_cert("ca", "be2", "be2", 2);
	make_cert("ca", "be9", "be9", 2);
	make_cert("ca", "hp1", "hp1", 2);
	make_cert("ca", "hp2", "hp2", 2);
	make_cert("otherca", "rogue", "be1", 2);
	make_cert("ca", "expired", "be1", -1);
	snprintf(svc_log_path, sizeof(svc_log_path), "%s/svc.log", dir);
	svc_log = fopen(svc_log_path, "w");
	return svc_log == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	while (n_live > 0)
		agent_stop(live[0]);
	if (w.svc != NULL)
		world_stop(&w);
	free(w.cfg);
	w.cfg = NULL;
	if (svc_log != NULL)
		fclose(svc_log);
	if (getenv("KEEP_TEST_DIR") == NULL)
		run("rm -rf %s", dir);
	else
		fprintf(stderr, "# kept %s\n", dir);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push),	     cmocka_unit_test(test_rotate),
		cmocka_unit_test(test_refusals),     cmocka_unit_test(test_service_restart),
		cmocka_unit_test(test_reload_failure), cmocka_unit_test(test_state_unwritable),
		cmocka_unit_test(test_haproxy_fleet),  cmocka_unit_test(test_no_key_material),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s TLSLB-KEYAGENT\n", argv[0]);
		return 2;
	}
	agent_exe = argv[1];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
