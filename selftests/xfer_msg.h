/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test messages shared by rds_xfer and kcm_xfer.  A message of SIZE bytes
 * and sequence number SEQ is fully determined by the two:
 *  - SIZE >= XMSG_HDR: a header (magic, SEQ, SIZE, FNV-1a of the rest)
 *    and a pseudo-random payload with an optional MARKER every 4 KiB, so
 *    a receiver can check it alone;
 *  - smaller: pseudo-random bytes only, checked by whoever knows SEQ
 *    (the sender, against the echo).
 */
#ifndef XFER_MSG_H
#define XFER_MSG_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define XMSG_MAGIC	0x6b74756eu	/* "ktun" */
#define XMSG_HDR	16

static inline uint32_t xmsg_fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static inline void xmsg_put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static inline uint32_t xmsg_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static inline void xmsg_fill(uint8_t *m, size_t size, uint32_t seq,
			     const char *marker)
{
	size_t i, ml = marker ? strlen(marker) : 0;
	size_t start = size >= XMSG_HDR ? XMSG_HDR : 0;
	uint32_t x = seq * 2654435761u + 1;

	for (i = start; i < size; i++) {
		x = x * 1103515245u + 12345u;
		m[i] = x >> 24;
	}
	if (!start)
		return;
	for (i = XMSG_HDR; ml && i + ml <= size; i += 4096)
		memcpy(m + i, marker, ml);
	xmsg_put32(m, XMSG_MAGIC);
	xmsg_put32(m + 4, seq);
	xmsg_put32(m + 8, size);
	xmsg_put32(m + 12, xmsg_fnv(m + XMSG_HDR, size - XMSG_HDR));
}

/* 0 if @m is intact (or too short to tell), else -1 with a message. */
static inline int xmsg_check(const uint8_t *m, size_t len)
{
	if (len < XMSG_HDR)
		return 0;
	if (xmsg_get32(m) != XMSG_MAGIC || xmsg_get32(m + 8) != len ||
	    xmsg_get32(m + 12) != xmsg_fnv(m + XMSG_HDR, len - XMSG_HDR)) {
		printf("error: corrupt message of %zu bytes\n", len);
		return -1;
	}
	return 0;
}

#endif /* XFER_MSG_H */
