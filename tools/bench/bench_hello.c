/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Chromium-shaped ClientHello. The extension set and the cipher-suite list
 * follow what Chrome sends (as seen in public captures); the order is fixed
 * here, where Chrome shuffles it, so that runs compare.
 */
#include <string.h>

#include "bench_hello.h"

#define MAX_NESTING 6

/* A writer whose length prefixes are filled in when their vector closes. */
struct writer {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
	size_t open_at[MAX_NESTING];
	uint8_t open_width[MAX_NESTING];
	unsigned depth;
	uint32_t rng;
};

static void
put_u8(struct writer *w, uint8_t v)
{
	if (w->len >= w->cap) {
		w->overflow = true;
		return;
	}
	w->buf[w->len++] = v;
}

static void
put_u16(struct writer *w, uint16_t v)
{
	put_u8(w, (uint8_t)(v >> 8));
	put_u8(w, (uint8_t)v);
}

static void
put_str(struct writer *w, const char *s)
{
	while (*s)
		put_u8(w, (uint8_t)*s++);
}

/* Deterministic filler for randoms, key shares and the ECH payload. */
static void
put_random(struct writer *w, size_t n)
{
	while (n--) {
		w->rng ^= w->rng << 13;
		w->rng ^= w->rng >> 17;
		w->rng ^= w->rng << 5;
		put_u8(w, (uint8_t)w->rng);
	}
}

/* Start a vector whose length takes @width bytes (1, 2 or 3). */
static void
open_vec(struct writer *w, uint8_t width)
{
	if (w->depth == MAX_NESTING) {
		w->overflow = true;
		return;
	}
	w->open_at[w->depth] = w->len;
	w->open_width[w->depth] = width;
	w->depth++;
	for (uint8_t i = 0; i < width; i++)
		put_u8(w, 0);
}

static void
close_vec(struct writer *w)
{
	size_t at, body;
	uint8_t width;

	if (w->depth == 0 || w->overflow) {
		w->overflow = true;
		return;
	}
	w->depth--;
	at = w->open_at[w->depth];
	width = w->open_width[w->depth];
	body = w->len - at - width;
	for (uint8_t i = 0; i < width; i++)
		w->buf[at + i] = (uint8_t)(body >> (8 * (width - 1 - i)));
}

static void
open_ext(struct writer *w, uint16_t type)
{
	put_u16(w, type);
	open_vec(w, 2);
}

static void
empty_ext(struct writer *w, uint16_t type)
{
	put_u16(w, type);
	put_u16(w, 0);
}

/* One of the 16 GREASE values (RFC 8701), picked as Chrome does: per connection. */
static uint16_t
grease(unsigned n)
{
	uint8_t b = (uint8_t)(((n & 0xfu) << 4) | 0x0au);

	return (uint16_t)(b << 8 | b);
}

static void
put_cipher_suites(struct writer *w)
{
	static const uint16_t suites[15] = {
		0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
		0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
	};

	open_vec(w, 2);
	put_u16(w, grease(1));
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		put_u16(w, suites[i]);
	close_vec(w);
}

static void
put_server_name(struct writer *w, const char *host)
{
	open_ext(w, 0x0000);
	open_vec(w, 2);
	put_u8(w, 0); /* host_name */
	open_vec(w, 2);
	put_str(w, host);
	close_vec(w);
	close_vec(w);
	close_vec(w);
}

static void
put_groups(struct writer *w, bool pq)
{
	open_ext(w, 0x000a);
	open_vec(w, 2);
	put_u16(w, grease(2));
	if (pq)
		put_u16(w, 0x6399); /* X25519Kyber768Draft00 */
	put_u16(w, 0x001d);         /* x25519 */
	put_u16(w, 0x0017);         /* secp256r1 */
	put_u16(w, 0x0018);         /* secp384r1 */
	close_vec(w);
	close_vec(w);
}

static void
put_alpn(struct writer *w)
{
	open_ext(w, 0x0010);
	open_vec(w, 2);
	open_vec(w, 1);
	put_str(w, "h2");
	close_vec(w);
	open_vec(w, 1);
	put_str(w, "http/1.1");
	close_vec(w);
	close_vec(w);
	close_vec(w);
}

static void
put_signature_algorithms(struct writer *w)
{
	static const uint16_t algs[8] = {
		0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
	};

	open_ext(w, 0x000d);
	open_vec(w, 2);
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		put_u16(w, algs[i]);
	close_vec(w);
	close_vec(w);
}

