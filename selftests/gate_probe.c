// SPDX-License-Identifier: GPL-2.0
/*
 * gate_probe: what an owner sees of a connection ktun is still securing.
 *
 *   gate_probe HOST PORT
 *   gate_probe HOST PORT tfo TEXT
 *   gate_probe HOST PORT shutdown rd|rdwr
 *   gate_probe HOST PORT close-on-wake N
 *
 * Connects, then - while the test holds the handshake (its ktund is
 * stopped) - tries every way to move or see data and prints one line per
 * probe: "NAME RESULT" where RESULT is an errno name or a count.  Then it
 * prints "waiting", does a blocking send and receive that must complete
 * once the test lets the handshake finish, and prints "echo TEXT".
 *
 * With "tfo TEXT" it only connects with TCP Fast Open, TEXT as the SYN's
 * data (sendto MSG_FASTOPEN), and prints "tfo RESULT"; the test looks
 * for TEXT in a capture of the SYN.
 *
 * With "shutdown" it connects, shuts the held connection down (SHUT_RD or
 * SHUT_RDWR, which must end the handshake rather than wait for it) and
 * prints "shutdown RESULT", then "send RESULT" for a send after it.
 *
 * With "close-on-wake N" it makes N connections, one after the other,
 * each closed the instant the gate lets its owner go: a thread blocks in
 * send() on it, the main thread closes the descriptor meanwhile, so the
 * socket is released as that send returns - while ktun, which has just
 * woken it, may still be calling its callbacks.  Prints "woken K", K the
 * sends that completed (the rest failed; the test only needs the kernel
 * to survive and forget them all).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case ECONNRESET: return "ECONNRESET";
	case EPIPE: return "EPIPE";
	default: return strerror(e);
	}
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void set_timeo(int fd, int opt, long ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* The errno of a call that returned -1, or 0 if it did not fail. */
static int err_of(ssize_t ret)
{
	return ret < 0 ? errno : 0;
}

/* A thread's state letter in /proc ('S' while it sleeps in the gate). */
static char task_state(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p[2] : '?';
}

struct waker {
	int fd;
	volatile pid_t tid;
	ssize_t sent;
};

static void *send_held(void *arg)
{
	struct waker *w = arg;

	w->tid = gettid();
	w->sent = send(w->fd, "hello", 5, MSG_NOSIGNAL);
	return NULL;
}

static int close_on_wake(const struct sockaddr_in *sin, int n)
{
	int i, woken = 0;

	for (i = 0; i < n; i++) {
		struct waker w = { .fd = socket(AF_INET, SOCK_STREAM, 0) };
		pthread_t t;

		if (connect(w.fd, (const struct sockaddr *)sin, sizeof(*sin))) {
			printf("connect %s\n", ename(errno));
			return 1;
		}
		pthread_create(&t, NULL, send_held, &w);
		/* Asleep in send() (the gate), or already past it. */
		while (!w.tid || (task_state(w.tid) != 'S' &&
				  task_state(w.tid) != '?'))
			sched_yield();
		close(w.fd);
		pthread_join(t, NULL);
		woken += w.sent == 5;
	}
	printf("woken %d\n", woken);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, out;
	struct pollfd pfd;
	char buf[64] = "";
	double t0;
	int fd, ep, n;

	if ((argc != 3 && argc != 5) ||
	    inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: gate_probe IPV4 PORT [tfo TEXT | shutdown rd|rdwr | close-on-wake N]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	sin.sin_port = htons(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[3], "close-on-wake"))
		return close_on_wake(&sin, atoi(argv[4]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (argc == 5 && !strcmp(argv[3], "tfo")) {
		n = err_of(sendto(fd, argv[4], strlen(argv[4]), MSG_FASTOPEN | MSG_NOSIGNAL,
				  (struct sockaddr *)&sin, sizeof(sin)));
		printf("tfo %s\n", ename(n));
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		printf("connect %s\n", ename(errno));
		return 1;
	}
	printf("connect 0\n");
	if (argc == 5 && !strcmp(argv[3], "shutdown")) {
		int how = strcmp(argv[4], "rd") ? SHUT_RDWR : SHUT_RD;

		printf("shutdown %s\n", ename(err_of(shutdown(fd, how))));
		printf("send %s\n", ename(err_of(send(fd, "x", 1, MSG_NOSIGNAL))));
		return 0;
	}

	printf("recv-nonblock %s\n", ename(err_of(recv(fd, buf, 1, MSG_DONTWAIT))));
	printf("send-nonblock %s\n", ename(err_of(send(fd, "x", 1, MSG_DONTWAIT))));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	printf("poll %d\n", poll(&pfd, 1, 500));
	ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	printf("epoll %d\n", epoll_wait(ep, &out, 1, 300));

	set_timeo(fd, SO_RCVTIMEO, 300);
	t0 = now();
	n = err_of(recv(fd, buf, 1, 0));
	printf("recv-rcvtimeo %s %s\n", ename(n), now() - t0 >= 0.25 ? "waited" : "early");
	set_timeo(fd, SO_SNDTIMEO, 300);
	t0 = now();
	n = err_of(send(fd, "x", 1, 0));
	printf("send-sndtimeo %s %s\n", ename(n), now() - t0 >= 0.25 ? "waited" : "early");

	set_timeo(fd, SO_RCVTIMEO, 0);
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	printf("recv-signal %s\n", ename(err_of(recv(fd, buf, 1, 0))));
	printf("ulp %s\n", ename(err_of(setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", 3))));

	set_timeo(fd, SO_SNDTIMEO, 0);
	printf("waiting\n");
	if (send(fd, "hello", 5, 0) != 5) {
		printf("send %s\n", ename(errno));
		return 1;
	}
	n = recv(fd, buf, 5, MSG_WAITALL);
	buf[n > 0 ? n : 0] = '\0';
	printf("echo %s\n", n == 5 ? buf : ename(errno));
	close(fd);
	return 0;
}
