/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ticket-key manager (control/cp_keys.c) driven by a fake clock: rotation
 * order and its confirmations, unreachable agents, retention and destruction,
 * both policies, `keys rotate`, the restart through the state file, and the
 * keys commands of the grammar.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cp_addr.h"
#include "cp_args.h"
#include "cp_commands.h"
#include "cp_err.h"
#include "cp_config.h"
#include "cp_keys.h"
#include "keys_reply_text.h"

#define T0 1700000000u
#define ROTATE 60u
#define RETAIN 150u

/* What the keyname callback told: the live routes, by name. */
struct routes {
	unsigned n;
	struct {
		uint8_t name[16];
		uint16_t port;
	} r[64];
	unsigned adds, dels;
	char log[64][256];
	unsigned n_log;
};

static void
on_keyname(void *ctx, const struct cp_ip *vip, uint16_t vport, const struct cp_ip *ip,
	   uint16_t port, const uint8_t name[16], bool add)
{
	struct routes *rt = ctx;
	unsigned i;

	(void)vip;
	(void)vport;
	(void)ip;
	if (add) {
		for (i = 0; i < rt->n; i++)
			assert_memory_not_equal(rt->r[i].name, name, 16);
		assert_true(rt->n < 64);
		memcpy(rt->r[rt->n].name, name, 16);
		rt->r[rt->n].port = port;
		rt->n++;
		rt->adds++;
		return;
	}
	for (i = 0; i < rt->n; i++)
		if (memcmp(rt->r[i].name, name, 16) == 0) {
			rt->r[i] = rt->r[--rt->n];
			rt->dels++;
			return;
		}
	fail_msg("keyname removed that was never added");
}

static void
on_log(void *ctx, const char *line)
{
	struct routes *rt = ctx;

	if (rt->n_log < 64)
		snprintf(rt->log[rt->n_log++], sizeof(rt->log[0]), "%s", line);
}

static int
route_of(const struct routes *rt, const uint8_t name[16])
{
	unsigned i;

	for (i = 0; i < rt->n; i++)
		if (memcmp(rt->r[i].name, name, 16) == 0)
			return rt->r[i].port;
	return -1;
}

static void
apply(struct cp_config *cfg, const char *line)
{
	char err[256];
	int rc = cp_config_apply_line(cfg, line, err, sizeof(err));

	if (rc != 0)
		fail_msg("\"%s\": %s", line, err);
}

/* One service 10.0.0.10:443 with backends .11:443 (cn be1) and .12:443 (cn be2). */
static struct cp_config *
two_backends(const char *format, const char *policy)
{
	struct cp_config *cfg = malloc(sizeof(*cfg));
	char line[256];

	assert_non_null(cfg);
	cp_config_init(cfg);
	apply(cfg, "service add 10.0.0.10:443 mode tls");
	apply(cfg, "backend add 10.0.0.10:443 10.1.0.11:443");
	apply(cfg, "backend add 10.0.0.10:443 10.1.0.12:443");
	snprintf(line, sizeof(line), "keys service 10.0.0.10:443 policy %s rotate %u retain %u",
		 policy, ROTATE, RETAIN);
	apply(cfg, line);
	snprintf(line, sizeof(line), "keys agent 10.0.0.10:443 10.1.0.11:443 cn be1 format %s",
		 format);
	apply(cfg, line);
	snprintf(line, sizeof(line), "keys agent 10.0.0.10:443 10.1.0.12:443 cn be2 format %s",
		 format);
	apply(cfg, line);
	return cfg;
}

static struct cp_ip
vip(void)
{
	return cp_ip4(0x0a00000a);
}

struct fx {
	struct cp_config *cfg;
	struct cp_keys *k;
	struct routes rt;
	struct cp_keys_member_ref be1, be2;
};

