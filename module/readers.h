/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel readers: the tcp_read_sock() redirect for RDS-TCP
 * (readsock.c) and record-aligned kTLS reads for strparser users, KCM
 * (tlsread.c).
 */
#ifndef _KTUN_READERS_H
#define _KTUN_READERS_H

#include <linux/net.h>
#include <linux/types.h>

struct ftrace_ops;
struct ktun_conn;
struct pt_regs;
struct work_struct;

int ktun_readsock_init(void);
void ktun_readsock_exit(void);
void ktun_readsock_kick(struct ktun_conn *conn);
void ktun_readsock_announce(struct sock *sk);
int ktun_readsock_tls(int (*fn)(struct sock *, read_descriptor_t *,
				sk_read_actor_t),
		      struct sock *sk, read_descriptor_t *desc,
		      sk_read_actor_t actor);
bool ktun_readsock_active(void);
void ktun_redirect_conn(struct pt_regs *regs, void *to);
int ktun_redirect_on(struct ftrace_ops *ops, unsigned long ip);
void ktun_redirect_off(struct ftrace_ops *ops, unsigned long ip);

void ktun_tlsread_learn(const struct proto_ops *final);
void ktun_tlsread_exit(void);
void ktun_tlsread_work(struct work_struct *work);
void ktun_tlsread_data_ready(struct ktun_conn *conn);

#endif /* _KTUN_READERS_H */
