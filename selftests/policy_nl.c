// SPDX-License-Identifier: GPL-2.0
/*
 * The ktun policy API over raw generic netlink: round trips, stable ids,
 * strict validation (errno and extack message for each malformed request),
 * most-specific-wins matching, privilege checks and namespace isolation.
 */
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ktun_test.h"

FIXTURE(nl) {
	struct ktnl k;
};

FIXTURE_SETUP(nl)
{
	ASSERT_EQ(0, ktnl_open(&self->k, KTUN_FAMILY_NAME));
	ASSERT_EQ(0, flush_policies(&self->k));
}

FIXTURE_TEARDOWN(nl)
{
	flush_policies(&self->k);
	ktnl_close(&self->k);
}

static void fill_full_v4(struct nlmsghdr *nlh, void *arg)
{
	put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, "10.1.0.0");
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_REMOTE_PREFIX_LEN, 16);
	put_ip4(nlh, KTUN_A_POLICY_LOCAL_IPV4, "192.168.7.1");
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MIN, 16385);
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_LOCAL_PORT_MIN, 1000);
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_LOCAL_PORT_MAX, 2000);
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_DIRECTION, KTUN_DIRECTION_OUT);
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_OWNER, KTUN_OWNER_KERNEL);
	mnl_attr_put_strz(nlh, KTUN_A_POLICY_PEER_DNS, "db1.example.org");
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_CIPHERS, KTUN_CIPHER_AES_256_GCM);
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_HS_TIMEOUT_MS, 750);
}

static void check_full_v4(struct __test_metadata *_metadata,
			  const struct ktun_policy *p, const char *uri0)
{
	EXPECT_EQ(AF_INET, p->family);
	EXPECT_STREQ("10.1.0.0", taddr(&p->remote));
	EXPECT_EQ(16, p->remote_len);
	EXPECT_STREQ("192.168.7.1", taddr(&p->local));
	EXPECT_EQ(32, p->local_len);
	EXPECT_EQ(16385, p->rport_min);
	EXPECT_EQ(16385, p->rport_max);
	EXPECT_EQ(1000, p->lport_min);
	EXPECT_EQ(2000, p->lport_max);
	EXPECT_EQ(KTUN_DIRECTION_OUT, p->direction);
	EXPECT_EQ(KTUN_OWNER_KERNEL, p->owner);
	EXPECT_EQ(1, p->n_uri);
	EXPECT_STREQ("spiffe://test/peer", uri0);
	EXPECT_EQ(1, p->n_dns);
	EXPECT_EQ(KTUN_CIPHER_AES_256_GCM, p->ciphers);
	EXPECT_EQ(750, p->hs_timeout_ms);
}

static int get_policy(struct ktnl *k, uint32_t id, struct tpolicies *out)
{
	struct tmsg m;

	tmsg_init(k, &m, KTUN_CMD_POLICY_GET, 0);
	mnl_attr_put_u32(m.nlh, KTUN_A_POLICY_ID, id);
	return tmsg_talk(k, &m, out);
}

static int del_policy(struct ktnl *k, uint32_t id)
{
	struct tmsg m;

	tmsg_init(k, &m, KTUN_CMD_POLICY_DEL, 0);
	mnl_attr_put_u32(m.nlh, KTUN_A_POLICY_ID, id);
	return tmsg_talk(k, &m, NULL);
}

