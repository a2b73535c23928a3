// SPDX-License-Identifier: GPL-2.0
/*
 * ktun generic netlink family, as specified by
 * Documentation/netlink/specs/ktun.yaml.  Attribute policies and the ops
 * table are generated into netlink-gen.c; the per-attribute checks there
 * run before any handler here.  This file adds the checks that involve
 * more than one attribute, each rejection with an extack message.
 *
 * It holds the admin commands on policies and stats; the connections'
 * dump and monitor events are conn_nl.c's, the daemon's commands
 * hs_nl.c's.
 */
#include <linux/inetdevice.h>
#include <linux/module.h>
#include <linux/unaligned.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/tls.h>

#include "conn.h"
#include "hook.h"
#include "ktun.h"
#include "limits.h"
#include "netlink-gen.h"
#include "nl.h"
#include "policy.h"
#include "verdict.h"

/*
 * The spec's multicast groups, with the CAP_NET_ADMIN check the 6.12
 * generator cannot express (events name peers, as conn-get does): this
 * array stands in for netlink-gen.c's ktun_nl_mcgrps.
 */
static const struct genl_multicast_group ktun_nl_mcgrps_admin[] = {
	[KTUN_NLGRP_MONITOR] = {
		.name	= KTUN_MCGRP_MONITOR,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

/*
 * The family struct is ours: the spec is genetlink-legacy (needed for
 * uns-admin-perm), for which ynl-gen emits only the ops and policies.
 */
struct genl_family ktun_nl_family __ro_after_init = {
	.name		= KTUN_FAMILY_NAME,
	.version	= KTUN_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= ktun_nl_ops,
	.n_split_ops	= ARRAY_SIZE(ktun_nl_ops),
	.mcgrps		= ktun_nl_mcgrps_admin,
	.n_mcgrps	= ARRAY_SIZE(ktun_nl_mcgrps_admin),
};

/* Largest policy message: fixed attributes plus every identity at full size. */
#define KTUN_NL_POLICY_SIZE	(NLMSG_ALIGN(GENL_HDRLEN) + 512 + \
				 KTUN_MAX_IDENTS * nla_total_size(KTUN_IDENT_MAX_LEN + 1))

/* Commands without request attributes get no generated policy: refuse any. */
static int ktun_nl_no_attrs(const struct nlmsghdr *nlh,
			    struct netlink_ext_ack *extack)
{
	if (nlmsg_len(nlh) > GENL_HDRLEN) {
		NL_SET_ERR_MSG_MOD(extack, "this command takes no attributes");
		return -EINVAL;
	}
	return 0;
}

static int ktun_nl_get_family(struct nlattr **tb, struct netlink_ext_ack *extack,
			      u16 *family)
{
	struct nlattr *attr = tb[KTUN_A_POLICY_FAMILY];

	*family = attr ? nla_get_u16(attr) : AF_UNSPEC;
	if (*family != AF_UNSPEC && *family != AF_INET && *family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "unsupported address family");
		return -EAFNOSUPPORT;
	}
	return 0;
}

/*
 * Reads the address held in @a4 or @a6 and settles @family from it.
 * Returns 1 if an address was given, 0 if not, or a negative errno.
 */
static int ktun_nl_get_addr(struct nlattr **tb, struct netlink_ext_ack *extack,
			    int a4, int a6, u16 *family, union ktun_addr *addr)
{
	struct nlattr *v4 = tb[a4], *v6 = tb[a6];
	u16 fam = v4 ? AF_INET : AF_INET6;

	if (!v4 && !v6)
		return 0;
	if (v4 && v6) {
		NL_SET_ERR_MSG_ATTR(extack, v6,
				    "both an IPv4 and an IPv6 address given");
		return -EINVAL;
	}
	if (*family && *family != fam) {
		NL_SET_ERR_MSG_ATTR(extack, v4 ?: v6,
				    "address does not match the address family");
		return -EINVAL;
	}
	*family = fam;
	if (v4)
		addr->ip4 = nla_get_in_addr(v4);
	else
		addr->ip6 = nla_get_in6_addr(v6);
	return 1;
}

