// SPDX-License-Identifier: GPL-2.0
/*
 * ktund's workers: the threads that run the handshakes, each with its
 * own table (hs.c), fed by the main thread's receive loop (nl.c).
 *
 * The main thread reads only a message's handshake id and queues a copy
 * for worker id % workers: every message of a handshake goes to the same
 * worker, in the order the module sent them, and no handshake is ever
 * touched by two threads.  A resync is one more job on each queue, behind
 * the messages received before it, as it ran after them with one thread.
 *
 * A queue is a list under a mutex with condition variables, not a pipe
 * or an eventfd: a job is a pointer and needs no copy through the kernel;
 * a busy worker takes its next job without a system call (nor does the
 * main thread's signal cost one while nobody waits); the worker's wait
 * ends by itself at its next sweep (pthread_cond_timedwait() on the
 * monotonic clock) without a poll loop; and the bound on a queue is one
 * more condition, for the main thread to wait on.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/ktun.h>

#include "ktund.h"

/* A message from the module for a worker, or a resync. */
struct job {
	struct job *next;
	size_t size;		/* bytes, counted in the queue */
	bool resync;
	size_t n_ids;		/* a resync: how many of the worker's ids */
	uint32_t data[];	/* the message, or the resync's ids, sorted */
};

struct worker {
	pthread_t thread;
	unsigned int index;
	/*
	 * @lock protects @jobs, @last, @queued and @quit.  The main thread
	 * appends and signals @more; the worker takes from the head, and
	 * signals @room when it takes the queue below WORKER_QUEUE_MAX.
	 */
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	struct job *jobs, **last;
	size_t queued;		/* bytes of the jobs */
	bool quit;
	/* The worker thread's alone, from its start to its join. */
	struct hs_table hs;
	struct timespec sweep_at;	/* the next sweep, CLOCK_MONOTONIC */
};

/* The main thread's: the workers never read them. */
static struct worker *workers;
static unsigned int n_workers;

static struct job *job_new(size_t len)
{
	struct job *j = calloc(1, sizeof(*j) + len);

	if (j)
		j->size = sizeof(*j) + len;
	return j;
}

/* Main thread: appends @j to @w's queue, once it has room. */
static void job_push(struct worker *w, struct job *j)
{
	pthread_mutex_lock(&w->lock);
	while (w->queued >= WORKER_QUEUE_MAX && !w->quit)
		pthread_cond_wait(&w->room, &w->lock);
	*w->last = j;
	w->last = &j->next;
	w->queued += j->size;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
}

/* Worker, under @w->lock: the first job, if any. */
static struct job *job_pop(struct worker *w)
{
	struct job *j = w->jobs;

	if (!j)
		return NULL;
	w->jobs = j->next;
	if (!w->jobs)
		w->last = &w->jobs;
	if (w->queued >= WORKER_QUEUE_MAX)
		pthread_cond_signal(&w->room);
	w->queued -= j->size;
	return j;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Once a second, busy or not: forgets what the module cannot still have. */
static void worker_sweep(struct worker *w)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ts_before(&now, &w->sweep_at))
		return;
	hs_sweep(&w->hs);
	w->sweep_at = (struct timespec){ now.tv_sec + 1, now.tv_nsec };
}

/* The worker's next job, or NULL once it must quit; it sweeps meanwhile. */
static struct job *worker_next(struct worker *w)
{
	struct job *j = NULL;
	bool quit;

	do {
		worker_sweep(w);
		pthread_mutex_lock(&w->lock);
		if (!w->jobs && !w->quit)
			pthread_cond_timedwait(&w->more, &w->lock, &w->sweep_at);
		quit = w->quit;
		if (!quit)
			j = job_pop(w);
		pthread_mutex_unlock(&w->lock);
	} while (!j && !quit);
	return j;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *j;

	while ((j = worker_next(w))) {
		if (j->resync)
			hs_resync(&w->hs, j->data, j->n_ids);
		else
			nl_handle(&w->hs, (const struct nlmsghdr *)j->data);
		free(j);
	}
	hs_table_free(&w->hs);	/* no engine outlives its worker */
	return NULL;
}

/*
 * The handshake an hs-* message is for: its KTUN_A_HS_ID, the last one
 * as the codec (ktun_hs_parse()) reads it, so that the worker handles the
 * handshake it was picked for.  -1 if there is none, or it is malformed:
 * the worker would ignore the message.
 */
