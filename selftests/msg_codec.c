// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of the message codec (userspace/lib/ktun_msg.c): what
 * the encoders put, the parsers read back the same; a known attribute
 * of the wrong size is -EBADMSG; an attribute the codec does not know
 * (a newer kernel's) is skipped.  Needs no kernel: messages are built in
 * a buffer, as ktund and ktun build the ones they send.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>

#include "kselftest_harness.h"
#include "ktun_msg.h"

static char buf[8192];

/* An empty ktun message of @cmd in buf, as ktnl_req() starts one. */
static struct nlmsghdr *msg_new(uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 0x20;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = KTUN_FAMILY_VERSION;
	return nlh;
}

TEST(hs_done_round_trip)
{
	static const uint8_t key[32] = { 1, 2, 3 }, iv[8] = { 4, 5 },
		salt[4] = { 6 }, seq[8] = { 0, 0, 0, 0, 0, 0, 0, 9 },
		rkey[32] = { 7 }, riv[8] = { 8 }, rsalt[4] = { 9 },
		rseq[8] = { 1 }, flight[40] = { 0x16, 3, 3 };
	struct ktun_hs in = {
		.has = KTUN_HAS(KTUN_A_HS_ID) | KTUN_HAS(KTUN_A_HS_DATA) |
		       KTUN_HAS(KTUN_A_HS_VERSION) | KTUN_HAS(KTUN_A_HS_CIPHER) |
		       KTUN_HAS(KTUN_A_HS_TX_KEY) | KTUN_HAS(KTUN_A_HS_RX_KEY) |
		       KTUN_HAS(KTUN_A_HS_PEER_IDENTITY),
		.id = 77, .version = 0x0303, .cipher = KTUN_CIPHER_AES_256_GCM,
		.data = flight, .data_len = sizeof(flight),
		.tx = { key, salt, iv, seq, 32, 4, 8 },
		.rx = { rkey, rsalt, riv, rseq, 32, 4, 8 },
		.peer_identity = "uri:spiffe://example.org/b",
	};
	struct nlmsghdr *nlh = msg_new(KTUN_CMD_HS_DONE);
	struct ktun_hs out;

	ktun_hs_put(nlh, &in);
	ASSERT_EQ(0, ktun_hs_parse(nlh, &out));
	EXPECT_EQ(77, out.id);
	EXPECT_EQ(0x0303, out.version);
	EXPECT_EQ(KTUN_CIPHER_AES_256_GCM, out.cipher);
	ASSERT_EQ(sizeof(flight), out.data_len);
	EXPECT_EQ(0, memcmp(out.data, flight, sizeof(flight)));
	ASSERT_EQ(32, out.tx.key_len);
	EXPECT_EQ(0, memcmp(out.tx.key, key, 32));
	ASSERT_EQ(8, out.tx.iv_len);
	EXPECT_EQ(0, memcmp(out.tx.iv, iv, 8));
	ASSERT_EQ(4, out.tx.salt_len);
	EXPECT_EQ(0, memcmp(out.tx.salt, salt, 4));
	EXPECT_EQ(0, memcmp(out.tx.seq, seq, 8));
	ASSERT_EQ(32, out.rx.key_len);
	EXPECT_EQ(0, memcmp(out.rx.key, rkey, 32));
	EXPECT_EQ(0, memcmp(out.rx.seq, rseq, 8));
	EXPECT_STREQ(in.peer_identity, out.peer_identity);
	/* Only what was put is there. */
	EXPECT_FALSE(out.has & KTUN_HAS(KTUN_A_HS_REASON));
	EXPECT_FALSE(out.has & KTUN_HAS(KTUN_A_HS_MORE));
	EXPECT_TRUE(out.has & KTUN_HAS(KTUN_A_HS_TX_SEQ));
}

/* ChaCha20-Poly1305 has no salt: none is put, none is read. */
TEST(hs_keys_without_salt)
{
	static const uint8_t key[32], iv[12] = { 1 }, seq[8];
	struct ktun_hs in = {
		.has = KTUN_HAS(KTUN_A_HS_ID) | KTUN_HAS(KTUN_A_HS_TX_KEY),
		.id = 1, .tx = { key, NULL, iv, seq, 32, 0, 12 },
	};
	struct nlmsghdr *nlh = msg_new(KTUN_CMD_HS_DONE);
	struct ktun_hs out;

	ktun_hs_put(nlh, &in);
	ASSERT_EQ(0, ktun_hs_parse(nlh, &out));
	EXPECT_FALSE(out.has & KTUN_HAS(KTUN_A_HS_TX_SALT));
	EXPECT_EQ(12, out.tx.iv_len);
	EXPECT_FALSE(out.has & KTUN_HAS(KTUN_A_HS_RX_KEY));
}

/* hs-data with no bytes carries no data attribute, only "more". */
TEST(hs_data_empty)
{
	struct ktun_hs in = {
		.has = KTUN_HAS(KTUN_A_HS_ID) | KTUN_HAS(KTUN_A_HS_DATA) |
		       KTUN_HAS(KTUN_A_HS_MORE),
		.id = 5, .more = 1,
	};
	struct nlmsghdr *nlh = msg_new(KTUN_CMD_HS_DATA);
	struct ktun_hs out;

	ktun_hs_put(nlh, &in);
	ASSERT_EQ(0, ktun_hs_parse(nlh, &out));
	EXPECT_FALSE(out.has & KTUN_HAS(KTUN_A_HS_DATA));
	EXPECT_EQ(1, out.more);
	EXPECT_EQ(5, out.id);
}

TEST(wrong_size_is_ebadmsg)
{
	struct nlmsghdr *nlh = msg_new(KTUN_CMD_HS_START);
	struct ktun_hs out;

	mnl_attr_put_u16(nlh, KTUN_A_HS_ID, 3);	/* a u32 */
	EXPECT_EQ(-EBADMSG, ktun_hs_parse(nlh, &out));

	nlh = msg_new(KTUN_CMD_HS_START);
	mnl_attr_put(nlh, KTUN_A_HS_PEER_URI, 3, "abc");	/* no NUL */
	EXPECT_EQ(-EBADMSG, ktun_hs_parse(nlh, &out));
}

TEST(unknown_attribute_is_skipped)
{
	struct nlmsghdr *nlh = msg_new(KTUN_CMD_HS_START);
	struct ktun_hs out;

	mnl_attr_put_u32(nlh, KTUN_A_HS_MAX + 1, 0xdead);
	mnl_attr_put_u32(nlh, KTUN_A_HS_ID, 9);
	ASSERT_EQ(0, ktun_hs_parse(nlh, &out));
	EXPECT_EQ(9, out.id);
	EXPECT_EQ(KTUN_HAS(KTUN_A_HS_ID), out.has);
}

TEST(policy_round_trip)
{
	struct ktun_policy in = {
		.has = KTUN_HAS(KTUN_A_POLICY_FAMILY) |
		       KTUN_HAS(KTUN_A_POLICY_REMOTE_PREFIX_LEN) |
		       KTUN_HAS(KTUN_A_POLICY_REMOTE_PORT_MIN) |
		       KTUN_HAS(KTUN_A_POLICY_REMOTE_PORT_MAX) |
		       KTUN_HAS(KTUN_A_POLICY_DIRECTION) |
		       KTUN_HAS(KTUN_A_POLICY_CIPHERS),
		.family = AF_INET6, .remote_len = 64,
		.rport_min = 9092, .rport_max = 9094,
		.direction = KTUN_DIRECTION_OUT,
		.ciphers = KTUN_CIPHER_AES_128_GCM | KTUN_CIPHER_CHACHA20_POLY1305,
		.idents = { { KTUN_A_POLICY_PEER_URI, "spiffe://example.org/b" },
			    { KTUN_A_POLICY_PEER_DNS, "b.example.org" } },
		.n_idents = 2,
	};
	struct nlmsghdr *nlh = msg_new(KTUN_CMD_POLICY_NEW);
	struct ktun_policy out;

	in.remote.family = AF_INET6;
	ASSERT_EQ(1, inet_pton(AF_INET6, "2001:db8:1::", &in.remote.v6));
	ktun_policy_put(nlh, &in);
	ASSERT_EQ(0, ktun_policy_parse(nlh, &out));
	EXPECT_EQ(AF_INET6, out.family);
	EXPECT_EQ(AF_INET6, out.remote.family);
	EXPECT_EQ(0, memcmp(&out.remote.v6, &in.remote.v6, 16));
	EXPECT_EQ(64, out.remote_len);
	EXPECT_EQ(9092, out.rport_min);
	EXPECT_EQ(9094, out.rport_max);
	EXPECT_EQ(KTUN_DIRECTION_OUT, out.direction);
	EXPECT_EQ(in.ciphers, out.ciphers);
	ASSERT_EQ(2, out.n_idents);
	EXPECT_EQ(1, out.n_uri);
	EXPECT_EQ(1, out.n_dns);
	EXPECT_EQ(KTUN_A_POLICY_PEER_URI, out.idents[0].type);
	EXPECT_STREQ("spiffe://example.org/b", out.idents[0].name);
	EXPECT_STREQ("b.example.org", out.idents[1].name);
	EXPECT_FALSE(out.has & KTUN_HAS(KTUN_A_POLICY_LOCAL_IPV4));
	EXPECT_FALSE(out.has & KTUN_HAS(KTUN_A_POLICY_LOCAL_IPV6));
}

/* A conn message's addresses: the family is told by their length. */
TEST(conn_addresses)
{
	struct nlmsghdr *nlh = msg_new(KTUN_CMD_CONN_GET);
	struct in6_addr a6;
	struct in_addr a4;
	struct ktun_conn c;
	char txt[INET6_ADDRSTRLEN];

	ASSERT_EQ(1, inet_pton(AF_INET6, "fd00::2", &a6));
	ASSERT_EQ(1, inet_pton(AF_INET, "10.0.0.1", &a4));
	mnl_attr_put(nlh, KTUN_A_CONN_LOCAL_ADDR, 16, &a6);
	mnl_attr_put(nlh, KTUN_A_CONN_REMOTE_ADDR, 4, &a4);
	mnl_attr_put_u16(nlh, KTUN_A_CONN_REMOTE_PORT, 16385);
	mnl_attr_put_strz(nlh, KTUN_A_CONN_REASON, "policy removed");
	ASSERT_EQ(0, ktun_conn_parse(nlh, &c));
	EXPECT_STREQ("fd00::2", ktun_addr_str(&c.local, txt, "-"));
	EXPECT_STREQ("10.0.0.1", ktun_addr_str(&c.remote, txt, "-"));
	EXPECT_EQ(16385, c.remote_port);
	EXPECT_STREQ("policy removed", c.reason);
	EXPECT_EQ(NULL, c.peer_identity);
}

TEST(cipher_names)
{
	uint32_t f, all = 0;

	ktun_for_each_cipher(f) {
		ASSERT_NE(NULL, ktun_cipher_name(f));
		EXPECT_EQ(f, ktun_cipher_lookup(ktun_cipher_name(f)));
		all |= f;
	}
	EXPECT_EQ(KTUN_CIPHER_MASK, all);
	EXPECT_EQ(0, ktun_cipher_lookup("rot13"));
}

TEST_HARNESS_MAIN