static void
fx_open(struct fx *f, const char *format, const char *policy)
{
	struct cp_keys_ops ops = { .ctx = &f->rt, .keyname = on_keyname, .log = on_log };

	memset(f, 0, sizeof(*f));
	f->cfg = two_backends(format, policy);
	f->k = cp_keys_create(&ops);
	assert_non_null(f->k);
	assert_int_equal(cp_keys_configure(f->k, f->cfg, T0), 0);
	assert_int_equal(cp_keys_member_find(f->k, "be1", &f->be1), 0);
	assert_int_equal(cp_keys_member_find(f->k, "be2", &f->be2), 0);
	{
		struct cp_keys_member_ref none;

		assert_int_equal(cp_keys_member_find(f->k, "be3", &none), -ENOENT);
	}
}

static void
fx_close(struct fx *f)
{
	cp_keys_free(f->k);
	free(f->cfg);
}

struct set {
	struct cp_stek keys[64];
	uint8_t states[64];
	struct cp_keyset ks;
	uint64_t gen;
};

static void
get_set(struct fx *f, struct cp_keys_member_ref m, struct set *s)
{
	assert_int_equal(cp_keys_member_set(f->k, m, s->keys, s->states, 64, &s->ks, &s->gen), 0);
}

/* The member acknowledges holding everything it was last given. */
static void
ack_all(struct fx *f, struct cp_keys_member_ref m, uint64_t now)
{
	uint8_t names[64][16];
	struct set s;
	size_t i;

	get_set(f, m, &s);
	for (i = 0; i < s.ks.n; i++)
		memcpy(names[i], s.keys[i].name, 16);
	cp_keys_agent_ack(f->k, m, (const uint8_t (*)[16])names, s.ks.n, now);
}

static const uint8_t *
enc_name(struct fx *f, struct cp_keys_member_ref m, struct set *s)
{
	get_set(f, m, s);
	assert_true(s->ks.n > 0);
	return s->keys[s->ks.encrypt].name;
}

static int
count(struct fx *f)
{
	struct cp_ip v = vip();

	return cp_keys_count(f->k, &v, 443);
}

/* Per-server: each backend its own encrypting key, everyone holds every key. */
static void
test_per_server_sets(void **state)
{
	struct set s1, s2;
	struct fx f;
	size_t i, j;

	(void)state;
	fx_open(&f, "openssl", "auto");
	{
		struct cp_ip v = vip();

		assert_int_equal(cp_keys_policy(f.k, &v, 443), CP_KEYS_POLICY_PER_SERVER);
	}
	cp_keys_tick(f.k, T0);
	assert_int_equal(count(&f), 4); /* current + next per backend */
	assert_int_equal(f.rt.n, 2);
	enc_name(&f, f.be1, &s1);
	enc_name(&f, f.be2, &s2);
	assert_int_equal(s1.ks.n, 4);
	assert_int_equal(s2.ks.n, 4);
	assert_memory_not_equal(s1.keys[s1.ks.encrypt].name, s2.keys[s2.ks.encrypt].name, 16);
	assert_int_equal(route_of(&f.rt, s1.keys[s1.ks.encrypt].name), 443);
	assert_int_not_equal(route_of(&f.rt, s2.keys[s2.ks.encrypt].name), -1);
	/* Same keys, byte for byte, in both sets. */
	for (i = 0; i < s1.ks.n; i++) {
		bool found = false;

		for (j = 0; j < s2.ks.n; j++)
			found |= memcmp(&s1.keys[i], &s2.keys[j], sizeof(s1.keys[i])) == 0;
		assert_true(found);
		assert_int_equal(s1.keys[i].aes_len, 32);
	}
	assert_int_equal(s1.gen, s2.gen);
	fx_close(&f);
}

/* A consumer that lost its key names (the dataplane's new learned table) is
 * told them again, each still to its issuer; another service's are not. */
static void
test_reannounce(void **state)
{
	struct cp_ip v = vip(), other = cp_ip4(0x0a00000b);
	struct routes before;
	struct fx f;
	unsigned i;

	(void)state;
	fx_open(&f, "openssl", "per-server");
	cp_keys_tick(f.k, T0);
	assert_int_equal(f.rt.n, 2);
	before = f.rt;
	f.rt.n = 0;
	cp_keys_reannounce(f.k, &other, 443);
	assert_int_equal(f.rt.n, 0);
	cp_keys_reannounce(f.k, &v, 443);
	assert_int_equal(f.rt.n, before.n);
	for (i = 0; i < before.n; i++)
		assert_int_equal(route_of(&f.rt, before.r[i].name), before.r[i].port);
	fx_close(&f);
}

