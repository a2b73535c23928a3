// SPDX-License-Identifier: GPL-2.0
/*
 * Key installation: TCP_ULP "tls" (a held server child's before its first
 * handshake flight), our last flight, TLS_TX, TLS_RX, with the owner kept
 * out the whole time; and the cipher -> crypto_info mapping, from the
 * neutral per-direction struct ktun_keys the handshake fills.
 *
 * Two tls facts shape this (see Documentation/design.md):
 *  - tls_build_proto() rebuilds a system-wide table from sk->sk_prot and
 *    sk->sk_socket->ops, so both must be the plain TCP ones: the gate
 *    lives in the owner's sock->ops, which tls must never see;
 *  - every step writes sk->sk_socket->ops (TLS_BASE sends plaintext).
 * So sk->sk_socket points at a private stand-in socket (ops: the plain
 * family ops) while tls is set up; tls writes the stand-in, the owner's
 * socket keeps the gate, and the stand-in's final ops are then published
 * to the owner by the verdict (ktun_verdict_secure_locked()).  Each tls
 * setsockopt takes the socket lock itself; the owner cannot get in
 * between because its calls wait in the gate, and accept() grafts under
 * conn->lock, which is held here.
 */
#include <linux/net.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <linux/tls.h>

#include "conn.h"
#include "gate.h"
#include "install.h"
#include "readers.h"
#include "record.h"
#include "relay.h"

/* kTLS's crypto_info, one struct per cipher. */
union ktun_crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 gcm128;
	struct tls12_crypto_info_aes_gcm_256 gcm256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

/* How long each of struct ktun_keys' fields is for @cipher. */
void ktun_install_key_lens(u32 cipher, struct ktun_key_lens *l)
{
	bool chacha = cipher == KTUN_CIPHER_CHACHA20_POLY1305;

	l->key = cipher == KTUN_CIPHER_AES_128_GCM ? 16 : 32;
	l->salt = chacha ? 0 : 4;
	l->iv = chacha ? 12 : 8;
	l->seq = 8;
}

/*
 * TLS 1.2 GCM: the explicit nonce continues from iv, and the peer used
 * the record sequence number; anything else reuses a nonce.
 */
bool ktun_install_nonce_ok(u32 cipher, const struct ktun_keys *k)
{
	return cipher == KTUN_CIPHER_CHACHA20_POLY1305 || !memcmp(k->iv, k->seq, 8);
}

/*
 * Builds one direction's crypto_info from keys of ktun_install_key_lens()'s
 * lengths.  Returns the struct length.
 */
static int ktun_install_crypto(u32 cipher, const struct ktun_keys *k,
			       union ktun_crypto_info *ci)
{
	struct ktun_key_lens l;
	u8 *key, *salt, *iv, *seq;
	int size;

	ktun_install_key_lens(cipher, &l);
	memset(ci, 0, sizeof(*ci));
	ci->info.version = TLS_1_2_VERSION;
	if (cipher == KTUN_CIPHER_AES_128_GCM) {
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
		key = ci->gcm128.key;
		salt = ci->gcm128.salt;
		iv = ci->gcm128.iv;
		seq = ci->gcm128.rec_seq;
		size = sizeof(ci->gcm128);
	} else if (cipher == KTUN_CIPHER_AES_256_GCM) {
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_256;
		key = ci->gcm256.key;
		salt = ci->gcm256.salt;
		iv = ci->gcm256.iv;
		seq = ci->gcm256.rec_seq;
		size = sizeof(ci->gcm256);
	} else {
		ci->info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		key = ci->chacha.key;
		salt = NULL;
		iv = ci->chacha.iv;
		seq = ci->chacha.rec_seq;
		size = sizeof(ci->chacha);
	}
	memcpy(key, k->key, l.key);
	memcpy(iv, k->iv, l.iv);
	memcpy(seq, k->seq, l.seq);
	if (salt)
		memcpy(salt, k->salt, l.salt);
	return size;
}

static void ktun_set_socket(struct sock *sk, struct socket *sock)
{
	write_lock_bh(&sk->sk_callback_lock);
	sk_set_socket(sk, sock);
	write_unlock_bh(&sk->sk_callback_lock);
}

static int ktun_ulp(struct sock *sk)
{
	if (inet_csk(sk)->icsk_ulp_ops)	/* ktun_install_ulp() ran */
		return 0;
	return READ_ONCE(sk->sk_prot)->setsockopt(sk, SOL_TCP, TCP_ULP,
						  KERNEL_SOCKPTR("tls"), 3);
}

/*
 * Points sk->sk_socket at a private stand-in whose ops are the plain
 * family ops, for tls to build from and write (see the top).  Returns
 * the owner's socket, which ktun_standin_end() puts back, or an ERR_PTR.
 */
