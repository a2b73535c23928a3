// SPDX-License-Identifier: GPL-2.0
/*
 * hostile: TCP peers and owners that do what well-behaved ones do not,
 * for ktun's fail-closed tests.  Knows nothing of ktun.
 *
 *   hostile hold HOST PORT N [SRC [ping|flood]]
 *	opens N connections (from address SRC, "-" for any) that never send
 *	a byte, prints "held N" once all are established, keeps them until
 *	a signal ends it.  With "ping" each one sends a byte
 *	and reads its echo before the next is opened.  With "flood" a
 *	connection the peer resets before connect() returns is counted, not
 *	fatal: "held N, M reset" once all N were tried.
 *   hostile churn HOST PORT N
 *	N times: connect without waiting, and close at once
 *   hostile reader connect HOST PORT
 *   hostile reader listen PORT [OPT...]
 *	connects, or accepts one connection, then reads - and after every
 *	error or end of file reads again - until the connection is closed
 *	in TCP and nothing is left to read.  Prints "never a byte: ERRORS"
 *	(exit 0), or "got N bytes" on the first byte it reads (exit 1), or
 *	"still open" if the connection is neither closed nor readable for
 *	30 s (exit 2).  Every error also tries a write of "KTUN-OWNER-SENT",
 *	which a capture must never show.
 *	OPT: defer (TCP_DEFER_ACCEPT: the child is established by a segment
 *	that carries data), tfo (TCP_FASTOPEN before listen()), reuseport,
 *	bind=ADDR, greet=TEXT (write TEXT once connected or accepted, before
 *	reading), mptcp
 *	(an IPPROTO_MPTCP socket; also for "reader connect")
 *   hostile greet PORT TEXT [OPT...]
 *	accepts connections forever; writes TEXT on each and holds it open
 *	(OPT as for reader listen)
 *   hostile listen PORT [shut] [OPT...]
 *	listens and never accepts; prints "listening" (OPT as above).  With
 *	"shut", on SIGUSR1 it shuts the listener down (SHUT_RD: no longer
 *	listening, socket still open) and prints "shut"
 *   hostile tfo-send HOST PORT TEXT
 *	connects with TCP Fast Open, TEXT in the SYN (a cookie must be
 *	cached: run it twice), and prints the reply, if any
 *   hostile tfo-connect HOST PORT SIZE
 *	TCP_FASTOPEN_CONNECT, then writes SIZE bytes and reads their echo:
 *	"ok SIZE" (exit 0) or "error: WHAT: ERRNO" (exit 3)
 *   hostile tls-keys HOST PORT
 *	connects, exchanges a byte with an echo server (so the connection
 *	is secured), then asks kTLS for the traffic keys with
 *	getsockopt(SOL_TLS, TLS_TX): prints "keys ERRNO" or "keys readable"
 *   hostile setopt-tfo PORT
 *	listens, then sets TCP_FASTOPEN: prints "setsockopt OK" or the errno
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define OWNER_TEXT	"KTUN-OWNER-SENT"

static const char *ename(int e)
{
	switch (e) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ECONNABORTED: return "ECONNABORTED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPIPE: return "EPIPE";
	case ENOTCONN: return "ENOTCONN";
	case EAGAIN: return "EAGAIN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case 0: return "EOF";
	default: return strerror(e);
	}
}

static void die(const char *what)
{
	printf("error: %s: %s\n", what, ename(errno));
	exit(3);
}

static struct addrinfo *resolve(const char *host, const char *port)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = host ? 0 : AI_PASSIVE,
	}, *ai;

	if (getaddrinfo(host, port, &hints, &ai)) {
		printf("error: bad address %s\n", host ? host : "(any)");
		exit(1);
	}
	return ai;
}

struct lopts {
	bool defer, tfo, reuseport, mptcp;
	const char *bind, *greet;
};

static void parse_opts(int argc, char **argv, struct lopts *o)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "defer"))
			o->defer = true;
		else if (!strcmp(argv[i], "tfo"))
			o->tfo = true;
		else if (!strcmp(argv[i], "reuseport"))
			o->reuseport = true;
		else if (!strcmp(argv[i], "mptcp"))
			o->mptcp = true;
		else if (!strncmp(argv[i], "bind=", 5))
			o->bind = argv[i] + 5;
		else if (!strncmp(argv[i], "greet=", 6))
			o->greet = argv[i] + 6;
		else
			printf("error: unknown option %s\n", argv[i]), exit(1);
	}
}

static int tcp_listen(const char *port, const struct lopts *o)
{
	struct addrinfo *ai = resolve(o->bind ? o->bind : "::", port);
	int one = 1, qlen = 16, fd;

	fd = socket(ai->ai_family, SOCK_STREAM, o->mptcp ? IPPROTO_MPTCP : 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (o->reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		die("SO_REUSEPORT");
	if (o->defer &&
	    setsockopt(fd, SOL_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one)))
		die("TCP_DEFER_ACCEPT");
	if (o->tfo && setsockopt(fd, SOL_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)))
		die("TCP_FASTOPEN");
	if (bind(fd, ai->ai_addr, ai->ai_addrlen))
		die("bind");
	if (listen(fd, 1024))
		die("listen");
	freeaddrinfo(ai);
	return fd;
}

/* A connected socket, or -1 if the peer reset it and @lossy. */
static int tcp_connect_lossy(const char *host, const char *port,
			     const char *src, bool lossy)
{
	struct addrinfo *ai = resolve(host, port);
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (src && strcmp(src, "-")) {
		struct addrinfo *sa = resolve(src, "0");

		if (bind(fd, sa->ai_addr, sa->ai_addrlen))
			die("bind");
		freeaddrinfo(sa);
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		if (!lossy || (errno != ECONNRESET && errno != ECONNREFUSED))
			die("connect");
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int tcp_connect(const char *host, const char *port, const char *src)
{
	return tcp_connect_lossy(host, port, src, false);
}

static int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return -1;
	return ti.tcpi_state;
}

/*
 * Reads until the connection is gone in TCP with nothing left queued,
 * trying again after every error, as a careless server would.
 */
static int persistent_read(int fd)
{
	char errs[512] = "", buf[4096];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	time_t end = time(NULL) + 30;
	int queued, n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			printf("got %d bytes: %.*s\n", n, n > 40 ? 40 : n, buf);
			return 1;
		}
		if (n < 0 && errno == EAGAIN) {
			/* MPTCP's socket says EAGAIN, not EOF, once closed. */
			if (tcp_state(fd) == TCP_CLOSE && errs[0]) {
				printf("never a byte:%s\n", errs);
				return 0;
			}
			if (tcp_state(fd) == TCP_CLOSE) {
				strcat(errs, " EAGAIN-closed");
				continue;
			}
			if (time(NULL) > end) {
				printf("still open (state %d)\n", tcp_state(fd));
				return 2;
			}
			poll(&pfd, 1, 1000);
			continue;
		}
		if (strlen(errs) < sizeof(errs) - 20) {
			strcat(errs, " ");
			strcat(errs, ename(n ? errno : 0));
		}
		send(fd, OWNER_TEXT, strlen(OWNER_TEXT), MSG_NOSIGNAL | MSG_DONTWAIT);
		/* What a read would get next, without taking it. */
		queued = recv(fd, buf, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
		if (tcp_state(fd) == TCP_CLOSE && !queued) {
			/* One more, to be sure: nothing may come now. */
			n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0) {
				printf("got %d bytes after close\n", n);
				return 1;
			}
			printf("never a byte:%s\n", errs);
			return 0;
		}
		if (time(NULL) > end) {
			printf("still open (state %d):%s\n", tcp_state(fd), errs);
			return 2;
		}
		poll(&pfd, 1, 100);
	}
}

