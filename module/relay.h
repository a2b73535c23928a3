/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handshake relay (relay.c): one TLS record at a time between a
 * handshaking connection and the daemon.
 */
#ifndef _KTUN_RELAY_H
#define _KTUN_RELAY_H

#include <linux/types.h>

struct ktun_conn;

/* Largest TLS record the relay accepts: 5-byte header + 2^14 + 2048. */
#define KTUN_REC_MAX	(5 + 16384 + 2048)

void ktun_relay_start(struct ktun_conn *conn);
void ktun_relay_data_ready(struct ktun_conn *conn);
void ktun_relay_setup(struct ktun_conn *conn);
int ktun_relay_write(struct ktun_conn *conn, const void *data, size_t len);
int ktun_relay_daemon_data(struct ktun_conn *conn, const void *data,
			   size_t len, bool more);

#endif /* _KTUN_RELAY_H */
