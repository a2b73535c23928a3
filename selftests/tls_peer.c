// SPDX-License-Identifier: GPL-2.0
/*
 * tls_peer: ktund's TLS engine on a real TCP socket, then kTLS.
 *
 *   tls_peer connect|accept ADDR PORT ca F cert F key F peer IDENT...
 *            [cipher LIST] [send FILE] [recv N FILE] [times N] [burst 1]
 *
 * Runs the handshake exactly as ktund does for the module (one whole TLS
 * record at a time in, whatever the engine says out), installs the
 * exported keys with TCP_ULP "tls" + TLS_TX + TLS_RX from user space,
 * then sends FILE and/or receives N bytes into FILE through kTLS.  With
 * an independent TLS stack at the other end (openssl s_server/s_client),
 * this proves the engine's keys, IVs and sequence numbers are standard
 * TLS, not merely symmetric.  IDENT is uri:URI or dns:NAME.
 *
 * A client may connect "times" N times in a row, resuming the session of
 * the first (RFC 5077 ticket or session ID) from the second on; each
 * connection prints whether it was resumed.  With "burst 1" a client's
 * last handshake flight, FILE and its FIN leave together (TCP_CORK, then
 * shutdown(SHUT_WR)): what an application that sends one request and
 * half-closes at once makes a resumed handshake look like to the server,
 * whose keys cannot be in before all of it has arrived.
 * Exit: 0 ok, 1 usage/system error, 3 handshake refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ktun.h>
#include <linux/tls.h>

#include "../userspace/ktund/tls.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

static int die(const char *what)
{
	fprintf(stderr, "tls_peer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int tcp_open(bool server, const char *addr, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, lfd, one = 1;

	if (getaddrinfo(addr, port, &hints, &ai))
		die("getaddrinfo");
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (!server) {
		/* The peer may still be starting: retry for 10 s. */
		for (int i = 0; connect(fd, ai->ai_addr, ai->ai_addrlen); i++) {
			if (errno != ECONNREFUSED || i == 100)
				die("connect");
			usleep(100000);
		}
		freeaddrinfo(ai);
		return fd;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1))
		die("bind/listen");
	freeaddrinfo(ai);
	lfd = fd;
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(lfd);
	return fd;
}

static bool read_full(int fd, uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, buf, len);
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

static void write_full(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n <= 0)
			die("write");
		buf += n;
		len -= n;
	}
}

/*
 * The relay: one whole record at a time, never a byte past it.  With
 * @last, the output that comes with KT_HS_DONE is left there, unsent.
 */
static int handshake(int fd, struct kt_hs *hs, struct kt_buf *last)
{
	uint8_t rec[5 + 16384 + 2048];
	struct kt_buf out = {};
	int ret = kt_hs_step(hs, NULL, 0, &out);
	long len;

	for (;;) {
		if (ret == KT_HS_DONE && last) {
			*last = out;
			return ret;
		}
		if (out.len)
			write_full(fd, out.data, out.len);
		out.len = 0;
		if (ret != KT_HS_AGAIN)
			break;
		if (!read_full(fd, rec, 5) || (len = kt_record_len(rec)) < 0 ||
		    !read_full(fd, rec + 5, len)) {
			fprintf(stderr, "tls_peer: connection closed or bad record during handshake\n");
			ret = -1;
			break;
		}
		ret = kt_hs_step(hs, rec, 5 + len, &out);
	}
	kt_buf_free(&out);
	return ret;
}

static void set_dir(int fd, int opt, const struct kt_keys *k,
		    const struct kt_dir_keys *d)
{
	union {
		struct tls12_crypto_info_aes_gcm_128 g128;
		struct tls12_crypto_info_aes_gcm_256 g256;
		struct tls12_crypto_info_chacha20_poly1305 cc;
	} ci;
	socklen_t len;

	memset(&ci, 0, sizeof(ci));
	if (k->cipher == KTUN_CIPHER_AES_128_GCM) {
		ci.g128.info.cipher_type = TLS_CIPHER_AES_GCM_128;
		memcpy(ci.g128.key, d->key, 16);
		memcpy(ci.g128.salt, d->salt, 4);
		memcpy(ci.g128.iv, d->iv, 8);
		memcpy(ci.g128.rec_seq, d->rec_seq, 8);
		len = sizeof(ci.g128);
	} else if (k->cipher == KTUN_CIPHER_AES_256_GCM) {
		ci.g256.info.cipher_type = TLS_CIPHER_AES_GCM_256;
		memcpy(ci.g256.key, d->key, 32);
		memcpy(ci.g256.salt, d->salt, 4);
		memcpy(ci.g256.iv, d->iv, 8);
		memcpy(ci.g256.rec_seq, d->rec_seq, 8);
		len = sizeof(ci.g256);
	} else {
		ci.cc.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		memcpy(ci.cc.key, d->key, 32);
		memcpy(ci.cc.iv, d->iv, 12);
		memcpy(ci.cc.rec_seq, d->rec_seq, 8);
		len = sizeof(ci.cc);
	}
	ci.g128.info.version = TLS_1_2_VERSION;
	if (setsockopt(fd, SOL_TLS, opt, &ci, len))
		die(opt == TLS_TX ? "setsockopt TLS_TX" : "setsockopt TLS_RX");
	explicit_bzero(&ci, sizeof(ci));
}

static void install(int fd, struct kt_keys *k)
{
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")))
		die("setsockopt TCP_ULP");
	set_dir(fd, TLS_TX, k, &k->tx);
	set_dir(fd, TLS_RX, k, &k->rx);
	kt_keys_wipe(k);
}