static int cmd_reader(int argc, char **argv)
{
	struct lopts o = {};
	int lfd, fd;

	if (argc >= 3 && !strcmp(argv[0], "connect")) {
		struct addrinfo *ai = resolve(argv[1], argv[2]);

		parse_opts(argc - 3, argv + 3, &o);
		fd = socket(ai->ai_family, SOCK_STREAM, o.mptcp ? IPPROTO_MPTCP : 0);
		/* A refused connect() is an error, and no byte. */
		if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen))
			return printf("never a byte: connect %s\n", ename(errno)), 0;
		if (o.greet)
			send(fd, o.greet, strlen(o.greet), MSG_NOSIGNAL);
		return persistent_read(fd);
	}
	if (argc < 2 || strcmp(argv[0], "listen"))
		return printf("usage: hostile reader connect HOST PORT [OPT...] | listen PORT [OPT...]\n"), 1;
	parse_opts(argc - 2, argv + 2, &o);
	lfd = tcp_listen(argv[1], &o);
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	if (o.greet)
		send(fd, o.greet, strlen(o.greet), MSG_NOSIGNAL);
	return persistent_read(fd);
}

static int cmd_greet(int argc, char **argv)
{
	struct lopts o = {};
	int lfd, fd;

	if (argc < 2)
		return printf("usage: hostile greet PORT TEXT [OPT...]\n"), 1;
	parse_opts(argc - 2, argv + 2, &o);
	lfd = tcp_listen(argv[0], &o);
	printf("listening\n");
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		send(fd, argv[1], strlen(argv[1]), MSG_NOSIGNAL);
		/* Held open: the peer decides when it ends. */
	}
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static int cmd_listen(int argc, char **argv)
{
	bool shut = argc > 1 && !strcmp(argv[1], "shut");
	struct lopts o = {};
	int fd;

	if (argc < 1)
		return printf("usage: hostile listen PORT [shut] [OPT...]\n"), 1;
	parse_opts(argc - 1 - shut, argv + 1 + shut, &o);
	signal(SIGUSR1, on_usr1);
	fd = tcp_listen(argv[0], &o);
	printf("listening\n");
	for (;;) {
		pause();
		if (shut && got_usr1) {
			if (shutdown(fd, SHUT_RD))
				die("shutdown");
			printf("shut\n");
			shut = false;
		}
	}
}

