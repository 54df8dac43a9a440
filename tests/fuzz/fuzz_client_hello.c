/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for tlsp_client_hello_parse().
 *
 * Besides letting the sanitizers watch the parse, it checks the promises of
 * the API that a crash alone would not reveal, and traps when one is broken:
 *  - on OK every view lies in the input (one record) or in the scratch buffer
 *    (several records), consumed <= len, and the views nest as the wire does;
 *  - no prefix shorter than consumed parses, and each says NEED_MORE with a
 *    lower bound that does not overshoot consumed; the bytes past the prefix are
 *    poisoned, so reading them is an ASan report, as it would be in a dataplane
 *    whose buffer ends there;
 *  - on NEED_MORE, appending fewer than `need` bytes of anything never gives OK;
 *  - parsing again without scratch, with a scratch of exactly the message size,
 *    with another key-name length, or only the first `consumed` bytes gives the
 *    answer the first parse implies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsp_client.h"
#include "tlsp_status.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define HAVE_ASAN_POISON 1
#endif
#endif
#ifndef HAVE_ASAN_POISON
#define ASAN_POISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#define ASAN_UNPOISON_MEMORY_REGION(addr, size) ((void)(addr), (void)(size))
#endif

/* A NEED_MORE bound above this is not tried: no hello needs that much more. */
#define MAX_TRIED_NEED (4u * TLSP_SCRATCH_SIZE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static uint8_t scratch[TLSP_SCRATCH_SIZE];

#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

struct region {
	const uint8_t *base;
	size_t len;
};

/* An empty view may point anywhere (NULL included); a non-empty one must fit. */
static bool
view_inside(struct tlsp_bytes v, struct region r)
{
	if (v.len == 0)
		return true;
	return v.ptr >= r.base && v.len <= r.len && (size_t)(v.ptr - r.base) <= r.len - v.len;
}

static bool
view_inside_view(struct tlsp_bytes inner, struct tlsp_bytes outer)
{
	return view_inside(inner, (struct region){ outer.ptr, outer.len });
}

