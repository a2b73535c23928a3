// SPDX-License-Identifier: GPL-2.0
/*
 * ktun: transparent kernel TLS for TCP connections selected by policy.
 * Module load and unload only.
 */
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>

#include "ktun.h"

static int __init ktun_init(void)
{
	int err;

	err = ktun_netns_init();
	if (err)
		return err;
	err = ktun_netlink_init();
	if (err)
		goto err_netns;
	pr_info("ktun: loaded\n");
	return 0;

err_netns:
	ktun_netns_exit();
	return err;
}

static void __exit ktun_exit(void)
{
	ktun_netlink_exit();
	ktun_netns_exit();
	/* Policies are freed by RCU callbacks queued by the netns exits. */
	rcu_barrier();
	WARN(atomic_read(&ktun_live_policies) || atomic_read(&ktun_live_nets),
	     "ktun: leaked %d policies, %d namespace states\n",
	     atomic_read(&ktun_live_policies), atomic_read(&ktun_live_nets));
	pr_info("ktun: unloaded\n");
}

module_init(ktun_init);
module_exit(ktun_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ktun: transparent kernel TLS for policy-selected TCP");
MODULE_AUTHOR("The ktun developers");
MODULE_ALIAS_GENL_FAMILY(KTUN_FAMILY_NAME);
