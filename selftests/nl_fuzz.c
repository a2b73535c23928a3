// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: sends random and mutated messages to the "ktun" family, then
 * checks the family still answers.  The VM runner checks the kernel log.
 *
 *   nl_fuzz [COUNT [SEED]]     (defaults: 20000, time-based seed)
 *
 * Prints TAP.  Three kinds of message, chosen at random: a valid request
 * of a random command with some bytes flipped; a random command carrying
 * random attributes with boundary values; a valid request truncated or
 * with an attribute length corrupted.  The netlink header stays
 * self-consistent (the kernel drops inconsistent ones before the family
 * sees them) and always asks for an ACK so every message gets an answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "ktun_test.h"

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the printed seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (rng_state * 0x2545F4914F6CDD1DULL) >> 32;
}

static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

static const uint32_t interesting[] = {
	0, 1, 2, 3, 4, 7, 8, 15, 16, 24, 31, 32, 33, 64, 99, 100, 127, 128,
	129, 255, 256, 1024, 5000, 65535, 65536, 120000, 120001, 0x7fffffff,
	0x80000000, 0xffffffff,
};

static void put_random_attr(struct nlmsghdr *nlh)
{
	uint16_t type = rnd_below(4) ? 1 + rnd_below(KTUN_A_POLICY_MAX + 2)
				     : rnd_below(0x10000);
	char payload[600];
	uint32_t v = interesting[rnd_below(sizeof(interesting) / sizeof(interesting[0]))];
	unsigned int len, i;

	switch (rnd_below(5)) {
	case 0:
		len = 1 << rnd_below(3);	/* 1, 2 or 4 bytes */
		memcpy(payload, &v, len);
		break;
	case 1:
		len = 16;
		for (i = 0; i < len; i++)
			payload[i] = rnd();
		break;
	case 2:				/* string, maybe without NUL */
		len = rnd_below(2) ? rnd_below(300) : KTUN_IDENT_MAX_LEN + rnd_below(3);
		for (i = 0; i < len; i++)
			payload[i] = 0x20 + rnd_below(0x60);
		if (len && rnd_below(2))
			payload[len - 1] = '\0';
		break;
	case 3:
		len = rnd_below(sizeof(payload));
		for (i = 0; i < len; i++)
			payload[i] = rnd();
		break;
	default:
		len = 0;
	}
	if (rnd_below(8) == 0)
		type |= NLA_F_NESTED;
	mnl_attr_put(nlh, type, len, payload);
}

/* A valid request for @cmd (if it is one of ours) to start mutating from. */
static void put_valid(struct nlmsghdr *nlh, unsigned int cmd)
{
	switch (cmd) {
	case KTUN_CMD_POLICY_NEW:
		put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, "10.0.0.0");
		mnl_attr_put_u8(nlh, KTUN_A_POLICY_REMOTE_PREFIX_LEN, 8);
		mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MIN, 16385);
		mnl_attr_put_u8(nlh, KTUN_A_POLICY_DIRECTION, KTUN_DIRECTION_BOTH);
		mnl_attr_put_strz(nlh, KTUN_A_POLICY_PEER_URI, "spiffe://fuzz/x");
		mnl_attr_put_u32(nlh, KTUN_A_POLICY_CIPHERS, 3);
		break;
	case KTUN_CMD_POLICY_DEL:
	case KTUN_CMD_POLICY_GET:
		mnl_attr_put_u32(nlh, KTUN_A_POLICY_ID, 1 + rnd_below(2000));
		break;
	case KTUN_CMD_POLICY_MATCH:
		put_ip4(nlh, KTUN_A_POLICY_REMOTE_IPV4, "10.1.2.3");
		mnl_attr_put_u16(nlh, KTUN_A_POLICY_REMOTE_PORT_MIN, 16385);
		mnl_attr_put_u8(nlh, KTUN_A_POLICY_OWNER, KTUN_OWNER_KERNEL);
		break;
	}
}

