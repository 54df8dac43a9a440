/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "cp_config.h"
#include "dp_tlsroute.h"

_Static_assert(DP_TLSROUTE_RULE__COUNT <= 8, "tried is a byte");

/* Which backend a server-ID prefix names; -ENOENT if none. */
static int server_id_find(const struct dp_tlsroute_ctx *ctx, const struct tlsp_bytes *b)
{
	unsigned i;

	if (b->len < ctx->server_id_len)
		return -ENOENT;
	for (i = 0; i < ctx->n_server_ids; i++)
		if (memcmp(ctx->server_ids[i].id, b->ptr, ctx->server_id_len) == 0)
			return ctx->server_ids[i].backend;
	return -ENOENT;
}

static int table_find(const struct dp_tlsroute_ctx *ctx, enum dp_tlsroute_rule rule,
		      const struct tlsp_bytes *b)
{
	uint8_t len = b->len > DP_LEARN_KEY_MAX ? DP_LEARN_KEY_MAX : (uint8_t)b->len;
	uint16_t bk;
	int ret;

	if (ctx->learn == NULL)
		return -ENOENT;
	if (rule == DP_TLSROUTE_RULE_SESSION_ID)
		ret = dp_learn_session_lookup(ctx->learn, b->ptr, len, ctx->now, &bk);
	else
		ret = dp_learn_keyname_lookup(ctx->learn, b->ptr, len, ctx->now, &bk);
	return ret < 0 ? ret : bk;
}

/*
 * One rule: find its target, check the target is this service's and can take
 * the connection. Returns DP_TLSROUTE_MISS_NONE on a hit.
 */
static enum dp_tlsroute_miss try_rule(const struct dp_tlsroute_ctx *ctx,
				      enum dp_tlsroute_rule rule, const struct tlsp_bytes *b,
				      const uint8_t *state, int *target)
{
	bool server_id = rule == DP_TLSROUTE_RULE_PSK_SERVER_ID ||
			 rule == DP_TLSROUTE_RULE_SID_SERVER_ID;
	int bk = server_id ? server_id_find(ctx, b) : table_find(ctx, rule, b);

	*target = -1;
	/* an entry learned before a backend went can name a slot now another's */
	if (bk < 0)
		return DP_TLSROUTE_MISS_UNKNOWN;
	if (ctx->bk_service != NULL) {
		if (bk >= CP_MAX_BACKENDS || ctx->bk_service[bk] != ctx->service)
			return DP_TLSROUTE_MISS_UNKNOWN;
	} else if (bk < ctx->bk_first || bk >= ctx->bk_first + ctx->bk_count) {
		return DP_TLSROUTE_MISS_UNKNOWN;
	}
	*target = bk;
	if (ctx->down != NULL && __atomic_load_n(&ctx->down[bk], __ATOMIC_RELAXED))
		return DP_TLSROUTE_MISS_DOWN;
	switch (state[bk]) {
	case DP_BACKEND_UP:
		return DP_TLSROUTE_MISS_NONE;
	case DP_BACKEND_DRAINING:
		return DP_TLSROUTE_MISS_DRAINING;
	case DP_BACKEND_DOWN:
	default:
		return DP_TLSROUTE_MISS_DOWN;
	}
}

/* The rules that apply to @ch, in order, with the bytes each one reads. */
static unsigned applicable(const struct dp_tlsroute_ctx *ctx, const struct tlsp_client_hello *ch,
			   enum dp_tlsroute_rule rules[3], struct tlsp_bytes bytes[3])
{
	unsigned n = 0;

	if (ch == NULL)
		return 0;
	/* RFC 8446 4.2.11: identities[0] is the ticket the client would most like */
	if (ch->tls13_offered && ch->has_psk && ch->n_psk_identities > 0) {
		if (ctx->psk_server_id && ctx->server_id_len) {
			rules[n] = DP_TLSROUTE_RULE_PSK_SERVER_ID;
			bytes[n++] = ch->psk[0].identity;
		} else {
			rules[n] = DP_TLSROUTE_RULE_PSK_KEY_NAME;
			bytes[n++] = ch->psk[0].key_name;
		}
	}
	/* RFC 5077 3.1: a non-empty ticket is a resumption attempt */
	if (ch->ticket == TLSP_TICKET_PRESENT && ch->ticket_key_name.len > 0) {
		rules[n] = DP_TLSROUTE_RULE_TICKET;
		bytes[n++] = ch->ticket_key_name;
	}
	/* RFC 8446 4.1.2: with TLS 1.3 offered, legacy_session_id is random */
	if (!ch->tls13_offered && ch->session_id.len > 0) {
		rules[n] = ctx->server_id_len ? DP_TLSROUTE_RULE_SID_SERVER_ID
					      : DP_TLSROUTE_RULE_SESSION_ID;
		bytes[n++] = ch->session_id;
	}
	return n;
}

int dp_tlsroute_choose(const struct dp_tlsroute_ctx *ctx, const struct tlsp_client_hello *ch,
		       const uint8_t *state, int *backend, struct dp_tlsroute_result *why)
{
	struct dp_tlsroute_result res = {
		.rule = DP_TLSROUTE_RULE_ROUND_ROBIN,
		.miss_rule = DP_TLSROUTE_RULE_ROUND_ROBIN,
		.miss = DP_TLSROUTE_MISS_NONE,
		.missed_backend = -1,
	};
	struct dp_tlsroute_stats *st = ctx->stats;
	enum dp_tlsroute_rule rules[3];
	struct tlsp_bytes bytes[3];
	unsigned n, i;

	*backend = -1;
	n = applicable(ctx, ch, rules, bytes);
	for (i = 0; i < n; i++) {
		enum dp_tlsroute_miss m;
		int target;

		m = try_rule(ctx, rules[i], &bytes[i], state, &target);
		res.tried |= (uint8_t)(1u << rules[i]);
		if (st != NULL) {
			st->rule[rules[i]].used++;
			if (m == DP_TLSROUTE_MISS_NONE)
				st->rule[rules[i]].hit++;
			else
				st->rule[rules[i]].miss[m]++;
		}
		if (m == DP_TLSROUTE_MISS_NONE) {
			res.rule = rules[i];
			res.hit = true;
			*backend = target;
			break;
		}
		if (res.miss == DP_TLSROUTE_MISS_NONE) {
			res.miss = m;
			res.miss_rule = rules[i];
			if (m != DP_TLSROUTE_MISS_UNKNOWN)
				res.missed_backend = target;
		}
	}
	if (!res.hit) {
		if (res.miss == DP_TLSROUTE_MISS_NONE)
			res.miss = DP_TLSROUTE_MISS_NOT_APPLICABLE;
		if (st != NULL) {
			st->rule[DP_TLSROUTE_RULE_ROUND_ROBIN].used++;
			st->rule[DP_TLSROUTE_RULE_ROUND_ROBIN].miss[res.miss]++;
		}
	}
	if (why != NULL)
		*why = res;
	return res.hit ? 0 : -ENOENT;
}
