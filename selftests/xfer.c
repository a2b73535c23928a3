// SPDX-License-Identifier: GPL-2.0
/*
 * xfer: an ordinary TCP echo client and server, knowing nothing of ktun.
 *
 *   xfer serve PORT [copy|splice] [COUNT]
 *   xfer send HOST PORT SIZE [block|epoll|sendfile] [MARKER]
 *
 * The server echoes every byte back (read/write, or splice through a
 * pipe) for COUNT connections (default: forever).  The client sends SIZE
 * bytes - pseudo-random, with MARKER written every 64 KiB - using blocking
 * writes, non-blocking I/O with epoll, or sendfile() from a file, reads the
 * echo at the same time and compares.  Output: "ok SIZE" or "error: ...".
 * Exit: 0 ok, 1 data mismatch or usage, 3 a socket error (named, e.g.
 * ECONNREFUSED), so a test can check how a connection failed.  The client
 * connects from XFER_SRC if that is set in the environment.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPIPE: return "EPIPE";
	case ENETDOWN: return "ENETDOWN";
	default: return strerror(e);
	}
}

static int fail(const char *what, int e)
{
	printf("error: %s: %s\n", what, errname(e));
	fflush(stdout);
	exit(3);
}

static uint8_t *make_data(size_t size, const char *marker)
{
	uint8_t *d = malloc(size ? size : 1);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i, m = marker ? strlen(marker) : 0;

	for (i = 0; i < size; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d[i] = x;
	}
	for (i = 0; m && i + m <= size; i += 65536)
		memcpy(d + i, marker, m);
	return d;
}

static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(host, port, &hints, &ai))
		return printf("error: bad address %s\n", host), exit(1), -1;
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		fail("socket", errno);
	/* XFER_SRC: the local address to connect from. */
	if (getenv("XFER_SRC")) {
		struct addrinfo *sa;

		if (getaddrinfo(getenv("XFER_SRC"), "0", &hints, &sa) ||
		    bind(fd, sa->ai_addr, sa->ai_addrlen))
			fail("bind XFER_SRC", errno);
		freeaddrinfo(sa);
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen))
		fail("connect", errno);
	freeaddrinfo(ai);
	return fd;
}

struct sender {
	int fd;
	const uint8_t *data;
	size_t size;
	const char *file;
	int err;
};

static void *send_thread(void *arg)
{
	struct sender *s = arg;
	size_t off = 0;
	ssize_t n;

	if (s->file) {
		int in = open(s->file, O_RDONLY);
		off_t pos = 0;

		while (in >= 0 && (size_t)pos < s->size) {
			n = sendfile(s->fd, in, &pos, s->size - pos);
			if (n <= 0) {
				s->err = n ? errno : EPIPE;
				break;
			}
		}
		if (in >= 0)
			close(in);
	} else {
		while (off < s->size) {
			n = write(s->fd, s->data + off, s->size - off);
			if (n <= 0) {
				s->err = n ? errno : EPIPE;
				break;
			}
			off += n;
		}
	}
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

/* Reads the echo; returns how much came before EOF. */
static size_t recv_all(int fd, uint8_t *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;

	while (off < size) {
		n = read(fd, buf + off, size - off);
		if (n < 0)
			fail("read", errno);
		if (!n)
			break;
		off += n;
	}
	return off;
}

static void run_threaded(int fd, const uint8_t *data, uint8_t *back, size_t size,
			 const char *file)
{
	struct sender s = { .fd = fd, .data = data, .size = size, .file = file };
	pthread_t t;
	size_t got;

	pthread_create(&t, NULL, send_thread, &s);
	got = recv_all(fd, back, size);
	/* A reset may show as EOF here and as its errno to the sender. */
	pthread_join(t, NULL);
	if (s.err)
		fail(file ? "sendfile" : "write", s.err);
	if (got != size) {
		printf("error: echo ended after %zu of %zu bytes\n", got, size);
		exit(1);
	}
}

static void run_epoll(int fd, const uint8_t *data, uint8_t *back, size_t size)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	size_t sent = 0, got = 0;
	int ep = epoll_create1(0);
	ssize_t n;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	if (!size)
		shutdown(fd, SHUT_WR);
	while (got < size) {
		if (epoll_wait(ep, &out, 1, 20000) <= 0) {
			printf("error: epoll timed out at %zu/%zu\n", got, size);
			exit(1);
		}
		if ((out.events & EPOLLOUT) && sent < size) {
			n = write(fd, data + sent, size - sent);
			if (n < 0 && errno != EAGAIN)
				fail("write", errno);
			if (n > 0 && (sent += n) == size) {
				shutdown(fd, SHUT_WR);
				ev.events = EPOLLIN;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			}
		}
		if (out.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
			n = read(fd, back + got, size - got);
			if (n < 0 && errno != EAGAIN)
				fail("read", errno);
			if (!n)
				break;
			if (n > 0)
				got += n;
		}
	}
	if (got != size) {
		printf("error: echo ended after %zu of %zu bytes\n", got, size);
		exit(1);
	}
}

