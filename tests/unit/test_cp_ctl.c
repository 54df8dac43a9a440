/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dispatcher with fake daemon hooks: config commands reach the apply hook
 * whole and validated, and any failure leaves the running config as it was
 * (compared through `save`); queries reach their hooks; `save` and `help` are
 * answered from the model and the command table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "cp_addr.h"
#include "cp_ctl.h"
#include "cp_queries.h"
#include "cp_test_util.h"

#define N CP_TEST_N

/* What the fake daemon saw. */
struct fake {
	unsigned applies;
	int fail_apply;        /* 0, or the errno the next applies fail with */
	struct cp_config last; /* the config of the last apply call */
	unsigned logs;
	char log[8][256];
	unsigned queries[CP_Q__COUNT];
	struct cp_args last_args;
	const struct cp_config *query_running;
	int fail_query; /* errno the query hooks fail with, or 0 */
};

static struct fake fk;
static struct cp_config base;

static int
fake_apply(void *ctx, const struct cp_config *next, struct cp_err *e)
{
	struct fake *f = ctx;

	f->applies++;
	memcpy(&f->last, next, sizeof(*next));
	if (f->fail_apply)
		return cp_errf(e, f->fail_apply, "dataplane says no");
	return 0;
}

static void
fake_log(void *ctx, const char *line)
{
	struct fake *f = ctx;

	snprintf(f->log[f->logs % N(f->log)], sizeof(f->log[0]), "%s", line);
	f->logs++;
}

/* Every query hook: count, remember, answer with a one-row table naming its id. */
static int
fake_query(void *ctx, const struct cp_config *running, const struct cp_args *args,
	   struct cp_reply *out, struct cp_err *e)
{
	static const char *const cols[] = { "query" };
	enum cp_query *id = ctx;

	fk.queries[*id]++;
	fk.last_args = *args;
	fk.query_running = running;
	if (fk.fail_query)
		return cp_errf(e, fk.fail_query, "hook failed");
	cp_reply_table(out, "q", 1, cols);
	cp_reply_u64(out, *id);
	return 0;
}

static enum cp_query ids[CP_Q__COUNT];

static struct cp_ctl_ops
fake_ops(bool with_queries)
{
	struct cp_ctl_ops ops = { .ctx = &fk, .apply = fake_apply, .log = fake_log };
	unsigned q;

	for (q = 0; q < CP_Q__COUNT; q++) {
		ids[q] = (enum cp_query)q;
		if (with_queries && q != CP_Q_SAVE && q != CP_Q_HELP)
			ops.query[q] = (struct cp_query_hook){ fake_query, &ids[q] };
	}
	return ops;
}

static int
setup(void **state)
{
	char err[256];

	(void)state;
	memset(&fk, 0, sizeof(fk));
	cp_test_base_config(&base);
	if (cp_config_validate(&base, err, sizeof(err)) != 0)
		fail_msg("base config: %s", err);
	return 0;
}

/* Run @line; the rendered text answer (malloc'ed) in *@text when not NULL. */
static int
exec(struct cp_ctl *c, const char *line, char *err, size_t err_len, char **text)
{
	struct cp_reply *r = cp_reply_new();
	struct cp_err e = { .buf = err, .len = err_len };
	size_t len;
	int rc;

	assert_non_null(r);
	err[0] = '\0';
	rc = cp_ctl_exec(c, line, r, &e);
	if (text != NULL)
		assert_int_equal(cp_reply_render(r, CP_REPLY_TEXT, text, &len), 0);
	cp_reply_free(r);
	return rc;
}

struct bad_case {
	const char *line;
	int rc;
	const char *reason;
	bool reaches_apply; /* only with fail_apply */
};

