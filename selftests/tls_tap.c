// SPDX-License-Identifier: GPL-2.0
/*
 * tls_tap: a TCP relay that watches TLS records go by.
 *
 *   tls_tap LISTEN_PORT TARGET_ADDR TARGET_PORT MARKER [gcm]
 *   tls_tap scan FILE MARKER
 *   tls_tap streams FILE
 *
 * Accepts one connection, relays it to the target, and splits each
 * direction into TLS records.  At the end it prints what it saw and exits
 * non-zero if:
 *   - MARKER appeared anywhere in the raw bytes (plaintext on the wire, I1);
 *   - a direction carried no application-data record;
 *   - "gcm": the explicit nonces of the encrypted records of a direction
 *     (Finished first) did not strictly increase.  GCM with a repeated
 *     nonce under one key is broken, and a ktun-to-ktun test would never
 *     notice: the receiver takes the nonce from the record.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct dir {
	const char *name;
	uint8_t hdr[5];
	size_t hdr_len;		/* header bytes collected */
	size_t body_left;	/* body bytes still to come */
	uint8_t nonce[8];
	size_t nonce_len;	/* explicit nonce bytes collected */
	bool encrypted;		/* after ChangeCipherSpec */
	uint64_t last_nonce;
	unsigned long records, appdata, encrypted_records, nonce_errors;
	char tail[64];		/* last bytes, to find a marker split in two */
	size_t tail_len;
	bool marker_seen;
};

static const char *marker;
static bool gcm;

static void end_record_header(struct dir *d)
{
	d->body_left = d->hdr[3] << 8 | d->hdr[4];
	d->records++;
	if (d->hdr[0] == 23)
		d->appdata++;
	d->nonce_len = 0;
}

static void check_nonce(struct dir *d)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < 8; i++)
		n = n << 8 | d->nonce[i];
	if (d->encrypted_records++ && n <= d->last_nonce) {
		d->nonce_errors++;
		fprintf(stderr, "tls_tap: %s: explicit nonce %llu after %llu\n",
			d->name, (unsigned long long)n,
			(unsigned long long)d->last_nonce);
	}
	d->last_nonce = n;
}

static void parse(struct dir *d, const uint8_t *p, size_t len)
{
	while (len) {
		if (d->hdr_len < 5) {
			d->hdr[d->hdr_len++] = *p++, len--;
			if (d->hdr_len == 5)
				end_record_header(d);
			if (d->hdr_len == 5 && !d->body_left)
				d->hdr_len = 0;	/* empty record */
			continue;
		}
		if (d->encrypted && gcm && d->nonce_len < 8) {
			d->nonce[d->nonce_len++] = *p;
			if (d->nonce_len == 8)
				check_nonce(d);
		}
		p++, len--;
		if (--d->body_left == 0) {
			if (d->hdr[0] == 20)
				d->encrypted = true;
			d->hdr_len = 0;
		}
	}
}

static void scan_marker(struct dir *d, const uint8_t *p, size_t len)
{
	size_t m = strlen(marker), keep = m - 1;
	uint8_t *buf = malloc(d->tail_len + len);

	memcpy(buf, d->tail, d->tail_len);
	memcpy(buf + d->tail_len, p, len);
	if (memmem(buf, d->tail_len + len, marker, m))
		d->marker_seen = true;
	if (d->tail_len + len < keep)
		keep = d->tail_len + len;
	memcpy(d->tail, buf + d->tail_len + len - keep, keep);
	d->tail_len = keep;
	free(buf);
}

static int tcp_listen(const char *port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(atoi(port)) };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), one = 1, c;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		perror("tls_tap: listen");
		exit(2);
	}
	c = accept(fd, NULL, NULL);
	close(fd);
	return c;
}

static int tcp_connect(const char *addr, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd;

	if (getaddrinfo(addr, port, &hints, &ai))
		exit(2);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	/* The target may still be starting: retry for 10 s. */
	for (int i = 0; connect(fd, ai->ai_addr, ai->ai_addrlen); i++) {
		if (errno != ECONNREFUSED || i == 100) {
			perror("tls_tap: connect");
			exit(2);
		}
		usleep(100000);
	}
	freeaddrinfo(ai);
	return fd;
}

/*
 * "scan": a capture file must not hold MARKER, and must hold TLS 1.2
 * application-data record headers (17 03 03): exit 1 or 2 otherwise.
 */
static int scan(const char *path, const char *mark)
{
	static uint8_t buf[64 << 20];
	FILE *f = fopen(path, "rb");
	size_t n, i, records = 0;
	bool seen;

	if (!f)
		return perror(path), 2;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	seen = memmem(buf, n, mark, strlen(mark)) != NULL;
	for (i = 0; i + 3 <= n; i++)
		records += buf[i] == 0x17 && buf[i + 1] == 3 && buf[i + 2] == 3;
	printf("tls_tap: %s: %zu bytes, %zu application-data headers, marker %s\n",
	       path, n, records, seen ? "SEEN" : "absent");
	return seen ? 1 : records ? 0 : 2;
}

/*
 * "streams": every TCP connection of a capture (IPv4 over Ethernet, as
 * tcpdump writes a veth's) whose SYN it holds and that carried data must
 * start with a TLS handshake record (16 03 0x): exit 1 naming the first
 * that does not.  A plain-text connection on a port ktun must secure is
 * a leak even without the marker in it.
 */