TEST_F(nl, roundtrip)
{
	struct tpolicies got;
	int64_t id, id2;

	id = add_policy(&self->k, fill_full_v4, NULL);
	ASSERT_LT(0, id);

	ASSERT_EQ(0, get_policy(&self->k, id, &got));
	ASSERT_EQ(1, got.n);
	EXPECT_EQ(id, got.p[0].id);
	check_full_v4(_metadata, &got.p[0], got.uri0[0]);

	id2 = add_policy(&self->k, NULL, NULL);
	ASSERT_LT(id, id2);
	ASSERT_EQ(0, dump_policies(&self->k, &got));
	ASSERT_EQ(2, got.n);
	/* Defaults of a bare policy. */
	EXPECT_EQ(id2, got.p[1].id);
	EXPECT_EQ(AF_UNSPEC, got.p[1].family);
	EXPECT_EQ(KTUN_DIRECTION_BOTH, got.p[1].direction);
	EXPECT_EQ(KTUN_OWNER_ANY, got.p[1].owner);
	EXPECT_EQ(KTUN_CIPHER_MASK, got.p[1].ciphers);
	EXPECT_EQ(5000, got.p[1].hs_timeout_ms);
	EXPECT_EQ(0, got.p[1].rport_min);

	ASSERT_EQ(0, del_policy(&self->k, id));
	EXPECT_EQ(-ENOENT, get_policy(&self->k, id, &got));
	EXPECT_NE(NULL, strstr(self->k.errmsg, "no policy with this id"));
	EXPECT_EQ(-ENOENT, del_policy(&self->k, id));
	ASSERT_EQ(0, get_policy(&self->k, id2, &got));
	EXPECT_EQ(id2, got.p[0].id);

	ASSERT_EQ(0, flush_policies(&self->k));
	ASSERT_EQ(0, dump_policies(&self->k, &got));
	EXPECT_EQ(0, got.n);
}

TEST_F(nl, ids_never_reused)
{
	int64_t a, b, c, d;

	a = add_policy(&self->k, NULL, NULL);
	b = add_policy(&self->k, NULL, NULL);
	c = add_policy(&self->k, NULL, NULL);
	ASSERT_LT(0, a);
	EXPECT_EQ(a + 1, b);
	EXPECT_EQ(b + 1, c);
	ASSERT_EQ(0, del_policy(&self->k, b));
	ASSERT_EQ(0, flush_policies(&self->k));
	d = add_policy(&self->k, NULL, NULL);
	EXPECT_EQ(c + 1, d);
}

TEST_F(nl, ipv6_roundtrip)
{
	struct tpolicies got;
	struct tmsg m;

	tmsg_init(&self->k, &m, KTUN_CMD_POLICY_NEW, 0);
	put_ip6(m.nlh, KTUN_A_POLICY_REMOTE_IPV6, "fd00:1::");
	mnl_attr_put_u8(m.nlh, KTUN_A_POLICY_REMOTE_PREFIX_LEN, 48);
	mnl_attr_put_strz(m.nlh, KTUN_A_POLICY_PEER_URI, "spiffe://example.org/a");
	mnl_attr_put_strz(m.nlh, KTUN_A_POLICY_PEER_URI, "spiffe://example.org/b");
	ASSERT_EQ(0, tmsg_talk(&self->k, &m, &got));
	ASSERT_EQ(1, got.n);
	EXPECT_EQ(AF_INET6, got.p[0].family);
	EXPECT_STREQ("fd00:1::", taddr(&got.p[0].remote));
	EXPECT_EQ(48, got.p[0].remote_len);
	EXPECT_EQ(2, got.p[0].n_uri);
}

/*
 * 1025 requests: the harness's 30 s default is a hang guard that a debug
 * kernel under TCG can outrun, so this one gets a wider one.
 */
TEST_F_TIMEOUT(nl, table_full, 600)
{
	int i;

	for (i = 0; i < KTUN_MAX_POLICIES; i++)
		ASSERT_LT(0, add_policy(&self->k, NULL, NULL));
	EXPECT_EQ(-ENOSPC, add_policy(&self->k, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->k.errmsg, "policy table full"));
}

/*
 * Malformed requests: each variant builds one bad request and names the
 * errno and the extack text the kernel must answer with.
 */
FIXTURE(bad) {
	struct ktnl k;
};

FIXTURE_VARIANT(bad) {
	uint8_t cmd;
	bool no_ident;
	void (*fill)(struct nlmsghdr *nlh);
	int err;
	const char *msg;
	int miss_type;
};