static bool
same_bytes(struct tlsp_bytes a, struct tlsp_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static void
check_key_name(struct tlsp_bytes whole, struct tlsp_bytes key_name, size_t key_name_len)
{
	CHECK(key_name.len == min_size(whole.len, key_name_len));
	if (key_name.len)
		CHECK(key_name.ptr == whole.ptr);
}

static void
check_alpn_walk(const struct tlsp_client_hello *h)
{
	struct tlsp_bytes name;
	size_t off = 0;
	unsigned n = 0;

	while (tlsp_alpn_next(&h->alpn, &off, &name)) {
		CHECK(name.len > 0);
		CHECK(view_inside_view(name, h->alpn));
		n++;
	}
	CHECK(n == h->n_alpn);
	CHECK(off == h->alpn.len);
}

/* Invariants of one successful parse, given where its views may point. */
static void
check_ok_hello(const struct tlsp_client_hello *h, size_t len, struct region where,
	       size_t key_name_len)
{
	const struct tlsp_bytes views[] = {
		h->random, h->session_id, h->cipher_suites, h->compression_methods, h->extensions,
		h->sni,    h->alpn,       h->ticket_data,   h->ticket_key_name,     h->psk_binders,
	};
	const struct tlsp_bytes ext_views[] = { h->sni, h->alpn, h->ticket_data, h->psk_binders };
	unsigned n_psk = h->n_psk_identities < TLSP_MAX_PSK_IDENTITIES ? h->n_psk_identities
								       : TLSP_MAX_PSK_IDENTITIES;

	CHECK(h->consumed <= len);
	CHECK(h->consumed > 0);
	CHECK(h->n_records >= 1);
	CHECK(h->hello_len <= TLSP_HELLO_MAX_LEN);
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
		CHECK(view_inside(views[i], where));
	for (unsigned i = 0; i < n_psk; i++) {
		CHECK(view_inside(h->psk[i].identity, where));
		CHECK(view_inside_view(h->psk[i].identity, h->extensions));
		CHECK(h->psk[i].identity.len > 0);
		check_key_name(h->psk[i].identity, h->psk[i].key_name, key_name_len);
	}
	for (size_t i = 0; i < sizeof(ext_views) / sizeof(ext_views[0]); i++)
		CHECK(view_inside_view(ext_views[i], h->extensions));
	check_alpn_walk(h);
	CHECK(h->session_id.len <= 32);
	if (h->sslv2) {
		CHECK(h->n_records == 1);
		CHECK(h->cipher_suites.len % 3 == 0);
		return;
	}
	CHECK(h->random.len == 32);
	CHECK(h->cipher_suites.len >= 2 && h->cipher_suites.len % 2 == 0);
	CHECK(h->compression_methods.len >= 1);
	/* Records carry nothing but the hello: trailing handshake bytes are a defect. */
	CHECK(h->consumed == 5u * h->n_records + 4u + h->hello_len);
	CHECK((h->ticket == TLSP_TICKET_PRESENT) == (h->ticket_data.len > 0));
	check_key_name(h->ticket_data, h->ticket_key_name, key_name_len);
	CHECK(h->has_psk == (h->n_psk_identities > 0));
	CHECK(h->n_psk_binders == h->n_psk_identities);
	if (h->tls13_offered)
		CHECK(h->has_supported_versions && h->highest_version >= TLSP_VERSION_TLS13);
	CHECK(!tlsp_is_grease(h->highest_version));
}

/* The fields two parses of the same hello must agree on, whatever buffers hold the views. */
static void
check_same_hello(const struct tlsp_client_hello *a, const struct tlsp_client_hello *b,
		 bool same_key_name_len)
{
	unsigned n_psk = a->n_psk_identities < TLSP_MAX_PSK_IDENTITIES ? a->n_psk_identities
								       : TLSP_MAX_PSK_IDENTITIES;
	unsigned n_ks =
		a->n_key_shares < TLSP_MAX_KEY_SHARES ? a->n_key_shares : TLSP_MAX_KEY_SHARES;

	CHECK(a->sslv2 == b->sslv2);
	CHECK(a->record_version == b->record_version);
	CHECK(a->legacy_version == b->legacy_version);
	CHECK(same_bytes(a->random, b->random));
	CHECK(same_bytes(a->session_id, b->session_id));
	CHECK(same_bytes(a->cipher_suites, b->cipher_suites));
	CHECK(same_bytes(a->compression_methods, b->compression_methods));
	CHECK(same_bytes(a->extensions, b->extensions));
	CHECK(a->n_extensions == b->n_extensions);
	CHECK(same_bytes(a->sni, b->sni));
	CHECK(same_bytes(a->alpn, b->alpn));
	CHECK(a->n_alpn == b->n_alpn);
	CHECK(a->ticket == b->ticket);
	CHECK(same_bytes(a->ticket_data, b->ticket_data));
	CHECK(a->has_supported_versions == b->has_supported_versions);
	CHECK(a->tls13_offered == b->tls13_offered);
	CHECK(a->highest_version == b->highest_version);
	CHECK(a->has_psk == b->has_psk);
	CHECK(a->n_psk_identities == b->n_psk_identities);
	for (unsigned i = 0; i < n_psk; i++) {
		CHECK(same_bytes(a->psk[i].identity, b->psk[i].identity));
		CHECK(a->psk[i].obfuscated_age == b->psk[i].obfuscated_age);
		if (same_key_name_len)
			CHECK(same_bytes(a->psk[i].key_name, b->psk[i].key_name));
	}
	if (same_key_name_len)
		CHECK(same_bytes(a->ticket_key_name, b->ticket_key_name));
	CHECK(same_bytes(a->psk_binders, b->psk_binders));
	CHECK(a->n_psk_binders == b->n_psk_binders);
	CHECK(a->has_psk_modes == b->has_psk_modes);
	CHECK(a->psk_modes == b->psk_modes);
	CHECK(a->early_data == b->early_data);
	CHECK(a->has_key_share == b->has_key_share);
	CHECK(a->n_key_shares == b->n_key_shares);
	for (unsigned i = 0; i < n_ks; i++)
		CHECK(a->key_share_groups[i] == b->key_share_groups[i]);
	CHECK(a->has_supported_groups == b->has_supported_groups);
	CHECK(a->ech == b->ech);
	CHECK(a->grease == b->grease);
	CHECK(a->hello_len == b->hello_len);
	CHECK(a->n_records == b->n_records);
	CHECK(a->consumed == b->consumed);
}

static enum tlsp_status
parse(const uint8_t *buf, size_t len, const struct tlsp_client_opts *opts,
      struct tlsp_client_hello *hello, size_t *need)
{
	enum tlsp_reason reason = TLSP_R__COUNT;
	enum tlsp_status st;

	st = tlsp_client_hello_parse(buf, len, opts, hello, need, &reason);
	CHECK(reason < TLSP_R__COUNT);
	CHECK(tlsp_reason_name(reason) != NULL);
	CHECK(tlsp_status_name(st) != NULL);
	switch (st) {
	case TLSP_OK:
		CHECK(reason == TLSP_R_NONE);
		CHECK(*need == 0);
		break;
	case TLSP_NEED_MORE:
		CHECK(reason == TLSP_R_NONE);
		break;
	case TLSP_NOT_TLS:
	case TLSP_MALFORMED:
		CHECK(reason != TLSP_R_NONE);
		CHECK(*need == 0);
		break;
	default:
		CHECK(false);
	}
	return st;
}

/*
 * Every prefix shorter than the hello is incomplete. The copy's bytes past the
 * prefix are poisoned, and unpoisoned one at a time as the prefix grows.
 */
static void
check_prefixes(const uint8_t *data, size_t consumed)
{
	const struct tlsp_client_opts opts = { .scratch = scratch, .scratch_len = sizeof(scratch) };
	struct tlsp_client_hello hello;
	uint8_t *copy = malloc(consumed);
	size_t need;

	CHECK(copy != NULL);
	memcpy(copy, data, consumed);
	ASAN_POISON_MEMORY_REGION(copy, consumed);
	for (size_t k = 0; k < consumed; k++) {
		CHECK(parse(copy, k, &opts, &hello, &need) == TLSP_NEED_MORE);
		CHECK(need <= consumed - k);
		ASAN_UNPOISON_MEMORY_REGION(copy + k, 1);
	}
	ASAN_UNPOISON_MEMORY_REGION(copy, consumed);
	free(copy);
}

/* Parse the input followed by `extra` filler bytes, in a buffer that ends exactly there. */
static enum tlsp_status
parse_extended(const uint8_t *data, size_t len, size_t extra, uint8_t filler_kind)
{
	const struct tlsp_client_opts opts = { .scratch = scratch, .scratch_len = sizeof(scratch) };
	struct tlsp_client_hello hello;
	uint8_t *buf = malloc(len + extra ? len + extra : 1);
	enum tlsp_status st;
	size_t need;

	CHECK(buf != NULL);
	memcpy(buf, data, len);
	for (size_t i = 0; i < extra; i++) {
		switch (filler_kind) {
		case 0:
			buf[len + i] = 0;
			break;
		case 1:
			buf[len + i] = 0xff;
			break;
		default:
			/* Replay the input itself: a plausible-looking continuation. */
			buf[len + i] = len ? data[i % len] : (uint8_t)i;
			break;
		}
	}
	st = parse(buf, len + extra, &opts, &hello, &need);
	free(buf);
	return st;
}

static void
check_need_more(const uint8_t *data, size_t len, size_t need)
{
	const size_t tries[] = { need - 1, need / 2, 1 };

	if (need == 0 || need > MAX_TRIED_NEED)
		return;
	for (size_t t = 0; t < sizeof(tries) / sizeof(tries[0]); t++) {
		if (tries[t] >= need)
			continue;
		for (uint8_t kind = 0; kind < 3; kind++)
			CHECK(parse_extended(data, len, tries[t], kind) != TLSP_OK);
	}
}

/* Other options and buffer sizes must give the answers the first parse implies. */
static void
check_reparses(const uint8_t *data, size_t len, const struct tlsp_client_hello *first,
	       struct region where)
{
	const bool fragmented = first->n_records > 1 && !first->sslv2;
	const size_t msg_len = (size_t)first->hello_len + 4;
	const uint8_t key_name_len = (uint8_t)(1 + len % 40);
	struct tlsp_client_opts opts;
	struct tlsp_client_hello again;
	uint8_t *exact;
	size_t need;

	/* Only the hello's own bytes. */
	opts = (struct tlsp_client_opts){ .scratch = scratch, .scratch_len = sizeof(scratch) };
	CHECK(parse(data, first->consumed, &opts, &again, &need) == TLSP_OK);
	check_same_hello(first, &again, true);

	/* Another key-name length changes the key names only. */
	opts.key_name_len = key_name_len;
	CHECK(parse(data, len, &opts, &again, &need) == TLSP_OK);
	check_same_hello(first, &again, false);
	check_ok_hello(&again, len, where, key_name_len);

	/* No scratch: fine in one record, the specific refusal in several. */
	if (!fragmented) {
		CHECK(parse(data, len, NULL, &again, &need) == TLSP_OK);
		check_same_hello(first, &again, true);
		return;
	}
	CHECK(parse(data, len, NULL, &again, &need) == TLSP_MALFORMED);

	/* A scratch of exactly the message: ASan sees any write past it. */
	exact = malloc(msg_len);
	CHECK(exact != NULL);
	opts = (struct tlsp_client_opts){ .scratch = exact, .scratch_len = msg_len };
	CHECK(parse(data, len, &opts, &again, &need) == TLSP_OK);
	check_same_hello(first, &again, true);
	check_ok_hello(&again, len, (struct region){ exact, msg_len }, TLSP_KEY_NAME_LEN_DEFAULT);

	/* One byte short of it. */
	opts.scratch_len = msg_len - 1;
	CHECK(parse(data, len, &opts, &again, &need) == TLSP_MALFORMED);
	free(exact);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const struct tlsp_client_opts opts = { .scratch = scratch, .scratch_len = sizeof(scratch) };
	struct tlsp_client_hello hello;
	struct region where;
	enum tlsp_status st;
	size_t need;

	st = parse(data, len, &opts, &hello, &need);
	if (st == TLSP_NEED_MORE) {
		check_need_more(data, len, need);
		return 0;
	}
	if (st != TLSP_OK)
		return 0;

	if (hello.n_records > 1)
		where = (struct region){ scratch, sizeof(scratch) };
	else
		where = (struct region){ data, len };
	check_ok_hello(&hello, len, where, TLSP_KEY_NAME_LEN_DEFAULT);
	check_prefixes(data, hello.consumed);
	check_reparses(data, len, &hello, where);
	return 0;
}
