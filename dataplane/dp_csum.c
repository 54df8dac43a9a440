/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dp_csum.h"

uint32_t dp_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	uint16_t w;

	/* memcpy keeps this free of alignment and aliasing assumptions;
	 * compilers turn it into plain loads */
	for (; len >= 2; p += 2, len -= 2) {
		memcpy(&w, p, 2);
		acc += w;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t dp_csum_ipv4(const void *hdr, size_t len)
{
	return (uint16_t)~dp_csum_fold(dp_csum_add(0, hdr, len));
}
