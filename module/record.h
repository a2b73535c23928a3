/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control records after the handshake (record.c): close_notify is end of
 * file, any other record a reset; owners send close_notify at close.
 */
#ifndef _KTUN_RECORD_H
#define _KTUN_RECORD_H

#include <linux/net.h>
#include <linux/workqueue.h>

struct ktun_conn;

const struct proto_ops *ktun_record_ops(const struct proto_ops *tls);
int ktun_record_take(struct sock *sk);
void ktun_record_close_notify(struct sock *sk);
void ktun_record_queue(struct ktun_conn *conn);
void ktun_record_setup(struct ktun_conn *conn);

/* kTLS's EIO for a control record that no control buffer could take. */
static inline bool ktun_record_control(const struct msghdr *msg, int ret)
{
	return ret == -EIO && !msg->msg_controllen;
}

#endif /* _KTUN_RECORD_H */