static const struct bad_case bad[] = {
	{ "frob", -EINVAL,
	  "unknown command \"frob\"; commands start with: port, address, route, neigh, service, "
	  "backend, set, save, help, show, keys, clear" },
	{ "backend add 10.0.0.10:443", -EINVAL, "backend add: missing IP:PORT" },
	{ "backend add 10.0.0.10:443 10.1.0.12:443 weight x", -EINVAL,
	  "backend add: weight \"x\": not a decimal number" },
	{ "backend add 10.0.0.10:443 10.1.0.11:443", -EEXIST,
	  "backend add: backend 10.1.0.11:443 exists in service 10.0.0.10:443" },
	/* Each line is fine alone; the whole config is not. */
	{ "backend add 10.0.0.10:443 172.16.0.1:443", -EINVAL,
	  "backend add: service 10.0.0.10:443: backend 172.16.0.1:443: no address or route "
	  "reaches it" },
	{ "address del 10.1.0.1", -EINVAL,
	  "address del: route 192.168.0.0/16 via 10.1.0.254: gateway not on a subnet of port "
	  "\"s\"" },
	{ "backend del 10.0.0.10:443 10.1.0.99:443 reset", -ENOENT,
	  "backend del: no backend 10.1.0.99:443 in service 10.0.0.10:443" },
	{ "service set 10.0.0.10:443", -EINVAL,
	  "service set: nothing to set (options: mode, sched, session-lifetime, hello-timeout, "
	  "keyname-len, server-id-len, psk-server-id)" },
	{ "show flows limit 0", -EINVAL, "show flows: limit \"0\": out of range 1..100000" },
	{ "save now", -EINVAL, "save: unexpected \"now\" (no more arguments)" },
	{ "line with a \x01 control byte", -EINVAL, "control character 0x01 at column 13" },
};

static void
test_bad_changes_nothing(void **state)
{
	struct cp_ctl_ops ops = fake_ops(true);
	struct cp_ctl *c = cp_ctl_create(&base, &ops);
	char *before, *after, err[512];
	size_t i;

	(void)state;
	assert_non_null(c);
	before = cp_test_save(cp_ctl_config(c));
	for (i = 0; i < N(bad); i++) {
		int rc = exec(c, bad[i].line, err, sizeof(err), NULL);

		print_message("# %s -> %s\n", bad[i].line, err);
		assert_int_equal(rc, bad[i].rc);
		assert_string_equal(err, bad[i].reason);
		after = cp_test_save(cp_ctl_config(c));
		assert_string_equal(before, after);
		free(after);
	}
	/* Nothing reached the daemon. */
	assert_int_equal(fk.applies, 0);
	assert_int_equal(fk.logs, 0);
	for (i = 0; i < CP_Q__COUNT; i++)
		assert_int_equal(fk.queries[i], 0);
	assert_true(cp_config_equal(cp_ctl_config(c), &base));
	free(before);
	cp_ctl_free(c);
}