static void
put_key_share(struct writer *w, bool pq)
{
	open_ext(w, 0x0033);
	open_vec(w, 2);
	put_u16(w, grease(2)); /* the GREASE share is one zero byte, as Chrome's */
	open_vec(w, 2);
	put_u8(w, 0);
	close_vec(w);
	if (pq) {
		put_u16(w, 0x6399);
		open_vec(w, 2);
		put_random(w, 32 + 1184); /* X25519 share + Kyber768 public key */
		close_vec(w);
	}
	put_u16(w, 0x001d);
	open_vec(w, 2);
	put_random(w, 32);
	close_vec(w);
	close_vec(w);
	close_vec(w);
}

static void
put_supported_versions(struct writer *w)
{
	open_ext(w, 0x002b);
	open_vec(w, 1);
	put_u16(w, grease(3));
	put_u16(w, 0x0304);
	put_u16(w, 0x0303);
	close_vec(w);
	close_vec(w);
}

/* A GREASE ECH extension (draft-ietf-tls-esni): an outer hello with a random payload. */
static void
put_ech_grease(struct writer *w)
{
	open_ext(w, 0xfe0d);
	put_u8(w, 0);       /* ECHClientHelloType outer */
	put_u16(w, 0x0001); /* HKDF-SHA256 */
	put_u16(w, 0x0001); /* AES-128-GCM */
	put_random(w, 1);   /* config_id */
	open_vec(w, 2);
	put_random(w, 32); /* enc */
	close_vec(w);
	open_vec(w, 2);
	put_random(w, 208); /* payload: Chrome rounds it to a multiple of 32, plus 16 */
	close_vec(w);
	close_vec(w);
}

static void
put_extensions(struct writer *w, const struct bench_hello_params *p)
{
	open_vec(w, 2);
	empty_ext(w, grease(4));
	put_server_name(w, p->sni);
	empty_ext(w, 0x0017); /* extended_master_secret */
	open_ext(w, 0xff01);  /* renegotiation_info: empty renegotiated_connection */
	put_u8(w, 0);
	close_vec(w);
	put_groups(w, p->pq_share);
	open_ext(w, 0x000b); /* ec_point_formats: uncompressed */
	put_u8(w, 1);
	put_u8(w, 0);
	close_vec(w);
	empty_ext(w, 0x0023); /* session_ticket: none yet */
	put_alpn(w);
	open_ext(w, 0x0005); /* status_request: OCSP, no responder IDs or extensions */
	put_u8(w, 1);
	put_u16(w, 0);
	put_u16(w, 0);
	close_vec(w);
	put_signature_algorithms(w);
	empty_ext(w, 0x0012); /* signed_certificate_timestamp */
	put_key_share(w, p->pq_share);
	open_ext(w, 0x002d); /* psk_key_exchange_modes: psk_dhe_ke */
	put_u8(w, 1);
	put_u8(w, 1);
	close_vec(w);
	put_supported_versions(w);
	open_ext(w, 0x001b); /* compress_certificate: brotli */
	put_u8(w, 2);
	put_u16(w, 0x0002);
	close_vec(w);
	put_ech_grease(w);
	open_ext(w, grease(5)); /* Chrome's last GREASE extension carries one byte */
	put_u8(w, 0);
	close_vec(w);
	close_vec(w);
}

size_t
bench_browser_hello(uint8_t *buf, size_t cap, const struct bench_hello_params *params)
{
	struct writer w = { .buf = buf, .cap = cap, .rng = params->seed | 1u };

	put_u8(&w, 22);      /* handshake record */
	put_u16(&w, 0x0301); /* legacy_record_version of a first hello */
	open_vec(&w, 2);
	put_u8(&w, 1); /* client_hello */
	open_vec(&w, 3);
	put_u16(&w, 0x0303); /* legacy_version */
	put_random(&w, 32);  /* random */
	open_vec(&w, 1);
	put_random(&w, 32); /* legacy_session_id: Chrome sends 32 bytes for middlebox compat */
	close_vec(&w);
	put_cipher_suites(&w);
	put_u8(&w, 1); /* compression: null only */
	put_u8(&w, 0);
	put_extensions(&w, params);
	close_vec(&w);
	close_vec(&w);
	if (w.overflow || w.depth != 0)
		return 0;
	return w.len;
}