static bool ktun_prefix_is_masked(u16 family, const struct ktun_prefix *pfx)
{
	struct in6_addr masked;

	if (family == AF_INET)
		return !(pfx->addr.ip4 & ~inet_make_mask(pfx->len));
	ipv6_addr_prefix(&masked, &pfx->addr.ip6, pfx->len);
	return ipv6_addr_equal(&masked, &pfx->addr.ip6);
}

static int ktun_nl_get_prefix(struct nlattr **tb, struct netlink_ext_ack *extack,
			      int a4, int a6, int alen, u16 *family,
			      struct ktun_prefix *pfx)
{
	struct nlattr *len_attr = tb[alen];
	unsigned int max;
	int ret;

	ret = ktun_nl_get_addr(tb, extack, a4, a6, family, &pfx->addr);
	if (ret <= 0) {
		if (!ret && len_attr) {
			NL_SET_ERR_MSG_ATTR(extack, len_attr,
					    "prefix length without an address");
			return -EINVAL;
		}
		return ret;
	}
	max = *family == AF_INET ? 32 : 128;
	pfx->len = len_attr ? nla_get_u8(len_attr) : max;
	if (pfx->len > max) {
		NL_SET_ERR_MSG_ATTR(extack, len_attr,
				    "prefix length too long for the address family");
		return -EINVAL;
	}
	if (!ktun_prefix_is_masked(*family, pfx)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[a4] ?: tb[a6],
				    "address has bits set past the prefix length");
		return -EINVAL;
	}
	return 0;
}

static int ktun_nl_get_ports(struct nlattr **tb, struct netlink_ext_ack *extack,
			     int amin, int amax, struct ktun_ports *r)
{
	struct nlattr *lo = tb[amin], *hi = tb[amax];

	if (!lo) {
		if (hi) {
			NL_SET_ERR_MSG_ATTR(extack, hi,
					    "port range end without a start");
			return -EINVAL;
		}
		return 0;
	}
	r->min = nla_get_u16(lo);
	r->max = hi ? nla_get_u16(hi) : r->min;
	if (r->max < r->min) {
		NL_SET_ERR_MSG_ATTR(extack, hi, "inverted port range");
		return -EINVAL;
	}
	return 0;
}

static bool ktun_nl_is_ident(const struct nlattr *attr)
{
	return nla_type(attr) == KTUN_A_POLICY_PEER_URI ||
	       nla_type(attr) == KTUN_A_POLICY_PEER_DNS;
}

/* A policy's attributes: a request's, or one nest of policy-load's. */
struct ktun_nl_attrs {
	struct nlattr **tb;
	const struct nlattr *head;	/* all of them, for the multi-attrs */
	int len;
	const struct nlattr *nest;	/* policy-load's, or NULL */
	struct netlink_ext_ack *extack;
};

static int ktun_nl_count_idents(const struct ktun_nl_attrs *a)
{
	const struct nlattr *attr;
	int rem, n = 0;

	nla_for_each_attr(attr, a->head, a->len, rem)
		n += ktun_nl_is_ident(attr);
	return n;
}

static int ktun_nl_get_ident(const struct nlattr *attr, struct ktun_ident *id,
			     struct netlink_ext_ack *extack)
{
	const char *s = nla_data(attr);
	int i, len = nla_len(attr);

	if (len && !s[len - 1])
		len--;
	if (!len) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "empty peer identity");
		return -EINVAL;
	}
	if (len > KTUN_IDENT_MAX_LEN) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer identity too long");
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (s[i] <= ' ' || s[i] > '~') {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "peer identity is not printable ASCII");
			return -EINVAL;
		}
	}
	id->type = nla_type(attr);
	id->len = len;
	memcpy(id->name, s, len);
	id->name[len] = '\0';
	return 0;
}

static int ktun_nl_get_idents(const struct ktun_nl_attrs *a,
			      struct ktun_policy *p)
{
	const struct nlattr *attr;
	unsigned int i = 0;
	int rem, err;

	nla_for_each_attr(attr, a->head, a->len, rem) {
		if (!ktun_nl_is_ident(attr))
			continue;
		err = ktun_nl_get_ident(attr, &p->idents[i++], a->extack);
		if (err)
			return err;
	}
	return 0;
}

static int ktun_nl_get_selectors(const struct ktun_nl_attrs *a,
				 struct ktun_policy *p)
{
	struct nlattr **tb = a->tb;

