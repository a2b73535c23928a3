// SPDX-License-Identifier: GPL-2.0
/*
 * rds_xfer: RDS (over TCP) messages with checksums, knowing nothing of ktun.
 *
 *   rds_xfer [-v] echo LOCAL PORT [COUNT]
 *   rds_xfer [-w WINDOW] [-t] [-l LPORT] send LOCAL PEER PORT SIZE COUNT [MARKER]
 *   rds_xfer [-v] sink LOCAL PORT COUNT
 *   rds_xfer tcpfin PEER PORT SIZE COUNT [MARKER]
 *   rds_xfer conns
 *   rds_xfer counters
 *
 * "echo" binds LOCAL:PORT, says "bound" (RDS drops a message to a port
 * nobody has bound: a test waits for the line), checks every message it
 * gets and sends it back to its sender (COUNT messages, default forever;
 * -v logs each sender and size as "from ADDR:PORT N bytes").  "send" binds LOCAL:PORT
 * (LOCAL:LPORT with -l) and sends COUNT messages of SIZE bytes (1 byte to
 * 1 MiB) to PEER:PORT, up to WINDOW (default 1) before it waits for
 * echoes, each of which must be identical to what was sent; -t also prints
 * the time taken and the payload rate (the throughput mode the benchmark
 * uses).  Messages are those of xfer_msg.h (self-checking from 16 bytes
 * on, MARKER every 4 KiB).
 *
 * Sends never block in RDS (MSG_DONTWAIT, waiting in poll() for room).  A
 * blocking send to a peer whose multipath handshake has not completed
 * waits in rds_send_mprds_hash() for the answer to RDS's probe, which
 * Linux 6.12's RDS sends once per connection: when that probe is lost on
 * a connection that is reset or refused, every such send waits forever,
 * and an echo would stop for good.  A non-blocking send takes RDS's first
 * path instead, and RDS queues it until the connection is up.  The sender
 * gives each send and each echo RDS_XFER_WAIT seconds (default 20); a
 * message it gave up on stays queued in RDS, to go out when the
 * connection comes up: a test that expects a timeout uses a local port
 * (-l) no later sender binds.
 *
 * "sink" is "echo" that sends nothing back, and prints "ok COUNT messages,
 * 0 corrupt" once it has COUNT of them.
 *
 * "tcpfin" is RDS-TCP's sending side without RDS: a plain TCP connection
 * to PEER:16385 that carries COUNT messages of SIZE bytes in RDS's framing
 * (the 48-byte header of net/rds/rds.h) to RDS port PORT, the last one
 * corked with the FIN so that both leave in one segment, as when a peer's
 * RDS sends its last message and shuts the connection down.  Whatever the
 * peer's RDS sends back (congestion maps) is read and dropped until it
 * closes.  Output: "sent COUNT, then FIN".
 *
 * "conns" lists this namespace's RDS connections as RDS reports them
 * (RDS_INFO_CONNECTIONS: their first path), one per line:
 * "LADDR FADDR tx NEXT-TX-SEQ rx NEXT-RX-SEQ FLAGS" - what a test shows
 * when RDS is stuck.
 *
 * "counters" prints RDS's statistics that are not zero (RDS_INFO_COUNTERS,
 * shared by all namespaces), "NAME VALUE" each, on one line: where RDS
 * dropped a message (recv_drop_old_seq: a retransmission it took for a
 * duplicate; recv_drop_no_sock: nobody bound to its port).
 *
 * Output: "ok COUNT x SIZE" or "error: ...".  Exit: 0 ok, 1 mismatch or
 * usage, 3 a socket error, 4 a timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <endian.h>
#include <netinet/tcp.h>
#include <linux/rds.h>

#include "xfer_msg.h"

#ifndef AF_RDS
#define AF_RDS 21
#endif
#ifndef SOL_RDS
#define SOL_RDS 276
#endif

#define MAXMSG	(1u << 20)

#define RDS_TCP_PORT	16385

static int window = 1, timing, lport, verbose;

/* RDS's header on the wire: all fields big-endian, no extension here. */
struct rds_wire_hdr {
	uint64_t seq;
	uint64_t ack;
	uint32_t len;
	uint16_t sport;
	uint16_t dport;
	uint8_t flags;
	uint8_t credit;
	uint8_t pad[4];
	uint16_t csum;
	uint8_t ext[16];
} __attribute__((packed));

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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Sends one message without blocking in RDS (see the top of the file),
 * waiting up to @wait_ms (forever if negative) for room: POLLOUT once the
 * send buffer drains, a millisecond's pause while the peer is congested
 * (-ENOBUFS, which RDS's poll does not report).  Returns what sendto()
 * returned last.
 */
static ssize_t send_nb(int fd, const void *m, size_t size,
		       const struct sockaddr *to, socklen_t tl, int wait_ms)
{
	const struct timespec pause = { .tv_nsec = 1000000 };
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	double end = now() + wait_ms / 1e3;
	ssize_t n;

	for (;;) {
		int left = wait_ms < 0 ? -1 : (end - now()) * 1e3;

		n = sendto(fd, m, size, MSG_DONTWAIT, to, tl);
		if (n >= 0 || (errno != EAGAIN && errno != ENOBUFS &&
			       errno != EINTR))
			return n;
		if (wait_ms >= 0 && left <= 0)
			return n;
		if (errno == ENOBUFS)
			nanosleep(&pause, NULL);
		else
			poll(&p, 1, left);
	}
}

static int echo(int argc, char **argv, int sink)
{
	long count = argc > 4 ? atol(argv[4]) : -1, n = 0;
	uint8_t *m = malloc(MAXMSG);
	int fd = rds_socket(argv[2], atoi(argv[3])), bad = 0;

	printf("bound %s:%s\n", argv[2], argv[3]);
	fflush(stdout);
	while (count < 0 || n < count) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, m, MAXMSG, 0, (struct sockaddr *)&from, &fl);

		if (len < 0)
			die("recvfrom", errno);
		if (xmsg_check(m, len))
			bad++;
		if (verbose) {
			printf("from %s:%d %zd bytes\n", inet_ntoa(from.sin_addr),
			       ntohs(from.sin_port), len);
			fflush(stdout);
		}
		if (!sink &&
		    send_nb(fd, m, len, (struct sockaddr *)&from, fl, -1) != len)
			die("sendto", errno);
		n++;
	}
	printf("%s %ld messages, %d corrupt\n", bad ? "error:" : "ok", n, bad);
	return bad ? 1 : 0;
}