static void
test_apply(void **state)
{
	struct cp_ctl_ops ops = fake_ops(false);
	struct cp_ctl *c = cp_ctl_create(&base, &ops);
	const struct cp_config *run;
	char *before, *after, err[512], *text;

	(void)state;
	assert_non_null(c);
	/* Blank lines and comments do nothing and answer nothing. */
	assert_int_equal(exec(c, "   # just a comment", err, sizeof(err), &text), 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(fk.applies, 0);

	/* A good command: applied with the change, then running; logged without the comment. */
	assert_int_equal(exec(c, "backend  add 10.0.0.10:443\t10.1.0.12:443 weight 3 name s2 # x",
			      err, sizeof(err), &text),
			 0);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(fk.applies, 1);
	assert_int_equal(fk.last.n_backends, 2);
	assert_int_equal(fk.last.backends[1].weight, 3);
	assert_string_equal(fk.last.backends[1].name, "s2");
	run = cp_ctl_config(c);
	assert_true(cp_config_equal(run, &fk.last));
	assert_int_equal(fk.logs, 1);
	assert_string_equal(
		fk.log[0],
		"config applied: backend add 10.0.0.10:443 10.1.0.12:443 weight 3 name s2");

	/* A failing apply changes nothing and says why, prefixed by the command. */
	before = cp_test_save(cp_ctl_config(c));
	fk.fail_apply = EBUSY;
	assert_int_equal(
		exec(c, "backend drain 10.0.0.10:443 10.1.0.12:443", err, sizeof(err), NULL),
		-EBUSY);
	assert_string_equal(err, "backend drain: dataplane says no");
	assert_int_equal(fk.applies, 2);
	/* The hook did see the change it refused. */
	assert_int_equal(fk.last.backends[1].admin, CP_ADMIN_DRAINING);
	after = cp_test_save(cp_ctl_config(c));
	assert_string_equal(before, after);
	free(after);
	assert_int_equal(cp_ctl_config(c)->backends[1].admin, CP_ADMIN_ENABLED);
	assert_int_equal(fk.logs, 1);

	/* Once the dataplane agrees, the same command goes through. */
	fk.fail_apply = 0;
	assert_int_equal(
		exec(c, "backend drain 10.0.0.10:443 10.1.0.12:443", err, sizeof(err), NULL), 0);
	assert_int_equal(cp_ctl_config(c)->backends[1].admin, CP_ADMIN_DRAINING);
	after = cp_test_save(cp_ctl_config(c));
	assert_string_not_equal(before, after);
	free(after);
	free(before);
	cp_ctl_free(c);
}

static void
test_pending_resets(void **state)
{
	struct cp_ctl_ops ops = fake_ops(false);
	struct cp_ctl *c;
	char err[512];
	struct cp_config *init = malloc(sizeof(*init));

	(void)state;
	assert_non_null(init);
	/* Whatever pending the initial config carries is not replayed. */
	memcpy(init, &base, sizeof(*init));
	cp_test_apply(init, (const char *const[]){
				    "backend add 10.0.0.10:443 10.1.0.12:443",
				    "backend add 10.0.0.10:443 10.1.0.13:8443",
				    "backend del 10.0.0.10:443 10.1.0.13:8443 reset",
				    NULL,
			    });
	assert_int_equal(init->pending.n_resets, 1);
	c = cp_ctl_create(init, &ops);
	assert_non_null(c);
	assert_int_equal(cp_ctl_config(c)->pending.n_resets, 0);

	/* del without reset: no pending reset. */
	assert_int_equal(exec(c, "backend del 10.0.0.10:443 10.1.0.12:443", err, sizeof(err), NULL),
			 0);
	assert_int_equal(fk.last.pending.n_resets, 0);

	/* del reset: the hook sees it, the running config does not keep it. */
	assert_int_equal(
		exec(c, "backend del 10.0.0.10:443 10.1.0.11:443 reset", err, sizeof(err), NULL),
		0);
	assert_int_equal(fk.applies, 2);
	assert_int_equal(fk.last.pending.n_resets, 1);
	assert_int_equal(cp_ip4_host(&fk.last.pending.reset[0].vip), 0x0a00000a);
	assert_int_equal(fk.last.pending.reset[0].vport, 443);
	assert_int_equal(cp_ip4_host(&fk.last.pending.reset[0].ip), 0x0a01000b);
	assert_int_equal(fk.last.pending.reset[0].port, 443);
	assert_int_equal(fk.last.n_backends, 0);
	assert_int_equal(cp_ctl_config(c)->pending.n_resets, 0);

	/* The next command does not replay it. */
	assert_int_equal(exec(c, "backend add 10.0.0.10:443 10.1.0.11:443", err, sizeof(err), NULL),
			 0);
	assert_int_equal(fk.last.pending.n_resets, 0);

	/* A refused apply of a reset leaves nothing pending either. */
	fk.fail_apply = EIO;
	assert_int_equal(
		exec(c, "backend del 10.0.0.10:443 10.1.0.11:443 reset", err, sizeof(err), NULL),
		-EIO);
	assert_int_equal(fk.last.pending.n_resets, 1);
	assert_int_equal(cp_ctl_config(c)->pending.n_resets, 0);
	assert_int_equal(cp_ctl_config(c)->n_backends, 1);
	cp_ctl_free(c);

	/* Without an apply hook the model changes and pending is still dropped. */
	c = cp_ctl_create(&base, NULL);
	assert_non_null(c);
	assert_int_equal(
		exec(c, "backend del 10.0.0.10:443 10.1.0.11:443 reset", err, sizeof(err), NULL),
		0);
	assert_int_equal(cp_ctl_config(c)->n_backends, 0);
	assert_int_equal(cp_ctl_config(c)->pending.n_resets, 0);
	cp_ctl_free(c);
	free(init);
}

struct query_case {
	const char *line;
	enum cp_query id;
};

static const struct query_case queries[] = {
	{ "show services", CP_Q_SHOW_SERVICES },
	{ "show backends", CP_Q_SHOW_BACKENDS },
	{ "show backends 10.0.0.10:443", CP_Q_SHOW_BACKENDS },
	{ "show stats", CP_Q_SHOW_STATS },
	{ "show stats lcore", CP_Q_SHOW_STATS },
	{ "show flows", CP_Q_SHOW_FLOWS },
	{ "show flows client 10.0.0.99 limit 100000 backend 10.1.0.11:443", CP_Q_SHOW_FLOWS },
	{ "show sessions", CP_Q_SHOW_SESSIONS },
	{ "show sessions entries 5", CP_Q_SHOW_SESSIONS },
	{ "show keynames 10.0.0.10:443 entries 7", CP_Q_SHOW_KEYNAMES },
	{ "show neighbours", CP_Q_SHOW_NEIGHBOURS },
	{ "show version", CP_Q_SHOW_VERSION },
	{ "show metrics", CP_Q_SHOW_METRICS },
	{ "show keys", CP_Q_SHOW_KEYS },
	{ "keys rotate", CP_Q_KEYS_ROTATE },
	{ "keys rotate 10.0.0.10:80", CP_Q_KEYS_ROTATE },
	{ "clear counters", CP_Q_CLEAR_COUNTERS },
	{ "set log level debug", CP_Q_SET_LOG_LEVEL },
};

static void
test_query_dispatch(void **state)
{
	struct cp_ctl_ops ops = fake_ops(true);
	struct cp_ctl *c = cp_ctl_create(&base, &ops);
	const struct cp_args *a = &fk.last_args;
	unsigned seen[CP_Q__COUNT] = { 0 };
	char err[512], *text, want[64];
	size_t i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < N(queries); i++) {
		print_message("# %s\n", queries[i].line);
		assert_int_equal(exec(c, queries[i].line, err, sizeof(err), &text), 0);
		seen[queries[i].id]++;
		assert_memory_equal(fk.queries, seen, sizeof(seen));
		assert_ptr_equal(fk.query_running, cp_ctl_config(c));
		snprintf(want, sizeof(want), "query\n%5u\n", (unsigned)queries[i].id);
		assert_string_equal(text, want);
		free(text);
	}
	assert_int_equal(fk.applies, 0);

	/* The arguments arrive parsed, indexed as cp_queries.h says. */
	assert_int_equal(exec(c, "show flows client 10.0.0.99 limit 7", err, sizeof(err), NULL), 0);
	assert_false(a->set[ARG_Q_FLOWS_SERVICE]);
	assert_false(a->set[ARG_Q_FLOWS_BACKEND]);
	assert_true(a->set[ARG_Q_FLOWS_CLIENT]);
	assert_int_equal(cp_ip4_host(&a->v[ARG_Q_FLOWS_CLIENT].ip), 0x0a000063);
	assert_true(a->set[ARG_Q_FLOWS_LIMIT]);
	assert_int_equal(a->v[ARG_Q_FLOWS_LIMIT].u, 7);
	assert_int_equal(exec(c, "show sessions 10.0.0.10:443 entries 9", err, sizeof(err), NULL),
			 0);
	assert_true(a->set[ARG_Q_TABLE_SERVICE]);
	assert_int_equal(a->v[ARG_Q_TABLE_SERVICE].port, 443);
	assert_int_equal(a->v[ARG_Q_TABLE_ENTRIES].u, 9);
	assert_int_equal(exec(c, "show backends", err, sizeof(err), NULL), 0);
	assert_false(a->set[ARG_Q_SERVICE]);
	assert_int_equal(exec(c, "show stats lcore", err, sizeof(err), NULL), 0);
	assert_true(a->set[ARG_Q_STATS_LCORE]);
	assert_int_equal(exec(c, "set log level warning", err, sizeof(err), NULL), 0);
	assert_string_equal(cp_log_level_words[a->v[ARG_Q_LOG_LEVEL].u], "warning");
	assert_int_equal(a->v[ARG_Q_LOG_LEVEL].u, 4); /* LOG_WARNING */

	/* A hook's failure comes back with the command in front. */
	fk.fail_query = EAGAIN;
	assert_int_equal(exec(c, "keys rotate", err, sizeof(err), NULL), -EAGAIN);
	assert_string_equal(err, "keys rotate: hook failed");
	fk.fail_query = 0;
	/* Argument errors never reach the hook. */
	memset(seen, 0, sizeof(seen));
	memcpy(seen, fk.queries, sizeof(seen));
	assert_int_equal(exec(c, "set log level loud", err, sizeof(err), NULL), -EINVAL);
	assert_string_equal(err, "set log level: \"loud\": expected emerg, alert, crit, err, "
				 "warning, notice, info or debug");
	assert_int_equal(exec(c, "show backends 10.0.0.10", err, sizeof(err), NULL), -EINVAL);
	assert_memory_equal(fk.queries, seen, sizeof(seen));
	cp_ctl_free(c);
}