	p->direction = tb[KTUN_A_POLICY_DIRECTION] ?
		nla_get_u8(tb[KTUN_A_POLICY_DIRECTION]) : KTUN_DIRECTION_BOTH;
	p->owner = tb[KTUN_A_POLICY_OWNER] ?
		nla_get_u8(tb[KTUN_A_POLICY_OWNER]) : KTUN_OWNER_ANY;
	p->ciphers = tb[KTUN_A_POLICY_CIPHERS] ?
		nla_get_u32(tb[KTUN_A_POLICY_CIPHERS]) : KTUN_CIPHER_MASK;
	p->hs_timeout_ms = tb[KTUN_A_POLICY_HS_TIMEOUT_MS] ?
		nla_get_u32(tb[KTUN_A_POLICY_HS_TIMEOUT_MS]) :
		KTUN_HS_TIMEOUT_MS_DEFAULT;
	if (!p->ciphers) {
		NL_SET_ERR_MSG_ATTR(a->extack, tb[KTUN_A_POLICY_CIPHERS],
				    "empty cipher set");
		return -EINVAL;
	}
	return 0;
}

static int ktun_nl_parse_policy(const struct ktun_nl_attrs *a,
				struct ktun_policy *p)
{
	struct nlattr **tb = a->tb;
	int err;

	err = ktun_nl_get_family(tb, a->extack, &p->family);
	if (!err)
		err = ktun_nl_get_prefix(tb, a->extack, KTUN_A_POLICY_REMOTE_IPV4,
					 KTUN_A_POLICY_REMOTE_IPV6,
					 KTUN_A_POLICY_REMOTE_PREFIX_LEN,
					 &p->family, &p->remote);
	if (!err)
		err = ktun_nl_get_prefix(tb, a->extack, KTUN_A_POLICY_LOCAL_IPV4,
					 KTUN_A_POLICY_LOCAL_IPV6,
					 KTUN_A_POLICY_LOCAL_PREFIX_LEN,
					 &p->family, &p->local);
	if (!err)
		err = ktun_nl_get_ports(tb, a->extack, KTUN_A_POLICY_REMOTE_PORT_MIN,
					KTUN_A_POLICY_REMOTE_PORT_MAX, &p->rport);
	if (!err)
		err = ktun_nl_get_ports(tb, a->extack, KTUN_A_POLICY_LOCAL_PORT_MIN,
					KTUN_A_POLICY_LOCAL_PORT_MAX, &p->lport);
	if (!err)
		err = ktun_nl_get_selectors(a, p);
	if (!err)
		err = ktun_nl_get_idents(a, p);
	return err;
}

/* A require policy only selects: what a handshake would use is refused. */
static int ktun_nl_check_require(const struct ktun_nl_attrs *a, int n_idents)
{
	static const int unused[] = {
		KTUN_A_POLICY_CIPHERS, KTUN_A_POLICY_HS_TIMEOUT_MS,
	};
	unsigned int i;

	if (n_idents) {
		NL_SET_ERR_MSG_MOD(a->extack,
				   "a require policy takes no peer identities");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(unused); i++) {
		if (a->tb[unused[i]]) {
			NL_SET_ERR_MSG_ATTR(a->extack, a->tb[unused[i]],
					    "a require policy takes no cipher or deadline");
			return -EINVAL;
		}
	}
	return 0;
}

static int ktun_nl_check_idents(const struct ktun_nl_attrs *a, int n)
{
	if (!n) {
		NL_SET_ERR_ATTR_MISS(a->extack, a->nest, KTUN_A_POLICY_PEER_URI);
		NL_SET_ERR_MSG_MOD(a->extack,
				   "a policy needs at least one peer-uri or peer-dns");
		return -EINVAL;
	}
	if (n > KTUN_MAX_IDENTS) {
		NL_SET_ERR_MSG_FMT_MOD(a->extack, "more than %d peer identities",
				       KTUN_MAX_IDENTS);
		return -EINVAL;
	}
	return 0;
}

/* The policy @a describes, allocated, or an ERR_PTR (extack set). */
static struct ktun_policy *ktun_nl_policy_from(const struct ktun_nl_attrs *a)
{
	struct nlattr *act = a->tb[KTUN_A_POLICY_ACTION];
	u8 action = act ? nla_get_u8(act) : KTUN_ACTION_SECURE;
	int n = ktun_nl_count_idents(a), err;
	struct ktun_policy *p;

