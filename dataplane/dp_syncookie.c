/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6). Design notes, the why of the layout in
 * dp_syncookie.h:
 *
 * - The MAC covers the 4-tuple and the client's ISN. The tuple keeps a cookie
 *   from opening a connection for any other address or port; the ISN ties it
 *   to one SYN, and authenticates the ISN that the backend SYN later reuses
 *   (recovered from the ACK as seq - 1), so what reaches the backend is what
 *   the client sent. Linux adds the ISN to the cookie instead; hashing it
 *   gives the same binding and leaves the whole MAC for authentication.
 *
 * - The time counter bounds replay: a cookie seen once (on path for a moment,
 *   in a capture) opens connections in the client's name for max_age + 1
 *   periods only, not forever. The MAC covers the full 32-bit counter; the
 *   cookie carries its low 8 bits so that the checker knows which counter to
 *   verify against: one MAC per key instead of one per period of the window,
 *   and an authentic cookie that arrives late is told apart (stale) from
 *   garbage (forged), as long as it is less than 256 periods (4.5 h) old.
 *
 * - O, a second SipHash over the tuple and ISN only, is added to the whole
 *   cookie. Without it the counter byte would sit in the clear: the ISN's top
 *   8 bits predictable (RFC 6528 wants all of the ISN unpredictable to blind
 *   attackers) and tlslb's clock readable. O does not depend on the counter,
 *   so the checker subtracts it before it knows the counter.
 *
 * - Forgery. For a guessed cookie, v = cookie - O is uniform to anyone without
 *   the key: its counter byte falls in the window with probability
 *   (max_age + 1) / 256 and its 22 MAC bits match with probability 2^-22. Per
 *   key that is (max_age + 1) * 2^-30, whatever the split between counter and
 *   MAC bits (more counter bits widen the stale range, more MAC bits make
 *   garbage less often look stale). Two keys double it: 2^-28 for max_age 1,
 *   or one accepted ACK every ~270 s for an attacker sending 10^6 per second,
 *   which buys him one HELLO flow from a spoofed address, bounded by the
 *   hello timeout and buffer caps. 32 bits is all an ISN has; Linux's cookies
 *   give the same order (4 MSS values x 2 periods x 2^-32).
 *
 * - The MSS index sits under the MAC, so an ACK cannot pick its MSS, and an
 *   authentic cookie always carries a valid index (2 bits, 4 entries): a "bad
 *   MSS index" outcome does not exist. The TSecr option bits are not
 *   authenticated (they are chosen after the cookie, and an ACK without
 *   timestamps must still validate): a client lying there only misstates its
 *   own options, which it could have done in its SYN.
 *
 * - Cost: make = 2 SipHash (O, MAC); check = 2 per key tried, current first:
 *   2 for a fresh cookie, 4 for garbage once a previous key exists.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "dp_syncookie.h"

#define CTR_SHIFT 24
#define IDX_SHIFT 22
#define IDX_MASK 0x3u
#define MAC_MASK 0x3fffffu

/* bits 0-3 window shift (0xf: none), 4 SACK-permitted, 5 ECN */
#define TS_WSCALE_MASK 0xfu
#define TS_WSCALE_NONE 0xfu
#define TS_SACK (1u << 4)
#define TS_ECN (1u << 5)

/* First message byte: which hash (O or the MAC) and which family. The four
 * message kinds differ in length already, which SipHash absorbs; the tag
 * keeps them apart should a layout change make two lengths equal. */
#define TAG_MASK 0x01
#define TAG_MAC 0x02
#define TAG_V6 0x10

/* tag, 2 x 16 address bytes, ports, ISN, counter, index */
#define MSG_MAX (1 + 32 + 4 + 4 + 4 + 1)

/* Entries ascending; 4 of them, as the 2-bit index field holds. IPv4: 536 is
 * the RFC 9293 3.7.1 default (576 - 40), 1300 tunnels, 1440 PPPoE and VPNs,
 * 1460 Ethernet. IPv6: MTU - 60 for 1280 (RFC 8200 minimum), 1480 (IPv6 in
 * IPv4), 1500 and 9000. */
static const uint16_t mss_tab4[IDX_MASK + 1] = { 536, 1300, 1440, 1460 };
static const uint16_t mss_tab6[IDX_MASK + 1] = { 1220, 1420, 1440, 8940 };

static const uint16_t *mss_table(uint8_t family)
{
	return family == AF_INET6 ? mss_tab6 : mss_tab4;
}

static unsigned mss_index(uint8_t family, uint16_t mss)
{
	const uint16_t *tab = mss_table(family);
	unsigned i;

	for (i = IDX_MASK; i > 0; i--)
		if (mss >= tab[i])
			break;
	return i;
}

uint16_t dp_syncookie_mss_clamp(uint8_t family, uint16_t mss)
{
	return mss_table(family)[mss_index(family, mss)];
}

/* The bytes both hashes start with; returns their length. Fixed layout and
 * byte order so a cookie means the same on every lcore. */
static size_t msg_tuple(uint8_t *m, const struct dp_syncookie_in *in, uint8_t tag)
{
	size_t alen = in->family == AF_INET6 ? 16 : 4;
	uint32_t isn = htonl(in->client_isn);
	size_t n = 0;

	m[n++] = tag | (alen == 16 ? TAG_V6 : 0);
	memcpy(m + n, &in->saddr, alen);
	n += alen;
	memcpy(m + n, &in->daddr, alen);
	n += alen;
	memcpy(m + n, &in->sport, 2);
	memcpy(m + n + 2, &in->dport, 2);
	memcpy(m + n + 4, &isn, 4);
	return n + 8;
}

