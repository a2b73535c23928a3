/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktnl: the small generic netlink layer ktun's programs share, on libmnl.
 * Resolves the "ktun" family, sends one request and collects its replies,
 * and turns NLMSG_ERROR (with extended ACK) into an errno plus the
 * kernel's message.
 */
#ifndef KTNL_H
#define KTNL_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

struct ktnl {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint16_t family_id;
	char errmsg[256];	/* the kernel's extack message, if any */
	uint32_t miss_type;	/* attribute the kernel reported missing, or 0 */
	uint32_t bad_off;	/* offset in the request of the attribute at fault, or 0 */
	/* The family's multicast groups, as ktnl_open() found them. */
	struct {
		char name[GENL_NAMSIZ];
		uint32_t id;
	} groups[4];
	unsigned int n_groups;
};

/* Opens a socket and resolves @family; returns 0 or a negative errno
 * (-ENOENT when the family is not registered: module not loaded).
 */
int ktnl_open(struct ktnl *k, const char *family);
void ktnl_close(struct ktnl *k);

/* Joins the family's multicast @group; -ENOENT if the family has none
 * by that name, -EPERM without the group's capability.
 */
int ktnl_subscribe(struct ktnl *k, const char *group);

/* Starts a request in @buf (MNL_SOCKET_BUFFER_SIZE bytes at least).
 * Threads may start requests on one @k at once (the sequence number is
 * taken atomically) and send them with mnl_socket_sendto().
 */
struct nlmsghdr *ktnl_req(struct ktnl *k, void *buf, uint8_t cmd, uint16_t flags);

/* Sends @nlh and runs @cb on every reply until the ACK or the end of the
 * dump.  Returns 0 or a negative errno; k->errmsg holds the kernel's text.
 * One thread at a time per @k: it reads the replies and writes errmsg.
 */
int ktnl_talk(struct ktnl *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Sends @len raw bytes as they are (fuzzing, malformed-input tests), then
 * reads the answer like ktnl_talk().
 */
int ktnl_talk_raw(struct ktnl *k, const void *msg, size_t len,
		  mnl_cb_t cb, void *data);

/* The kernel's extack message in an NLMSG_ERROR, or "". */
const char *ktnl_error_text(const struct nlmsghdr *nlh, char *buf, size_t len);

#endif /* KTNL_H */