	err = action == KTUN_ACTION_REQUIRE ? ktun_nl_check_require(a, n) :
					      ktun_nl_check_idents(a, n);
	if (err)
		return ERR_PTR(err);
	p = ktun_policy_alloc(n);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->action = action;
	err = ktun_nl_parse_policy(a, p);
	if (err) {
		ktun_policy_free(p);
		return ERR_PTR(err);
	}
	return p;
}

/* Does @p select connections ktun_hook_kernel_listeners() must gate for? */
static bool ktun_nl_inbound(const struct ktun_policy *p)
{
	return p->direction != KTUN_DIRECTION_OUT && p->owner != KTUN_OWNER_USER;
}

static int ktun_nl_put_prefix(struct sk_buff *msg, u16 family,
			      const struct ktun_prefix *pfx,
			      int a4, int a6, int alen)
{
	int err;

	if (!pfx->len)
		return 0;
	if (family == AF_INET)
		err = nla_put_in_addr(msg, a4, pfx->addr.ip4);
	else
		err = nla_put_in6_addr(msg, a6, &pfx->addr.ip6);
	return err ?: nla_put_u8(msg, alen, pfx->len);
}

static int ktun_nl_put_ports(struct sk_buff *msg, const struct ktun_ports *r,
			     int amin, int amax)
{
	if (!r->min)
		return 0;
	return nla_put_u16(msg, amin, r->min) ?: nla_put_u16(msg, amax, r->max);
}

static int ktun_nl_put_policy_attrs(struct sk_buff *msg,
				    const struct ktun_policy *p)
{
	unsigned int i;

	if (nla_put_u32(msg, KTUN_A_POLICY_ID, p->id) ||
	    nla_put_u16(msg, KTUN_A_POLICY_FAMILY, p->family) ||
	    nla_put_u8(msg, KTUN_A_POLICY_DIRECTION, p->direction) ||
	    nla_put_u8(msg, KTUN_A_POLICY_OWNER, p->owner) ||
	    nla_put_u8(msg, KTUN_A_POLICY_ACTION, p->action) ||
	    ktun_nl_put_prefix(msg, p->family, &p->remote,
			       KTUN_A_POLICY_REMOTE_IPV4, KTUN_A_POLICY_REMOTE_IPV6,
			       KTUN_A_POLICY_REMOTE_PREFIX_LEN) ||
	    ktun_nl_put_prefix(msg, p->family, &p->local,
			       KTUN_A_POLICY_LOCAL_IPV4, KTUN_A_POLICY_LOCAL_IPV6,
			       KTUN_A_POLICY_LOCAL_PREFIX_LEN) ||
	    ktun_nl_put_ports(msg, &p->rport, KTUN_A_POLICY_REMOTE_PORT_MIN,
			      KTUN_A_POLICY_REMOTE_PORT_MAX) ||
	    ktun_nl_put_ports(msg, &p->lport, KTUN_A_POLICY_LOCAL_PORT_MIN,
			      KTUN_A_POLICY_LOCAL_PORT_MAX))
		return -EMSGSIZE;
	/* A require policy has no handshake to shape. */
	if (p->action == KTUN_ACTION_SECURE &&
	    (nla_put_u32(msg, KTUN_A_POLICY_CIPHERS, p->ciphers) ||
	     nla_put_u32(msg, KTUN_A_POLICY_HS_TIMEOUT_MS, p->hs_timeout_ms)))
		return -EMSGSIZE;
	for (i = 0; i < p->n_idents; i++)
		if (nla_put_string(msg, p->idents[i].type, p->idents[i].name))
			return -EMSGSIZE;
	return 0;
}

/* Replies to @info with @p; caller holds the namespace's policy lock. */
static int ktun_nl_reply_policy(struct genl_info *info,
				const struct ktun_policy *p, struct sk_buff *msg)
{
	void *hdr;

	hdr = genlmsg_iput(msg, info);
	if (!hdr || ktun_nl_put_policy_attrs(msg, p)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static void ktun_nl_no_such_policy(struct genl_info *info)
{
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KTUN_A_POLICY_ID],
			    "no policy with this id");
}

