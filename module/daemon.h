/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Messages to the handshake daemon (daemon.c).  Each is called with
 * conn->lock held: the relay sends hs-start and hs-record, the verdict
 * hs-abort.
 */
#ifndef _KTUN_DAEMON_H
#define _KTUN_DAEMON_H

struct ktun_conn;

int ktun_daemon_start(struct ktun_conn *conn);
int ktun_daemon_record(struct ktun_conn *conn, const void *rec, unsigned int len);
void ktun_daemon_abort(struct ktun_conn *conn, const char *reason);

#endif /* _KTUN_DAEMON_H */
