/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ktun generic netlink family: the admin commands and monitor events
 * (netlink.c) and the daemon protocol (hs_nl.c).  The handlers' own
 * prototypes are generated into netlink-gen.h.
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
int ktun_nl_hs_start(struct ktun_conn *conn);
int ktun_nl_hs_record(struct ktun_conn *conn, const void *rec, unsigned int len);
void ktun_nl_hs_abort(struct ktun_conn *conn, const char *reason);

#endif /* _KTUN_NL_H */
