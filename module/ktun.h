/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktun: transparent kernel TLS for policy-selected TCP connections.
 *
 * Module-wide declarations: per-netns state, the module's workqueue and
 * live object accounting.
 */
#ifndef _KTUN_H
#define _KTUN_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <uapi/linux/ktun.h>

#include "conn.h"
#include "policy.h"

/*
 * Per network namespace state, allocated by the pernet subsystem: the
 * policy table (policy.h) and the connection table (conn.h), each with
 * its own lock next to the data it protects, and what belongs to neither.
 *
 * @daemon_portid (0: no daemon) is set by daemon-register under
 * @pol.lock, and cleared without it by the NETLINK_URELEASE notifier
 * (hs_nl.c), which clears only the port being released: a register
 * from another port meanwhile sees it still set and fails.  Read with
 * READ_ONCE.
 */
struct ktun_net {
	struct ktun_policy_table pol;
	struct ktun_conn_table ct;
	u32 daemon_portid;
	atomic_long_t n_refused;	/* connections refused, ever */
	atomic_t accepting;		/* gate accept()s taking a child (park.c) */
};

extern unsigned int ktun_net_id;

static inline struct ktun_net *ktun_pernet(const struct net *net)
{
	return net_generic(net, ktun_net_id);
}

/*
 * Has @sk's namespace any policy at all?  Lockless, before any lookup:
 * writers link a replacement before they unlink what it replaces, so the
 * list is empty only when the table is.  Here, not in policy.h: it needs
 * struct ktun_net whole, and ktun.h includes policy.h.
 */
static inline bool ktun_policy_any(const struct sock *sk)
{
	return !list_empty(&ktun_pernet(sock_net(sk))->pol.list);
}

/*
 * Objects alive in the whole module; leak checks read them.  Policies
 * (policy.c), namespace states (netns.c), connections (conn.c), and the
 * connections the sk_data_ready probe must look at (conn.c).
 */
extern atomic_t ktun_live_policies;
extern atomic_t ktun_live_nets;
extern atomic_t ktun_live_conns;
extern atomic_t ktun_watched_conns;

/* All of ktun's work items run here (main.c allocates it). */
extern struct workqueue_struct *ktun_wq;

int ktun_netns_init(void);
void ktun_netns_exit(void);

#endif /* _KTUN_H */
