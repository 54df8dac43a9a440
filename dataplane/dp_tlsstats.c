/* SPDX-License-Identifier: BSD-3-Clause */
#include "dp_tlsstats.h"

_Static_assert(TLSP_MALFORMED + 1 == DP_TLSSTATS_STATUS_COUNT, "one counter per tlsp_status");
/* summed as arrays of counters */
_Static_assert(sizeof(struct dp_tlsroute_stats) % sizeof(uint64_t) == 0, "all counters");

const char *const dp_tlsroute_rule_names[DP_TLSROUTE_RULE__COUNT] = {
	[DP_TLSROUTE_RULE_PSK_KEY_NAME] = "psk_key_name",
	[DP_TLSROUTE_RULE_PSK_SERVER_ID] = "psk_server_id",
	[DP_TLSROUTE_RULE_TICKET] = "ticket",
	[DP_TLSROUTE_RULE_SID_SERVER_ID] = "session_id_server_id",
	[DP_TLSROUTE_RULE_SESSION_ID] = "session_id",
	[DP_TLSROUTE_RULE_ROUND_ROBIN] = "round_robin",
};

const char *const dp_tlsroute_miss_names[DP_TLSROUTE_MISS__COUNT] = {
	[DP_TLSROUTE_MISS_NONE] = "none",
	[DP_TLSROUTE_MISS_UNKNOWN] = "unknown",
	[DP_TLSROUTE_MISS_DOWN] = "backend_down",
	[DP_TLSROUTE_MISS_DRAINING] = "draining",
	[DP_TLSROUTE_MISS_NOT_APPLICABLE] = "not_applicable",
};

const char *const dp_tlsstats_seg_names[DP_TLSSTATS_SEG__COUNT] = {
	[DP_TLSSTATS_SEG_1] = "1",
	[DP_TLSSTATS_SEG_2] = "2",
	[DP_TLSSTATS_SEG_3] = "3",
	[DP_TLSSTATS_SEG_4] = "4",
	[DP_TLSSTATS_SEG_5_8] = "5_8",
	[DP_TLSSTATS_SEG_9_16] = "9_16",
	[DP_TLSSTATS_SEG_17_UP] = "17_up",
};

const char *const dp_tlsstats_verdict_names[DP_TLSSTATS_V__COUNT] = {
	[DP_TLSSTATS_V_FULL] = "full",
	[DP_TLSSTATS_V_RESUMED_SESSION_ID] = "resumed_session_id",
	[DP_TLSSTATS_V_RESUMED_TICKET] = "resumed_ticket",
	[DP_TLSSTATS_V_RESUMED_PSK] = "resumed_psk",
	[DP_TLSSTATS_V_HRR] = "hrr",
	[DP_TLSSTATS_V_UNKNOWN] = "unknown",
};

enum dp_tlsstats_seg dp_tlsstats_seg_bucket(unsigned segments)
{
	if (segments <= 1)
		return DP_TLSSTATS_SEG_1;
	if (segments <= 4)
		return (enum dp_tlsstats_seg)(DP_TLSSTATS_SEG_1 + segments - 1);
	if (segments <= 8)
		return DP_TLSSTATS_SEG_5_8;
	if (segments <= 16)
		return DP_TLSSTATS_SEG_9_16;
	return DP_TLSSTATS_SEG_17_UP;
}

void dp_tlsstats_hello(struct dp_tlsroute_stats *st, enum tlsp_status status,
		       enum tlsp_reason reason, unsigned segments)
{
	if ((unsigned)status < DP_TLSSTATS_STATUS_COUNT)
		st->hello_status[status]++;
	if (reason != TLSP_R_NONE && (unsigned)reason < TLSP_R__COUNT)
		st->hello_reason[reason]++;
	st->hello_segments[dp_tlsstats_seg_bucket(segments)]++;
}

void dp_tlsstats_verdict(struct dp_tlsstats_backend *per_backend, uint16_t backend,
			 const struct tlsp_server_flight *sf)
{
	uint64_t *v = per_backend[backend].v;

	/* the scanner keeps HRR as the verdict only until a ServerHello follows */
	if (sf->hrr_seen || sf->verdict == TLSP_VERDICT_HRR)
		v[DP_TLSSTATS_V_HRR]++;
	switch (sf->verdict) {
	case TLSP_VERDICT_FULL:
		v[DP_TLSSTATS_V_FULL]++;
		break;
	case TLSP_VERDICT_RESUMED_SESSION_ID:
		v[DP_TLSSTATS_V_RESUMED_SESSION_ID]++;
		break;
	case TLSP_VERDICT_RESUMED_TICKET:
		v[DP_TLSSTATS_V_RESUMED_TICKET]++;
		break;
	case TLSP_VERDICT_RESUMED_PSK:
		v[DP_TLSSTATS_V_RESUMED_PSK]++;
		break;
	case TLSP_VERDICT_HRR:
		break;
	case TLSP_VERDICT_UNKNOWN:
	default:
		v[DP_TLSSTATS_V_UNKNOWN]++;
		break;
	}
}

static void add_u64(uint64_t *to, const uint64_t *from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		to[i] += __atomic_load_n(&from[i], __ATOMIC_RELAXED);
}

void dp_tlsstats_add(struct dp_tlsroute_stats *to, const struct dp_tlsroute_stats *from)
{
	add_u64((uint64_t *)to, (const uint64_t *)from, sizeof(*to) / sizeof(uint64_t));
}

void dp_tlsstats_backend_add(struct dp_tlsstats_backend *to,
			     const struct dp_tlsstats_backend *from, unsigned n)
{
	add_u64((uint64_t *)to, (const uint64_t *)from, (size_t)n * DP_TLSSTATS_V__COUNT);
}
