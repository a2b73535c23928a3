// SPDX-License-Identifier: GPL-2.0
/*
 * Key installation: TCP_ULP "tls", our last flight, TLS_TX, TLS_RX, with the
 * owner kept out the whole time.
 *
 * Two tls facts shape this (see Documentation/design.md):
 *  - tls_build_proto() rebuilds a system-wide table from sk->sk_prot and
 *    sk->sk_socket->ops, so both must be the plain TCP ones: the gate
 *    lives in the owner's sock->ops, which tls must never see;
 *  - every step writes sk->sk_socket->ops (TLS_BASE sends plaintext).
 * So sk->sk_socket points at a private stand-in socket (ops: the plain
 * family ops) while tls is set up; tls writes the stand-in, the owner's
 * socket keeps the gate, and the stand-in's final ops are then published
 * to the owner.  Each tls setsockopt takes the socket lock itself; the
 * owner cannot get in between because its calls wait in the gate, and
 * accept() grafts under conn->lock, which is held here.
 */
#include <linux/net.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <linux/tls.h>

#include "conn.h"
#include "gate.h"
#include "install.h"
#include "park.h"
#include "readers.h"
#include "record.h"
#include "relay.h"

static void ktun_set_socket(struct sock *sk, struct socket *sock)
{
	write_lock_bh(&sk->sk_callback_lock);
	sk_set_socket(sk, sock);
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * TCP_ULP "tls", our last handshake flight (@last, already encrypted by
 * the daemon) as raw bytes, then TLS_TX and TLS_RX.  The ULP needs
 * TCP_ESTABLISHED, and the peer, which waits for our Finished, can close
 * only after the flight; the flight goes before TLS_TX, which with NIC
 * offload (TLS_HW) marks where the records the device encrypts begin.  TX
 * before RX: an RX-only window would corrupt reads.  Under TLS_BASE, in
 * between, only the relay can send (the gate and SEND_SHUTDOWN keep the
 * owner out).
 */
static int ktun_tls_setup(struct ktun_conn *conn, struct tls_crypto_info *tx,
			  struct tls_crypto_info *rx, unsigned int len,
			  const void *last, size_t last_len)
{
	struct sock *sk = conn->sk;
	int err;

	err = READ_ONCE(sk->sk_prot)->setsockopt(sk, SOL_TCP, TCP_ULP,
						 KERNEL_SOCKPTR("tls"), 3);
	if (!err)
		err = ktun_relay_write(conn, last, last_len);
	if (!err)
		err = READ_ONCE(sk->sk_prot)->setsockopt(sk, SOL_TLS, TLS_TX,
							 KERNEL_SOCKPTR(tx), len);
	if (!err)
		err = READ_ONCE(sk->sk_prot)->setsockopt(sk, SOL_TLS, TLS_RX,
							 KERNEL_SOCKPTR(rx), len);
	return err;
}

/*
 * Installs kTLS (ktun_tls_setup()), then publishes it to the owner.
 * Caller holds conn->lock.
 */
int ktun_install(struct ktun_conn *conn, struct tls_crypto_info *tx,
		 struct tls_crypto_info *rx, unsigned int len,
		 const void *last, size_t last_len)
{
	struct sock *sk = conn->sk;
	struct socket *standin, *owner;
	int err;

	lockdep_assert_held(&conn->lock);
	if (!conn->orig_ops)
		return -EOPNOTSUPP;
	standin = sock_alloc();
	if (!standin)
		return -ENOMEM;
	standin->type = SOCK_STREAM;
	standin->state = SS_CONNECTED;
	standin->ops = conn->orig_ops;

	ktun_relay_detach(conn);
	owner = sk->sk_socket;
	ktun_set_socket(sk, standin);
	err = ktun_tls_setup(conn, tx, rx, len, last, last_len);
	conn->final_ops = READ_ONCE(standin->ops);
	if (!err)
		conn->owner_ops = ktun_record_ops(conn->final_ops);
	ktun_set_socket(sk, owner);
	standin->ops = NULL;	/* nothing to release: the sock is ours */
	sock_release(standin);
	if (err)
		return err;
	ktun_readers_learn(conn->final_ops);

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown & ~SEND_SHUTDOWN);
	release_sock(sk);
	ktun_conn_settle(conn, KTUN_CONN_STATE_SECURE);
	ktun_gate_publish(conn);
	ktun_park_secured(conn);	/* a held child: accept() may take it */
	return 0;
}