FIXTURE_SETUP(bad)
{
	ASSERT_EQ(0, ktnl_open(&self->k, KTUN_FAMILY_NAME));
	ASSERT_EQ(0, flush_policies(&self->k));
}

FIXTURE_TEARDOWN(bad)
{
	flush_policies(&self->k);
	ktnl_close(&self->k);
}

static void prefix_33(struct nlmsghdr *nlh)
{
	put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, "10.0.0.0");
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_REMOTE_PREFIX_LEN, 33);
}

static void prefix_129(struct nlmsghdr *nlh)
{
	put_ip6(nlh, KTUN_A_POLICY_LOCAL_IPV6, "fd00::");
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_LOCAL_PREFIX_LEN, 129);
}

static void host_bits(struct nlmsghdr *nlh)
{
	put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, "10.0.0.1");
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_REMOTE_PREFIX_LEN, 24);
}

static void len_no_addr(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_REMOTE_PREFIX_LEN, 24);
}

static void two_families(struct nlmsghdr *nlh)
{
	put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, "10.0.0.0");
	put_ip6(nlh, KTUN_A_POLICY_LOCAL_IPV6, "fd00::1");
}

static void family_mismatch(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_FAMILY, AF_INET6);
	put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, "10.0.0.0");
}

static void family_bad(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_FAMILY, AF_UNIX);
}

static void ipv6_short(struct nlmsghdr *nlh)
{
	mnl_attr_put(nlh, KTUN_A_POLICY_REMOTE_IPV6, 15, "0123456789abcde");
}

static void ports_inverted(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MIN, 2000);
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MAX, 1000);
}

static void port_end_only(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_LOCAL_PORT_MAX, 1000);
}

static void port_zero(struct nlmsghdr *nlh)
{
	mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MIN, 0);
}

static void dir_unknown(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_DIRECTION, KTUN_DIRECTION_MAX + 1);
}

static void owner_unknown(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_OWNER, 0);
}

static void ident_empty(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, KTUN_A_POLICY_PEER_DNS, "");
}

static void ident_long(struct nlmsghdr *nlh)
{
	char s[KTUN_IDENT_MAX_LEN + 2];

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	mnl_attr_put_strz(nlh, KTUN_A_POLICY_PEER_URI, s);
}

static void ident_ctrl(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, KTUN_A_POLICY_PEER_URI, "spiffe://a\nb");
}

static void ident_nul(struct nlmsghdr *nlh)
{
	mnl_attr_put(nlh, KTUN_A_POLICY_PEER_URI, 5, "ab\0cd");
}

static void idents_17(struct nlmsghdr *nlh)
{
	int i;

	for (i = 0; i < KTUN_MAX_IDENTS + 1; i++)
		mnl_attr_put_strz(nlh, KTUN_A_POLICY_PEER_DNS, "x.example.org");
}

static void ciphers_none(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_CIPHERS, 0);
}

static void ciphers_unknown(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_CIPHERS, KTUN_CIPHER_MASK + 1);
}

static void timeout_low(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_HS_TIMEOUT_MS, 99);
}

static void attr_unknown(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_MAX + 7, 1);
}

/* For policy-match: an id, within its range of attributes, not its own. */
static void attr_not_for_cmd(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_ID, 1);
}

static void require_with_ident(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_ACTION, KTUN_ACTION_REQUIRE);
}

static void action_unknown(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_ACTION, KTUN_ACTION_MAX + 1);
}

static void attr_truncated(struct nlmsghdr *nlh)
{
	/* A u8 attribute whose header claims more than the message holds. */
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put_u8(nlh, KTUN_A_POLICY_DIRECTION, 1);
	a->nla_len = 64;
}

static void id_zero(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_ID, 0);
}

static void id_absent(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, KTUN_A_POLICY_ID, 123456);
}