static void ktun_nl_table_full(struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_FMT_MOD(extack, "policy table full (%d policies)",
			       KTUN_MAX_POLICIES);
}

/* Handshakes of removed policies would otherwise finish unchecked. */
static void ktun_nl_removed(struct net *net)
{
	ktun_verdict_fail_net(net, KTUN_FAIL_REMOVED, 0, ECONNRESET,
			      KTUN_WHY_POLICY_GONE);
}

int ktun_nl_policy_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_nl_attrs a = {
		.tb = info->attrs,
		.head = nlmsg_attrdata(info->nlhdr, GENL_HDRLEN),
		.len = nlmsg_attrlen(info->nlhdr, GENL_HDRLEN),
		.extack = info->extack,
	};
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	struct nlattr *id = info->attrs[KTUN_A_POLICY_ID];
	struct ktun_policy *p;
	struct sk_buff *msg;
	bool inbound;
	int err;

	p = ktun_nl_policy_from(&a);
	if (IS_ERR(p))
		return PTR_ERR(p);
	msg = genlmsg_new(KTUN_NL_POLICY_SIZE, GFP_KERNEL);
	if (!msg) {
		ktun_policy_free(p);
		return -ENOMEM;
	}
	mutex_lock(&kn->pol.lock);
	if (id)
		err = ktun_policy_replace(kn, nla_get_u32(id), p);
	else
		err = ktun_policy_insert(kn, p);
	if (err) {
		mutex_unlock(&kn->pol.lock);
		if (err == -ENOENT)
			ktun_nl_no_such_policy(info);
		else
			ktun_nl_table_full(info->extack);
		nlmsg_free(msg);
		ktun_policy_free(p);
		return err;
	}
	inbound = ktun_nl_inbound(p);
	err = ktun_nl_reply_policy(info, p, msg);
	mutex_unlock(&kn->pol.lock);
	if (id)
		ktun_nl_removed(genl_info_net(info));
	if (inbound)
		ktun_hook_kernel_listeners(genl_info_net(info));
	return err;
}

static int ktun_nl_get_id(struct genl_info *info, u32 *id)
{
	if (GENL_REQ_ATTR_CHECK(info, KTUN_A_POLICY_ID))
		return -EINVAL;
	*id = nla_get_u32(info->attrs[KTUN_A_POLICY_ID]);
	return 0;
}

int ktun_nl_policy_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	u32 id;
	int err;

	err = ktun_nl_get_id(info, &id);
	if (err)
		return err;
	mutex_lock(&kn->pol.lock);
	err = ktun_policy_delete(kn, id);
	mutex_unlock(&kn->pol.lock);
	if (err) {
		ktun_nl_no_such_policy(info);
		return err;
	}
	ktun_nl_removed(genl_info_net(info));
	return 0;
}

int ktun_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	struct ktun_policy *p;
	struct sk_buff *msg;
	u32 id;
	int err;

	err = ktun_nl_get_id(info, &id);
	if (err)
		return err;
	msg = genlmsg_new(KTUN_NL_POLICY_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&kn->pol.lock);
	p = ktun_policy_find(kn, id);
	if (p) {
		err = ktun_nl_reply_policy(info, p, msg);
	} else {
		nlmsg_free(msg);
		ktun_nl_no_such_policy(info);
		err = -ENOENT;
	}
	mutex_unlock(&kn->pol.lock);
	return err;
}

static int ktun_nl_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			    const struct ktun_policy *p)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ktun_nl_family, NLM_F_MULTI, KTUN_CMD_POLICY_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (ktun_nl_put_policy_attrs(skb, p)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Dumps resume by position (cb->args[0]); a table that changes between
 * two parts of a dump is flagged NLM_F_DUMP_INTR through cb->seq.
 */
int ktun_nl_policy_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ktun_net *kn = ktun_pernet(sock_net(skb->sk));
	unsigned long idx = 0, start = cb->args[0];
	struct ktun_policy *p;
	int err;

	err = ktun_nl_no_attrs(cb->nlh, cb->extack);
	if (err)
		return err;
	mutex_lock(&kn->pol.lock);
	cb->seq = kn->pol.genid;
	list_for_each_entry(p, &kn->pol.list, list) {
		if (idx >= start) {
			err = ktun_nl_dump_one(skb, cb, p);
			if (err)
				break;
		}
		idx++;
	}
	mutex_unlock(&kn->pol.lock);
	cb->args[0] = idx;
	/* A policy that does not fit an empty skb would loop forever. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

/* Without an action, the secure policies: require ones stay, as a net. */
int ktun_nl_policy_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	struct nlattr *act = info->attrs[KTUN_A_POLICY_ACTION];

	mutex_lock(&kn->pol.lock);
	ktun_policy_flush(kn, act ? nla_get_u8(act) : KTUN_ACTION_SECURE);
	mutex_unlock(&kn->pol.lock);
	ktun_nl_removed(genl_info_net(info));
	return 0;
}