static void
test_missing_hooks(void **state)
{
	struct cp_ctl_ops ops = fake_ops(false);
	struct cp_ctl *c = cp_ctl_create(&base, &ops);
	char err[512], line[128];
	size_t i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < N(queries); i++) {
		const char *sp;

		assert_int_equal(exec(c, queries[i].line, err, sizeof(err), NULL), -ENOTSUP);
		/* "NAME: not available in this build", NAME being the command's words. */
		sp = strstr(err, ": not available in this build");
		assert_non_null(sp);
		snprintf(line, sizeof(line), "%.*s", (int)(sp - err), err);
		assert_int_equal(strncmp(queries[i].line, line, strlen(line)), 0);
	}
	/* save and help need no hook. */
	assert_int_equal(exec(c, "save", err, sizeof(err), NULL), 0);
	assert_int_equal(exec(c, "help", err, sizeof(err), NULL), 0);
	cp_ctl_free(c);
}

static void
test_save(void **state)
{
	struct cp_ctl_ops ops = fake_ops(false);
	struct cp_ctl *c = cp_ctl_create(&base, &ops);
	struct cp_reply *r = cp_reply_new();
	struct cp_err e = { 0 };
	char *want, *json, *text, err[512];
	size_t len;

	(void)state;
	assert_non_null(c);
	assert_int_equal(exec(c, "service set 10.0.0.10:443 mode tls server-id-len 2", err,
			      sizeof(err), NULL),
			 0);
	assert_int_equal(exec(c, "backend set 10.0.0.10:443 10.1.0.11:443 server-id 0a0B", err,
			      sizeof(err), NULL),
			 0);
	want = cp_test_save(cp_ctl_config(c));
	assert_non_null(strstr(want, "backend set 10.0.0.10:443 10.1.0.11:443 server-id 0a0b\n"));
	assert_int_equal(exec(c, "save", err, sizeof(err), &text), 0);
	assert_string_equal(text, want);
	free(text);

	/* JSON: one member "config" holding the same text. */
	assert_int_equal(cp_ctl_exec(c, "save", r, &e), 0);
	assert_int_equal(cp_reply_render(r, CP_REPLY_JSON, &json, &len), 0);
	assert_int_equal(strncmp(json, "{\"config\":\"port add c dev net_ring0 role client\\n", 49),
			 0);
	assert_non_null(
		strstr(json, "\\nbackend set 10.0.0.10:443 10.1.0.11:443 server-id 0a0b\\n"));
	assert_int_equal(strcmp(json + strlen(json) - 5, "\\n\"}\n"), 0);
	free(json);
	cp_reply_free(r);
	free(want);
	cp_ctl_free(c);
}

