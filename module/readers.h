/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel readers (readers.c): the tcp_read_sock() redirect for
 * RDS-TCP and record-aligned kTLS reads for strparser users (KCM).
 */
#ifndef _KTUN_READERS_H
#define _KTUN_READERS_H

#include <linux/net.h>
#include <linux/types.h>

struct ktun_conn;

int ktun_readers_init(void);
void ktun_readers_exit(void);
bool ktun_readers_active(void);
void ktun_readers_learn(const struct proto_ops *final);
void ktun_readers_kick(struct ktun_conn *conn);
void ktun_readers_setup(struct ktun_conn *conn);
void ktun_readers_data_ready(struct ktun_conn *conn);

#endif /* _KTUN_READERS_H */