/* Frees the policies on @table (never published). */
static void ktun_nl_free_table(struct list_head *table)
{
	struct ktun_policy *p, *tmp;

	list_for_each_entry_safe(p, tmp, table, list)
		ktun_policy_free(p);
}

/*
 * Parses every policy of a policy-load request onto @table; on an error
 * the extack names the policy (its nest) and what is wrong in it.
 */
static int ktun_nl_parse_table(struct genl_info *info, struct list_head *table,
			       unsigned int *n, bool *inbound)
{
	struct nlattr *tb[KTUN_A_POLICY_ACTION + 1];
	const struct nlattr *nest;
	struct ktun_policy *p;
	int rem, err;

	nlmsg_for_each_attr(nest, info->nlhdr, GENL_HDRLEN, rem) {
		struct ktun_nl_attrs a = {
			.tb = tb, .head = nla_data(nest), .len = nla_len(nest),
			.nest = nest, .extack = info->extack,
		};

		if (nla_type(nest) != KTUN_A_POLICY_TABLE_POLICY)
			continue;
		if (++*n > KTUN_MAX_POLICIES) {
			ktun_nl_table_full(info->extack);
			return -ENOSPC;
		}
		err = nla_parse_nested(tb, KTUN_A_POLICY_ACTION, nest,
				       ktun_policy_entry_nl_policy, info->extack);
		p = err ? ERR_PTR(err) : ktun_nl_policy_from(&a);
		if (IS_ERR(p)) {
			if (!info->extack->bad_attr)
				NL_SET_BAD_ATTR(info->extack, nest);
			return PTR_ERR(p);
		}
		*inbound |= ktun_nl_inbound(p);
		list_add_tail(&p->list, table);
	}
	return 0;
}

int ktun_nl_policy_load_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	bool inbound = false;
	LIST_HEAD(table);
	unsigned int n = 0;
	int err;

	err = ktun_nl_parse_table(info, &table, &n, &inbound);
	if (!err && !n) {
		/* An empty or cut file must not drop the require policies. */
		NL_SET_ERR_MSG_MOD(info->extack,
				   "no policy in the table (use policy-flush to empty it)");
		err = -EINVAL;
	}
	if (err) {
		ktun_nl_free_table(&table);
		return err;
	}
	mutex_lock(&kn->pol.lock);
	err = ktun_policy_load(kn, &table, n);
	mutex_unlock(&kn->pol.lock);
	if (err) {
		ktun_nl_table_full(info->extack);
		ktun_nl_free_table(&table);
		return err;
	}
	ktun_nl_removed(genl_info_net(info));
	if (inbound)
		ktun_hook_kernel_listeners(genl_info_net(info));
	return 0;
}