static int cmd_hold(int argc, char **argv)
{
	int i, fd, reset = 0, n = argc >= 3 ? atoi(argv[2]) : 0;
	bool ping = argc > 4 && !strcmp(argv[4], "ping");
	bool flood = argc > 4 && !strcmp(argv[4], "flood");
	char c = 'p';

	if (argc < 3 || n <= 0)
		return printf("usage: hostile hold HOST PORT N [SRC [ping|flood]]\n"), 1;
	for (i = 0; i < n; i++) {
		fd = tcp_connect_lossy(argv[0], argv[1], argc > 3 ? argv[3] : NULL,
				       flood);
		if (fd < 0)
			reset++;
		else if (ping && (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1))
			die("ping");
	}
	if (flood)
		printf("held %d, %d reset\n", n - reset, reset);
	else
		printf("held %d\n", n);
	fflush(stdout);
	pause();
	return 0;
}

static int cmd_churn(int argc, char **argv)
{
	int i, fd, n = argc >= 3 ? atoi(argv[2]) : 0;
	struct addrinfo *ai;

	if (argc < 3 || n <= 0)
		return printf("usage: hostile churn HOST PORT N\n"), 1;
	ai = resolve(argv[0], argv[1]);
	for (i = 0; i < n; i++) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			die("socket");
		connect(fd, ai->ai_addr, ai->ai_addrlen);
		close(fd);
	}
	printf("churned %d\n", n);
	return 0;
}

static int cmd_tfo_send(int argc, char **argv)
{
	struct addrinfo *ai;
	char buf[256];
	int fd, n;

	if (argc < 3)
		return printf("usage: hostile tfo-send HOST PORT TEXT\n"), 1;
	ai = resolve(argv[0], argv[1]);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (sendto(fd, argv[2], strlen(argv[2]), MSG_FASTOPEN, ai->ai_addr,
		   ai->ai_addrlen) < 0)
		die("sendto");
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	printf("reply %s\n", n > 0 ? (buf[n] = 0, buf) : ename(n ? errno : 0));
	return 0;
}

static int cmd_tfo_connect(int argc, char **argv)
{
	struct addrinfo *ai;
	size_t size, off = 0;
	char *out, *back;
	int fd, one = 1;
	ssize_t n;

	if (argc < 3)
		return printf("usage: hostile tfo-connect HOST PORT SIZE\n"), 1;
	size = strtoul(argv[2], NULL, 0);
	out = malloc(size);
	back = malloc(size);
	for (off = 0; off < size; off++)
		out[off] = (char)(off * 7);
	ai = resolve(argv[0], argv[1]);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (setsockopt(fd, SOL_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)))
		die("TCP_FASTOPEN_CONNECT");
	if (connect(fd, ai->ai_addr, ai->ai_addrlen))
		die("connect");
	if (write(fd, out, size) != (ssize_t)size)
		die("write");
	shutdown(fd, SHUT_WR);
	for (off = 0; off < size; off += n) {
		n = read(fd, back + off, size - off);
		if (n <= 0) {
			errno = n ? errno : EPIPE;
			die("read");
		}
	}
	if (memcmp(out, back, size))
		return printf("error: echo differs\n"), 1;
	printf("ok %zu\n", size);
	return 0;
}

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static int cmd_tls_keys(int argc, char **argv)
{
	unsigned char info[128];
	socklen_t len = sizeof(info);
	char c = 'k';
	int fd;

	if (argc < 2)
		return printf("usage: hostile tls-keys HOST PORT\n"), 1;
	fd = tcp_connect(argv[0], argv[1], NULL);
	if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
		die("echo");
	if (getsockopt(fd, SOL_TLS, 1 /* TLS_TX */, info, &len))
		printf("keys %s\n", ename(errno));
	else
		printf("keys readable (%u bytes)\n", len);
	return 0;
}

static int cmd_setopt_tfo(int argc, char **argv)
{
	struct lopts o = {};
	int fd, qlen = 16;

	if (argc < 1)
		return printf("usage: hostile setopt-tfo PORT\n"), 1;
	fd = tcp_listen(argv[0], &o);
	if (setsockopt(fd, SOL_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen)))
		printf("setsockopt %s\n", ename(errno));
	else
		printf("setsockopt OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "hold"))
		return cmd_hold(argc - 2, argv + 2);
	if (!strcmp(argv[1], "reader"))
		return cmd_reader(argc - 2, argv + 2);
	if (!strcmp(argv[1], "greet"))
		return cmd_greet(argc - 2, argv + 2);
	if (!strcmp(argv[1], "listen"))
		return cmd_listen(argc - 2, argv + 2);
	if (!strcmp(argv[1], "churn"))
		return cmd_churn(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tfo-send"))
		return cmd_tfo_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tfo-connect"))
		return cmd_tfo_connect(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tls-keys"))
		return cmd_tls_keys(argc - 2, argv + 2);
	if (!strcmp(argv[1], "setopt-tfo"))
		return cmd_setopt_tfo(argc - 2, argv + 2);
usage:
	fprintf(stderr, "usage: hostile hold|churn|reader|greet|listen|tfo-send|tfo-connect|tls-keys|setopt-tfo ...\n");
	return 1;
}