/* A next key becomes current only once every reachable agent holds it. */
static void
test_rotation_waits_for_confirmations(void **state)
{
	uint8_t cur1[16], next_before[16];
	struct set s;
	struct fx f;
	uint64_t gen;

	(void)state;
	fx_open(&f, "openssl", "per-server");
	cp_keys_agent_reachable(f.k, f.be1, true);
	cp_keys_agent_reachable(f.k, f.be2, true);
	cp_keys_tick(f.k, T0);
	memcpy(cur1, enc_name(&f, f.be1, &s), 16);
	/* Oldest first: be1's own next is the next key made right after its current. */
	{
		size_t i;

		for (i = 0; i < s.ks.n; i++)
			if (s.states[i] == CP_KEY_NEXT && i > 0 && s.states[i - 1] != CP_KEY_NEXT)
				break;
		assert_true(i < s.ks.n);
		memcpy(next_before, s.keys[i].name, 16);
	}
	gen = s.gen;

	/* Due, nobody confirmed: nothing moves. */
	cp_keys_tick(f.k, T0 + ROTATE);
	assert_memory_equal(enc_name(&f, f.be1, &s), cur1, 16);
	assert_true(s.gen == gen);
	/* One of two confirmed: still nothing. */
	ack_all(&f, f.be1, T0 + ROTATE);
	cp_keys_tick(f.k, T0 + ROTATE + 1);
	assert_memory_equal(enc_name(&f, f.be1, &s), cur1, 16);
	/* Both: the next key becomes current, the old current previous. */
	ack_all(&f, f.be2, T0 + ROTATE + 2);
	cp_keys_tick(f.k, T0 + ROTATE + 3);
	assert_memory_equal(enc_name(&f, f.be1, &s), next_before, 16);
	assert_true(s.gen != gen);
	assert_int_equal(count(&f), 6); /* 2 previous, 2 current, 2 next */
	assert_int_equal(route_of(&f.rt, next_before), 443);
	assert_int_equal(route_of(&f.rt, cur1), 443); /* old tickets still go to be1 */
	/* The new next keys are unconfirmed again: the next rotation waits. */
	cp_keys_tick(f.k, T0 + 2 * ROTATE + 3);
	assert_memory_equal(enc_name(&f, f.be1, &s), next_before, 16);
	fx_close(&f);
}

/* Unreachable agents do not hold rotation up; back, they do again. */
static void
test_unreachable_excluded(void **state)
{
	uint8_t cur[16];
	struct set s;
	struct fx f;

	(void)state;
	fx_open(&f, "openssl", "per-server");
	cp_keys_agent_reachable(f.k, f.be1, true);
	cp_keys_tick(f.k, T0);
	ack_all(&f, f.be1, T0);
	memcpy(cur, enc_name(&f, f.be1, &s), 16);
	cp_keys_tick(f.k, T0 + ROTATE);
	assert_memory_not_equal(enc_name(&f, f.be1, &s), cur, 16);

	/* be2 comes back: it gets the whole set; rotation now waits for it too. */
	cp_keys_agent_reachable(f.k, f.be2, true);
	ack_all(&f, f.be1, T0 + ROTATE + 1);
	memcpy(cur, enc_name(&f, f.be1, &s), 16);
	cp_keys_tick(f.k, T0 + 2 * ROTATE);
	assert_memory_equal(enc_name(&f, f.be1, &s), cur, 16);
	ack_all(&f, f.be2, T0 + 2 * ROTATE + 1);
	cp_keys_tick(f.k, T0 + 2 * ROTATE + 2);
	assert_memory_not_equal(enc_name(&f, f.be1, &s), cur, 16);

	/* An agent that reconnects confirms afresh: old acks do not count. */
	ack_all(&f, f.be1, T0 + 2 * ROTATE + 3);
	ack_all(&f, f.be2, T0 + 2 * ROTATE + 3);
	cp_keys_agent_reachable(f.k, f.be2, false);
	cp_keys_agent_reachable(f.k, f.be2, true);
	memcpy(cur, enc_name(&f, f.be1, &s), 16);
	cp_keys_tick(f.k, T0 + 4 * ROTATE);
	assert_memory_equal(enc_name(&f, f.be1, &s), cur, 16);
	fx_close(&f);
}

