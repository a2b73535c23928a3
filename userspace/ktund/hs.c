// SPDX-License-Identifier: GPL-2.0
/*
 * ktund's tables of handshakes in flight (see ktund.h), one per worker
 * and touched by that worker only: a hash on the module's handshake id,
 * and a list in start order for the sweep.
 */
#include <stdlib.h>

#include "ktund.h"

atomic_ulong n_ok, n_failed;

void hs_table_init(struct hs_table *t, unsigned int max)
{
	*t = (struct hs_table){ .max = max };
}

static struct hs **hs_slot(struct hs_table *t, uint32_t id)
{
	return &t->buckets[id % HS_BUCKETS];
}

struct hs *hs_find(struct hs_table *t, uint32_t id)
{
	struct hs *h;

	for (h = *hs_slot(t, id); h; h = h->next)
		if (h->id == id)
			return h;
	return NULL;
}

static void hs_add(struct hs_table *t, struct hs *h)
{
	struct hs **slot = hs_slot(t, h->id);

	h->next = *slot;
	*slot = h;
	h->older = t->newest;
	if (t->newest)
		t->newest->newer = h;
	else
		t->oldest = h;
	t->newest = h;
	t->n++;
}

struct hs *hs_new(struct hs_table *t, uint32_t id)
{
	struct hs *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->id = id;
	clock_gettime(CLOCK_MONOTONIC, &h->start);
	hs_add(t, h);
	return h;
}

void hs_end(struct hs_table *t, struct hs *h)
{
	struct hs **pp = hs_slot(t, h->id);

	while (*pp != h)
		pp = &(*pp)->next;
	*pp = h->next;
	if (h->older)
		h->older->newer = h->newer;
	else
		t->oldest = h->newer;
	if (h->newer)
		h->newer->older = h->older;
	else
		t->newest = h->older;
	t->n--;
	kt_hs_free(h->tls);
	free(h);
}

/* Forgets handshakes the module cannot still have. */
void hs_sweep(struct hs_table *t)
{
	struct hs *h;

	while ((h = t->oldest) && ms_since(&h->start) > HS_MAX_MS) {
		say("%s: forgotten after %.0f s without a word from the module",
		    h->desc, ms_since(&h->start) / 1e3);
		n_failed++;
		hs_end(t, h);
	}
}

static int id_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void hs_ids_sort(uint32_t *ids, size_t n)
{
	qsort(ids, n, sizeof(*ids), id_cmp);
}

/* Forgets the handshakes the module no longer has: those not in @ids. */
void hs_resync(struct hs_table *t, const uint32_t *ids, size_t n)
{
	struct hs *h, *newer;

	for (h = t->oldest; h; h = newer) {
		newer = h->newer;
		if (n && bsearch(&h->id, ids, n, sizeof(*ids), id_cmp))
			continue;
		say("%s: forgotten: the module no longer has it", h->desc);
		n_failed++;
		hs_end(t, h);
	}
}

/* Frees every handshake left, at exit: they are neither ok nor failed. */
void hs_table_free(struct hs_table *t)
{
	while (t->oldest)
		hs_end(t, t->oldest);
}
