// SPDX-License-Identifier: GPL-2.0
/*
 * kcm_xfer: messages over a KCM mux on one TCP connection, knowing
 * nothing of ktun.
 *
 *   kcm_xfer [OPTIONS] server LOCAL PORT [COUNT]
 *   kcm_xfer [OPTIONS] client PEER PORT SIZE[,SIZE...] COUNT [MARKER]
 *   kcm_xfer echofin LOCAL PORT COUNT
 *
 * Both ends open one TCP connection (the server accepts one), attach it
 * to a KCM socket with a BPF parser that reads a 4-byte big-endian payload
 * length at the message's start (the framing of the kernel's KCM
 * documentation), and then speak only KCM.  The server checks every
 * message and echoes it; the client sends COUNT messages (sizes taken in
 * turn from the list), up to WINDOW of them before it waits for echoes,
 * and compares each echo with what it sent.
 *
 * "echofin" is the server's part without KCM: a plain TCP peer that
 * echoes COUNT messages, the last one corked with its FIN, so both leave
 * in one segment - what a peer closing after its answer often sends.
 *
 * Options:
 *   -a now|ready  attach right after connect()/accept() (default: while a
 *                 ktun handshake may still hold the connection), or once
 *                 the connection is writable
 *   -w WINDOW     messages in flight (default 1)
 *   -t            also print the time taken and the payload rate
 *
 * Output: the attach ("attached while held" if the connection was not
 * yet writable, else "attached writable"), then "ok N messages" or
 * "error: ...".  Exit: 0 ok, 1 mismatch or usage, 3 a socket error,
 * 4 a timeout (KCM_XFER_WAIT seconds without progress, default 20).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/kcm.h>
#include <linux/sockios.h>

#include "xfer_msg.h"

#ifndef AF_KCM
#define AF_KCM 41
#endif

#define MAXPAYLOAD	(1u << 20)
#define MAXSIZES	32

static int attach_ready, window = 1, timing, wait_ms = 20000;

static void die(const char *what, int e)
{
	printf("error: %s: %s\n", what, strerror(e));
	exit(3);
}

/* The parser: return ntohl(*(u32 *)skb->data) + 4 (0: need more). */
static int load_parser(void)
{
	struct bpf_insn insn[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 6, .src_reg = 1 },
		{ .code = BPF_LD | BPF_ABS | BPF_W, .imm = 0 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 0, .imm = 4 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uintptr_t)insn;
	attr.insn_cnt = sizeof(insn) / sizeof(insn[0]);
	attr.license = (uintptr_t)"GPL";
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		die("loading the BPF parser", errno);
	return fd;
}

/* A KCM socket with @tcp attached, at the moment -a asks for. */
static int kcm_attach(int tcp)
{
	struct pollfd p = { .fd = tcp, .events = POLLOUT };
	struct kcm_attach at = { .fd = tcp, .bpf_fd = load_parser() };
	int kcm = socket(AF_KCM, SOCK_DGRAM, KCMPROTO_CONNECTED);
	int buf = 16 << 20, ready;

	if (kcm < 0)
		die("socket(AF_KCM)", errno);
	setsockopt(kcm, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	setsockopt(kcm, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	if (attach_ready && poll(&p, 1, wait_ms) != 1) {
		printf("error: connection not writable within %d s\n", wait_ms / 1000);
		exit(4);
	}
	ready = poll(&p, 1, 0) == 1;
	if (ioctl(kcm, SIOCKCMATTACH, &at))
		die("SIOCKCMATTACH", errno);
	printf("attached %s\n", ready ? "writable" : "while held");
	fflush(stdout);
	close(at.bpf_fd);
	return kcm;
}

static struct addrinfo *resolve(const char *host, const char *port, int flags)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | flags,
	};
	struct addrinfo *ai;

	if (getaddrinfo(host, port, &hints, &ai)) {
		printf("error: bad address %s port %s\n", host, port);
		exit(1);
	}
	return ai;
}

static int tcp_socket(int family)
{
	int fd = socket(family, SOCK_STREAM, 0), one = 1, buf = 8 << 20;

	if (fd < 0)
		die("socket", errno);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* KCM's largest message is the TCP socket's receive buffer. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	return fd;
}

/* Receives one message within the wait; its length, or exits. */
static ssize_t recv_msg(int kcm, uint8_t *m, size_t max)
{
	struct pollfd p = { .fd = kcm, .events = POLLIN };
	ssize_t len;

	if (poll(&p, 1, wait_ms) != 1) {
		printf("error: no message within %d s\n", wait_ms / 1000);
		exit(4);
	}
	len = recv(kcm, m, max, 0);
	if (len < 0)
		die("recv(KCM)", errno);
	return len;
}

/* Listens on @ai, says so, and accepts one connection. */
static int accept_one(struct addrinfo *ai)
{
	int lfd = tcp_socket(ai->ai_family), fd;

	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, 4))
		die("bind/listen", errno);
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept", errno);
	return fd;
}

static int server(int argc, char **argv)
{
	struct addrinfo *ai = resolve(argv[0], argv[1], AI_PASSIVE);
	long count = argc > 2 ? atol(argv[2]) : -1, n = 0;
	uint8_t *m = malloc(MAXPAYLOAD + 4);
	int fd = accept_one(ai), kcm, bad = 0;

	kcm = kcm_attach(fd);
	while (count < 0 || n < count) {
		ssize_t len = recv_msg(kcm, m, MAXPAYLOAD + 4);

		if (len < 4 || xmsg_get32(m) != (size_t)len - 4 ||
		    xmsg_check(m + 4, len - 4)) {
			printf("error: message %ld: %zd bytes, length field %u\n",
			       n, len, len >= 4 ? xmsg_get32(m) : 0);
			bad++;
		}
		if (send(kcm, m, len, 0) != len)
			die("send(KCM)", errno);
		n++;
	}
	printf("%s %ld messages, %d corrupt\n", bad ? "error:" : "ok", n, bad);
	return bad ? 1 : 0;
}

