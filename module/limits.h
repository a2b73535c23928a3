/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handshake limits: how many connections may handshake at once, in a
 * namespace, from one peer address, and on one listener.
 */
#ifndef _KTUN_LIMITS_H
#define _KTUN_LIMITS_H

#include "ktun.h"

struct ktun_conn;

struct ktun_limits {
	unsigned int per_net;
	unsigned int per_source;
	unsigned int per_listener;
};

void ktun_limits_get(struct ktun_limits *l);
int ktun_limits_take(struct ktun_net *kn, struct ktun_conn *conn,
		     const char **why);
void ktun_limits_put(struct ktun_net *kn, struct ktun_conn *conn);
void ktun_limits_net_exit(struct ktun_net *kn);

#endif /* _KTUN_LIMITS_H */