static int client(int argc, char **argv)
{
	size_t size = strtoull(argv[4], NULL, 0);
	const char *mode = argc > 5 ? argv[5] : "block";
	const char *marker = argc > 6 ? argv[6] : NULL;
	uint8_t *data = make_data(size, marker), *back = malloc(size + 1);
	char file[] = "/tmp/xfer.XXXXXX";
	int fd;

	if (!strcmp(mode, "sendfile")) {
		int f = mkstemp(file);

		if (f < 0 || write(f, data, size) != (ssize_t)size)
			return printf("error: temp file\n"), 1;
		close(f);
	}
	fd = tcp_connect(argv[2], argv[3]);
	if (!strcmp(mode, "epoll"))
		run_epoll(fd, data, back, size);
	else
		run_threaded(fd, data, back, size,
			     !strcmp(mode, "sendfile") ? file : NULL);
	if (!strcmp(mode, "sendfile"))
		unlink(file);
	if (memcmp(data, back, size))
		return printf("error: echoed data differs\n"), 1;
	printf("ok %zu\n", size);
	return 0;
}

static void echo_copy(int fd)
{
	static char buf[65536];
	ssize_t n, w, off;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, n - off);
			if (w <= 0)
				return;
		}
	}
}

static void echo_splice(int fd)
{
	int p[2];
	ssize_t n, w;

	if (pipe(p))
		return;
	while ((n = splice(fd, NULL, p[1], NULL, 65536, SPLICE_F_MOVE)) > 0) {
		while (n > 0) {
			w = splice(p[0], NULL, fd, NULL, n, SPLICE_F_MOVE);
			if (w <= 0)
				goto out;
			n -= w;
		}
	}
out:
	close(p[0]);
	close(p[1]);
}

static int server(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE,
				  .ai_family = AF_INET6 }, *ai;
	bool splice_mode = argc > 3 && !strcmp(argv[3], "splice");
	long count = argc > 4 ? atol(argv[4]) : -1;
	int lfd, fd, one = 1;

	if (getaddrinfo(NULL, argv[2], &hints, &ai))
		return 1;
	lfd = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, 64))
		fail("listen", errno);
	while (count) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		if (splice_mode)
			echo_splice(fd);
		else
			echo_copy(fd);
		close(fd);
		if (count > 0)
			count--;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* A reset socket is reported by its errno, not by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return server(argc, argv);
	if (argc >= 5 && !strcmp(argv[1], "send"))
		return client(argc, argv);
	fprintf(stderr, "usage: xfer serve PORT [copy|splice] [COUNT]\n"
			"       xfer send HOST PORT SIZE [block|epoll|sendfile] [MARKER]\n");
	return 1;
}