static void match_dir_both(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, KTUN_A_POLICY_DIRECTION, KTUN_DIRECTION_BOTH);
}

#define BAD(name, _fill, _err, _msg)					\
	FIXTURE_VARIANT_ADD(bad, name) {				\
		.cmd = KTUN_CMD_POLICY_NEW, .fill = _fill,		\
		.err = _err, .msg = _msg,				\
	}

BAD(prefix_33, prefix_33, EINVAL, "prefix length too long");
BAD(prefix_129, prefix_129, ERANGE, "integer out of range");
BAD(host_bits, host_bits, EINVAL, "bits set past the prefix length");
BAD(len_without_addr, len_no_addr, EINVAL, "prefix length without an address");
BAD(mixed_families, two_families, EINVAL, "does not match the address family");
BAD(family_mismatch, family_mismatch, EINVAL, "does not match the address family");
BAD(family_unknown, family_bad, EAFNOSUPPORT, "unsupported address family");
BAD(ipv6_wrong_len, ipv6_short, ERANGE, "");
BAD(ports_inverted, ports_inverted, EINVAL, "inverted port range");
BAD(port_end_without_start, port_end_only, EINVAL, "port range end without a start");
BAD(port_zero, port_zero, ERANGE, "integer out of range");
BAD(direction_unknown, dir_unknown, ERANGE, "integer out of range");
BAD(owner_unknown, owner_unknown, ERANGE, "integer out of range");
BAD(identity_empty, ident_empty, EINVAL, "empty peer identity");
BAD(identity_oversized, ident_long, ERANGE, "");
BAD(identity_control_char, ident_ctrl, EINVAL, "not printable ASCII");
BAD(identity_inner_nul, ident_nul, EINVAL, "not printable ASCII");
BAD(identities_17, idents_17, EINVAL, "more than 16 peer identities");
BAD(ciphers_empty, ciphers_none, EINVAL, "empty cipher set");
BAD(ciphers_unknown_bit, ciphers_unknown, EINVAL, "");
BAD(timeout_too_short, timeout_low, ERANGE, "integer out of range");
BAD(attr_unknown, attr_unknown, EINVAL, "Unknown attribute type");
FIXTURE_VARIANT_ADD(bad, attr_not_for_command) {
	.cmd = KTUN_CMD_POLICY_MATCH, .fill = attr_not_for_cmd, .err = EINVAL,
	.msg = "Unsupported attribute",
};
BAD(replace_id_unknown, id_absent, ENOENT, "no policy with this id");
BAD(require_with_identity, require_with_ident, EINVAL, "takes no peer identities");
BAD(action_unknown, action_unknown, ERANGE, "integer out of range");
BAD(attr_truncated, attr_truncated, EINVAL, "");

FIXTURE_VARIANT_ADD(bad, identity_missing) {
	.cmd = KTUN_CMD_POLICY_NEW, .no_ident = true, .err = EINVAL,
	.msg = "needs at least one peer-uri or peer-dns",
	.miss_type = KTUN_A_POLICY_PEER_URI,
};

FIXTURE_VARIANT_ADD(bad, del_id_missing) {
	.cmd = KTUN_CMD_POLICY_DEL, .err = EINVAL, .msg = "",
	.miss_type = KTUN_A_POLICY_ID,
};

FIXTURE_VARIANT_ADD(bad, get_id_missing) {
	.cmd = KTUN_CMD_POLICY_GET, .err = EINVAL, .msg = "",
	.miss_type = KTUN_A_POLICY_ID,
};

FIXTURE_VARIANT_ADD(bad, del_id_zero) {
	.cmd = KTUN_CMD_POLICY_DEL, .fill = id_zero, .err = ERANGE,
	.msg = "integer out of range",
};

FIXTURE_VARIANT_ADD(bad, del_id_unknown) {
	.cmd = KTUN_CMD_POLICY_DEL, .fill = id_absent, .err = ENOENT,
	.msg = "no policy with this id",
};

