/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key installation (install.c): kTLS set up under the gate, then
 * published to the owner.
 */
#ifndef _KTUN_INSTALL_H
#define _KTUN_INSTALL_H

#include <linux/types.h>

struct ktun_conn;
struct tls_crypto_info;

int ktun_install(struct ktun_conn *conn, struct tls_crypto_info *tx,
		 struct tls_crypto_info *rx, unsigned int len,
		 const void *last, size_t last_len);

#endif /* _KTUN_INSTALL_H */
