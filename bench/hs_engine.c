// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake's cost in ktund's TLS engine alone: two engines (client
 * and server, mutually authenticated, certificates from ktun-pki) run
 * handshakes against each other in memory (selftests/tls_pair.h), with
 * no socket, kernel or netlink in between.  Run under valgrind
 * --tool=callgrind it says where a handshake's instructions go (ECDHE,
 * ECDSA, X.509, hashing); what a secured connection in the VM costs on
 * top is the relay's, the kernel's and the scheduling.
 *   hs_engine DIR [COUNT [CIPHER-MASK [resume]]]
 * DIR holds ca.crt, a-ec.crt/key (client) and b-ec.crt/key (server), as
 * scripts/mkpki.sh makes them.  With "resume", sessions are resumed: the
 * first handshake is full, the others resume it.  Prints
 *   ops N secs S rate R resumed M records P
 * for the handshakes timed (with "resume", all but the first), on the
 * monotonic clock, which under make bench's -icount counts guest
 * instructions; exit 1 if one fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <linux/ktun.h>

#include "../selftests/tls_pair.h"

static const char *const to_b[] = { "uri:spiffe://example.org/b" };
static const char *const to_a[] = { "uri:spiffe://example.org/a" };

static struct kt_tls_conf *conf(const char *dir, const char *host, bool resume)
{
	char ca[512], crt[512], key[512], err[256];
	struct kt_tls_conf *c;

	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(crt, sizeof(crt), "%s/%s-ec.crt", dir, host);
	snprintf(key, sizeof(key), "%s/%s-ec.key", dir, host);
	c = kt_tls_conf_new(ca, crt, key, err, sizeof(err));
	if (c && resume && kt_tls_conf_resumption(c, 3600, err, sizeof(err))) {
		kt_tls_conf_free(c);
		c = NULL;
	}
	if (!c)
		fprintf(stderr, "hs_engine: %s\n", err);
	return c;
}

int main(int argc, char **argv)
{
	unsigned int i, n, records = 0, resumed = 0, first;
	struct timespec t0, t1;
	double secs;
	struct kt_tls_conf *cc, *sc;
	struct kt_hs_params cp = { false, to_b, 1, 0, "10.0.0.2:7000" };
	struct kt_hs_params sp = { true, to_a, 1, 0, NULL };
	bool resume = argc > 4 && !strcmp(argv[4], "resume");
	char err[256];

	if (argc < 2) {
		fprintf(stderr, "usage: hs_engine DIR [COUNT [CIPHER-MASK [resume]]]\n");
		return 2;
	}
	n = argc > 2 ? atoi(argv[2]) : 10;
	first = resume;		/* the full handshake that primes the cache */
	if (n <= first) {
		fprintf(stderr, "hs_engine: COUNT must be above %u\n", first);
		return 2;
	}
	cp.ciphers = sp.ciphers = argc > 3 ? strtoul(argv[3], NULL, 0) :
				  KTUN_CIPHER_AES_128_GCM;
	cc = conf(argv[1], "a", resume);
	sc = cc ? conf(argv[1], "b", resume) : NULL;
	if (!sc)
		return 1;
	for (i = 0; i < n; i++) {
		struct kt_hs *c, *s;

		if (i == first)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		c = kt_hs_new(cc, &cp, err, sizeof(err));
		s = c ? kt_hs_new(sc, &sp, err, sizeof(err)) : NULL;

		if (!s || tls_pair_run(c, s, &records)) {
			fprintf(stderr, "hs_engine: handshake %u failed: %s / %s\n", i,
				c ? kt_hs_error(c) : err, s ? kt_hs_error(s) : err);
			return 1;
		}
		resumed += kt_hs_resumed(c) && kt_hs_resumed(s);
		kt_hs_free(c);
		kt_hs_free(s);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("ops %u secs %.3f rate %.2f resumed %u records %.1f\n", n - first,
	       secs, (n - first) / secs, resumed, (double)records / n);
	kt_tls_conf_free(cc);
	kt_tls_conf_free(sc);
	return 0;
}