/* Previous keys live `retain` seconds after they stop encrypting, then go. */
static void
test_previous_retained_then_destroyed(void **state)
{
	uint8_t first[16];
	struct set s;
	struct fx f;

	(void)state;
	fx_open(&f, "openssl", "per-server");
	cp_keys_tick(f.k, T0);
	memcpy(first, enc_name(&f, f.be1, &s), 16);
	cp_keys_tick(f.k, T0 + ROTATE); /* nobody reachable: rotates */
	assert_int_equal(count(&f), 6);
	cp_keys_tick(f.k, T0 + ROTATE + RETAIN - 1);
	/* T0+2*ROTATE passed meanwhile: one more rotation, first still there. */
	get_set(&f, f.be2, &s);
	{
		size_t i;
		bool found = false;

		for (i = 0; i < s.ks.n; i++)
			found |= memcmp(s.keys[i].name, first, 16) == 0;
		assert_true(found);
	}
	assert_int_equal(route_of(&f.rt, first), 443);
	cp_keys_tick(f.k, T0 + ROTATE + RETAIN);
	get_set(&f, f.be2, &s);
	{
		size_t i;

		for (i = 0; i < s.ks.n; i++)
			assert_memory_not_equal(s.keys[i].name, first, 16);
	}
	assert_int_equal(route_of(&f.rt, first), -1);
	assert_true(f.rt.dels >= 2);
	fx_close(&f);
}

/* Fleet-shared: one chain, three keys, no key-name routes; auto picks it for haproxy. */
static void
test_fleet_shared(void **state)
{
	struct set s1, s2;
	struct fx f;
	struct cp_ip v = vip();
	int r;

	(void)state;
	fx_open(&f, "haproxy", "auto");
	assert_int_equal(cp_keys_policy(f.k, &v, 443), CP_KEYS_POLICY_FLEET_SHARED);
	cp_keys_tick(f.k, T0);
	assert_int_equal(count(&f), 2);
	for (r = 1; r <= 4; r++) {
		cp_keys_tick(f.k, T0 + r * ROTATE);
		assert_int_equal(count(&f), 3);
	}
	get_set(&f, f.be1, &s1);
	get_set(&f, f.be2, &s2);
	assert_int_equal(s1.ks.n, 3);
	assert_memory_equal(s1.keys, s2.keys, sizeof(s1.keys[0]) * 3);
	assert_int_equal(f.rt.adds, 0);
	fx_close(&f);
}

/* `keys rotate` rotates before the interval, still after the confirmations. */
static void
test_keys_rotate(void **state)
{
	struct cp_ip v = vip(), other = cp_ip4(0x0a00000b);
	uint8_t cur[16];
	struct set s;
	struct fx f;

	(void)state;
	fx_open(&f, "nginx", "auto");
	cp_keys_agent_reachable(f.k, f.be1, true);
	cp_keys_agent_reachable(f.k, f.be2, true);
	cp_keys_tick(f.k, T0);
	memcpy(cur, enc_name(&f, f.be2, &s), 16);
	assert_int_equal(cp_keys_rotate(f.k, &other, 443, T0 + 1), -ENOENT);
	assert_int_equal(cp_keys_rotate(f.k, &v, 443, T0 + 1), 0);
	assert_memory_equal(enc_name(&f, f.be2, &s), cur, 16); /* unconfirmed */
	ack_all(&f, f.be1, T0 + 2);
	ack_all(&f, f.be2, T0 + 2);
	cp_keys_tick(f.k, T0 + 3); /* still forced, now confirmed */
	assert_memory_not_equal(enc_name(&f, f.be2, &s), cur, 16);
	fx_close(&f);
}