FIXTURE_VARIANT_ADD(bad, match_direction_both) {
	.cmd = KTUN_CMD_POLICY_MATCH, .fill = match_dir_both, .err = EINVAL,
	.msg = "direction is out or in",
};

FIXTURE_VARIANT_ADD(bad, match_nothing) {
	.cmd = KTUN_CMD_POLICY_MATCH, .err = ENOENT,
	.msg = "no policy selects this connection",
};

FIXTURE_VARIANT_ADD(bad, flush_with_attr) {
	.cmd = KTUN_CMD_POLICY_FLUSH, .fill = id_absent, .err = EINVAL,
	.msg = "",
};

FIXTURE_VARIANT_ADD(bad, command_unknown) {
	.cmd = KTUN_CMD_MAX + 9, .err = EOPNOTSUPP, .msg = "",
};

TEST_F(bad, rejected)
{
	struct tpolicies got;
	struct tmsg m;

	tmsg_init(&self->k, &m, variant->cmd, 0);
	if (variant->cmd == KTUN_CMD_POLICY_NEW && !variant->no_ident &&
	    variant->fill != ident_long && variant->fill != ident_ctrl &&
	    variant->fill != ident_nul)
		mnl_attr_put_strz(m.nlh, KTUN_A_POLICY_PEER_URI, "spiffe://t/x");
	if (variant->fill)
		variant->fill(m.nlh);

	EXPECT_EQ(-variant->err, tmsg_talk(&self->k, &m, &got));
	TH_LOG("kernel said: \"%s\" (missing attr %u)", self->k.errmsg,
	       self->k.miss_type);
	EXPECT_NE(NULL, strstr(self->k.errmsg, variant->msg));
	if (variant->miss_type)
		EXPECT_EQ(variant->miss_type, self->k.miss_type);
	/* Nothing was added by a rejected request. */
	ASSERT_EQ(0, dump_policies(&self->k, &got));
	EXPECT_EQ(0, got.n);
}

/* Most specific policy wins; see the ordering in module/policy.c. */
struct spec {
	const char *remote, *local;
	int rlen, llen, rport_lo, rport_hi;
	int dir, owner;
};

static void fill_spec(struct nlmsghdr *nlh, void *arg)
{
	const struct spec *s = arg;
	bool v6 = (s->remote && strchr(s->remote, ':')) ||
		  (s->local && strchr(s->local, ':'));

	if (s->remote) {
		if (v6)
			put_ip6(nlh, KTUN_A_POLICY_REMOTE_IPV6, s->remote);
		else
			put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, s->remote);
		mnl_attr_put_u8(nlh, KTUN_A_POLICY_REMOTE_PREFIX_LEN, s->rlen);
	}
	if (s->local) {
		if (v6)
			put_ip6(nlh, KTUN_A_POLICY_LOCAL_IPV6, s->local);
		else
			put_ip4(nlh, KTUN_A_POLICY_LOCAL_IPV4, s->local);
		mnl_attr_put_u8(nlh, KTUN_A_POLICY_LOCAL_PREFIX_LEN, s->llen);
	}
	if (s->rport_lo) {
		mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MIN, s->rport_lo);
		mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MAX,
				 s->rport_hi ?: s->rport_lo);
	}
	if (s->dir)
		mnl_attr_put_u8(nlh, KTUN_A_POLICY_DIRECTION, s->dir);
	if (s->owner)
		mnl_attr_put_u8(nlh, KTUN_A_POLICY_OWNER, s->owner);
}