static int msg_id(const struct nlmsghdr *nlh, uint32_t *id)
{
	const struct nlattr *a;
	int ret = -1;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != KTUN_A_HS_ID)
			continue;
		if (mnl_attr_get_payload_len(a) < sizeof(*id))
			return -1;
		*id = mnl_attr_get_u32(a);
		ret = 0;
	}
	return ret;
}

void workers_post(const struct nlmsghdr *nlh)
{
	struct job *j;
	uint32_t id;

	if (msg_id(nlh, &id))
		return;
	j = job_new(nlh->nlmsg_len);
	if (!j) {
		/* As if lost in an overrun: the module's deadline ends it. */
		say("out of memory: a message from the module is dropped");
		return;
	}
	memcpy(j->data, nlh, nlh->nlmsg_len);
	job_push(&workers[id % n_workers], j);
}

/* Queues for @w the module's handshakes (@ids, sorted) that are @w's. */
static void worker_resync(struct worker *w, const uint32_t *ids, size_t n)
{
	size_t i, mine = 0;
	struct job *j;

	for (i = 0; i < n; i++)
		mine += ids[i] % n_workers == w->index;
	j = job_new(mine * sizeof(*ids));
	if (!j) {
		say("out of memory: worker %u skips the resync", w->index);
		return;
	}
	j->resync = true;
	for (i = 0; i < n; i++)
		if (ids[i] % n_workers == w->index)
			j->data[j->n_ids++] = ids[i];
	job_push(w, j);
}

void workers_resync(uint32_t *ids, size_t n)
{
	unsigned int i;

	hs_ids_sort(ids, n);
	for (i = 0; i < n_workers; i++)
		worker_resync(&workers[i], ids, n);
}

static void worker_destroy(struct worker *w)
{
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
}

/* Starts worker @index, with room for @max handshakes; 0 or an errno. */
static int worker_start(struct worker *w, unsigned int index, unsigned int max)
{
	pthread_condattr_t mono;
	char name[24];		/* "ktund/63": the kernel keeps 15 characters */
	int ret;

	w->index = index;
	w->last = &w->jobs;
	hs_table_init(&w->hs, max);
	clock_gettime(CLOCK_MONOTONIC, &w->sweep_at);
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&w->more, &mono);
	pthread_condattr_destroy(&mono);
	pthread_cond_init(&w->room, NULL);
	ret = pthread_create(&w->thread, NULL, worker_main, w);
	if (ret) {
		worker_destroy(w);
		return ret;
	}
	snprintf(name, sizeof(name), "ktund/%u", index);
	pthread_setname_np(w->thread, name);	/* for ps -L and top -H */
	return 0;
}

int workers_start(unsigned int n)
{
	sigset_t sigs, old;
	int ret = 0;

	workers = calloc(n, sizeof(*workers));
	if (!workers) {
		say("out of memory");
		return 1;
	}
	/* SIGINT and SIGTERM go to the main thread, whose poll() they end. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	while (n_workers < n && !ret) {
		ret = worker_start(&workers[n_workers], n_workers, HS_MAX / n);
		if (!ret)
			n_workers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		say("cannot start worker %u: %s", n_workers, strerror(ret));
		workers_stop();
		return 1;
	}
	return 0;
}

/* Joins @w, which was told to quit, and frees what it left queued. */
static void worker_join(struct worker *w)
{
	struct job *j;

	pthread_join(w->thread, NULL);
	while ((j = w->jobs)) {
		w->jobs = j->next;
		free(j);
	}
	worker_destroy(w);
}

/*
 * Messages still queued are dropped: once the daemon's socket closes, the
 * module fails every handshake in flight.  All workers are told first, so
 * that they finish their steps at once.
 */
void workers_stop(void)
{
	unsigned int i;

	for (i = 0; i < n_workers; i++) {
		pthread_mutex_lock(&workers[i].lock);
		workers[i].quit = true;
		pthread_cond_signal(&workers[i].more);
		pthread_mutex_unlock(&workers[i].lock);
	}
	for (i = 0; i < n_workers; i++)
		worker_join(&workers[i]);
	free(workers);
	workers = NULL;
	n_workers = 0;
}
