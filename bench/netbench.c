// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's own load generator, for what iperf3 does not measure:
 *
 *   netbench serve PORT                  echo server, a thread per connection
 *   netbench rr HOST PORT SIZE CONNS SECS
 *       CONNS connections, each a thread sending SIZE bytes and waiting for
 *       them back, for SECS seconds (after one warm-up exchange each, so
 *       that handshakes are not counted)
 *   netbench connect HOST PORT TOTAL CONC
 *       TOTAL new connections, CONC at a time: connect, one byte there
 *       and back (with ktun: the whole handshake), close
 *   netbench hold HOST PORT N
 *       N connections, one at a time, one byte there and back on each (so
 *       each is secured), then "held N" on stdout; closes them all at EOF
 *       on stdin (make bench measures memory per connection meanwhile)
 *   netbench aead ALG KEYLEN SECS
 *       the cipher alone, through the kernel crypto API (AF_ALG): 16 KiB
 *       records, as kTLS makes them, each encrypted then decrypted, for
 *       SECS seconds; "rate" is MB/s of plaintext through both
 *
 * Prints one line: "ops N secs S rate R p50_us P p99_us Q"; latencies are
 * per exchange (rr) or from connect() to the byte back (connect).  Times
 * are the guest's CLOCK_MONOTONIC, which under QEMU's -icount counts
 * instructions.  Exit 0 only if every connection worked.
 */
#include <arpa/inet.h>
#include <linux/if_alg.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (1 << 20)

static struct addrinfo *peer;
static size_t msg_size;
static double deadline;
static atomic_long left;		/* connect: connections still to open */
static atomic_int failed;

static pthread_mutex_t samples_lock = PTHREAD_MUTEX_INITIALIZER;
static double *samples;
static long n_samples, n_ops;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void record(const double *lat, long n)
{
	long i;

	pthread_mutex_lock(&samples_lock);
	for (i = 0; i < n && n_samples < MAX_SAMPLES; i++)
		samples[n_samples++] = lat[i];
	n_ops += n;
	pthread_mutex_unlock(&samples_lock);
}

static int full_io(int fd, char *buf, size_t len, int do_write)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = do_write ? write(fd, buf + done, len - done)
			     : read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int dial(void)
{
	int fd = socket(peer->ai_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, peer->ai_addr, peer->ai_addrlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void *echo_one(void *arg)
{
	int fd = (int)(long)arg;
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (full_io(fd, buf, n, 1))
			break;
	close(fd);
	return NULL;
}

static int serve(const char *port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	int lfd = socket(AF_INET6, SOCK_STREAM, 0), one = 1, fd;
	pthread_attr_t attr;
	pthread_t t;

	sa.sin6_port = htons(atoi(port));
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 1024)) {
		perror("netbench: listen");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, &attr, echo_one, (void *)(long)fd))
			close(fd);
	}
}

static void *rr_one(void *arg)
{
	char *buf = malloc(msg_size);
	double *lat = malloc(MAX_SAMPLES / 64 * sizeof(*lat)), t0;
	int fd = (int)(long)arg;
	long n = 0;

	memset(buf, 'r', msg_size);
	while ((t0 = now()) < deadline) {
		if (full_io(fd, buf, msg_size, 1) || full_io(fd, buf, msg_size, 0)) {
			atomic_fetch_add(&failed, 1);
			break;
		}
		if (n == MAX_SAMPLES / 64) {
			record(lat, n);
			n = 0;
		}
		lat[n++] = now() - t0;
	}
	record(lat, n);
	free(lat);
	free(buf);
	return NULL;
}

static void *connect_one(void *arg)
{
	double lat[256], t0;
	char c = 'c';
	long n = 0;
	int fd;

	(void)arg;
	while (atomic_fetch_sub(&left, 1) > 0) {
		t0 = now();
		fd = dial();
		if (fd < 0 || full_io(fd, &c, 1, 1) || full_io(fd, &c, 1, 0)) {
			atomic_fetch_add(&failed, 1);
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		lat[n++] = now() - t0;
		if (n == 256) {
			record(lat, n);
			n = 0;
		}
	}
	record(lat, n);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(double secs)
{
	double p50 = 0, p99 = 0;

	qsort(samples, n_samples, sizeof(*samples), cmp_double);
	if (n_samples) {
		p50 = samples[n_samples / 2];
		p99 = samples[n_samples * 99 / 100];
	}
	printf("ops %ld secs %.3f rate %.1f p50_us %.0f p99_us %.0f\n",
	       n_ops, secs, n_ops / secs, p50 * 1e6, p99 * 1e6);
}

static int run(int nthreads, void *(*fn)(void *), int *fds)
{
	pthread_t *t = calloc(nthreads, sizeof(*t));
	double t0 = now();
	int i;

	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, fn, fds ? (void *)(long)fds[i] : NULL)) {
			fprintf(stderr, "netbench: cannot start thread %d\n", i);
			return 1;
		}
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	report(now() - t0);
	free(t);
	return 0;
}

