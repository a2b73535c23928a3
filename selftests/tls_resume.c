// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of session resumption in ktund's TLS engine: a client
 * and a server engine handshake in memory (tls_pair.h) with the tests'
 * certificates.  A second handshake resumes the first; a session is not
 * resumed for a peer the current identities no longer accept - neither
 * offered by the client nor taken by the server - and the full handshake
 * that runs instead fails as a new one would; nor with a cipher one end
 * no longer allows (a full handshake runs, and succeeds); resumption off
 * means every handshake is full.
 *   tls_resume PKI-DIR      (scripts/mkpki.sh makes it)
 */
#include <stdio.h>
#include <string.h>
#include <linux/ktun.h>

#include "kselftest_harness.h"
#include "tls_pair.h"

static const char *pki;

static const char *const b_uri[] = { "uri:spiffe://example.org/b" };
static const char *const b_dns[] = { "dns:b.example.org" };
static const char *const a_uri[] = { "uri:spiffe://example.org/a" };
static const char *const other[] = { "uri:spiffe://example.org/other" };

static struct kt_tls_conf *conf(const char *host, unsigned int lifetime)
{
	char ca[512], crt[512], key[512], err[256];
	struct kt_tls_conf *c;

	snprintf(ca, sizeof(ca), "%s/ca.crt", pki);
	snprintf(crt, sizeof(crt), "%s/%s-ec.crt", pki, host);
	snprintf(key, sizeof(key), "%s/%s-ec.key", pki, host);
	c = kt_tls_conf_new(ca, crt, key, err, sizeof(err));
	if (c && kt_tls_conf_resumption(c, lifetime, err, sizeof(err))) {
		kt_tls_conf_free(c);
		c = NULL;
	}
	if (!c)
		fprintf(stderr, "tls_resume: %s\n", err);
	return c;
}

FIXTURE(pair) {
	struct kt_tls_conf *a, *b;	/* client a, server b */
	char error[2][256];		/* the last handshake's, per end */
	bool resumed[2];
};

FIXTURE_SETUP(pair)
{
	self->a = conf("a", 300);
	self->b = conf("b", 300);
	ASSERT_NE(NULL, self->a);
	ASSERT_NE(NULL, self->b);
}

FIXTURE_TEARDOWN(pair)
{
	kt_tls_conf_free(self->a);
	kt_tls_conf_free(self->b);
}

/*
 * One handshake: the client accepts @server_ids and ciphers @cmask, the
 * server @client_ids and @smask (0: all).
 */
static int handshake_ciphers(FIXTURE_DATA(pair) *self, const char *const *server_ids,
			     const char *const *client_ids, uint32_t cmask,
			     uint32_t smask)
{
	struct kt_hs_params cp = { false, server_ids, 1, cmask, "10.0.0.2:7000" };
	struct kt_hs_params sp = { true, client_ids, 1, smask, NULL };
	struct kt_hs *c, *s;
	unsigned int records = 0;
	char err[256];
	int ret;

	c = kt_hs_new(self->a, &cp, err, sizeof(err));
	s = kt_hs_new(self->b, &sp, err, sizeof(err));
	if (!c || !s)
		return -2;
	ret = tls_pair_run(c, s, &records);
	snprintf(self->error[0], sizeof(self->error[0]), "%s", kt_hs_error(c));
	snprintf(self->error[1], sizeof(self->error[1]), "%s", kt_hs_error(s));
	self->resumed[0] = !ret && kt_hs_resumed(c);
	self->resumed[1] = !ret && kt_hs_resumed(s);
	kt_hs_free(c);
	kt_hs_free(s);
	return ret;
}

static int handshake(FIXTURE_DATA(pair) *self, const char *const *server_ids,
		     const char *const *client_ids)
{
	return handshake_ciphers(self, server_ids, client_ids, 0, 0);
}

TEST_F(pair, second_handshake_resumes)
{
	ASSERT_EQ(0, handshake(self, b_uri, a_uri));
	EXPECT_FALSE(self->resumed[0]);
	ASSERT_EQ(0, handshake(self, b_uri, a_uri));
	EXPECT_TRUE(self->resumed[0]);
	EXPECT_TRUE(self->resumed[1]);
}

