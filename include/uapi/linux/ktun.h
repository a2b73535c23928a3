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

	/* private: */
	__KTUN_DIRECTION_MAX,
	KTUN_DIRECTION_MAX = (__KTUN_DIRECTION_MAX - 1)
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

	/* private: */
	__KTUN_OWNER_MAX,
	KTUN_OWNER_MAX = (__KTUN_OWNER_MAX - 1)
};

/**
 * enum ktun_role - Which TLS role this host plays in a handshake.
 * @KTUN_ROLE_CLIENT: This host connected.
 * @KTUN_ROLE_SERVER: This host accepted.
 */
enum ktun_role {
	KTUN_ROLE_CLIENT = 1,
	KTUN_ROLE_SERVER,

	/* private: */
	__KTUN_ROLE_MAX,
	KTUN_ROLE_MAX = (__KTUN_ROLE_MAX - 1)
};

/**
 * enum ktun_conn_state - Where a tracked connection stands.
 * @KTUN_CONN_STATE_HANDSHAKE: Gated; the handshake runs.
 * @KTUN_CONN_STATE_SECURE: kTLS installed; the owner talks through it.
 * @KTUN_CONN_STATE_FAILED: Reset; the owner sees the error.
 */
enum ktun_conn_state {
	KTUN_CONN_STATE_HANDSHAKE = 1,
	KTUN_CONN_STATE_SECURE,
	KTUN_CONN_STATE_FAILED,

	/* private: */
	__KTUN_CONN_STATE_MAX,
	KTUN_CONN_STATE_MAX = (__KTUN_CONN_STATE_MAX - 1)
};

/**
 * enum ktun_action - What a policy does with the connections it selects.
 * @KTUN_ACTION_SECURE: Hold them until a handshake with one of its identities
 *   secures them.
 * @KTUN_ACTION_REQUIRE: Nothing of its own: a connection it selects that no
 *   secure policy selects is refused (reset), so a gap between policies, a
 *   flush or a typo never lets one through in plain text. Secure policies win
 *   over require policies, however specific.
 */
enum ktun_action {
	KTUN_ACTION_SECURE = 1,
	KTUN_ACTION_REQUIRE,

	/* private: */
	__KTUN_ACTION_MAX,
	KTUN_ACTION_MAX = (__KTUN_ACTION_MAX - 1)
};

/**
 * enum ktun_cipher - TLS cipher suites (AEAD) a policy allows.
 */
enum ktun_cipher {
	KTUN_CIPHER_AES_128_GCM = 1,
	KTUN_CIPHER_AES_256_GCM = 2,
	KTUN_CIPHER_CHACHA20_POLY1305 = 4,

	/* private: */
	KTUN_CIPHER_MASK = 7,
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
	KTUN_A_POLICY_ACTION,

	__KTUN_A_POLICY_MAX,
	KTUN_A_POLICY_MAX = (__KTUN_A_POLICY_MAX - 1)
};

enum {
	KTUN_A_POLICY_TABLE_POLICY = 1,

	__KTUN_A_POLICY_TABLE_MAX,
	KTUN_A_POLICY_TABLE_MAX = (__KTUN_A_POLICY_TABLE_MAX - 1)
};

enum {
	KTUN_A_HS_ID = 1,
	KTUN_A_HS_ROLE,
	KTUN_A_HS_FAMILY,
	KTUN_A_HS_LOCAL_ADDR,
	KTUN_A_HS_REMOTE_ADDR,
	KTUN_A_HS_LOCAL_PORT,
	KTUN_A_HS_REMOTE_PORT,
	KTUN_A_HS_POLICY_ID,
	KTUN_A_HS_PEER_URI,
	KTUN_A_HS_PEER_DNS,
	KTUN_A_HS_CIPHERS,
	KTUN_A_HS_RECORD,
	KTUN_A_HS_DATA,
	KTUN_A_HS_MORE,
	KTUN_A_HS_VERSION,
	KTUN_A_HS_CIPHER,
	KTUN_A_HS_TX_KEY,
	KTUN_A_HS_TX_SALT,
	KTUN_A_HS_TX_IV,
	KTUN_A_HS_TX_SEQ,
	KTUN_A_HS_RX_KEY,
	KTUN_A_HS_RX_SALT,
	KTUN_A_HS_RX_IV,
	KTUN_A_HS_RX_SEQ,
	KTUN_A_HS_PEER_IDENTITY,
	KTUN_A_HS_REASON,

	__KTUN_A_HS_MAX,
	KTUN_A_HS_MAX = (__KTUN_A_HS_MAX - 1)
};

enum {
	KTUN_A_CONN_ID = 1,
	KTUN_A_CONN_FAMILY,
	KTUN_A_CONN_LOCAL_ADDR,
	KTUN_A_CONN_REMOTE_ADDR,
	KTUN_A_CONN_LOCAL_PORT,
	KTUN_A_CONN_REMOTE_PORT,
	KTUN_A_CONN_OWNER,
	KTUN_A_CONN_ROLE,
	KTUN_A_CONN_STATE,
	KTUN_A_CONN_POLICY_ID,
	KTUN_A_CONN_VERSION,
	KTUN_A_CONN_CIPHER,
	KTUN_A_CONN_PEER_IDENTITY,
	KTUN_A_CONN_ERROR,
	KTUN_A_CONN_HS_USEC,
	KTUN_A_CONN_TX_BYTES,
	KTUN_A_CONN_RX_BYTES,
	KTUN_A_CONN_REASON,
	KTUN_A_CONN_TX_RECORDS,
	KTUN_A_CONN_RX_RECORDS,

	__KTUN_A_CONN_MAX,
	KTUN_A_CONN_MAX = (__KTUN_A_CONN_MAX - 1)
};

enum {
	KTUN_A_STATS_POLICIES = 1,
	KTUN_A_STATS_POLICIES_TOTAL,
	KTUN_A_STATS_NETNS_TOTAL,
	KTUN_A_STATS_CONNS_TOTAL,
	KTUN_A_STATS_CONNS,
	KTUN_A_STATS_HANDSHAKES,
	KTUN_A_STATS_REFUSED,
	KTUN_A_STATS_MAX_HANDSHAKES,
	KTUN_A_STATS_MAX_HANDSHAKES_PER_SOURCE,
	KTUN_A_STATS_MAX_HANDSHAKES_PER_LISTENER,

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
	KTUN_CMD_DAEMON_REGISTER,
	KTUN_CMD_HS_START,
	KTUN_CMD_HS_RECORD,
	KTUN_CMD_HS_DATA,
	KTUN_CMD_HS_DONE,
	KTUN_CMD_HS_FAIL,
	KTUN_CMD_CONN_GET,
	KTUN_CMD_HS_ABORT,
	KTUN_CMD_CONN_UP,
	KTUN_CMD_CONN_DOWN,
	KTUN_CMD_CONN_FAILED,
	KTUN_CMD_POLICY_LOAD,

	__KTUN_CMD_MAX,
	KTUN_CMD_MAX = (__KTUN_CMD_MAX - 1)
};

#define KTUN_MCGRP_MONITOR	"monitor"

#endif /* _UAPI_LINUX_KTUN_H */
