// SPDX-License-Identifier: GPL-2.0
/*
 * rds_xfer: RDS (over TCP) messages with checksums, knowing nothing of ktun.
 *
 *   rds_xfer echo LOCAL PORT [COUNT]
 *   rds_xfer send LOCAL PEER PORT SIZE COUNT [MARKER]
 *
 * "echo" binds LOCAL:PORT, checks every message it gets and sends it back
 * to its sender (COUNT messages, default forever).  "send" binds LOCAL:PORT
 * and sends COUNT messages of SIZE bytes (at least 16) to PEER:PORT one at
 * a time, each waiting for its echo, which must be identical.  A message
 * is a header (magic, sequence, size, FNV-1a of the payload) and a
 * pseudo-random payload with MARKER written every 4 KiB.
 * Output: "ok COUNT x SIZE" or "error: ...".  Exit: 0 ok, 1 mismatch or
 * usage, 3 a socket error, 4 a timeout (no echo within RDS_XFER_WAIT
 * seconds, default 20).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/rds.h>

#ifndef AF_RDS
#define AF_RDS 21
#endif
#ifndef SOL_RDS
#define SOL_RDS 276
#endif

#define MAGIC	0x6b74756eu	/* "ktun" */
#define HDR	16
#define MAXMSG	(1u << 20)

static uint32_t fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static int die(const char *what, int e)
{
	printf("error: %s: %s\n", what, strerror(e));
	exit(3);
}

static int rds_socket(const char *local, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_RDS, SOCK_SEQPACKET, 0), tcp = RDS_TRANS_TCP;
	int buf = 8 << 20;

	if (fd < 0)
		die("socket(AF_RDS)", errno);
	if (inet_pton(AF_INET, local, &sin.sin_addr) != 1) {
		printf("error: bad address %s\n", local);
		exit(1);
	}
	if (setsockopt(fd, SOL_RDS, SO_RDS_TRANSPORT, &tcp, sizeof(tcp)))
		die("SO_RDS_TRANSPORT", errno);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind", errno);
	return fd;
}

/* Checks a message; returns 0 or prints why not. */
static int check_msg(const uint8_t *m, size_t len)
{
	if (len < HDR || get32(m) != MAGIC || get32(m + 8) != len ||
	    get32(m + 12) != fnv(m + HDR, len - HDR)) {
		printf("error: corrupt message of %zu bytes\n", len);
		return -1;
	}
	return 0;
}

static int echo(int argc, char **argv)
{
	long count = argc > 4 ? atol(argv[4]) : -1, n = 0;
	uint8_t *m = malloc(MAXMSG);
	int fd = rds_socket(argv[2], atoi(argv[3])), bad = 0;

	while (count < 0 || n < count) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, m, MAXMSG, 0, (struct sockaddr *)&from, &fl);

		if (len < 0)
			die("recvfrom", errno);
		if (check_msg(m, len))
			bad++;
		if (sendto(fd, m, len, 0, (struct sockaddr *)&from, fl) != len)
			die("sendto", errno);
		n++;
	}
	printf("%s %ld messages, %d corrupt\n", bad ? "error:" : "ok", n, bad);
	return bad ? 1 : 0;
}

static void fill(uint8_t *m, size_t size, uint32_t seq, const char *marker)
{
	size_t i, ml = marker ? strlen(marker) : 0;
	uint32_t x = seq * 2654435761u + 1;

	for (i = HDR; i < size; i++) {
		x = x * 1103515245u + 12345u;
		m[i] = x >> 24;
	}
	for (i = HDR; ml && i + ml <= size; i += 4096)
		memcpy(m + i, marker, ml);
	put32(m, MAGIC);
	put32(m + 4, seq);
	put32(m + 8, size);
	put32(m + 12, fnv(m + HDR, size - HDR));
}

static int send_all(int argc, char **argv)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[4])) };
	size_t size = strtoul(argv[5], NULL, 0);
	long count = atol(argv[6]), i;
	const char *marker = argc > 7 ? argv[7] : NULL;
	const char *wait_s = getenv("RDS_XFER_WAIT");
	int wait_ms = (wait_s ? atoi(wait_s) : 20) * 1000;
	uint8_t *m = malloc(MAXMSG), *back = malloc(MAXMSG);
	int fd;

	if (size < HDR || size > MAXMSG || count < 1 ||
	    inet_pton(AF_INET, argv[3], &peer.sin_addr) != 1) {
		printf("error: SIZE must be %d..%u, COUNT >= 1, PEER an IPv4 address\n",
		       HDR, MAXMSG);
		return 1;
	}
	fd = rds_socket(argv[2], atoi(argv[4]));
	for (i = 0; i < count; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t len;

		fill(m, size, i, marker);
		if (sendto(fd, m, size, 0, (struct sockaddr *)&peer, sizeof(peer)) != (ssize_t)size)
			die("sendto", errno);
		if (poll(&p, 1, wait_ms) != 1) {
			printf("error: no echo for message %ld within %d s\n", i,
			       wait_ms / 1000);
			return 4;
		}
		len = recv(fd, back, MAXMSG, 0);
		if (len < 0)
			die("recv", errno);
		if (len != (ssize_t)size || memcmp(m, back, size)) {
			printf("error: echo %ld differs (%zd bytes)\n", i, len);
			return 1;
		}
	}
	printf("ok %ld x %zu\n", count, size);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "echo"))
		return echo(argc, argv);
	if (argc >= 7 && !strcmp(argv[1], "send"))
		return send_all(argc, argv);
	fprintf(stderr, "usage: rds_xfer echo LOCAL PORT [COUNT]\n"
		"       rds_xfer send LOCAL PEER PORT SIZE COUNT [MARKER]\n");
	return 1;
}
