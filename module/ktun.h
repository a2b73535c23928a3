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
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/ktun.h>

/*
 * Per network namespace state, allocated by the pernet subsystem.
 *
 * @lock serialises every writer of @policies, @n_policies, @next_id and
 * @genid; readers walk @policies under RCU only (the connection hooks run
 * in atomic context and must never take @lock).
 */
struct ktun_net {
	struct mutex lock;		/* writers of the policy fields */
	/*
	 * @policies: most specific first, read under RCU.  Every change of
	 * it is one write section of @policies_seq (under @lock, BH off), so
	 * a lookup that raced one walks again and never sees a replaced
	 * policy gone before its replacement is in.
	 */
	struct list_head policies;
	seqlock_t policies_seq;
	u32 n_policies;
	u32 next_id;
	u32 genid;			/* bumped on every change, for dumps */

	/*
	 * @conn_lock (a spinlock: the hooks run in softirq) protects @conns,
	 * @n_conns, @conns_genid, @next_hs_id and the handshake accounting (limits.c):
	 * @n_handshakes and @sources.
	 *
	 * @daemon_portid (0: no daemon) is set by daemon-register under
	 * @lock, and cleared without it by the NETLINK_URELEASE notifier
	 * (hs_nl.c), which clears only the port being released: a register
	 * from another port meanwhile sees it still set and fails.  Read
	 * with READ_ONCE.
	 */
	spinlock_t conn_lock;
	struct list_head conns;
	u32 n_conns;
	u32 conns_genid;		/* bumped on every change, for dumps */
	u32 next_hs_id;
	u32 daemon_portid;
	u32 n_handshakes;
	DECLARE_HASHTABLE(sources, 6);	/* struct ktun_source, by address */
	atomic_long_t n_refused;	/* connections refused, ever */
	atomic_t accepting;		/* gate accept()s taking a child (park.c) */
};

extern unsigned int ktun_net_id;

static inline struct ktun_net *ktun_pernet(const struct net *net)
{
	return net_generic(net, ktun_net_id);
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