/* The restart: keys, states and ages come back from the 0600 state file. */
static void
test_restart_recovery(void **state)
{
	struct cp_keys_ops ops;
	struct set before1, before2, after1, after2;
	char dir[] = "/tmp/test_cp_keys.XXXXXX", path[128];
	struct routes rt2;
	struct stat st;
	struct fx f;
	struct cp_keys *k2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/keys.state", dir);
	fx_open(&f, "openssl", "per-server");
	cp_keys_tick(f.k, T0);
	cp_keys_tick(f.k, T0 + ROTATE);
	assert_true(cp_keys_dirty(f.k));
	assert_int_equal(cp_keys_state_save(f.k, path), 0);
	assert_false(cp_keys_dirty(f.k));
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	get_set(&f, f.be1, &before1);
	get_set(&f, f.be2, &before2);

	/* A new process: same config, the file read back. */
	memset(&rt2, 0, sizeof(rt2));
	ops = (struct cp_keys_ops){ .ctx = &rt2, .keyname = on_keyname, .log = on_log };
	k2 = cp_keys_create(&ops);
	assert_int_equal(cp_keys_configure(k2, f.cfg, T0 + ROTATE + 5), 0);
	assert_int_equal(cp_keys_state_load(k2, path, T0 + ROTATE + 5), 0);
	cp_keys_tick(k2, T0 + ROTATE + 5);
	{
		struct cp_keys *k1 = f.k;

		f.k = k2;
		get_set(&f, f.be1, &after1);
		get_set(&f, f.be2, &after2);
		f.k = k1;
	}
	assert_int_equal(after1.ks.n, before1.ks.n);
	assert_memory_equal(after1.keys, before1.keys, sizeof(before1.keys[0]) * before1.ks.n);
	assert_memory_equal(after2.keys, before2.keys, sizeof(before2.keys[0]) * before2.ks.n);
	/* Current and previous keys route to their issuer again. */
	assert_int_equal(rt2.n, 4);
	/* Ages kept: the next rotation is due at T0 + 2 * ROTATE, not 60 s after the restart. */
	cp_keys_tick(k2, T0 + 2 * ROTATE);
	{
		struct cp_keys *k1 = f.k;

		f.k = k2;
		get_set(&f, f.be1, &after1);
		f.k = k1;
	}
	assert_memory_not_equal(after1.keys[after1.ks.encrypt].name,
				before1.keys[before1.ks.encrypt].name, 16);
	cp_keys_free(k2);

	/* A backend gone at the restart: its keys only decrypt, then expire. */
	memset(&rt2, 0, sizeof(rt2));
	apply(f.cfg, "keys agent 10.0.0.10:443 10.1.0.12:443 off");
	k2 = cp_keys_create(&ops);
	assert_int_equal(cp_keys_configure(k2, f.cfg, T0 + ROTATE + 5), 0);
	assert_int_equal(cp_keys_state_load(k2, path, T0 + ROTATE + 5), 0);
	{
		struct cp_ip v = vip();

		/* be1: 2 previous... counted: be1 prev+cur+next, be2 prev + cur->prev, next dropped */
		assert_int_equal(cp_keys_count(k2, &v, 443), 5);
	}
	cp_keys_free(k2);

	/* A damaged file adopts nothing; a missing one says so. */
	{
		FILE *fp = fopen(path, "a");

		fputs("key garbage\n", fp);
		fclose(fp);
	}
	k2 = cp_keys_create(&ops);
	assert_int_equal(cp_keys_configure(k2, f.cfg, T0), 0);
	assert_int_equal(cp_keys_state_load(k2, path, T0), -EINVAL);
	unlink(path);
	assert_int_equal(cp_keys_state_load(k2, path, T0), -ENOENT);
	cp_keys_free(k2);
	rmdir(dir);
	fx_close(&f);
}