/* Returns the id of the policy matching the tuple, 0 for none, or -errno. */
static int64_t match(struct ktnl *k, const char *remote, int rport,
		     const char *local, int dir, int owner)
{
	struct tpolicies got;
	struct tmsg m;
	int err;

	tmsg_init(k, &m, KTUN_CMD_POLICY_MATCH, 0);
	if (remote && strchr(remote, ':'))
		put_ip6(m.nlh, KTUN_A_POLICY_REMOTE_IPV6, remote);
	else if (remote)
		put_ip4(m.nlh, KTUN_A_POLICY_REMOTE_IPV4, remote);
	if (local && strchr(local, ':'))
		put_ip6(m.nlh, KTUN_A_POLICY_LOCAL_IPV6, local);
	else if (local)
		put_ip4(m.nlh, KTUN_A_POLICY_LOCAL_IPV4, local);
	if (rport)
		mnl_attr_put_u16(m.nlh, KTUN_A_POLICY_REMOTE_PORT_MIN, rport);
	if (dir)
		mnl_attr_put_u8(m.nlh, KTUN_A_POLICY_DIRECTION, dir);
	if (owner)
		mnl_attr_put_u8(m.nlh, KTUN_A_POLICY_OWNER, owner);
	err = tmsg_talk(k, &m, &got);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	return got.n == 1 ? (int64_t)got.p[0].id : -EBADMSG;
}

#define ADD(...) ({							\
	struct spec _s = { __VA_ARGS__ };				\
	int64_t _id = add_policy(&self->k, fill_spec, &_s);		\
	ASSERT_LT(0, _id);						\
	_id;								\
})

TEST_F(nl, most_specific_prefix)
{
	/* Added least specific last, so insertion order cannot explain wins. */
	int64_t p24 = ADD(.remote = "10.1.2.0", .rlen = 24);
	int64_t p24port = ADD(.remote = "10.1.2.0", .rlen = 24, .rport_lo = 16385);
	int64_t p16 = ADD(.remote = "10.1.0.0", .rlen = 16);
	int64_t p8 = ADD(.remote = "10.0.0.0", .rlen = 8);
	int64_t any4 = ADD(.remote = "0.0.0.0", .rlen = 0);

	EXPECT_EQ(p24port, match(&self->k, "10.1.2.3", 16385, NULL, 0, 0));
	EXPECT_EQ(p24, match(&self->k, "10.1.2.3", 80, NULL, 0, 0));
	EXPECT_EQ(p16, match(&self->k, "10.1.9.9", 16385, NULL, 0, 0));
	EXPECT_EQ(p8, match(&self->k, "10.200.0.1", 0, NULL, 0, 0));
	EXPECT_EQ(any4, match(&self->k, "11.0.0.1", 0, NULL, 0, 0));
	/* 0.0.0.0/0 still means IPv4 only. */
	EXPECT_EQ(0, match(&self->k, "fd00::1", 0, NULL, 0, 0));
}

TEST_F(nl, most_specific_ports_dir_owner)
{
	int64_t wide = ADD(.rport_lo = 1000, .rport_hi = 2000);
	int64_t narrow = ADD(.rport_lo = 1400, .rport_hi = 1600);
	int64_t out = ADD(.rport_lo = 1500, .dir = KTUN_DIRECTION_OUT);
	int64_t both = ADD(.rport_lo = 1500);
	int64_t kern = ADD(.rport_lo = 1700, .rport_hi = 1700,
			   .owner = KTUN_OWNER_KERNEL);
	int64_t anyown = ADD(.rport_lo = 1700);

	EXPECT_EQ(wide, match(&self->k, "10.0.0.1", 1200, NULL, 0, 0));
	EXPECT_EQ(narrow, match(&self->k, "10.0.0.1", 1450, NULL, 0, 0));
	EXPECT_EQ(out, match(&self->k, "10.0.0.1", 1500, NULL,
			     KTUN_DIRECTION_OUT, 0));
	EXPECT_EQ(both, match(&self->k, "10.0.0.1", 1500, NULL,
			      KTUN_DIRECTION_IN, 0));
	EXPECT_EQ(kern, match(&self->k, "10.0.0.1", 1700, NULL, 0,
			      KTUN_OWNER_KERNEL));
	EXPECT_EQ(anyown, match(&self->k, "10.0.0.1", 1700, NULL, 0,
				KTUN_OWNER_USER));
	EXPECT_EQ(0, match(&self->k, "10.0.0.1", 999, NULL, 0, 0));
}

