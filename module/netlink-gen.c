// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/ktun.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/ktun.h>

/* Integer value ranges */
static const struct netlink_range_validation ktun_a_policy_hs_timeout_ms_range = {
	.min	= 100ULL,
	.max	= 120000ULL,
};

/* Common nested types */
const struct nla_policy ktun_policy_entry_nl_policy[KTUN_A_POLICY_ACTION + 1] = {
	[KTUN_A_POLICY_FAMILY] = { .type = NLA_U16, },
	[KTUN_A_POLICY_REMOTE_IPV4] = { .type = NLA_U32, },
	[KTUN_A_POLICY_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[KTUN_A_POLICY_REMOTE_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[KTUN_A_POLICY_LOCAL_IPV4] = { .type = NLA_U32, },
	[KTUN_A_POLICY_LOCAL_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[KTUN_A_POLICY_LOCAL_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[KTUN_A_POLICY_REMOTE_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_REMOTE_PORT_MAX] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_LOCAL_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_LOCAL_PORT_MAX] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_DIRECTION] = NLA_POLICY_RANGE(NLA_U8, 1, 3),
	[KTUN_A_POLICY_OWNER] = NLA_POLICY_RANGE(NLA_U8, 1, 3),
	[KTUN_A_POLICY_PEER_URI] = { .type = NLA_STRING, .len = KTUN_IDENT_MAX_LEN, },
	[KTUN_A_POLICY_PEER_DNS] = { .type = NLA_STRING, .len = KTUN_IDENT_MAX_LEN, },
	[KTUN_A_POLICY_CIPHERS] = NLA_POLICY_MASK(NLA_U32, 0x7),
	[KTUN_A_POLICY_HS_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &ktun_a_policy_hs_timeout_ms_range),
	[KTUN_A_POLICY_ACTION] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
};

/* KTUN_CMD_POLICY_NEW - do */
static const struct nla_policy ktun_policy_new_nl_policy[KTUN_A_POLICY_ACTION + 1] = {
	[KTUN_A_POLICY_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KTUN_A_POLICY_FAMILY] = { .type = NLA_U16, },
	[KTUN_A_POLICY_REMOTE_IPV4] = { .type = NLA_U32, },
	[KTUN_A_POLICY_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[KTUN_A_POLICY_REMOTE_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[KTUN_A_POLICY_LOCAL_IPV4] = { .type = NLA_U32, },
	[KTUN_A_POLICY_LOCAL_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[KTUN_A_POLICY_LOCAL_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[KTUN_A_POLICY_REMOTE_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_REMOTE_PORT_MAX] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_LOCAL_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_LOCAL_PORT_MAX] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_DIRECTION] = NLA_POLICY_RANGE(NLA_U8, 1, 3),
	[KTUN_A_POLICY_OWNER] = NLA_POLICY_RANGE(NLA_U8, 1, 3),
	[KTUN_A_POLICY_PEER_URI] = { .type = NLA_STRING, .len = KTUN_IDENT_MAX_LEN, },
	[KTUN_A_POLICY_PEER_DNS] = { .type = NLA_STRING, .len = KTUN_IDENT_MAX_LEN, },
	[KTUN_A_POLICY_CIPHERS] = NLA_POLICY_MASK(NLA_U32, 0x7),
	[KTUN_A_POLICY_HS_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &ktun_a_policy_hs_timeout_ms_range),
	[KTUN_A_POLICY_ACTION] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
};

/* KTUN_CMD_POLICY_DEL - do */
static const struct nla_policy ktun_policy_del_nl_policy[KTUN_A_POLICY_ID + 1] = {
	[KTUN_A_POLICY_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* KTUN_CMD_POLICY_GET - do */
static const struct nla_policy ktun_policy_get_nl_policy[KTUN_A_POLICY_ID + 1] = {
	[KTUN_A_POLICY_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* KTUN_CMD_POLICY_FLUSH - do */
static const struct nla_policy ktun_policy_flush_nl_policy[KTUN_A_POLICY_ACTION + 1] = {
	[KTUN_A_POLICY_ACTION] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
};

/* KTUN_CMD_POLICY_MATCH - do */
static const struct nla_policy ktun_policy_match_nl_policy[KTUN_A_POLICY_OWNER + 1] = {
	[KTUN_A_POLICY_FAMILY] = { .type = NLA_U16, },
	[KTUN_A_POLICY_REMOTE_IPV4] = { .type = NLA_U32, },
	[KTUN_A_POLICY_REMOTE_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[KTUN_A_POLICY_LOCAL_IPV4] = { .type = NLA_U32, },
	[KTUN_A_POLICY_LOCAL_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[KTUN_A_POLICY_REMOTE_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_LOCAL_PORT_MIN] = NLA_POLICY_MIN(NLA_U16, 1),
	[KTUN_A_POLICY_DIRECTION] = NLA_POLICY_RANGE(NLA_U8, 1, 3),
	[KTUN_A_POLICY_OWNER] = NLA_POLICY_RANGE(NLA_U8, 1, 3),
};

/* KTUN_CMD_HS_DATA - do */
static const struct nla_policy ktun_hs_data_nl_policy[KTUN_A_HS_MORE + 1] = {
	[KTUN_A_HS_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KTUN_A_HS_DATA] = { .type = NLA_BINARY, },
	[KTUN_A_HS_MORE] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* KTUN_CMD_HS_DONE - do */
static const struct nla_policy ktun_hs_done_nl_policy[KTUN_A_HS_PEER_IDENTITY + 1] = {
	[KTUN_A_HS_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KTUN_A_HS_DATA] = { .type = NLA_BINARY, },
	[KTUN_A_HS_VERSION] = { .type = NLA_U16, },
	[KTUN_A_HS_CIPHER] = NLA_POLICY_MASK(NLA_U32, 0x7),
	[KTUN_A_HS_TX_KEY] = { .type = NLA_BINARY, },
	[KTUN_A_HS_TX_SALT] = { .type = NLA_BINARY, },
	[KTUN_A_HS_TX_IV] = { .type = NLA_BINARY, },
	[KTUN_A_HS_TX_SEQ] = NLA_POLICY_EXACT_LEN(8),
	[KTUN_A_HS_RX_KEY] = { .type = NLA_BINARY, },
	[KTUN_A_HS_RX_SALT] = { .type = NLA_BINARY, },
	[KTUN_A_HS_RX_IV] = { .type = NLA_BINARY, },
	[KTUN_A_HS_RX_SEQ] = NLA_POLICY_EXACT_LEN(8),
	[KTUN_A_HS_PEER_IDENTITY] = { .type = NLA_NUL_STRING, .len = 260, },
};

/* KTUN_CMD_HS_FAIL - do */
static const struct nla_policy ktun_hs_fail_nl_policy[KTUN_A_HS_REASON + 1] = {
	[KTUN_A_HS_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KTUN_A_HS_DATA] = { .type = NLA_BINARY, },
	[KTUN_A_HS_REASON] = { .type = NLA_NUL_STRING, .len = 255, },
};

/* KTUN_CMD_POLICY_LOAD - do */
static const struct nla_policy ktun_policy_load_nl_policy[KTUN_A_POLICY_TABLE_POLICY + 1] = {
	[KTUN_A_POLICY_TABLE_POLICY] = NLA_POLICY_NESTED(ktun_policy_entry_nl_policy),
};

/* Ops table for ktun */
const struct genl_split_ops ktun_nl_ops[13] = {
	{
		.cmd		= KTUN_CMD_POLICY_NEW,
		.doit		= ktun_nl_policy_new_doit,
		.policy		= ktun_policy_new_nl_policy,
		.maxattr	= KTUN_A_POLICY_ACTION,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= KTUN_CMD_POLICY_DEL,
		.doit		= ktun_nl_policy_del_doit,
		.policy		= ktun_policy_del_nl_policy,
		.maxattr	= KTUN_A_POLICY_ID,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= KTUN_CMD_POLICY_GET,
		.doit		= ktun_nl_policy_get_doit,
		.policy		= ktun_policy_get_nl_policy,
		.maxattr	= KTUN_A_POLICY_ID,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= KTUN_CMD_POLICY_GET,
		.dumpit	= ktun_nl_policy_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= KTUN_CMD_POLICY_FLUSH,
		.doit		= ktun_nl_policy_flush_doit,
		.policy		= ktun_policy_flush_nl_policy,
		.maxattr	= KTUN_A_POLICY_ACTION,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= KTUN_CMD_POLICY_MATCH,
		.doit		= ktun_nl_policy_match_doit,
		.policy		= ktun_policy_match_nl_policy,
		.maxattr	= KTUN_A_POLICY_OWNER,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= KTUN_CMD_STATS_GET,
		.doit	= ktun_nl_stats_get_doit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= KTUN_CMD_DAEMON_REGISTER,
		.doit	= ktun_nl_daemon_register_doit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= KTUN_CMD_HS_DATA,
		.pre_doit	= ktun_nl_hs_pre_doit,
		.doit		= ktun_nl_hs_data_doit,
		.post_doit	= ktun_nl_hs_post_doit,
		.policy		= ktun_hs_data_nl_policy,
		.maxattr	= KTUN_A_HS_MORE,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= KTUN_CMD_HS_DONE,
		.pre_doit	= ktun_nl_hs_pre_doit,
		.doit		= ktun_nl_hs_done_doit,
		.post_doit	= ktun_nl_hs_post_doit,
		.policy		= ktun_hs_done_nl_policy,
		.maxattr	= KTUN_A_HS_PEER_IDENTITY,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= KTUN_CMD_HS_FAIL,
		.pre_doit	= ktun_nl_hs_pre_doit,
		.doit		= ktun_nl_hs_fail_doit,
		.post_doit	= ktun_nl_hs_post_doit,
		.policy		= ktun_hs_fail_nl_policy,
		.maxattr	= KTUN_A_HS_REASON,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= KTUN_CMD_CONN_GET,
		.dumpit	= ktun_nl_conn_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= KTUN_CMD_POLICY_LOAD,
		.doit		= ktun_nl_policy_load_doit,
		.policy		= ktun_policy_load_nl_policy,
		.maxattr	= KTUN_A_POLICY_TABLE_POLICY,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group ktun_nl_mcgrps[] = {
	[KTUN_NLGRP_MONITOR] = { "monitor", },
};