/* show keys: names, states, who confirmed, policy and why; never key material. */
static void
test_show_never_material(void **state)
{
	char hex[65];
	struct cp_reply *r;
	const char *text;
	struct set s;
	struct fx f;
	size_t i, j;

	(void)state;
	fx_open(&f, "openssl", "auto");
	cp_keys_agent_reachable(f.k, f.be1, true);
	cp_keys_tick(f.k, T0);
	ack_all(&f, f.be1, T0);
	r = cp_reply_new();
	cp_keys_show(f.k, r, T0 + 7);
	text = keys_reply_text(r);
	assert_non_null(strstr(text, "per-server"));
	assert_non_null(strstr(text, "auto: every agent"));
	assert_non_null(strstr(text, "be1"));
	assert_non_null(strstr(text, "current"));
	get_set(&f, f.be1, &s);
	for (i = 0; i < s.ks.n; i++) {
		for (j = 0; j < 16; j++)
			sprintf(hex + 2 * j, "%02x", s.keys[i].name[j]);
		assert_non_null(strstr(text, hex)); /* names are shown */
		for (j = 0; j < 16; j++)
			sprintf(hex + 2 * j, "%02x", s.keys[i].hmac[j]);
		assert_null(strstr(text, hex));
		for (j = 0; j < 16; j++)
			sprintf(hex + 2 * j, "%02x", s.keys[i].aes[j]);
		assert_null(strstr(text, hex));
	}
	for (i = 0; i < f.rt.n_log; i++)
		for (j = 0; j < s.ks.n; j++) {
			size_t b;

			for (b = 0; b < 16; b++)
				sprintf(hex + 2 * b, "%02x", s.keys[j].hmac[b]);
			assert_null(strstr(f.rt.log[i], hex));
		}
	cp_reply_free(r);
	fx_close(&f);
}

/* Members coming and going with the config. */
static void
test_reconfigure(void **state)
{
	uint8_t be2_cur[16];
	struct set s;
	struct fx f;

	(void)state;
	fx_open(&f, "openssl", "per-server");
	cp_keys_tick(f.k, T0);
	memcpy(be2_cur, enc_name(&f, f.be2, &s), 16);
	apply(f.cfg, "backend del 10.0.0.10:443 10.1.0.12:443");
	assert_int_equal(cp_keys_configure(f.k, f.cfg, T0 + 1), 0);
	assert_int_equal(cp_keys_member_find(f.k, "be2", &f.be2), -ENOENT);
	assert_int_equal(cp_keys_member_find(f.k, "be1", &f.be1), 0);
	/* be2's current stays to decrypt (and route) its tickets; its next is gone. */
	assert_int_equal(count(&f), 3);
	assert_int_equal(route_of(&f.rt, be2_cur), 443);
	/* The service's keys go off: everything is destroyed. */
	apply(f.cfg, "keys service 10.0.0.10:443 policy off");
	assert_int_equal(cp_keys_configure(f.k, f.cfg, T0 + 2), 0);
	assert_int_equal(count(&f), -ENOENT);
	assert_int_equal(f.rt.n, 0);
	fx_close(&f);
}

/* An agent turning haproxy flips auto to fleet-shared: the old chains only decrypt. */
static void
test_policy_switch(void **state)
{
	struct cp_ip v = vip();
	uint8_t be1_cur[16];
	struct set s;
	struct fx f;
	size_t i;
	int prev = 0, cur = 0, next = 0;

	(void)state;
	fx_open(&f, "openssl", "auto");
	cp_keys_tick(f.k, T0);
	memcpy(be1_cur, enc_name(&f, f.be1, &s), 16);
	apply(f.cfg, "keys agent 10.0.0.10:443 10.1.0.12:443 cn be2 format haproxy");
	assert_int_equal(cp_keys_configure(f.k, f.cfg, T0 + 1), 0);
	assert_int_equal(cp_keys_policy(f.k, &v, 443), CP_KEYS_POLICY_FLEET_SHARED);
	cp_keys_tick(f.k, T0 + 1);
	get_set(&f, f.be1, &s);
	for (i = 0; i < s.ks.n; i++) {
		prev += s.states[i] == CP_KEY_PREVIOUS;
		cur += s.states[i] == CP_KEY_CURRENT;
		next += s.states[i] == CP_KEY_NEXT;
	}
	/* The two old currents decrypt; one shared current and next; old nexts gone. */
	assert_int_equal(prev, 2);
	assert_int_equal(cur, 1);
	assert_int_equal(next, 1);
	assert_memory_not_equal(s.keys[s.ks.encrypt].name, be1_cur, 16);
	/* Tickets be1 issued still route to be1; the shared key routes nowhere. */
	assert_int_equal(route_of(&f.rt, be1_cur), 443);
	assert_int_equal(route_of(&f.rt, s.keys[s.ks.encrypt].name), -1);
	assert_int_equal(f.rt.n, 2);
	fx_close(&f);
}

