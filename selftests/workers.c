// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of ktund's workers (userspace/ktund/worker.c, with the
 * tables of hs.c): every message of a handshake goes to one worker, in
 * order, and the handshakes spread over all workers by id; one worker
 * sees everything in the order sent; a resync forgets, after the messages
 * queued before it, the handshakes the module no longer has; the sweep
 * runs while a worker waits; a full queue makes the main thread wait; and
 * stopping joins every worker, dropping what is queued, with nothing
 * handled after.  Needs no kernel: messages are built in a buffer, and a
 * stand-in for nl.c's nl_handle() records what each worker is handed.
 * The -tsan build (make) runs it under ThreadSanitizer.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/ktun.h>

#include "kselftest_harness.h"
#include "ktun_msg.h"
#include "../userspace/ktund/ktund.h"

#define N_IDS	64

/* What the stand-in saw per handshake id; under seen_lock. */
static struct seen {
	const struct hs_table *table;	/* the worker it ran on */
	unsigned int next;		/* the sequence number due next */
	unsigned int bad;		/* out of order, or on another worker */
	bool found;			/* a probe (hs-abort) found it */
} seen[N_IDS + 1];
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int global_next;	/* --workers 1: across all ids */
static atomic_uint handled, late;
static atomic_bool stopped, backdate;
static atomic_uint slow_us;

/* The gate a handler waits at while @gate_shut (the full queue test). */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_open = PTHREAD_COND_INITIALIZER;
static bool gate_shut;

/* Stand-ins for main.c. */
void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("# ktund: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

double ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1e3 + (now.tv_nsec - t->tv_nsec) / 1e6;
}