/* How many times "\nNAME ARGS\n" or a leading "NAME ARGS\n" appears in @text. */
static unsigned
count_entry(const char *text, const struct cp_command *cmd)
{
	char entry[512];
	const char *p = text;
	unsigned n = 0;
	size_t len;

	snprintf(entry, sizeof(entry), "%s%s%s\n    %s\n", cmd->name, cmd->args[0] ? " " : "",
		 cmd->args, cmd->help);
	len = strlen(entry);
	while ((p = strstr(p, entry)) != NULL) {
		if (p == text || p[-1] == '\n')
			n++;
		p += len;
	}
	return n;
}

static void
test_help(void **state)
{
	struct cp_ctl *c = cp_ctl_create(&base, NULL);
	size_t n, i;
	const struct cp_command *t = cp_commands(&n);
	char err[512], *text;
	unsigned backend = 0, listed;

	(void)state;
	assert_non_null(c);
	/* Every command of the table, once. */
	assert_int_equal(exec(c, "help", err, sizeof(err), &text), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(count_entry(text, &t[i]), 1);
		backend += strncmp(t[i].name, "backend ", 8) == 0;
	}
	assert_true(backend >= 7);
	free(text);

	/* A verb lists its commands and nothing else. */
	assert_int_equal(exec(c, "help backend", err, sizeof(err), &text), 0);
	listed = 0;
	for (i = 0; i < n; i++) {
		unsigned k = count_entry(text, &t[i]);

		assert_int_equal(k, strncmp(t[i].name, "backend ", 8) == 0);
		listed += k;
	}
	assert_int_equal(listed, backend);
	free(text);

	/* A whole command, with or without arguments after it. */
	assert_int_equal(exec(c, "help show flows", err, sizeof(err), &text), 0);
	assert_string_equal(
		strtok(text, "\n"),
		"show flows [service VIP:PORT] [backend IP:PORT] [client IP] [limit N]");
	assert_null(strstr(strtok(NULL, ""), "\nshow"));
	free(text);
	assert_int_equal(exec(c, "help save", err, sizeof(err), &text), 0);
	assert_int_equal(strncmp(text, "save\n    print", 14), 0);
	free(text);
	assert_int_equal(exec(c, "help backend add 10.0.0.10:443", err, sizeof(err), &text), 0);
	assert_int_equal(strncmp(text, "backend add VIP:PORT IP:PORT [weight N] [name NAME]\n", 52),
			 0);
	free(text);

	/* Nothing of that name: the reason suggests what exists. */
	assert_int_equal(exec(c, "help bakend add", err, sizeof(err), NULL), -EINVAL);
	assert_string_equal(err,
			    "help: unknown command \"bakend add\"; did you mean \"backend add\"?");
	assert_int_equal(exec(c, "help show flws", err, sizeof(err), NULL), -EINVAL);
	assert_string_equal(err,
			    "help: unknown command \"show flws\"; did you mean \"show flows\"?");
	cp_ctl_free(c);
}

