/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Two TLS engines (userspace/ktund/tls.h) handshaking with each other in
 * memory: each one's output is split into records and fed to the other,
 * as the module's relay would, until both are done or one fails.  For
 * host tests and the engine's benchmark; no socket, kernel or netlink.
 */
#ifndef KTUN_TLS_PAIR_H
#define KTUN_TLS_PAIR_H

#include <string.h>

#include "../userspace/ktund/tls.h"

/* Feeds @b's whole records to @hs; the last step's result. */
static int tls_pair_feed(struct kt_hs *hs, struct kt_buf *b, struct kt_buf *out,
			 unsigned int *records)
{
	size_t off = 0;
	int ret = KT_HS_AGAIN;

	while (off + 5 <= b->len) {
		long len = kt_record_len(b->data + off);

		if (len < 0 || off + 5 + len > b->len)
			return -1;
		ret = kt_hs_step(hs, b->data + off, 5 + len, out);
		(*records)++;
		off += 5 + len;
		if (ret < 0)
			break;
	}
	b->len = 0;
	return ret;
}

/*
 * Runs client @c against server @s.  0 once both are done and their keys
 * agree (each end's tx is the other's rx); -1 if either failed (see
 * kt_hs_error()) or the keys differ.  @records counts records fed.
 */
static int tls_pair_run(struct kt_hs *c, struct kt_hs *s, unsigned int *records)
{
	struct kt_buf c2s = {}, s2c = {};
	int cr, sr = KT_HS_AGAIN, rc = -1;
	struct kt_keys ck, sk;

	cr = kt_hs_step(c, NULL, 0, &c2s);
	while (cr >= 0 && sr >= 0 && (c2s.len || s2c.len)) {
		if (c2s.len)
			sr = tls_pair_feed(s, &c2s, &s2c, records);
		if (sr >= 0 && s2c.len)
			cr = tls_pair_feed(c, &s2c, &c2s, records);
	}
	if (cr == KT_HS_DONE && sr == KT_HS_DONE && !kt_hs_take_keys(c, &ck)) {
		if (!kt_hs_take_keys(s, &sk) &&
		    !memcmp(&ck.tx, &sk.rx, sizeof(ck.tx)) &&
		    !memcmp(&ck.rx, &sk.tx, sizeof(ck.rx)))
			rc = 0;
		kt_keys_wipe(&ck);
		kt_keys_wipe(&sk);
	}
	kt_buf_free(&c2s);
	kt_buf_free(&s2c);
	return rc;
}

#endif /* KTUN_TLS_PAIR_H */