static int ktun_nl_parse_tuple(struct genl_info *info, struct ktun_tuple *t)
{
	struct nlattr **attrs = info->attrs;
	int ret;

	ret = ktun_nl_get_family(attrs, info->extack, &t->family);
	if (ret)
		return ret;
	ret = ktun_nl_get_addr(attrs, info->extack, KTUN_A_POLICY_REMOTE_IPV4,
			       KTUN_A_POLICY_REMOTE_IPV6, &t->family, &t->remote);
	if (ret < 0)
		return ret;
	t->has_remote = ret;
	ret = ktun_nl_get_addr(attrs, info->extack, KTUN_A_POLICY_LOCAL_IPV4,
			       KTUN_A_POLICY_LOCAL_IPV6, &t->family, &t->local);
	if (ret < 0)
		return ret;
	t->has_local = ret;
	if (attrs[KTUN_A_POLICY_REMOTE_PORT_MIN])
		t->rport = nla_get_u16(attrs[KTUN_A_POLICY_REMOTE_PORT_MIN]);
	if (attrs[KTUN_A_POLICY_LOCAL_PORT_MIN])
		t->lport = nla_get_u16(attrs[KTUN_A_POLICY_LOCAL_PORT_MIN]);
	t->direction = attrs[KTUN_A_POLICY_DIRECTION] ?
		nla_get_u8(attrs[KTUN_A_POLICY_DIRECTION]) : KTUN_DIRECTION_OUT;
	t->owner = attrs[KTUN_A_POLICY_OWNER] ?
		nla_get_u8(attrs[KTUN_A_POLICY_OWNER]) : KTUN_OWNER_USER;
	if (t->direction == KTUN_DIRECTION_BOTH) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KTUN_A_POLICY_DIRECTION],
				    "a connection's direction is out or in");
		return -EINVAL;
	}
	if (t->owner == KTUN_OWNER_ANY) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KTUN_A_POLICY_OWNER],
				    "a connection's owner is kernel or user");
		return -EINVAL;
	}
	return 0;
}

int ktun_nl_policy_match_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	struct ktun_tuple t = {};
	struct ktun_policy *p;
	struct sk_buff *msg;
	int err;

	err = ktun_nl_parse_tuple(info, &t);
	if (err)
		return err;
	msg = genlmsg_new(KTUN_NL_POLICY_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&kn->pol.lock);
	p = ktun_policy_lookup(kn, &t);
	if (p) {
		err = ktun_nl_reply_policy(info, p, msg);
	} else {
		nlmsg_free(msg);
		NL_SET_ERR_MSG_MOD(info->extack, "no policy selects this connection");
		err = -ENOENT;
	}
	mutex_unlock(&kn->pol.lock);
	return err;
}

/* Host-wide counts, for the host's administrator only. */
static int ktun_nl_put_totals(struct sk_buff *msg, const struct sk_buff *req)
{
	if (!netlink_ns_capable(req, &init_user_ns, CAP_NET_ADMIN))
		return 0;
	return nla_put_u32(msg, KTUN_A_STATS_POLICIES_TOTAL,
			   atomic_read(&ktun_live_policies)) ?:
	       nla_put_u32(msg, KTUN_A_STATS_NETNS_TOTAL,
			   atomic_read(&ktun_live_nets)) ?:
	       nla_put_u32(msg, KTUN_A_STATS_CONNS_TOTAL,
			   atomic_read(&ktun_live_conns));
}

static int ktun_nl_put_stats(struct sk_buff *msg, const struct sk_buff *req,
			     struct ktun_net *kn)
{
	struct ktun_limits lim;

	ktun_limits_get(&lim);
	return nla_put_u32(msg, KTUN_A_STATS_POLICIES, READ_ONCE(kn->pol.n)) ?:
	       ktun_nl_put_totals(msg, req) ?:
	       nla_put_u32(msg, KTUN_A_STATS_CONNS, READ_ONCE(kn->ct.n)) ?:
	       nla_put_u32(msg, KTUN_A_STATS_HANDSHAKES, READ_ONCE(kn->ct.n_handshakes)) ?:
	       nla_put_u64_64bit(msg, KTUN_A_STATS_REFUSED,
				 atomic_long_read(&kn->n_refused), 0) ?:
	       nla_put_u32(msg, KTUN_A_STATS_MAX_HANDSHAKES, lim.per_net) ?:
	       nla_put_u32(msg, KTUN_A_STATS_MAX_HANDSHAKES_PER_SOURCE,
			   lim.per_source) ?:
	       nla_put_u32(msg, KTUN_A_STATS_MAX_HANDSHAKES_PER_LISTENER,
			   lim.per_listener);
}

int ktun_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct ktun_net *kn = ktun_pernet(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = ktun_nl_no_attrs(info->nlhdr, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_iput(msg, info);
	if (!hdr || ktun_nl_put_stats(msg, skb, kn)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

int __init ktun_netlink_init(void)
{
	return genl_register_family(&ktun_nl_family);
}

void ktun_netlink_exit(void)
{
	genl_unregister_family(&ktun_nl_family);
}
