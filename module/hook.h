/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks (hook.c): TCP state and sk_data_ready tracepoints.
 */
#ifndef _KTUN_HOOK_H
#define _KTUN_HOOK_H

#include <linux/types.h>

struct net;

int ktun_hook_init(void);
void ktun_hook_exit(void);
void ktun_hook_kernel_listeners(struct net *net);

#endif /* _KTUN_HOOK_H */
