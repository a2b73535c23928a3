/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The gate (gate.c): per-socket proto_ops that hold a connection's owner
 * out while ktun secures it; the hook attaches it, and the verdict
 * publishes the final ops over it (kTLS's, or the plain ones, failed).
 */
#ifndef _KTUN_GATE_H
#define _KTUN_GATE_H

#include <linux/net.h>

struct ktun_conn;
struct sock;

int ktun_gate_init(void);
int ktun_gate_attach(struct ktun_conn *conn, struct socket *sock);
void ktun_gate_publish(struct ktun_conn *conn);
void ktun_gate_wake(struct ktun_conn *conn);
const struct proto_ops *ktun_gate_orig(const struct sock *sk);
int ktun_gate_listen(struct sock *sk);
void ktun_gate_unlisten(struct sock *sk);
bool ktun_gate_wants(struct socket *sock);
void ktun_gate_refuse(struct socket *sock);
void ktun_gate_hold_established(struct ktun_conn *conn);
void ktun_gate_release_established(struct ktun_conn *conn);

#endif /* _KTUN_GATE_H */
