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

#include <stdio.h>

#include "ktnl.h"
#include "ktun_msg.h"

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

/*
 * Policies as the kernel reports them, decoded by ../userspace/lib's
 * ktun_msg.c.  Only the first peer-uri outlives the message: it is
 * copied into @uri0 and idents[] is cleared.
 */
struct tpolicies {
	int n;
	struct ktun_policy p[64];
	char uri0[64][KTUN_IDENT_MAX_LEN + 1];
};

static inline int tpolicy_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct tpolicies *out = data;
	struct ktun_policy *p;
	unsigned int i;

	/* Only these answer with a policy (stats-get, say, does not). */
	if (g->cmd != KTUN_CMD_POLICY_NEW && g->cmd != KTUN_CMD_POLICY_GET &&
	    g->cmd != KTUN_CMD_POLICY_MATCH)
		return MNL_CB_OK;
	if (out->n >= 64)
		return MNL_CB_ERROR;
	p = &out->p[out->n];
	if (ktun_policy_parse(nlh, p)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	out->uri0[out->n][0] = '\0';
	for (i = 0; i < p->n_idents; i++) {
		if (p->idents[i].type == KTUN_A_POLICY_PEER_URI && !out->uri0[out->n][0])
			snprintf(out->uri0[out->n], sizeof(out->uri0[0]), "%s",
				 p->idents[i].name);
	}
	memset(p->idents, 0, sizeof(p->idents));
	out->n++;
	return MNL_CB_OK;
}

/* The text form of a policy's remote or local address ("" if none). */
static inline const char *taddr(const struct ktun_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static unsigned int next;

	return ktun_addr_str(a, buf[next++ % 4], "");
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

static inline int flush_action(struct ktnl *k, uint8_t action)
{
	struct tmsg m;

	tmsg_init(k, &m, KTUN_CMD_POLICY_FLUSH, 0);
	mnl_attr_put_u8(m.nlh, KTUN_A_POLICY_ACTION, action);
	return tmsg_talk(k, &m, NULL);
}

/*
 * Every policy, secure and require (a plain flush keeps require ones, and
 * a fuzzer's messages may have added some): tests start from nothing.
 */
static inline int flush_policies(struct ktnl *k)
{
	return flush_action(k, KTUN_ACTION_SECURE) ?:
	       flush_action(k, KTUN_ACTION_REQUIRE);
}

static inline int dump_policies(struct ktnl *k, struct tpolicies *out)
{
	struct tmsg m;

	tmsg_init(k, &m, KTUN_CMD_POLICY_GET, NLM_F_DUMP);
	return tmsg_talk(k, &m, out);
}

#endif /* KTUN_TEST_H */