static void
test_queries_not_in_files(void **state)
{
	static const char file[] = "port add c dev net_ring0 role client\n"
				   "# comment\n"
				   "show services\n";
	struct cp_config *cfg = malloc(sizeof(*cfg));
	char err[512];
	size_t n, i;
	const struct cp_command *t = cp_commands(&n);
	FILE *in = fmemopen((void *)file, sizeof(file) - 1, "r");

	(void)state;
	assert_non_null(cfg);
	assert_non_null(in);
	assert_int_equal(cp_config_load_stream(cfg, in, "x.conf", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "x.conf:3: show services: not a configuration command");
	fclose(in);

	/* Every query of the table, whatever its arguments. */
	for (i = 0; i < n; i++) {
		char want[128];

		if (t[i].query == CP_Q_NONE)
			continue;
		cp_config_init(cfg);
		assert_int_equal(cp_config_apply_line(cfg, t[i].name, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "%s: not a configuration command", t[i].name);
		assert_string_equal(err, want);
	}
	free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bad_changes_nothing, setup),
		cmocka_unit_test_setup(test_apply, setup),
		cmocka_unit_test_setup(test_pending_resets, setup),
		cmocka_unit_test_setup(test_query_dispatch, setup),
		cmocka_unit_test_setup(test_missing_hooks, setup),
		cmocka_unit_test_setup(test_save, setup),
		cmocka_unit_test_setup(test_help, setup),
		cmocka_unit_test_setup(test_queries_not_in_files, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
