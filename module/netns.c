// SPDX-License-Identifier: GPL-2.0
/*
 * ktun per network namespace state: created with the namespace (or at
 * module load for existing ones) and torn down when either goes away.
 */
#include <linux/module.h>

#include "ktun.h"
#include "limits.h"
#include "policy.h"
#include "verdict.h"

unsigned int ktun_net_id __read_mostly;
atomic_t ktun_live_nets = ATOMIC_INIT(0);

static int __net_init ktun_net_init(struct net *net)
{
	struct ktun_net *kn = ktun_pernet(net);

	mutex_init(&kn->pol.lock);
	INIT_LIST_HEAD(&kn->pol.list);
	seqlock_init(&kn->pol.seq);
	spin_lock_init(&kn->ct.lock);
	INIT_LIST_HEAD(&kn->ct.list);
	hash_init(kn->ct.sources);
	atomic_inc(&ktun_live_nets);
	return 0;
}

/*
 * Before the namespace's sockets go: no policy selects anything from now
 * on, every handshake fails, every connection is forgotten (their sockets
 * close on their own).  The policies go first: RDS's workers still run
 * here, and a connection they open after the drain must not be matched -
 * one matched just before the flush is drained again at exit.
 */
static void __net_exit ktun_net_pre_exit(struct net *net)
{
	struct ktun_net *kn = ktun_pernet(net);

	mutex_lock(&kn->pol.lock);
	ktun_policy_flush(kn, 0);
	mutex_unlock(&kn->pol.lock);
	ktun_verdict_drain_net(net);
}

/*
 * No netlink request can run in a dying namespace (requests pin their
 * socket's namespace), so only RCU readers may still see the policies:
 * they are freed after a grace period, and module exit waits for that.
 */
static void __net_exit ktun_net_exit(struct net *net)
{
	struct ktun_net *kn = ktun_pernet(net);

	ktun_verdict_drain_net(net);
	mutex_lock(&kn->pol.lock);
	ktun_policy_flush(kn, 0);
	mutex_unlock(&kn->pol.lock);
	mutex_destroy(&kn->pol.lock);
	ktun_limits_net_exit(kn);
	atomic_dec(&ktun_live_nets);
}

static struct pernet_operations ktun_net_ops = {
	.init = ktun_net_init,
	.pre_exit = ktun_net_pre_exit,
	.exit = ktun_net_exit,
	.id = &ktun_net_id,
	.size = sizeof(struct ktun_net),
};

int __init ktun_netns_init(void)
{
	return register_pernet_subsys(&ktun_net_ops);
}

void ktun_netns_exit(void)
{
	unregister_pernet_subsys(&ktun_net_ops);
}
