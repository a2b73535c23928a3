/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/ktun.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_KTUN_GEN_H
#define _LINUX_KTUN_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/ktun.h>

/* Common nested types */
extern const struct nla_policy ktun_policy_entry_nl_policy[KTUN_A_POLICY_ACTION + 1];

/* Ops table for ktun */
extern const struct genl_split_ops ktun_nl_ops[13];

int ktun_nl_hs_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
			struct genl_info *info);
void
ktun_nl_hs_post_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
		     struct genl_info *info);

int ktun_nl_policy_new_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_policy_del_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_policy_get_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_policy_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int ktun_nl_policy_flush_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_policy_match_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_daemon_register_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_hs_data_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_hs_done_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_hs_fail_doit(struct sk_buff *skb, struct genl_info *info);
int ktun_nl_conn_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int ktun_nl_policy_load_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	KTUN_NLGRP_MONITOR,
};

#endif /* _LINUX_KTUN_GEN_H */
