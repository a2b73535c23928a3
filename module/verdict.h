/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict (verdict.c): every failure, and the end of every secured
 * handshake (install.c publishes its ops).  The table at the top of
 * verdict.c says which entry point each context uses.
 */
#ifndef _KTUN_VERDICT_H
#define _KTUN_VERDICT_H

#include <linux/types.h>

struct ktun_conn;
struct net;

void ktun_verdict_fail(struct ktun_conn *conn, int err, const char *reason);
void ktun_verdict_fail_daemon(struct ktun_conn *conn, const void *alert,
			      size_t len, const char *reason);
enum ktun_fail_filter { KTUN_FAIL_ALL, KTUN_FAIL_DAEMON, KTUN_FAIL_REMOVED };
void ktun_verdict_fail_net(struct net *net, enum ktun_fail_filter f, u32 id,
			   int err, const char *why);
void ktun_verdict_drain_net(struct net *net);
void ktun_verdict_link(struct ktun_conn *conn);
void ktun_verdict_closed(struct ktun_conn *conn);
void ktun_verdict_secure_locked(struct ktun_conn *conn);
void ktun_verdict_secure(struct ktun_conn *conn);
void ktun_verdict_setup(struct ktun_conn *conn);

#endif /* _KTUN_VERDICT_H */