static uint32_t hash_mask(const struct dp_siphash_key *k, const struct dp_syncookie_in *in)
{
	uint8_t m[MSG_MAX];
	size_t n = msg_tuple(m, in, TAG_MASK);

	return (uint32_t)dp_siphash24(k, m, n);
}

static uint32_t hash_mac(const struct dp_siphash_key *k, const struct dp_syncookie_in *in,
			 uint32_t counter, unsigned idx)
{
	uint8_t m[MSG_MAX];
	size_t n = msg_tuple(m, in, TAG_MAC);
	uint32_t c = htonl(counter);

	memcpy(m + n, &c, 4);
	m[n + 4] = (uint8_t)idx;
	return (uint32_t)dp_siphash24(k, m, n + 5) & MAC_MASK;
}

static int fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t got = getrandom(p, len, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += got;
		len -= (size_t)got;
	}
	return 0;
}

int dp_syncookie_key_new(struct dp_siphash_key *k)
{
	uint8_t raw[16];
	int rc = fill_random(raw, sizeof(raw));

	if (rc == 0)
		dp_siphash_key_load(k, raw);
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

int dp_syncookie_secret_init(struct dp_syncookie_secret *s, unsigned max_age,
			     unsigned rotate_every, uint32_t now_counter)
{
	int rc;

	if (max_age > DP_SYNCOOKIE_MAX_AGE_LIMIT || rotate_every <= max_age ||
	    rotate_every > UINT16_MAX)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	rc = dp_syncookie_key_new(&s->key[0]);
	if (rc < 0)
		return rc;
	s->rotated_at = now_counter;
	s->rotate_every = (uint16_t)rotate_every;
	s->max_age = (uint8_t)max_age;
	s->n_keys = 1;
	return 0;
}

bool dp_syncookie_rotate_due(const struct dp_syncookie_secret *s, uint32_t now_counter)
{
	return now_counter - s->rotated_at >= s->rotate_every;
}

void dp_syncookie_rotate_to(struct dp_syncookie_secret *s, const struct dp_siphash_key *k,
			    uint32_t now_counter)
{
	s->key[1] = s->key[0];
	s->key[0] = *k;
	s->n_keys = 2;
	s->rotated_at = now_counter;
}

int dp_syncookie_rotate(struct dp_syncookie_secret *s, uint32_t now_counter)
{
	struct dp_siphash_key k;
	int rc = dp_syncookie_key_new(&k);

	if (rc < 0)
		return rc;
	dp_syncookie_rotate_to(s, &k, now_counter);
	explicit_bzero(&k, sizeof(k));
	return 0;
}

void dp_syncookie_secret_clear(struct dp_syncookie_secret *s)
{
	explicit_bzero(s, sizeof(*s));
}

uint32_t dp_syncookie_make(const struct dp_syncookie_secret *s, const struct dp_syncookie_in *in,
			   uint32_t now_counter, uint16_t mss)
{
	const struct dp_siphash_key *k = &s->key[0];
	unsigned idx = mss_index(in->family, mss);
	uint32_t v = (now_counter << CTR_SHIFT) | (uint32_t)idx << IDX_SHIFT |
		     hash_mac(k, in, now_counter, idx);

	return v + hash_mask(k, in);
}

uint32_t dp_syncookie_tsval(uint32_t ts_now, const struct dp_syncookie_opts *syn)
{
	uint32_t bits = syn->wscale_ok ? (syn->wscale > DP_SYNCOOKIE_WSCALE_MAX
						  ? DP_SYNCOOKIE_WSCALE_MAX
						  : syn->wscale)
				       : TS_WSCALE_NONE;
	uint32_t tsval;

	if (syn->sack_ok)
		bits |= TS_SACK;
	if (syn->ecn_ok)
		bits |= TS_ECN;
	tsval = (ts_now & ~DP_SYNCOOKIE_TS_MASK) | bits;
	/* serial-number comparison (RFC 7323 5.2): ahead of the clock? */
	if ((int32_t)(tsval - ts_now) > 0)
		tsval -= DP_SYNCOOKIE_TS_MASK + 1;
	return tsval;
}

static void decode_ts(uint32_t tsecr, struct dp_syncookie_opts *out)
{
	unsigned w = tsecr & TS_WSCALE_MASK;

	out->wscale_ok = w != TS_WSCALE_NONE;
	out->wscale = out->wscale_ok ? (uint8_t)w : 0;
	out->sack_ok = (tsecr & TS_SACK) != 0;
	out->ecn_ok = (tsecr & TS_ECN) != 0;
}

int dp_syncookie_check(const struct dp_syncookie_secret *s, const struct dp_syncookie_in *in,
		       uint32_t cookie, uint32_t tsecr, bool has_ts, uint32_t now_counter,
		       struct dp_syncookie_opts *out)
{
	unsigned i;

	for (i = 0; i < s->n_keys; i++) {
		const struct dp_siphash_key *k = &s->key[i];
		uint32_t v = cookie - hash_mask(k, in);
		/* the latest counter at or before now with the cookie's low byte */
		uint8_t age = (uint8_t)(now_counter - (v >> CTR_SHIFT));
		uint32_t counter = now_counter - age;
		unsigned idx = (v >> IDX_SHIFT) & IDX_MASK;

		if (hash_mac(k, in, counter, idx) != (v & MAC_MASK))
			continue;
		if (age > s->max_age)
			return DP_SYNCOOKIE_ESTALE;
		memset(out, 0, sizeof(*out));
		out->mss = mss_table(in->family)[idx];
		if (has_ts)
			decode_ts(tsecr, out);
		return 0;
	}
	return DP_SYNCOOKIE_EFORGED;
}