/*
 * Waits for the next echo and compares it with message @seq.  RDS's poll
 * reports POLLIN once after any congestion map update (connections coming
 * up do that) with nothing to read: hence the non-blocking recv.
 */
static int recv_echo(int fd, uint8_t *m, uint8_t *back, size_t size, long seq,
		     const char *marker, int wait_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	double end = now() + wait_ms / 1e3;
	ssize_t len;

	for (;;) {
		int left = (end - now()) * 1e3;

		if (left <= 0 || poll(&p, 1, left) == 0) {
			printf("error: no echo for message %ld within %d s\n",
			       seq, wait_ms / 1000);
			exit(4);
		}
		len = recv(fd, back, MAXMSG, MSG_DONTWAIT);
		if (len >= 0)
			break;
		if (errno != EAGAIN && errno != EINTR)
			die("recv", errno);
	}
	xmsg_fill(m, size, seq, marker);
	if (len != (ssize_t)size || memcmp(m, back, size)) {
		printf("error: echo %ld differs (%zd bytes)\n", seq, len);
		return -1;
	}
	return 0;
}

static void send_one(int fd, const uint8_t *m, size_t size,
		     const struct sockaddr_in *peer, long seq, int wait_ms)
{
	ssize_t n = send_nb(fd, m, size, (const struct sockaddr *)peer,
			    sizeof(*peer), wait_ms);

	if (n < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)) {
		printf("error: send of message %ld blocked for %d s\n", seq,
		       wait_ms / 1000);
		exit(4);
	}
	if (n != (ssize_t)size)
		die("sendto", n < 0 ? errno : EMSGSIZE);
}

static int send_all(int argc, char **argv)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[4])) };
	size_t size = strtoul(argv[5], NULL, 0);
	long count = atol(argv[6]), sent = 0, got = 0;
	const char *marker = argc > 7 ? argv[7] : NULL;
	const char *wait_s = getenv("RDS_XFER_WAIT");
	int wait_ms = (wait_s ? atoi(wait_s) : 20) * 1000;
	uint8_t *m = malloc(MAXMSG), *back = malloc(MAXMSG);
	double t0;
	int fd;

	if (size < 1 || size > MAXMSG || count < 1 || window < 1 ||
	    inet_pton(AF_INET, argv[3], &peer.sin_addr) != 1) {
		printf("error: SIZE must be 1..%u, COUNT >= 1, PEER an IPv4 address\n",
		       MAXMSG);
		return 1;
	}
	fd = rds_socket(argv[2], lport ? lport : atoi(argv[4]));
	t0 = now();
	while (got < count) {
		for (; sent < count && sent - got < window; sent++) {
			xmsg_fill(m, size, sent, marker);
			send_one(fd, m, size, &peer, sent, wait_ms);
		}
		if (recv_echo(fd, m, back, size, got, marker, wait_ms))
			return 1;
		got++;
	}
	if (timing)
		printf("ok %ld x %zu in %.3f s, %.2f MB/s\n", count, size,
		       now() - t0, count * size / (now() - t0) / 1e6);
	else
		printf("ok %ld x %zu\n", count, size);
	return 0;
}

