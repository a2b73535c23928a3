/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktund's TLS engine: mbedTLS driven one TLS record at a time.
 *
 * The engine never touches a socket.  Whoever holds the connection (the
 * kernel module through netlink, or a test program) feeds it whole TLS
 * records and writes out what it returns.  When the handshake is done the
 * engine hands back the traffic keys in the shape kTLS wants them.
 *
 * Policy enforced here: TLS 1.2 only (mbedTLS 2.28), ECDHE with AEAD
 * suites kTLS supports, a certificate from both sides verified against
 * the CA, the peer's URI or DNS SAN matching one of the accepted
 * identities, extended master secret required, no renegotiation.
 * Sessions may be resumed (kt_tls_conf_resumption()): TLS 1.2's tickets
 * come before ChangeCipherSpec, so still nothing follows the keys into
 * kTLS; a resumed peer is checked as a new one is, from the certificate
 * its session kept.
 *
 * Threads.  kt_tls_conf_new(), kt_tls_conf_resumption() and
 * kt_tls_conf_free() run alone: before the first handshake, and once
 * every handshake of the configuration is freed.  In between, any
 * number of threads may call kt_hs_new() on one configuration at once,
 * and run different handshakes at once; the calls on one handshake
 * (kt_hs_step() to kt_hs_free()) must not overlap, but may move from
 * thread to thread (ktund keeps each on one worker).  kt_record_len(),
 * kt_buf_free() and kt_keys_wipe() touch only their arguments.  What the
 * handshakes of one configuration share is protected so:
 *  - its mbedtls_ssl_configs, built on first use: the configuration's
 *    lock; once built they are only read (mbedTLS keeps a const pointer);
 *  - the client's remembered sessions (resumption): its resume_lock; a
 *    handshake gets a copy of the session it offers, never the slot;
 *  - the random generator, the entropy pool, the server's session cache
 *    and ticket keys (rotated as they are used), and RSA keys' blinding:
 *    mbedTLS's own mutexes (MBEDTLS_THREADING_C with
 *    MBEDTLS_THREADING_PTHREAD in Debian's build; each object initialises
 *    its mutex, nothing global needs setting up);
 *  - our EC key and the CAs': only read.  mbedTLS keeps a table of
 *    multiples in an EC group once it has multiplied its generator, but
 *    the pk layer signs and verifies with a parsed key (MBEDTLS_PK_ECKEY)
 *    on a copy of it (eckey_sign_wrap(), eckey_verify_wrap()), so the
 *    shared groups never get one;
 *  - the certificates, the key, the suite lists, the lifetime: written
 *    at set-up only;
 *  - the handshake the key export callback belongs to: a thread-local.
 */
#ifndef KTUND_TLS_H
#define KTUND_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kt_tls_conf;
struct kt_hs;

/* One direction's traffic keys, as kTLS takes them. */
struct kt_dir_keys {
	uint8_t key[32];
	uint8_t salt[4];	/* GCM implicit IV; unused for ChaCha20 */
	uint8_t iv[12];		/* GCM: explicit nonce start (8); ChaCha20: 12 */
	uint8_t rec_seq[8];	/* next record sequence number, big endian */
};

struct kt_keys {
	uint16_t version;	/* 0x0303: TLS 1.2 */
	uint32_t cipher;	/* one KTUN_CIPHER_* flag */
	unsigned int key_len;	/* 16 or 32 */
	struct kt_dir_keys tx, rx;
};

struct kt_hs_params {
	bool server;
	const char *const *idents;	/* "uri:..." or "dns:..." */
	unsigned int n_idents;
	uint32_t ciphers;		/* KTUN_CIPHER_* flags; 0 = all */
	/* Client: remember the session under this key (the peer's address
	 * and port) and offer it next time; NULL: never resume. */
	const char *resume_key;
};

enum {
	KT_HS_AGAIN = 1,	/* send the output, then feed the next record */
	KT_HS_DONE = 2,		/* send the output; keys are ready */
};

struct kt_buf {
	uint8_t *data;
	size_t len, cap;
};

/* Loads CA bundle, certificate and key.  Returns NULL with @err filled. */
struct kt_tls_conf *kt_tls_conf_new(const char *ca_file, const char *cert_file,
				    const char *key_file, char *err, size_t errlen);
void kt_tls_conf_free(struct kt_tls_conf *conf);
/*
 * Lets handshakes resume sessions up to @lifetime seconds old (0: never,
 * the default); ticket keys rotate every @lifetime.  Call once, before
 * the first handshake.  0, or -1 with @err filled.
 */
int kt_tls_conf_resumption(struct kt_tls_conf *conf, unsigned int lifetime,
			   char *err, size_t errlen);

struct kt_hs *kt_hs_new(struct kt_tls_conf *conf, const struct kt_hs_params *p,
			char *err, size_t errlen);
/*
 * Feeds one whole TLS record (NULL to start a client) and runs the
 * handshake as far as it goes, appending what must be sent to @out.
 * Returns KT_HS_AGAIN, KT_HS_DONE or -1 (kt_hs_error() says why).
 */
int kt_hs_step(struct kt_hs *hs, const uint8_t *rec, size_t len,
	       struct kt_buf *out);
/* After KT_HS_DONE: the keys, once.  They are wiped from the engine. */
int kt_hs_take_keys(struct kt_hs *hs, struct kt_keys *keys);
const char *kt_hs_error(const struct kt_hs *hs);
const char *kt_hs_peer_identity(const struct kt_hs *hs);
const char *kt_hs_cipher_name(const struct kt_hs *hs);
/* After KT_HS_DONE: was an earlier session resumed? */
bool kt_hs_resumed(const struct kt_hs *hs);
void kt_hs_free(struct kt_hs *hs);

/* Length of the TLS record starting at @hdr (5 bytes), or -1 if invalid. */
long kt_record_len(const uint8_t hdr[5]);

void kt_buf_free(struct kt_buf *b);
void kt_keys_wipe(struct kt_keys *keys);

#endif /* KTUND_TLS_H */
