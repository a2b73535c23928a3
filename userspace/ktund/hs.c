// SPDX-License-Identifier: GPL-2.0
/*
 * ktund's table of handshakes in flight (see ktund.h): a hash on the
 * module's handshake id, and a list in start order for the sweep.
 */
#include <stdlib.h>

#include "ktund.h"

static struct hs *buckets[HS_BUCKETS];
static struct hs *newest;
struct hs *hs_oldest;
unsigned int n_hs;
unsigned long n_ok, n_failed;

static struct hs **hs_slot(uint32_t id)
{
	return &buckets[id % HS_BUCKETS];
}

struct hs *hs_find(uint32_t id)
{
	struct hs *h;

	for (h = *hs_slot(id); h; h = h->next)
		if (h->id == id)
			return h;
	return NULL;
}

static void hs_add(struct hs *h)
{
	struct hs **slot = hs_slot(h->id);

	h->next = *slot;
	*slot = h;
	h->older = newest;
	if (newest)
		newest->newer = h;
	else
		hs_oldest = h;
	newest = h;
	n_hs++;
}

struct hs *hs_new(uint32_t id)
{
	struct hs *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->id = id;
	clock_gettime(CLOCK_MONOTONIC, &h->start);
	hs_add(h);
	return h;
}

void hs_end(struct hs *h)
{
	struct hs **pp = hs_slot(h->id);

	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	if (h->older)
		h->older->newer = h->newer;
	else
		hs_oldest = h->newer;
	if (h->newer)
		h->newer->older = h->older;
	else
		newest = h->older;
	n_hs--;
	kt_hs_free(h->tls);
	free(h);
}

/* Forgets handshakes the module cannot still have. */
void hs_sweep(void)
{
	while (hs_oldest && ms_since(&hs_oldest->start) > HS_MAX_MS) {
		say("%s: forgotten after %.0f s without a word from the module",
		    hs_oldest->desc, ms_since(&hs_oldest->start) / 1e3);
		n_failed++;
		hs_end(hs_oldest);
	}
}
