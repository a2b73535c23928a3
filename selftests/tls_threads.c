// SPDX-License-Identifier: GPL-2.0
/*
 * Host stress test of ktund's TLS engine on several threads, as ktund's
 * workers run it: 4 threads handshake at once, in memory (tls_pair.h),
 * against one client and one server configuration (kt_tls_conf).  So
 * they build the per-cipher configs at once (each server has its cipher
 * mask), sign with one key and verify with one CA, share the client's
 * remembered sessions (some servers are every thread's, some a thread's
 * own) and the server's cache and ticket keys, and now and then fail a
 * handshake that offered a session (the server no longer accepts the
 * client), which forgets it.  Every other handshake must succeed, and
 * some must resume.  Built with -fsanitize=thread (tls_threads-tsan),
 * it must report no data race; under valgrind --tool=helgrind, none but
 * on mbedTLS's own self-test counters (Documentation/testing.md).
 *   tls_threads PKI-DIR [ROUNDS]     (scripts/mkpki.sh makes PKI-DIR)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/ktun.h>

#include "kselftest_harness.h"
#include "tls_pair.h"

#define THREADS		4

static const char *pki;
static unsigned int rounds = 12;

static const char *const b_uri[] = { "uri:spiffe://example.org/b" };
static const char *const a_uri[] = { "uri:spiffe://example.org/a" };
static const char *const other[] = { "uri:spiffe://example.org/other" };

static const uint32_t masks[] = {
	KTUN_CIPHER_AES_128_GCM, KTUN_CIPHER_AES_256_GCM,
	KTUN_CIPHER_CHACHA20_POLY1305, 0,
};

struct run {
	struct kt_tls_conf *a, *b;	/* client a, server b: shared */
	unsigned int index;
	unsigned int ok, resumed, refused, bad;	/* this thread's */
	char error[1100];
};

static struct kt_tls_conf *conf(const char *host, const char *kind)
{
	char ca[512], crt[512], key[512], err[256];
	struct kt_tls_conf *c;

	snprintf(ca, sizeof(ca), "%s/ca.crt", pki);
	snprintf(crt, sizeof(crt), "%s/%s-%s.crt", pki, host, kind);
	snprintf(key, sizeof(key), "%s/%s-%s.key", pki, host, kind);
	c = kt_tls_conf_new(ca, crt, key, err, sizeof(err));
	if (c && kt_tls_conf_resumption(c, 300, err, sizeof(err))) {
		kt_tls_conf_free(c);
		c = NULL;
	}
	if (!c)
		fprintf(stderr, "tls_threads: %s\n", err);
	return c;
}

/* Round @i of thread @r: one handshake, which the server may refuse. */
static void one(struct run *r, unsigned int i)
{
	/* Servers 0-2 are every thread's; 100 + index only this one's. */
	unsigned int port = i % 2 ? i % 3 : 100 + r->index;
	bool refuse = i % 5 == 4;
	char server[64];
	struct kt_hs_params cp = { false, b_uri, 1, masks[port % 4], server };
	struct kt_hs_params sp = { true, refuse ? other : a_uri, 1, cp.ciphers, NULL };
	unsigned int records = 0;
	struct kt_hs *c, *s;
	char err[512];
	int ret;

	snprintf(server, sizeof(server), "10.0.0.2:%u", port);
	c = kt_hs_new(r->a, &cp, err, sizeof(err));
	s = c ? kt_hs_new(r->b, &sp, err, sizeof(err)) : NULL;
	ret = s ? tls_pair_run(c, s, &records) : -2;
	if (ret == 0 && !refuse) {
		r->ok++;
		r->resumed += kt_hs_resumed(c) && kt_hs_resumed(s);
	} else if (ret == -1 && refuse) {
		r->refused++;
	} else {
		r->bad++;
		snprintf(r->error, sizeof(r->error), "round %u: %s / %s", i,
			 c ? kt_hs_error(c) : err, s ? kt_hs_error(s) : err);
	}
	kt_hs_free(c);
	kt_hs_free(s);
}

static void *thread_main(void *arg)
{
	struct run *r = arg;
	unsigned int i;

	for (i = 0; i < rounds; i++)
		one(r, i);
	return NULL;
}

/* Runs THREADS threads on client @a and server @b; the totals in @sum. */
static int run_threads(struct kt_tls_conf *a, struct kt_tls_conf *b, struct run *sum)
{
	struct run r[THREADS];
	pthread_t t[THREADS];
	unsigned int i;

	for (i = 0; i < THREADS; i++) {
		r[i] = (struct run){ .a = a, .b = b, .index = i };
		if (pthread_create(&t[i], NULL, thread_main, &r[i]))
			return -1;
	}
	*sum = (struct run){};
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		sum->ok += r[i].ok;
		sum->resumed += r[i].resumed;
		sum->refused += r[i].refused;
		sum->bad += r[i].bad;
		if (r[i].bad)
			fprintf(stderr, "# thread %u: %s\n", i, r[i].error);
	}
	return 0;
}

static void expect_totals(struct __test_metadata *_metadata, const struct run *sum)
{
	unsigned int refused = THREADS * (rounds / 5);

	EXPECT_EQ(0, sum->bad);
	EXPECT_EQ(THREADS * rounds - refused, sum->ok);
	EXPECT_EQ(refused, sum->refused);
	EXPECT_LT(0, sum->resumed);
	fprintf(stderr, "# %u handshakes ok, %u resumed, %u refused\n", sum->ok,
		sum->resumed, sum->refused);
}

/* Four threads on one client and one server configuration with @keys. */
static void four_threads(struct __test_metadata *_metadata, const char *keys)
{
	struct kt_tls_conf *a = conf("a", keys), *b = conf("b", keys);
	struct run sum;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, run_threads(a, b, &sum));
	expect_totals(_metadata, &sum);
	kt_tls_conf_free(a);
	kt_tls_conf_free(b);
}

TEST(ec_keys_four_threads_one_configuration)
{
	four_threads(_metadata, "ec");
}

/* RSA keys: mbedTLS blinds their private operations under the key's lock. */
TEST(rsa_keys_four_threads_one_configuration)
{
	four_threads(_metadata, "rsa");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: tls_threads PKI-DIR [ROUNDS]\n");
		return 2;
	}
	pki = argv[1];
	if (argc > 2)
		rounds = strtoul(argv[2], NULL, 10);
	return test_harness_run(1, argv);
}
