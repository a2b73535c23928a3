/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Held children: a gated listener's children, kept out of its accept
 * queue while ktun secures them (park.c).
 */
#ifndef _KTUN_PARK_H
#define _KTUN_PARK_H

#include <net/sock.h>

struct ktun_conn;

/* Where ktun_park_child() found a selected child. */
enum ktun_park {
	KTUN_PARK_HELD,		/* out of a gated listener's queue: ours */
	KTUN_PARK_UNGATED,	/* out of an ungated listener's queue: refuse */
	KTUN_PARK_FULL,		/* its gated listener holds too many, or closes */
	KTUN_PARK_MISSING,	/* in no queue: an accept() took it, maybe a gated one */
	KTUN_PARK_TAKEN,	/* in no queue, and the port has no gated listener */
};

int ktun_park_listen(struct sock *sk);
void ktun_park_unlisten(struct sock *sk);
bool ktun_park_is_gated(const struct sock *sk);
enum ktun_park ktun_park_child(struct ktun_conn *conn);
bool ktun_park_drop(struct sock *child);
void ktun_park_secured(struct ktun_conn *conn);
void ktun_park_dispose(struct ktun_conn *conn);
bool ktun_park_unpark(struct sock *lsk);
bool ktun_park_has_ready(const struct sock *lsk);
void ktun_park_crossed(const struct ktun_conn *client);
void ktun_park_accepting(struct sock *lsk, bool begin);
void ktun_park_orphan_wait(struct ktun_conn *conn);

#endif /* _KTUN_PARK_H */
