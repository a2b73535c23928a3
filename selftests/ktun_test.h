/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by ktun's C selftests: build raw "ktun" requests and read
 * policies back, with nothing of the CLI in between.
 */
#ifndef KTUN_TEST_H
#define KTUN_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/ktun.h>

#include "ktnl.h"

struct tmsg {
	char buf[32768];
	struct nlmsghdr *nlh;
};

static inline struct nlmsghdr *tmsg_init(struct ktnl *k, struct tmsg *m,
					 uint8_t cmd, uint16_t flags)
{
	m->nlh = ktnl_req(k, m->buf, cmd, flags);
	return m->nlh;
}

static inline void put_ip4(struct nlmsghdr *nlh, int type, const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	mnl_attr_put(nlh, type, 4, &a);
}

static inline void put_ip6(struct nlmsghdr *nlh, int type, const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	mnl_attr_put(nlh, type, 16, &a);
}

/* A policy as the kernel reports it. */
struct tpolicy {
	uint32_t id;
	uint16_t family;
	char remote[INET6_ADDRSTRLEN], local[INET6_ADDRSTRLEN];
	int remote_len, local_len;
	int rport_min, rport_max, lport_min, lport_max;
	int direction, owner;
	uint32_t ciphers, timeout;
	int n_uri, n_dns;
	char uri0[KTUN_IDENT_MAX_LEN + 1];
};

struct tpolicies {
	int n;
	struct tpolicy p[64];
};

static inline int tpolicy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tpolicies *out = data;
	const struct nlattr *a;
	struct tpolicy *p;

	if (out->n >= 64)
		return MNL_CB_ERROR;
	p = &out->p[out->n++];
	memset(p, 0, sizeof(*p));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		const void *v = mnl_attr_get_payload(a);

		switch (mnl_attr_get_type(a)) {
		case KTUN_A_POLICY_ID: p->id = mnl_attr_get_u32(a); break;
		case KTUN_A_POLICY_FAMILY: p->family = mnl_attr_get_u16(a); break;
		case KTUN_A_POLICY_REMOTE_IPV4: inet_ntop(AF_INET, v, p->remote, sizeof(p->remote)); break;
		case KTUN_A_POLICY_REMOTE_IPV6: inet_ntop(AF_INET6, v, p->remote, sizeof(p->remote)); break;
		case KTUN_A_POLICY_LOCAL_IPV4: inet_ntop(AF_INET, v, p->local, sizeof(p->local)); break;
		case KTUN_A_POLICY_LOCAL_IPV6: inet_ntop(AF_INET6, v, p->local, sizeof(p->local)); break;
		case KTUN_A_POLICY_REMOTE_PREFIX_LEN: p->remote_len = mnl_attr_get_u8(a); break;
		case KTUN_A_POLICY_LOCAL_PREFIX_LEN: p->local_len = mnl_attr_get_u8(a); break;
		case KTUN_A_POLICY_REMOTE_PORT_MIN: p->rport_min = mnl_attr_get_u16(a); break;
		case KTUN_A_POLICY_REMOTE_PORT_MAX: p->rport_max = mnl_attr_get_u16(a); break;
		case KTUN_A_POLICY_LOCAL_PORT_MIN: p->lport_min = mnl_attr_get_u16(a); break;
		case KTUN_A_POLICY_LOCAL_PORT_MAX: p->lport_max = mnl_attr_get_u16(a); break;
		case KTUN_A_POLICY_DIRECTION: p->direction = mnl_attr_get_u8(a); break;
		case KTUN_A_POLICY_OWNER: p->owner = mnl_attr_get_u8(a); break;
		case KTUN_A_POLICY_CIPHERS: p->ciphers = mnl_attr_get_u32(a); break;
		case KTUN_A_POLICY_HS_TIMEOUT_MS: p->timeout = mnl_attr_get_u32(a); break;
		case KTUN_A_POLICY_PEER_URI:
			if (!p->n_uri++)
				strncpy(p->uri0, mnl_attr_get_str(a), KTUN_IDENT_MAX_LEN);
			break;
		case KTUN_A_POLICY_PEER_DNS: p->n_dns++; break;
		}
	}
	return MNL_CB_OK;
}

/* Sends @m and collects any policies in the replies into @out. */
static inline int tmsg_talk(struct ktnl *k, struct tmsg *m, struct tpolicies *out)
{
	static struct tpolicies scratch;

	if (!out)
		out = &scratch;
	out->n = 0;
	return ktnl_talk(k, m->nlh, tpolicy_cb, out);
}

/* policy-new with one peer-uri and whatever @fill adds; returns the id or -errno. */
static inline int64_t add_policy(struct ktnl *k,
				 void (*fill)(struct nlmsghdr *nlh, void *arg),
				 void *arg)
{
	struct tpolicies got;
	struct tmsg m;
	int err;

	tmsg_init(k, &m, KTUN_CMD_POLICY_NEW, 0);
	mnl_attr_put_strz(m.nlh, KTUN_A_POLICY_PEER_URI, "spiffe://test/peer");
	if (fill)
		fill(m.nlh, arg);
	err = tmsg_talk(k, &m, &got);
	if (err)
		return err;
	return got.n == 1 ? (int64_t)got.p[0].id : -EBADMSG;
}

static inline int flush_policies(struct ktnl *k)
{
	struct tmsg m;

	tmsg_init(k, &m, KTUN_CMD_POLICY_FLUSH, 0);
	return tmsg_talk(k, &m, NULL);
}

static inline int dump_policies(struct ktnl *k, struct tpolicies *out)
{
	struct tmsg m;

	tmsg_init(k, &m, KTUN_CMD_POLICY_GET, NLM_F_DUMP);
	return tmsg_talk(k, &m, out);
}

#endif /* KTUN_TEST_H */
