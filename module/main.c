// SPDX-License-Identifier: GPL-2.0
/*
 * ktun: transparent kernel TLS for TCP connections selected by policy.
 * Module load and unload only.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>

#include "conn.h"
#include "gate.h"
#include "hook.h"
#include "ktun.h"
#include "nl.h"
#include "readers.h"

struct workqueue_struct *ktun_wq;

/*
 * Each step undone by the label under it, in reverse order; every step's
 * return value is checked.  ktun_gate_init() builds tables only and has
 * nothing to undo.
 */
static int __init ktun_init(void)
{
	int err;

	ktun_wq = alloc_workqueue("ktun", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!ktun_wq)
		return -ENOMEM;
	err = ktun_conn_init();
	if (err)
		goto err_wq;
	err = ktun_gate_init();
	if (err)
		goto err_conn;
	err = ktun_netns_init();
	if (err)
		goto err_conn;
	err = ktun_nl_hs_init();
	if (err)
		goto err_netns;
	err = ktun_netlink_init();
	if (err)
		goto err_nl_hs;
	err = ktun_readers_init();
	if (err)
		goto err_netlink;
	err = ktun_hook_init();
	if (err)
		goto err_readers;
	pr_info("ktun: loaded\n");
	return 0;

err_readers:
	ktun_readers_exit();
err_netlink:
	ktun_netlink_exit();
err_nl_hs:
	ktun_nl_hs_exit();
err_netns:
	ktun_netns_exit();
err_conn:
	ktun_conn_exit();
err_wq:
	destroy_workqueue(ktun_wq);
	return err;
}

/*
 * Gated sockets and listeners hold module references, and so do secure
 * connections read through readers.c (RDS, KCM), so this
 * runs only when none is left; other secure connections keep working
 * (their ops are tls's).  Order: no new connections (hooks), no daemon
 * messages (family), then each namespace fails and forgets its
 * connections (pernet exit).
 */
static void __exit ktun_exit(void)
{
	ktun_hook_exit();
	ktun_readers_exit();
	ktun_netlink_exit();
	ktun_nl_hs_exit();
	ktun_netns_exit();
	flush_workqueue(ktun_wq);
	destroy_workqueue(ktun_wq);
	/* Policies and connections are freed by RCU callbacks. */
	rcu_barrier();
	WARN(atomic_read(&ktun_live_policies) || atomic_read(&ktun_live_nets) ||
	     atomic_read(&ktun_live_conns) || atomic_read(&ktun_watched_conns),
	     "ktun: leaked %d policies, %d namespace states, %d connections, %d watched\n",
	     atomic_read(&ktun_live_policies), atomic_read(&ktun_live_nets),
	     atomic_read(&ktun_live_conns), atomic_read(&ktun_watched_conns));
	if (!atomic_read(&ktun_live_conns))
		ktun_conn_exit();
	pr_info("ktun: unloaded\n");
}

module_init(ktun_init);
module_exit(ktun_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ktun: transparent kernel TLS for policy-selected TCP");
MODULE_AUTHOR("The ktun developers");
MODULE_ALIAS_GENL_FAMILY(KTUN_FAMILY_NAME);
MODULE_SOFTDEP("pre: tls");