static void build(struct ktnl *k, struct tmsg *m)
{
	unsigned int i, n, cmd = rnd_below(KTUN_CMD_MAX + 3);
	uint16_t flags = rnd_below(6) ? 0 : NLM_F_DUMP;
	struct nlmsghdr *nlh = tmsg_init(k, m, cmd, flags);
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	unsigned char *body;

	if (rnd_below(16) == 0)
		g->version = rnd();
	if (flags == NLM_F_DUMP && cmd == KTUN_CMD_POLICY_GET)
		return;
	switch (rnd_below(3)) {
	case 0:		/* valid request, then maybe a few flipped bits */
		put_valid(nlh, cmd);
		body = (unsigned char *)g + sizeof(*g);
		n = nlh->nlmsg_len - mnl_nlmsg_size(sizeof(*g));
		for (i = n ? rnd_below(4) : 0; i > 0; i--)
			body[rnd_below(n)] ^= 1 << rnd_below(8);
		break;
	case 1:		/* random attributes */
		for (i = rnd_below(10); i > 0; i--)
			put_random_attr(nlh);
		break;
	default:	/* truncated, or an attribute length lying */
		put_valid(nlh, cmd);
		n = nlh->nlmsg_len - mnl_nlmsg_size(sizeof(*g));
		if (!n)
			break;
		if (rnd_below(2)) {
			nlh->nlmsg_len -= rnd_below(n);
		} else {
			struct nlattr *a = (struct nlattr *)((char *)g + sizeof(*g));

			a->nla_len = rnd_below(0x10000);
		}
	}
}

struct counts {
	unsigned long accepted, rejected, timeouts, other;
};

static void fuzz(struct ktnl *k, unsigned long count, struct counts *c)
{
	unsigned long i;
	struct tmsg m;
	int err;

	for (i = 0; i < count; i++) {
		/* Keep the table from filling so adds keep reaching deep. */
		if (i % 500 == 0)
			flush_policies(k);
		build(k, &m);
		err = ktnl_talk_raw(k, m.nlh, m.nlh->nlmsg_len, NULL, NULL);
		if (!err)
			c->accepted++;
		else if (err == -EAGAIN)
			c->timeouts++;
		else if (err == -EINVAL || err == -ERANGE || err == -ENOENT ||
			 err == -EOPNOTSUPP || err == -EAFNOSUPPORT ||
			 err == -ENOSPC || err == -EMSGSIZE)
			c->rejected++;
		else
			c->other++;
	}
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	struct timeval tv = { .tv_sec = 2 };
	struct counts c = {};
	struct tpolicies got;
	struct ktnl k;
	struct tmsg m;
	int err;

	rng_state = seed ?: 1;
	printf("TAP version 13\n1..3\n# seed %llu, %lu messages\n",
	       (unsigned long long)seed, count);
	if (ktnl_open(&k, KTUN_FAMILY_NAME)) {
		printf("not ok 1 fuzz: cannot open the ktun family\n");
		return 1;
	}
	setsockopt(mnl_socket_get_fd(k.nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fuzz(&k, count, &c);
	printf("# accepted %lu, rejected %lu, timeouts %lu, other errors %lu\n",
	       c.accepted, c.rejected, c.timeouts, c.other);
	/* Every message must be answered; a fuzzer that only ever hit the
	 * header checks would prove nothing, so both outcomes must be common.
	 */
	printf("%sok 1 fuzz: every message answered with an expected errno\n",
	       c.timeouts || c.other ? "not " : "");
	printf("%sok 2 fuzz: reached both accept and reject paths (>= 5%% each)\n",
	       c.accepted * 20 >= count && c.rejected * 20 >= count ? "" : "not ");

	err = flush_policies(&k);
	if (!err)
		err = add_policy(&k, NULL, NULL) > 0 ? 0 : -EIO;
	if (!err)
		err = dump_policies(&k, &got);
	if (!err && got.n != 1)
		err = -EIO;
	tmsg_init(&k, &m, KTUN_CMD_STATS_GET, 0);
	if (!err)
		err = tmsg_talk(&k, &m, NULL);
	flush_policies(&k);
	printf("%sok 3 fuzz: family still answers (add, dump, stats)\n",
	       err ? "not " : "");
	ktnl_close(&k);
	return c.timeouts || c.other || err || c.accepted * 20 < count ||
	       c.rejected * 20 < count ? 1 : 0;
}