TEST_F(nl, most_specific_local_v6_and_ties)
{
	int64_t first = ADD(.remote = "fd00::", .rlen = 16);
	int64_t twin = ADD(.remote = "fd00::", .rlen = 16);
	int64_t local = ADD(.remote = "fd00::", .rlen = 16,
			    .local = "fd01::", .llen = 64);

	EXPECT_LT(first, twin);
	EXPECT_EQ(local, match(&self->k, "fd00::5", 0, "fd01::9", 0, 0));
	/* Equal specificity: the older policy wins. */
	EXPECT_EQ(first, match(&self->k, "fd00::5", 0, "fd02::9", 0, 0));
	/* A constrained address never matches an unknown one. */
	EXPECT_EQ(0, match(&self->k, NULL, 0, NULL, 0, 0));
}

/* Runs @fn in a child process; returns its exit status. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Exit code: 0 if every command answered -EPERM. */
static int try_all_eperm(void)
{
	struct tpolicies got;
	struct ktnl k;
	struct tmsg m;

	if (ktnl_open(&k, KTUN_FAMILY_NAME))
		return 10;
	if (add_policy(&k, NULL, NULL) != -EPERM)
		return 11;
	if (dump_policies(&k, &got) != -EPERM)
		return 12;
	if (flush_policies(&k) != -EPERM)
		return 13;
	tmsg_init(&k, &m, KTUN_CMD_STATS_GET, 0);
	if (tmsg_talk(&k, &m, NULL) != -EPERM)
		return 14;
	return 0;
}

static int as_nobody(void *arg)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 20;
	return try_all_eperm();
}

TEST_F(nl, unprivileged_eperm)
{
	struct tpolicies got;

	ASSERT_LT(0, add_policy(&self->k, NULL, NULL));
	EXPECT_EQ(0, in_child(as_nobody, NULL));
	ASSERT_EQ(0, dump_policies(&self->k, &got));
	EXPECT_EQ(1, got.n);
}

/* A new user namespace holds no capability over the initial netns. */
static int in_userns_only(void *arg)
{
	if (unshare(CLONE_NEWUSER))
		return 30;
	return try_all_eperm();
}

TEST_F(nl, foreign_userns_eperm)
{
	EXPECT_EQ(0, in_child(in_userns_only, NULL));
}

/* In a fresh netns: nothing of the parent's is visible; own policies work. */
static int in_new_netns(void *arg)
{
	bool with_userns = *(bool *)arg;
	struct tpolicies got;
	struct ktnl k;

	if (unshare(CLONE_NEWNET | (with_userns ? CLONE_NEWUSER : 0)))
		return 40;
	if (ktnl_open(&k, KTUN_FAMILY_NAME))
		return 41;
	if (dump_policies(&k, &got) || got.n != 0)
		return 42;
	if (add_policy(&k, NULL, NULL) != 1)
		return 43;	/* ids are per namespace: the first is 1 */
	if (dump_policies(&k, &got) || got.n != 1)
		return 44;
	return 0;
}

TEST_F(nl, netns_isolation)
{
	struct tpolicies got;
	bool userns = false;

	ASSERT_LT(0, add_policy(&self->k, NULL, NULL));
	ASSERT_LT(0, add_policy(&self->k, NULL, NULL));
	EXPECT_EQ(0, in_child(in_new_netns, &userns));
	ASSERT_EQ(0, dump_policies(&self->k, &got));
	EXPECT_EQ(2, got.n);
}

/* CAP_NET_ADMIN in the user namespace owning the netns is what counts. */
TEST_F(nl, userns_owned_netns_allowed)
{
	bool userns = true;

	EXPECT_EQ(0, in_child(in_new_netns, &userns));
}

TEST_HARNESS_MAIN