/* The grammar: what is accepted, refused, and printed back. */
static void
test_grammar(void **state)
{
	static const struct {
		const char *line;
		int rc;
		const char *why;
	} bad[] = {
		{ "keys agent 10.0.0.10:443 10.1.0.13:443 cn x format nginx", -ENOENT, "no backend" },
		{ "keys agent 10.0.0.99:443 10.1.0.11:443 cn x format nginx", -ENOENT, "no service" },
		{ "keys agent 10.0.0.10:443 10.1.0.11:443 cn be2 format nginx", -EEXIST,
		  "already serves" },
		{ "keys agent 10.0.0.10:443 10.1.0.11:443 cn x", -EINVAL, "needs" },
		{ "keys agent 10.0.0.10:443 10.1.0.11:443 cn x format iis", -EINVAL, "iis" },
		{ "keys service 10.0.0.10:443 rotate 0", -EINVAL, "rotate" },
		{ "keys service 10.0.0.10:443 lifetime 604801", -EINVAL, "lifetime" },
		{ "keys listen 127.0.0.1:7000 ca a cert b key c", -EINVAL, "state" },
	};
	struct cp_config *cfg = two_backends("nginx", "fleet-shared"), *back;
	char err[256], *text;
	size_t i, len;
	FILE *mem;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = cp_config_apply_line(cfg, bad[i].line, err, sizeof(err));

		print_message("# %s -> %s\n", bad[i].line, err);
		assert_int_equal(rc, bad[i].rc);
		assert_non_null(strstr(err, bad[i].why));
	}
	apply(cfg, "keys listen 127.0.0.1:7000 ca /etc/tlslb/ca.pem cert /etc/tlslb/svc.pem key "
		   "/etc/tlslb/svc.key state /var/lib/tlslb/keys.state");
	apply(cfg, "keys service 10.0.0.10:443 lifetime 7200 aes 128");
	mem = open_memstream(&text, &len);
	assert_int_equal(cp_config_save(cfg, mem), 0);
	fclose(mem);
	{
		const char *line = text;

		while (*line != '\0') {
			size_t l = strcspn(line, "\n");

			print_message("# %.*s\n", (int)l, line);
			line += l + (line[l] == '\n');
		}
	}
	assert_non_null(strstr(text, "keys listen 127.0.0.1:7000 ca /etc/tlslb/ca.pem cert "
				     "/etc/tlslb/svc.pem key /etc/tlslb/svc.key state "
				     "/var/lib/tlslb/keys.state\n"));
	assert_non_null(strstr(text, "keys service 10.0.0.10:443 policy fleet-shared rotate 60 "
				     "lifetime 7200 retain 150 aes 128\n"));
	assert_non_null(strstr(text, "keys agent 10.0.0.10:443 10.1.0.12:443 cn be2 format "
				     "nginx\n"));
	back = malloc(sizeof(*back));
	mem = fmemopen(text, len, "r");
	assert_int_equal(cp_config_load_stream(back, mem, "saved", err, sizeof(err)) == 0 ||
				 strstr(err, "port") != NULL,
			 1);
	fclose(mem);
	/* Validation wants ports; the lines themselves must rebuild the same model. */
	cp_config_init(back);
	{
		char *line, *save = NULL;

		for (line = strtok_r(text, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			apply(back, line);
	}
	assert_true(cp_config_equal(cfg, back));
	assert_memory_equal(&cfg->keys, &back->keys, sizeof(cfg->keys));
	apply(back, "keys agent 10.0.0.10:443 10.1.0.12:443 cn be3 format nginx");
	assert_false(cp_config_equal(cfg, back));
	/* At most CP_KEYS_MAX_MEMBERS agents in a service. */
	{
		char line[160];
		unsigned b;

		for (b = 0; b < CP_KEYS_MAX_MEMBERS; b++) {
			snprintf(line, sizeof(line), "backend add 10.0.0.10:443 10.2.%u.%u:443",
				 b / 200, b % 200 + 1);
			apply(back, line);
		}
		for (b = 0; b < CP_KEYS_MAX_MEMBERS - 2; b++) {
			snprintf(line, sizeof(line),
				 "keys agent 10.0.0.10:443 10.2.%u.%u:443 cn x%u format nginx",
				 b / 200, b % 200 + 1, b);
			apply(back, line);
		}
		snprintf(line, sizeof(line),
			 "keys agent 10.0.0.10:443 10.2.%u.%u:443 cn y format nginx", b / 200,
			 b % 200 + 1);
		assert_int_equal(cp_config_apply_line(back, line, err, sizeof(err)), -ENOSPC);
		/* Changing an existing agent is no new one. */
		apply(back, "keys agent 10.0.0.10:443 10.1.0.12:443 cn be4 format openssl");
	}
	free(text);
	free(back);
	free(cfg);
}

/* The query hooks behind `show keys` and `keys rotate`, through the command table. */
static void
test_query_hooks(void **state)
{
	const char *const rotate_svc[] = { "keys", "rotate", "service", "10.0.0.10:443" };
	const char *const rotate_other[] = { "keys", "rotate", "service", "10.0.0.99:443" };
	const char *const show[] = { "show", "keys" };
	const struct cp_command *cmd;
	char why[256];
	struct cp_err e = { .buf = why, .len = sizeof(why) };
	struct cp_args args;
	struct cp_reply *r;
	unsigned n_name;
	uint8_t cur[16];
	struct set s;
	struct fx f;

	(void)state;
	fx_open(&f, "openssl", "auto");
	cp_keys_tick(f.k, T0);
	memcpy(cur, enc_name(&f, f.be1, &s), 16);

	cmd = cp_command_find(show, 2, &n_name, &e);
	assert_non_null(cmd);
	assert_int_equal(cmd->query, CP_Q_SHOW_KEYS);
	assert_int_equal(cp_args_match(cmd->params, show + n_name, 2 - n_name, &args, &e), 0);
	r = cp_reply_new();
	assert_int_equal(cp_keys_q_show(f.k, f.cfg, &args, r, &e), 0);
	assert_non_null(strstr(keys_reply_text(r), "per-server"));
	assert_int_equal(cp_keys_q_show(NULL, f.cfg, &args, r, &e), -ENOTSUP);
	cp_reply_free(r);

	cmd = cp_command_find(rotate_other, 4, &n_name, &e);
	assert_non_null(cmd);
	assert_int_equal(cmd->query, CP_Q_KEYS_ROTATE);
	assert_int_equal(cp_args_match(cmd->params, rotate_other + n_name, 4 - n_name, &args, &e),
			 0);
	r = cp_reply_new();
	assert_int_equal(cp_keys_q_rotate(f.k, f.cfg, &args, r, &e), -ENOENT);
	assert_non_null(strstr(why, "10.0.0.99:443"));
	assert_int_equal(cp_args_match(cmd->params, rotate_svc + n_name, 4 - n_name, &args, &e),
			 0);
	/* Nobody reachable: the rotation happens at once (wall clock, not T0: forced). */
	assert_int_equal(cp_keys_q_rotate(f.k, f.cfg, &args, r, &e), 0);
	assert_non_null(strstr(keys_reply_text(r), "rotation requested for 10.0.0.10:443"));
	assert_memory_not_equal(enc_name(&f, f.be1, &s), cur, 16);
	cp_reply_free(r);
	fx_close(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_server_sets),
		cmocka_unit_test(test_reannounce),
		cmocka_unit_test(test_rotation_waits_for_confirmations),
		cmocka_unit_test(test_unreachable_excluded),
		cmocka_unit_test(test_previous_retained_then_destroyed),
		cmocka_unit_test(test_fleet_shared),
		cmocka_unit_test(test_keys_rotate),
		cmocka_unit_test(test_restart_recovery),
		cmocka_unit_test(test_show_never_material),
		cmocka_unit_test(test_reconfigure),
		cmocka_unit_test(test_policy_switch),
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_query_hooks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