/* The client now accepts another identity b's certificate also carries. */
TEST_F(pair, resumes_for_another_name_the_peer_has)
{
	ASSERT_EQ(0, handshake(self, b_uri, a_uri));
	ASSERT_EQ(0, handshake(self, b_dns, a_uri));
	EXPECT_TRUE(self->resumed[0]);
}

/* The client no longer accepts b: nothing is offered; the full one fails. */
TEST_F(pair, client_does_not_offer_a_peer_it_no_longer_accepts)
{
	ASSERT_EQ(0, handshake(self, b_uri, a_uri));
	EXPECT_EQ(-1, handshake(self, other, a_uri));
	/* The full handshake's own refusal, not the resumed one's. */
	EXPECT_STREQ("peer certificate carries none of the accepted identities",
		     self->error[0]);
	/* The session was dropped: b accepted again, a full handshake. */
	ASSERT_EQ(0, handshake(self, b_uri, a_uri));
	EXPECT_FALSE(self->resumed[0]);
}

/* The server no longer accepts a: it does not resume, the full one fails. */
TEST_F(pair, server_does_not_resume_a_peer_it_no_longer_accepts)
{
	ASSERT_EQ(0, handshake(self, b_uri, a_uri));
	EXPECT_EQ(-1, handshake(self, b_uri, other));
	EXPECT_STREQ("peer certificate carries none of the accepted identities",
		     self->error[1]);
}

/* The client's policy no longer allows the session's cipher: not offered. */
TEST_F(pair, client_does_not_offer_a_session_of_a_cipher_no_longer_allowed)
{
	ASSERT_EQ(0, handshake_ciphers(self, b_uri, a_uri, KTUN_CIPHER_AES_128_GCM, 0));
	ASSERT_EQ(0, handshake_ciphers(self, b_uri, a_uri,
				       KTUN_CIPHER_CHACHA20_POLY1305, 0));
	EXPECT_FALSE(self->resumed[0]);
	EXPECT_FALSE(self->resumed[1]);
}

/* The server's no longer allows it: not taken; the full handshake runs. */
TEST_F(pair, server_does_not_resume_a_session_of_a_cipher_no_longer_allowed)
{
	ASSERT_EQ(0, handshake_ciphers(self, b_uri, a_uri, 0, KTUN_CIPHER_AES_128_GCM));
	ASSERT_EQ(0, handshake_ciphers(self, b_uri, a_uri, 0,
				       KTUN_CIPHER_CHACHA20_POLY1305));
	EXPECT_FALSE(self->resumed[0]);
	EXPECT_FALSE(self->resumed[1]);
	/* and the new session resumes */
	ASSERT_EQ(0, handshake_ciphers(self, b_uri, a_uri, 0,
				       KTUN_CIPHER_CHACHA20_POLY1305));
	EXPECT_TRUE(self->resumed[0]);
}

TEST(lifetime_zero_never_resumes)
{
	struct kt_tls_conf *a = conf("a", 0), *b = conf("b", 0);
	struct kt_hs_params cp = { false, b_uri, 1, 0, "10.0.0.2:7000" };
	struct kt_hs_params sp = { true, a_uri, 1, 0, NULL };
	unsigned int i, records = 0;
	char err[256];

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	for (i = 0; i < 2; i++) {
		struct kt_hs *c = kt_hs_new(a, &cp, err, sizeof(err));
		struct kt_hs *s = kt_hs_new(b, &sp, err, sizeof(err));

		ASSERT_EQ(0, tls_pair_run(c, s, &records));
		EXPECT_FALSE(kt_hs_resumed(c));
		kt_hs_free(c);
		kt_hs_free(s);
	}
	kt_tls_conf_free(a);
	kt_tls_conf_free(b);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: tls_resume PKI-DIR\n");
		return 2;
	}
	pki = argv[1];
	return test_harness_run(1, argv);
}