static void send_file(int fd, const char *path)
{
	uint8_t buf[65536];
	int in = open(path, O_RDONLY);
	ssize_t n;

	if (in < 0)
		die(path);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		write_full(fd, buf, n);
	close(in);
}

static void recv_file(int fd, long want, const char *path)
{
	int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint8_t buf[65536];
	ssize_t n;

	if (out < 0)
		die(path);
	while (want > 0) {
		n = read(fd, buf, want < (long)sizeof(buf) ? want : (long)sizeof(buf));
		if (n <= 0)
			die(n ? "read" : "read: early EOF");
		if (write(out, buf, n) != n)
			die(path);
		want -= n;
	}
	close(out);
}

static uint32_t parse_ciphers(const char *s)
{
	uint32_t c = 0;

	if (strstr(s, "aes-128-gcm"))
		c |= KTUN_CIPHER_AES_128_GCM;
	if (strstr(s, "aes-256-gcm"))
		c |= KTUN_CIPHER_AES_256_GCM;
	if (strstr(s, "chacha20-poly1305"))
		c |= KTUN_CIPHER_CHACHA20_POLY1305;
	return c;
}

/* What each connection does once its handshake is in kTLS. */
struct job {
	const char *send, *recv;
	long recv_len;
	bool burst;
};

/*
 * One connection: handshake, kTLS, the job.  Returns 0, or main()'s exit
 * code for a refused handshake.
 */
static int one_conn(bool server, const char *addr, const char *port,
		    struct kt_tls_conf *conf, const struct kt_hs_params *p,
		    const struct job *job)
{
	struct kt_buf last = {};
	struct kt_keys keys;
	struct kt_hs *hs;
	char err[256];
	int fd, one = 1;

	hs = kt_hs_new(conf, p, err, sizeof(err));
	if (!hs)
		return fprintf(stderr, "tls_peer: %s\n", err), 1;
	fd = tcp_open(server, addr, port);
	if (handshake(fd, hs, job->burst ? &last : NULL) != KT_HS_DONE) {
		printf("tls_peer: handshake refused: %s\n", kt_hs_error(hs));
		return 3;
	}
	if (kt_hs_take_keys(hs, &keys))
		return fprintf(stderr, "tls_peer: no keys\n"), 1;
	printf("tls_peer: handshake done: %s, peer %s, %s\n", kt_hs_cipher_name(hs),
	       kt_hs_peer_identity(hs), kt_hs_resumed(hs) ? "resumed" : "full");
	fflush(stdout);
	/* Corked: the flight, FILE and the FIN go out as one burst. */
	if (job->burst && setsockopt(fd, SOL_TCP, TCP_CORK, &one, sizeof(one)))
		die("setsockopt TCP_CORK");
	if (last.len)
		write_full(fd, last.data, last.len);
	kt_buf_free(&last);
	install(fd, &keys);
	if (job->send)
		send_file(fd, job->send);
	if (job->burst && shutdown(fd, SHUT_WR))
		die("shutdown");
	if (job->recv)
		recv_file(fd, job->recv_len, job->recv);
	close(fd);
	kt_hs_free(hs);
	return 0;
}

int main(int argc, char **argv)
{
	const char *ca = NULL, *cert = NULL, *key = NULL;
	const char *idents[KTUN_MAX_IDENTS];
	struct kt_hs_params p = { .idents = idents };
	struct kt_tls_conf *conf;
	struct job job = {};
	char err[256], where[300];
	int i, ret = 0, times = 1;

	if (argc < 4 || (strcmp(argv[1], "connect") && strcmp(argv[1], "accept"))) {
		fprintf(stderr, "usage: tls_peer connect|accept ADDR PORT ca F cert F key F peer ID... [cipher L] [send F] [recv N F] [times N] [burst 1]\n");
		return 1;
	}
	p.server = !strcmp(argv[1], "accept");
	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "ca"))
			ca = argv[i + 1];
		else if (!strcmp(argv[i], "cert"))
			cert = argv[i + 1];
		else if (!strcmp(argv[i], "key"))
			key = argv[i + 1];
		else if (!strcmp(argv[i], "peer") && p.n_idents < KTUN_MAX_IDENTS)
			idents[p.n_idents++] = argv[i + 1];
		else if (!strcmp(argv[i], "cipher"))
			p.ciphers = parse_ciphers(argv[i + 1]);
		else if (!strcmp(argv[i], "send"))
			job.send = argv[i + 1];
		else if (!strcmp(argv[i], "recv") && i + 2 < argc)
			job.recv_len = atol(argv[i + 1]), job.recv = argv[++i + 1];
		else if (!strcmp(argv[i], "times") && !p.server)
			times = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "burst") && !p.server)
			job.burst = atoi(argv[i + 1]);
		else
			return fprintf(stderr, "tls_peer: bad argument %s\n", argv[i]), 1;
	}
	if (times < 1 || times > 100)
		return fprintf(stderr, "tls_peer: times must be 1 to 100\n"), 1;
	conf = kt_tls_conf_new(ca, cert, key, err, sizeof(err));
	if (!conf)
		return fprintf(stderr, "tls_peer: %s\n", err), 1;
	if (times > 1) {
		if (kt_tls_conf_resumption(conf, 300, err, sizeof(err)))
			return fprintf(stderr, "tls_peer: %s\n", err), 1;
		snprintf(where, sizeof(where), "%s:%s", argv[2], argv[3]);
		p.resume_key = where;
	}
	for (i = 0; i < times && !ret; i++)
		ret = one_conn(p.server, argv[2], argv[3], conf, &p, &job);
	kt_tls_conf_free(conf);
	return ret;
}
