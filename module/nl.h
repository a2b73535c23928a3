/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ktun generic netlink family: the admin commands (netlink.c), the
 * connections' dump and monitor events (conn_nl.c) and the daemon's
 * commands (hs_nl.c; the messages to it are daemon.c's, daemon.h).
 * The handlers' own prototypes are generated into netlink-gen.h.
 */
#ifndef _KTUN_NL_H
#define _KTUN_NL_H

#include <net/genetlink.h>

struct ktun_conn;

extern struct genl_family ktun_nl_family;

int ktun_netlink_init(void);
void ktun_netlink_exit(void);
void ktun_nl_conn_event(struct ktun_conn *conn, u8 cmd, const char *reason);
int ktun_nl_put_addrs(struct sk_buff *msg, const struct ktun_conn *conn,
		      int afam, int alocal, int aremote, int alport, int arport);

int ktun_nl_hs_init(void);
void ktun_nl_hs_exit(void);

#endif /* _KTUN_NL_H */