struct flow {
	uint32_t saddr, daddr, isn;
	uint16_t sport, dport;
	bool checked;
};

static int streams(const char *path)
{
	static struct flow flows[4096];
	static uint8_t pkt[65536 + 16];
	unsigned int n_flows = 0, n_tls = 0, i;
	FILE *f = fopen(path, "rb");
	uint8_t gh[24];

	if (!f || fread(gh, 1, sizeof(gh), f) != sizeof(gh))
		return perror(path), 2;
	for (;;) {
		uint32_t caplen, saddr, daddr, seq;
		const uint8_t *ip, *tcp, *data;
		uint16_t sport, dport;
		size_t ihl, doff, iplen, dlen;
		struct flow *fl = NULL;

		if (fread(pkt, 1, 16, f) != 16)
			break;
		memcpy(&caplen, pkt + 8, 4);
		if (caplen > sizeof(pkt) || fread(pkt, 1, caplen, f) != caplen)
			break;
		if (caplen < 14 + 20 + 20 || pkt[12] != 0x08 || pkt[13] != 0x00)
			continue;
		ip = pkt + 14;
		ihl = (ip[0] & 15) * 4;
		iplen = ip[2] << 8 | ip[3];
		if (ip[9] != 6 || caplen < 14 + ihl + 20 || iplen > caplen - 14)
			continue;
		tcp = ip + ihl;
		doff = (tcp[12] >> 4) * 4;
		if (iplen < ihl + doff)
			continue;
		memcpy(&saddr, ip + 12, 4);
		memcpy(&daddr, ip + 16, 4);
		sport = tcp[0] << 8 | tcp[1];
		dport = tcp[2] << 8 | tcp[3];
		seq = (uint32_t)tcp[4] << 24 | tcp[5] << 16 | tcp[6] << 8 | tcp[7];
		data = tcp + doff;
		dlen = iplen - ihl - doff;
		for (i = 0; i < n_flows; i++)
			if (flows[i].saddr == saddr && flows[i].daddr == daddr &&
			    flows[i].sport == sport && flows[i].dport == dport)
				fl = &flows[i];
		if ((tcp[13] & 0x02) && n_flows < 4096) {	/* SYN: a new one */
			fl = fl ?: &flows[n_flows++];
			*fl = (struct flow){ saddr, daddr, seq, sport, dport, false };
			continue;
		}
		if (!fl || fl->checked || !dlen || seq != fl->isn + 1)
			continue;
		fl->checked = true;
		if (dlen < 3 || data[0] != 0x16 || data[1] != 3 || data[2] > 3) {
			struct in_addr s = { saddr }, d = { daddr };
			char src[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &s, src, sizeof(src));
			printf("tls_tap: %s: %s:%u -> %s:%u starts with %02x %02x %02x: not TLS\n",
			       path, src, sport, inet_ntoa(d), dport, data[0],
			       dlen > 1 ? data[1] : 0, dlen > 2 ? data[2] : 0);
			fclose(f);
			return 1;
		}
		n_tls++;
	}
	fclose(f);
	printf("tls_tap: %s: %u connection directions with data, all TLS\n", path, n_tls);
	return 0;
}

int main(int argc, char **argv)
{
	struct dir dirs[2] = { { .name = "client->server" }, { .name = "server->client" } };
	struct pollfd pfd[2];
	uint8_t buf[65536];
	int fds[2], open_dirs = 2, i, bad = 0;
	ssize_t n;

	if (argc == 4 && !strcmp(argv[1], "scan"))
		return scan(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "streams"))
		return streams(argv[2]);
	if (argc < 5)
		return fprintf(stderr, "usage: tls_tap LPORT ADDR PORT MARKER [gcm]\n"), 2;
	marker = argv[4];
	gcm = argc > 5 && !strcmp(argv[5], "gcm");
	if (strlen(marker) < 2 || strlen(marker) > sizeof(dirs[0].tail))
		return 2;
	fds[0] = tcp_listen(argv[1]);
	fds[1] = tcp_connect(argv[2], argv[3]);

	while (open_dirs) {
		for (i = 0; i < 2; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i] < 0 ? -1 : fds[i], .events = POLLIN };
		if (poll(pfd, 2, 30000) <= 0)
			break;
		for (i = 0; i < 2; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[i], buf, sizeof(buf));
			if (n <= 0) {
				shutdown(fds[!i], SHUT_WR);
				fds[i] = -1;
				open_dirs--;
				continue;
			}
			scan_marker(&dirs[i], buf, n);
			parse(&dirs[i], buf, n);
			if (write(fds[!i], buf, n) != n)
				open_dirs = 0;
		}
	}

	for (i = 0; i < 2; i++) {
		struct dir *d = &dirs[i];

		printf("tls_tap: %s: %lu records, %lu application data, %lu encrypted, nonce errors %lu, marker %s\n",
		       d->name, d->records, d->appdata, d->encrypted_records,
		       d->nonce_errors, d->marker_seen ? "SEEN" : "absent");
		bad |= d->marker_seen || !d->appdata || d->nonce_errors ||
		       (gcm && d->encrypted_records < 2);
	}
	return bad ? 1 : 0;
}