static void gate_wait(void)
{
	pthread_mutex_lock(&gate_lock);
	while (gate_shut)
		pthread_cond_wait(&gate_open, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

static void seen_record(struct hs_table *t, uint32_t id, const struct ktun_hs *m)
{
	uint32_t seq, global;
	struct seen *s = &seen[id];

	memcpy(&seq, m->record, 4);
	memcpy(&global, (const uint8_t *)m->record + 4, 4);
	pthread_mutex_lock(&seen_lock);
	if (!s->table)
		s->table = t;
	if (s->table != t || seq != s->next)
		s->bad++;
	s->next = seq + 1;
	if (global != UINT32_MAX && global != global_next++)
		s->bad++;
	pthread_mutex_unlock(&seen_lock);
}

/* Stand-in for nl.c: start adds to the table, abort probes, record counts. */
void nl_handle(struct hs_table *t, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct ktun_hs m;
	struct hs *h;

	if (atomic_load(&stopped))
		late++;
	if (ktun_hs_parse(nlh, &m) || m.id > N_IDS)
		return;
	if (g->cmd == KTUN_CMD_HS_START) {
		h = hs_new(t, m.id);
		snprintf(h->desc, sizeof(h->desc), "hs %u", m.id);
		if (atomic_load(&backdate))
			h->start.tv_sec -= HS_MAX_MS / 1000 + 1;
	} else if (g->cmd == KTUN_CMD_HS_ABORT) {
		h = hs_find(t, m.id);
		pthread_mutex_lock(&seen_lock);
		seen[m.id].found = h;
		pthread_mutex_unlock(&seen_lock);
		if (h)
			hs_end(t, h);
	} else if (m.record_len >= 8) {
		gate_wait();
		if (atomic_load(&slow_us))
			usleep(atomic_load(&slow_us));
		seen_record(t, m.id, &m);
	}
	handled++;
}

/* Posts an hs-* message for @id, as the kernel would send it. */
static void post(uint8_t cmd, uint32_t id, uint32_t seq, uint32_t global, size_t len)
{
	static char buf[8192 + 65536] __attribute__((aligned(8)));
	static uint8_t rec[65536];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = 0x20;
	g->cmd = cmd;
	g->version = KTUN_FAMILY_VERSION;
	mnl_attr_put_u32(nlh, KTUN_A_HS_ID, id);
	if (cmd == KTUN_CMD_HS_RECORD) {
		memcpy(rec, &seq, 4);
		memcpy(rec + 4, &global, 4);
		mnl_attr_put(nlh, KTUN_A_HS_RECORD, len < 8 ? 8 : len, rec);
	}
	workers_post(nlh);
}

/* Waits up to @ms for @n messages handled; true if they were. */
static bool handled_reach(unsigned int n, int ms)
{
	while (atomic_load(&handled) < n && ms-- > 0)
		usleep(1000);
	return atomic_load(&handled) >= n;
}

static unsigned int tables_distinct(void)
{
	const struct hs_table *t[N_IDS];
	unsigned int i, j, n = 0;

	for (i = 0; i < N_IDS; i++) {
		for (j = 0; j < n && t[j] != seen[i].table; j++)
			;
		if (j == n)
			t[n++] = seen[i].table;
	}
	return n;
}

TEST(a_handshake_stays_on_one_worker_in_order)
{
	unsigned int round, id, j;

	ASSERT_EQ(0, workers_start(4));
	for (round = 0; round < 100; round++)
		for (id = 0; id < N_IDS; id++)
			post(KTUN_CMD_HS_RECORD, id, round, UINT32_MAX, 8);
	ASSERT_TRUE(handled_reach(100 * N_IDS, 10000));
	workers_stop();
	for (id = 0; id < N_IDS; id++) {
		EXPECT_EQ(0, seen[id].bad);
		EXPECT_EQ(100, seen[id].next);
		/* id % 4 picks the worker */
		for (j = 0; j < N_IDS; j++)
			EXPECT_EQ(id % 4 == j % 4, seen[id].table == seen[j].table);
	}
	EXPECT_EQ(4, tables_distinct());
}

TEST(one_worker_sees_everything_in_the_order_sent)
{
	unsigned int i;

	ASSERT_EQ(0, workers_start(1));
	for (i = 0; i < 50 * N_IDS; i++)
		post(KTUN_CMD_HS_RECORD, (i * 7) % N_IDS, i / N_IDS, i, 8);
	ASSERT_TRUE(handled_reach(50 * N_IDS, 10000));
	workers_stop();
	for (i = 0; i < N_IDS; i++)
		EXPECT_EQ(0, seen[i].bad);
	EXPECT_EQ(50 * N_IDS, global_next);
	EXPECT_EQ(1, tables_distinct());
}

TEST(resync_forgets_what_the_module_no_longer_has)
{
	uint32_t ids[N_IDS / 2];
	unsigned int i, n = 0;

	ASSERT_EQ(0, workers_start(3));
	for (i = 0; i < 30; i++)
		post(KTUN_CMD_HS_START, i, 0, 0, 0);
	for (i = 30; i-- > 0;)		/* unsorted, as a dump may be */
		if (i % 2 == 0)
			ids[n++] = i;
	workers_resync(ids, n);		/* behind the starts */
	post(KTUN_CMD_HS_START, 31, 0, 0, 0);	/* after: kept */
	for (i = 0; i < 32; i++)
		post(KTUN_CMD_HS_ABORT, i, 0, 0, 0);
	ASSERT_TRUE(handled_reach(31 + 32, 10000));
	workers_stop();
	for (i = 0; i < 30; i++)
		EXPECT_EQ(i % 2 == 0, seen[i].found);
	EXPECT_FALSE(seen[30].found);	/* never started */
	EXPECT_TRUE(seen[31].found);
	EXPECT_EQ(15, atomic_load(&n_failed));
}

TEST(the_sweep_runs_while_a_worker_waits)
{
	int ms = 3000;

	ASSERT_EQ(0, workers_start(2));
	atomic_store(&backdate, true);
	post(KTUN_CMD_HS_START, 7, 0, 0, 0);
	post(KTUN_CMD_HS_START, 8, 0, 0, 0);
	while (atomic_load(&n_failed) < 2 && ms-- > 0)
		usleep(1000);
	workers_stop();
	EXPECT_EQ(2, atomic_load(&n_failed));
}

static void *poster(void *arg)
{
	atomic_uint *posted = arg;
	unsigned int i;

	for (i = 0; i < 200; i++) {
		post(KTUN_CMD_HS_RECORD, 0, i, UINT32_MAX, 16384);
		(*posted)++;
	}
	return NULL;
}

TEST(a_full_queue_makes_the_main_thread_wait)
{
	unsigned int max = WORKER_QUEUE_MAX / 16384 + 2;
	atomic_uint posted = 0;
	pthread_t t;

	gate_shut = true;
	ASSERT_EQ(0, workers_start(2));
	ASSERT_EQ(0, pthread_create(&t, NULL, poster, &posted));
	usleep(300 * 1000);
	/* One job in the handler at the gate, a queue full behind it. */
	EXPECT_LE(atomic_load(&posted), max);
	EXPECT_GE(atomic_load(&posted), max - 8);
	pthread_mutex_lock(&gate_lock);
	gate_shut = false;
	pthread_cond_broadcast(&gate_open);
	pthread_mutex_unlock(&gate_lock);
	pthread_join(t, NULL);
	EXPECT_EQ(200, atomic_load(&posted));
	EXPECT_TRUE(handled_reach(200, 10000));
	workers_stop();
	EXPECT_EQ(0, seen[0].bad);
	EXPECT_EQ(200, seen[0].next);
}

TEST(stop_joins_and_drops_what_is_queued)
{
	unsigned int i;

	atomic_store(&slow_us, 2000);
	ASSERT_EQ(0, workers_start(2));
	for (i = 0; i < 20; i++)
		post(KTUN_CMD_HS_START, i, 0, 0, 0);
	for (i = 0; i < 400; i++)
		post(KTUN_CMD_HS_RECORD, i % N_IDS, i / N_IDS, UINT32_MAX, 8);
	workers_stop();		/* joined: every table freed */
	atomic_store(&stopped, true);
	EXPECT_LT(atomic_load(&handled), 420);
	usleep(50 * 1000);
	EXPECT_EQ(0, atomic_load(&late));
	EXPECT_EQ(0, atomic_load(&n_failed));	/* freed, not counted */
	for (i = 0; i < N_IDS; i++)
		EXPECT_EQ(0, seen[i].bad);
	/* and the pool starts again */
	ASSERT_EQ(0, workers_start(3));
	workers_stop();
}

TEST_HARNESS_MAIN