static int parse_sizes(const char *s, size_t *sizes)
{
	int n = 0;

	while (*s && n < MAXSIZES) {
		char *end;
		unsigned long v = strtoul(s, &end, 0);

		if (end == s || !v || v > MAXPAYLOAD || (*end && *end != ','))
			return 0;
		sizes[n++] = v;
		s = *end ? end + 1 : end;
	}
	return *s ? 0 : n;
}

static void make_msg(uint8_t *m, size_t size, uint32_t seq, const char *marker)
{
	xmsg_put32(m, size);
	xmsg_fill(m + 4, size, seq, marker);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int client(int argc, char **argv)
{
	struct addrinfo *ai = resolve(argv[0], argv[1], 0);
	size_t sizes[MAXSIZES], size, bytes = 0;
	int nsizes = parse_sizes(argv[2], sizes), fd, kcm;
	long count = atol(argv[3]), sent = 0, got = 0;
	const char *marker = argc > 4 ? argv[4] : NULL;
	uint8_t *m = malloc(MAXPAYLOAD + 4), *back = malloc(MAXPAYLOAD + 4);
	double t0;

	if (!nsizes || count < 1 || window < 1) {
		printf("error: SIZE 1..%u (comma-separated), COUNT >= 1, WINDOW >= 1\n",
		       MAXPAYLOAD);
		return 1;
	}
	fd = tcp_socket(ai->ai_family);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen))
		die("connect", errno);
	kcm = kcm_attach(fd);
	t0 = now();
	while (got < count) {
		ssize_t len;

		for (; sent < count && sent - got < window; sent++) {
			size = sizes[sent % nsizes];
			make_msg(m, size, sent, marker);
			if (send(kcm, m, size + 4, 0) != (ssize_t)size + 4)
				die("send(KCM)", errno);
		}
		size = sizes[got % nsizes];
		len = recv_msg(kcm, back, MAXPAYLOAD + 4);
		make_msg(m, size, got, marker);
		if (len != (ssize_t)size + 4 || memcmp(m, back, len)) {
			printf("error: echo %ld differs (%zd bytes, expected %zu)\n",
			       got, len, size + 4);
			return 1;
		}
		bytes += size;
		got++;
	}
	if (timing) {
		double t = now() - t0;

		printf("ok %ld messages, %zu payload bytes in %.3f s, %.2f MB/s\n",
		       count, bytes, t, bytes / t / 1e6);
	} else {
		printf("ok %ld messages\n", count);
	}
	return 0;
}

/* Reads exactly @len bytes within the wait; false on EOF, error or timeout. */
static bool read_full(int fd, uint8_t *p, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (len) {
		if (poll(&pfd, 1, wait_ms) != 1)
			return false;
		n = recv(fd, p, len, 0);
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static int echofin(int argc, char **argv)
{
	struct addrinfo *ai = resolve(argv[0], argv[1], AI_PASSIVE);
	long count = atol(argv[2]), n;
	uint8_t *m = malloc(MAXPAYLOAD + 4);
	int fd, on = 1;
	size_t len;

	if (count < 1) {
		printf("error: COUNT >= 1\n");
		return 1;
	}
	fd = accept_one(ai);
	for (n = 0; n < count; n++) {
		if (!read_full(fd, m, 4) || (len = xmsg_get32(m)) > MAXPAYLOAD ||
		    !read_full(fd, m + 4, len)) {
			printf("error: message %ld not received\n", n);
			return 4;
		}
		/* The last echo corked: it and the FIN leave in one segment. */
		if (n == count - 1 &&
		    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on)))
			die("TCP_CORK", errno);
		if (send(fd, m, len + 4, MSG_NOSIGNAL) != (ssize_t)len + 4)
			die("send", errno);
	}
	if (shutdown(fd, SHUT_WR))
		die("shutdown", errno);
	printf("echoed %ld, then FIN\n", count);
	fflush(stdout);
	while (read_full(fd, m, 1))
		;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: kcm_xfer [-a now|ready] [-w WINDOW] [-t] server LOCAL PORT [COUNT]\n"
		"       kcm_xfer [-a now|ready] [-w WINDOW] [-t] client PEER PORT SIZE[,SIZE...] COUNT [MARKER]\n"
		"       kcm_xfer echofin LOCAL PORT COUNT\n");
	return 1;
}

int main(int argc, char **argv)
{
	const char *w = getenv("KCM_XFER_WAIT");
	int opt;

	if (w)
		wait_ms = atoi(w) * 1000;
	while ((opt = getopt(argc, argv, "+a:w:t")) != -1) {
		switch (opt) {
		case 'a':
			if (strcmp(optarg, "now") && strcmp(optarg, "ready"))
				return usage();
			attach_ready = !strcmp(optarg, "ready");
			break;
		case 'w':
			window = atoi(optarg);
			break;
		case 't':
			timing = 1;
			break;
		default:
			return usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc >= 3 && !strcmp(argv[0], "server"))
		return server(argc - 1, argv + 1);
	if (argc >= 5 && !strcmp(argv[0], "client"))
		return client(argc - 1, argv + 1);
	if (argc == 4 && !strcmp(argv[0], "echofin"))
		return echofin(argc - 1, argv + 1);
	return usage();
}
