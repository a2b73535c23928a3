/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key installation (install.c): kTLS set up under the gate; the verdict
 * publishes it to the owner.
 */
#ifndef _KTUN_INSTALL_H
#define _KTUN_INSTALL_H

#include <linux/types.h>

struct ktun_conn;

/*
 * One direction's traffic keys as the handshake exported them, before
 * they become kTLS's crypto_info; ktun_install_key_lens() says how many
 * bytes of each field a cipher uses.  Key material: wipe after use.
 */
struct ktun_keys {
	u8 key[32];
	u8 salt[4];
	u8 iv[12];		/* GCM: 8, the explicit nonce's start */
	u8 seq[8];		/* the next record number, big endian */
};

struct ktun_key_lens {
	u8 key, salt, iv, seq;
};

void ktun_install_key_lens(u32 cipher, struct ktun_key_lens *l);
bool ktun_install_nonce_ok(u32 cipher, const struct ktun_keys *k);
int ktun_install_ulp(struct ktun_conn *conn);
int ktun_install(struct ktun_conn *conn, u32 cipher, const struct ktun_keys *tx,
		 const struct ktun_keys *rx, const void *last, size_t last_len);

#endif /* _KTUN_INSTALL_H */
