/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/ktun.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_KTUN_H
#define _UAPI_LINUX_KTUN_H

#define KTUN_FAMILY_NAME	"ktun"
#define KTUN_FAMILY_VERSION	1

#define KTUN_IDENT_MAX_LEN	255
#define KTUN_MAX_IDENTS		16
#define KTUN_MAX_POLICIES	1024

/**
 * enum ktun_direction - Which side of a connection a policy selects.
 * @KTUN_DIRECTION_OUT: Connections this host opens (connect).
 * @KTUN_DIRECTION_IN: Connections this host accepts (listen/accept).
 * @KTUN_DIRECTION_BOTH: Either side.
 */
enum ktun_direction {
	KTUN_DIRECTION_OUT = 1,
	KTUN_DIRECTION_IN,
	KTUN_DIRECTION_BOTH,
};

/**
 * enum ktun_owner - Who owns the socket a policy selects.
 * @KTUN_OWNER_KERNEL: Sockets created in the kernel (RDS-TCP, KCM users, ...).
 * @KTUN_OWNER_USER: Sockets created by user-space processes.
 * @KTUN_OWNER_ANY: Either.
 */
enum ktun_owner {
	KTUN_OWNER_KERNEL = 1,
	KTUN_OWNER_USER,
	KTUN_OWNER_ANY,
};

/**
 * enum ktun_cipher - TLS cipher suites (AEAD) a policy allows.
 */
enum ktun_cipher {
	KTUN_CIPHER_AES_128_GCM = 1,
	KTUN_CIPHER_AES_256_GCM = 2,
	KTUN_CIPHER_CHACHA20_POLY1305 = 4,
};

enum {
	KTUN_A_POLICY_ID = 1,
	KTUN_A_POLICY_FAMILY,
	KTUN_A_POLICY_REMOTE_IPV4,
	KTUN_A_POLICY_REMOTE_IPV6,
	KTUN_A_POLICY_REMOTE_PREFIX_LEN,
	KTUN_A_POLICY_LOCAL_IPV4,
	KTUN_A_POLICY_LOCAL_IPV6,
	KTUN_A_POLICY_LOCAL_PREFIX_LEN,
	KTUN_A_POLICY_REMOTE_PORT_MIN,
	KTUN_A_POLICY_REMOTE_PORT_MAX,
	KTUN_A_POLICY_LOCAL_PORT_MIN,
	KTUN_A_POLICY_LOCAL_PORT_MAX,
	KTUN_A_POLICY_DIRECTION,
	KTUN_A_POLICY_OWNER,
	KTUN_A_POLICY_PEER_URI,
	KTUN_A_POLICY_PEER_DNS,
	KTUN_A_POLICY_CIPHERS,
	KTUN_A_POLICY_HS_TIMEOUT_MS,

	__KTUN_A_POLICY_MAX,
	KTUN_A_POLICY_MAX = (__KTUN_A_POLICY_MAX - 1)
};

enum {
	KTUN_A_STATS_POLICIES = 1,
	KTUN_A_STATS_POLICIES_TOTAL,
	KTUN_A_STATS_NETNS_TOTAL,

	__KTUN_A_STATS_MAX,
	KTUN_A_STATS_MAX = (__KTUN_A_STATS_MAX - 1)
};

enum {
	KTUN_CMD_POLICY_NEW = 1,
	KTUN_CMD_POLICY_DEL,
	KTUN_CMD_POLICY_GET,
	KTUN_CMD_POLICY_FLUSH,
	KTUN_CMD_POLICY_MATCH,
	KTUN_CMD_STATS_GET,

	__KTUN_CMD_MAX,
	KTUN_CMD_MAX = (__KTUN_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_KTUN_H */
