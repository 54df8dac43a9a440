/* SPDX-License-Identifier: BSD-3-Clause */
/* SipHash-2-4 (Aumasson & Bernstein 2012, sections 2.1-2.3 of the paper). */
#include <endian.h>
#include <string.h>

#include "dp_siphash.h"

/* Initialization constants of section 2.1: "somepseudorandomlygeneratedbytes"
 * in ASCII, chosen by the authors so the initial state has no structure. */
#define SIP_C0 0x736f6d6570736575ULL
#define SIP_C1 0x646f72616e646f6dULL
#define SIP_C2 0x6c7967656e657261ULL
#define SIP_C3 0x7465646279746573ULL

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t rotl64(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/* SipRound: two ARX half-rounds over the pairs (v0,v1) and (v2,v3),
 * rotation counts 13, 16, 21, 17 and the 32-bit word swaps of figure 2.2. */
static inline void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

/* Compression of one message word: c = 2 rounds between the two XORs. */
static inline void sip_absorb(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, 8); /* no alignment assumption; compiles to one load */
	return le64toh(w);
}

void dp_siphash_key_load(struct dp_siphash_key *key, const uint8_t bytes[16])
{
	key->k0 = load_le64(bytes);
	key->k1 = load_le64(bytes + 8);
}

uint64_t dp_siphash24(const struct dp_siphash_key *key, const void *msg, size_t len)
{
	const uint8_t *p = msg;
	struct sip_state s = {
		.v0 = key->k0 ^ SIP_C0,
		.v1 = key->k1 ^ SIP_C1,
		.v2 = key->k0 ^ SIP_C2,
		.v3 = key->k1 ^ SIP_C3,
	};
	size_t left = len;
	uint64_t last;
	unsigned i;

	for (; left >= 8; p += 8, left -= 8)
		sip_absorb(&s, load_le64(p));
	/* The last word holds the 0-7 remaining bytes and, in its top byte,
	 * the message length mod 256: messages that differ only by trailing
	 * zero bytes still get different words. */
	last = (uint64_t)(len & 0xff) << 56;
	for (i = 0; i < left; i++)
		last |= (uint64_t)p[i] << (8 * i);
	sip_absorb(&s, last);
	/* Finalization: d = 4 rounds after marking v2, so the output is not a
	 * state a further compression could continue from. */
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