static struct socket *ktun_standin_begin(struct ktun_conn *conn,
					 struct socket **standin)
{
	struct socket *owner = conn->sk->sk_socket;

	*standin = sock_alloc();
	if (!*standin)
		return ERR_PTR(-ENOMEM);
	(*standin)->type = SOCK_STREAM;
	(*standin)->state = SS_CONNECTED;
	(*standin)->ops = conn->orig_ops;
	ktun_set_socket(conn->sk, *standin);
	return owner;
}

static void ktun_standin_end(struct ktun_conn *conn, struct socket *standin,
			     struct socket *owner)
{
	ktun_set_socket(conn->sk, owner);
	standin->ops = NULL;	/* nothing to release: the sock is ours */
	sock_release(standin);
}

/*
 * TCP_ULP "tls" alone (TLS_BASE: no keys; TCP's own send and receive,
 * which the relay uses), before a held server child's handshake flight
 * goes out.  tls takes only an ESTABLISHED socket, and a resumed
 * handshake's client finishes first: its data and its FIN may arrive
 * before our keys are in.  Only a held child (no socket grafted yet,
 * and accept() grafts under conn->lock, held here): nobody else can
 * reach the stand-in through sk->sk_socket meanwhile - KCM sends through
 * it, and would fail its lower socket on the stand-in's EPIPE.
 */
int ktun_install_ulp(struct ktun_conn *conn)
{
	struct socket *standin, *owner;
	int err;

	lockdep_assert_held(&conn->lock);
	if (conn->role != KTUN_ROLE_SERVER || conn->sk->sk_socket ||
	    inet_csk(conn->sk)->icsk_ulp_ops)
		return 0;
	if (!conn->orig_ops)
		return -EOPNOTSUPP;
	owner = ktun_standin_begin(conn, &standin);
	if (IS_ERR(owner))
		return PTR_ERR(owner);
	err = ktun_ulp(conn->sk);
	ktun_standin_end(conn, standin, owner);
	return err;
}

/*
 * TCP_ULP "tls" (unless ktun_install_ulp() attached it), our last
 * handshake flight (@last, already encrypted by the daemon) as raw
 * bytes, then TLS_TX and TLS_RX.  The ULP needs TCP_ESTABLISHED: a held
 * server child has it from its first flight; any other socket's peer,
 * which waits for our Finished, can close only after the flight - but
 * for a full handshake's server, whose owner may write and close at
 * once after its own (see admin-guide.md).  The flight goes before
 * TLS_TX, which with NIC offload (TLS_HW) marks where the records the
 * device encrypts begin.  TX before RX: an RX-only window would corrupt
 * reads.  Under TLS_BASE, in between, only the relay can send (the gate
 * and SEND_SHUTDOWN keep the owner out).
 */
static int ktun_tls_setup(struct ktun_conn *conn, struct tls_crypto_info *tx,
			  struct tls_crypto_info *rx, unsigned int len,
			  const void *last, size_t last_len)
{
	struct sock *sk = conn->sk;
	int err;

	err = ktun_ulp(sk);
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

/* ktun_install() with kTLS's crypto_info. */
static int ktun_install_tls(struct ktun_conn *conn, struct tls_crypto_info *tx,
			    struct tls_crypto_info *rx, unsigned int len,
			    const void *last, size_t last_len)
{
	struct socket *standin, *owner;
	int err;

	lockdep_assert_held(&conn->lock);
	if (!conn->orig_ops)
		return -EOPNOTSUPP;
	ktun_gate_release_established(conn);
	owner = ktun_standin_begin(conn, &standin);
	if (IS_ERR(owner))
		return PTR_ERR(owner);
	err = ktun_tls_setup(conn, tx, rx, len, last, last_len);
	conn->final_ops = READ_ONCE(standin->ops);
	if (!err)
		conn->owner_ops = ktun_record_ops(conn->final_ops);
	ktun_standin_end(conn, standin, owner);
	if (err)
		return err;
	ktun_readers_learn(conn->final_ops);
	return 0;
}

/*
 * Installs kTLS with the keys @tx and @rx of @cipher (ktun_tls_setup());
 * the verdict then publishes it to the owner
 * (ktun_verdict_secure_locked()).  Caller holds conn->lock.
 */
int ktun_install(struct ktun_conn *conn, u32 cipher, const struct ktun_keys *tx,
		 const struct ktun_keys *rx, const void *last, size_t last_len)
{
	union ktun_crypto_info ci[2];
	unsigned int len;
	int err;

	lockdep_assert_held(&conn->lock);
	len = ktun_install_crypto(cipher, tx, &ci[0]);
	ktun_install_crypto(cipher, rx, &ci[1]);
	err = ktun_install_tls(conn, &ci[0].info, &ci[1].info, len, last,
			       last_len);
	memzero_explicit(ci, sizeof(ci));
	return err;
}
