/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Captures derived from real ones at test time: the same TCP conversations,
 * delivered differently (order, duplicates, segment boundaries, link type).
 */
#ifndef REPLAY_PCAP_H
#define REPLAY_PCAP_H

enum pcap_transform {
	XF_REORDER,       /* swap neighbouring data segments, resend some late */
	XF_RESEGMENT,     /* cut each data segment in two overlapping ones */
	XF_RAW,           /* raw IP link type (DLT_RAW) */
	XF_VLAN,          /* Ethernet with an 802.1Q tag */
	XF_NULL,          /* BSD loopback (DLT_NULL) */
	XF_IP_TYPE,       /* LINKTYPE_IPV4 / LINKTYPE_IPV6 (all frames of one family) */
	XF_IPV6_EXT,      /* hop-by-hop and destination options headers before TCP */
	XF_FRAGMENT_ACKS, /* IPv4 pure ACKs turned into non-first fragments */
	/* damage; "the client" is whoever sends the first data segment */
	XF_CLIENT_NOT_TLS,      /* the client's first byte becomes 'G', as in "GET" */
	XF_NO_CLIENT_PAYLOAD,   /* the client's data segments are lost */
	XF_LOSE_SECOND_SEGMENT, /* the client's second data segment is lost */
	XF_DROP_SYNS,           /* the handshake (SYN, SYN-ACK) was not captured */
};

/*
 * Write src transformed into dst (pcap format). *changes: how many frames
 * the transform moved, added or rewrote. Returns 0 or a negative errno;
 * errbuf gets a message on failure.
 */
int pcap_transform_file(const char *src, const char *dst, enum pcap_transform xf, unsigned *changes,
			char *errbuf, size_t errlen);

/* A valid capture with no packets. */
int pcap_write_empty(const char *dst);

#endif /* REPLAY_PCAP_H */