static int tcpfin(int argc, char **argv)
{
	struct sockaddr_in peer = { .sin_family = AF_INET,
				    .sin_port = htons(RDS_TCP_PORT) };
	int port = atoi(argv[3]), fd, on = 1;
	size_t size = strtoul(argv[4], NULL, 0), len = sizeof(struct rds_wire_hdr) + size;
	long count = atol(argv[5]), i;
	uint8_t *m = malloc(sizeof(struct rds_wire_hdr) + MAXMSG);
	struct rds_wire_hdr *h = (struct rds_wire_hdr *)m;

	if (size < 1 || size > MAXMSG || count < 1 || port < 1 || port > 65535 ||
	    inet_pton(AF_INET, argv[2], &peer.sin_addr) != 1) {
		printf("error: SIZE must be 1..%u, COUNT >= 1, PEER an IPv4 address\n",
		       MAXMSG);
		return 1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof(peer)))
		die("connect", errno);
	for (i = 0; i < count; i++) {
		memset(h, 0, sizeof(*h));
		h->seq = htobe64(i + 1);
		h->len = htonl(size);
		h->sport = h->dport = htons(port);
		xmsg_fill(m + sizeof(*h), size, i, argc > 6 ? argv[6] : NULL);
		/* The last message corked: it and the FIN leave in one segment. */
		if (i == count - 1 &&
		    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)))
			die("TCP_CORK", errno);
		if (send(fd, m, len, MSG_NOSIGNAL) != (ssize_t)len)
			die("send", errno);
	}
	if (shutdown(fd, SHUT_WR))
		die("shutdown", errno);
	printf("sent %ld, then FIN\n", count);
	fflush(stdout);
	while (read(fd, m, MAXMSG) > 0)
		;
	return 0;
}

/* An RDS_INFO_* table into @buf (@len bytes): how many entries. */
static int rds_info(int opt, const char *what, void *buf, socklen_t len)
{
	int fd = socket(AF_RDS, SOCK_SEQPACKET, 0), each;

	if (fd < 0)
		die("socket(AF_RDS)", errno);
	/* RDS answers with the size of one entry, and the total in len. */
	each = getsockopt(fd, SOL_RDS, opt, buf, &len);
	if (each < 0)
		die(what, errno);
	close(fd);
	return each ? len / each : 0;
}

static int conns(void)
{
	static struct rds_info_connection c[256];
	int n = rds_info(RDS_INFO_CONNECTIONS, "RDS_INFO_CONNECTIONS", c, sizeof(c));
	char l[INET_ADDRSTRLEN], f[INET_ADDRSTRLEN];
	int i;

	for (i = 0; i < n; i++)
		printf("%s %s tx %llu rx %llu%s%s%s\n",
		       inet_ntop(AF_INET, &c[i].laddr, l, sizeof(l)),
		       inet_ntop(AF_INET, &c[i].faddr, f, sizeof(f)),
		       (unsigned long long)c[i].next_tx_seq,
		       (unsigned long long)c[i].next_rx_seq,
		       c[i].flags & RDS_INFO_CONNECTION_FLAG_SENDING ? " sending" : "",
		       c[i].flags & RDS_INFO_CONNECTION_FLAG_CONNECTING ? " connecting" : "",
		       c[i].flags & RDS_INFO_CONNECTION_FLAG_CONNECTED ? " connected" : "");
	return 0;
}

static int counters(void)
{
	static struct rds_info_counter c[256];
	int n = rds_info(RDS_INFO_COUNTERS, "RDS_INFO_COUNTERS", c, sizeof(c));
	int i;

	for (i = 0; i < n; i++)
		if (c[i].value)
			printf("%.*s %llu ", (int)sizeof(c[i].name), c[i].name,
			       (unsigned long long)c[i].value);
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "+w:tl:v")) != -1) {
		if (opt == 'w')
			window = atoi(optarg);
		else if (opt == 't')
			timing = 1;
		else if (opt == 'l')
			lport = atoi(optarg);
		else if (opt == 'v')
			verbose = 1;
		else
			goto usage;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc >= 4 && !strcmp(argv[1], "echo"))
		return echo(argc, argv, 0);
	if (argc == 5 && !strcmp(argv[1], "sink"))
		return echo(argc, argv, 1);
	if (argc >= 6 && argc <= 7 && !strcmp(argv[1], "tcpfin"))
		return tcpfin(argc, argv);
	if (argc >= 7 && !strcmp(argv[1], "send"))
		return send_all(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "conns"))
		return conns();
	if (argc == 2 && !strcmp(argv[1], "counters"))
		return counters();
usage:
	fprintf(stderr, "usage: rds_xfer [-v] echo LOCAL PORT [COUNT]\n"
		"       rds_xfer [-w WINDOW] [-t] [-l LPORT] send LOCAL PEER PORT SIZE COUNT [MARKER]\n"
		"       rds_xfer [-v] sink LOCAL PORT COUNT\n"
		"       rds_xfer tcpfin PEER PORT SIZE COUNT [MARKER]\n"
		"       rds_xfer conns\n"
		"       rds_xfer counters\n");
	return 1;
}