static int rr(int conns, double secs)
{
	int *fds = calloc(conns, sizeof(*fds)), i;
	char *buf = calloc(1, msg_size);

	for (i = 0; i < conns; i++) {	/* connected and secured first */
		fds[i] = dial();
		if (fds[i] < 0 || full_io(fds[i], buf, msg_size, 1) ||
		    full_io(fds[i], buf, msg_size, 0)) {
			perror("netbench: warm-up");
			return 1;
		}
	}
	deadline = now() + secs;
	return run(conns, rr_one, fds);
}

/* One AF_ALG operation: @op (ALG_OP_*) on @in into @out; 0 or -1. */
static int aead_op(int fd, int op, const char *in, size_t in_len, char *out,
		   size_t out_len)
{
	char cbuf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct af_alg_iv) + 12) +
		  CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)in, in_len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	struct af_alg_iv *iv;

	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	*(int *)CMSG_DATA(c) = op;
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*iv) + 12);
	iv = (void *)CMSG_DATA(c);
	iv->ivlen = 12;
	memset(iv->iv, 7, 12);
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	*(int *)CMSG_DATA(c) = 13;	/* TLS 1.2's additional data */
	if (sendmsg(fd, &msg, 0) != (ssize_t)in_len)
		return -1;
	return read(fd, out, out_len) == (ssize_t)out_len ? 0 : -1;
}

static int aead(const char *alg, int keylen, double secs)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "aead" };
	enum { AAD = 13, REC = 16384, TAG = 16 };
	static char plain[AAD + REC], sealed[AAD + REC + TAG], back[AAD + REC];
	char key[32] = { 1 };
	int tfm, fd;
	double t0;

	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", alg);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, keylen) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, TAG) ||
	    (fd = accept(tfm, NULL, 0)) < 0) {
		perror("netbench: AF_ALG");
		return 1;
	}
	memset(plain, 'p', sizeof(plain));
	t0 = now();
	while (now() - t0 < secs) {
		if (aead_op(fd, ALG_OP_ENCRYPT, plain, sizeof(plain), sealed, sizeof(sealed)) ||
		    aead_op(fd, ALG_OP_DECRYPT, sealed, sizeof(sealed), back, sizeof(back)) ||
		    memcmp(back + AAD, plain + AAD, REC)) {
			perror("netbench: AF_ALG operation");
			return 1;
		}
		n_ops++;
	}
	secs = now() - t0;
	printf("ops %ld secs %.3f rate %.1f p50_us 0 p99_us 0\n", n_ops, secs,
	       n_ops * (double)REC / secs / 1e6);
	return 0;
}

static int hold(long n)
{
	int *fds = calloc(n, sizeof(*fds));
	char c = 'h', buf[64];
	long i;

	for (i = 0; fds && i < n; i++) {
		fds[i] = dial();
		if (fds[i] < 0 || full_io(fds[i], &c, 1, 1) || full_io(fds[i], &c, 1, 0)) {
			fprintf(stderr, "netbench: hold: connection %ld failed\n", i);
			return 1;
		}
	}
	if (!fds)
		return 1;
	printf("held %ld\n", n);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };

	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "aead"))
		return aead(argv[2], atoi(argv[3]), atof(argv[4]));
	if (argc != 7 && !(argc == 6 && !strcmp(argv[1], "connect")) &&
	    !(argc == 5 && !strcmp(argv[1], "hold"))) {
		fprintf(stderr, "usage: netbench serve PORT\n"
			"       netbench rr HOST PORT SIZE CONNS SECS\n"
			"       netbench connect HOST PORT TOTAL CONC\n"
			"       netbench hold HOST PORT N\n"
			"       netbench aead ALG KEYLEN SECS\n");
		return 2;
	}
	if (getaddrinfo(argv[2], argv[3], &hints, &peer)) {
		fprintf(stderr, "netbench: bad address %s %s\n", argv[2], argv[3]);
		return 2;
	}
	if (!strcmp(argv[1], "hold"))
		return hold(atol(argv[4]));
	samples = malloc(MAX_SAMPLES * sizeof(*samples));
	if (!strcmp(argv[1], "rr")) {
		msg_size = atol(argv[4]);
		if (msg_size < 1 || rr(atoi(argv[5]), atof(argv[6])))
			return 1;
	} else if (!strcmp(argv[1], "connect")) {
		left = atol(argv[4]);
		if (run(atoi(argv[5]), connect_one, NULL))
			return 1;
	} else {
		return 2;
	}
	if (failed)
		fprintf(stderr, "netbench: %d connections failed\n", failed);
	return failed ? 1 : 0;
}
