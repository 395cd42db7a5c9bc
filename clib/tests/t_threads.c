/*
 * t_threads.c — concurrency on one handle: four threads each run 200 synchronous lock/unlock
 * cycles (two on a shared resource, so they contend) while a fifth issues asynchronous
 * locks whose ASTs run on the library's AST thread. Every call must succeed with the right
 * status, and every AST must arrive: this exercises the hand-over of the reader role between
 * synchronous callers and the AST thread without lost wake-ups. Then the reuse-heavy pattern:
 * eight threads doing lock_wait/unlock_wait on their own resources on one handle (dlmd reuses
 * freed lock ids at once), with and without the AST thread; and a lock_wait that another thread
 * unlocks while it waits (both calls must return, with EUNLOCK).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"

enum { THREADS = 4, ROUNDS = 200, ASYNC = 200, REUSE_THREADS = 8, REUSE_ROUNDS = 300 };

static dlm_lshandle_t ls;
static int bad[THREADS];

static void *sync_worker(void *arg)
{
	int me = (int)(long)arg;
	char res[16];
	snprintf(res, sizeof(res), me < 2 ? "shared" : "own%d", me);
	for (int i = 0; i < ROUNDS; i++) {
		struct dlm_lksb l;
		memset(&l, 0, sizeof(l));
		if (dlm_ls_lock_wait(ls, LKM_EXMODE, &l, 0, res, strlen(res), 0, NULL, NULL,
				     NULL) != 0 || l.sb_status != 0)
			bad[me]++;
		if (dlm_ls_unlock_wait(ls, l.sb_lkid, 0, &l) != 0 || l.sb_status != EUNLOCK)
			bad[me]++;
	}
	return NULL;
}

static dlm_lshandle_t reuse_ls;
static int reuse_bad[REUSE_THREADS];

static void *reuse_worker(void *arg)
{
	int me = (int)(long)arg;
	for (int i = 0; i < REUSE_ROUNDS; i++) {
		char res[32];
		snprintf(res, sizeof(res), "reuse%d.%d", me, i);
		struct dlm_lksb l;
		memset(&l, 0, sizeof(l));
		if (dlm_ls_lock_wait(reuse_ls, LKM_EXMODE, &l, 0, res, strlen(res), 0, NULL, NULL,
				     NULL) != 0 || l.sb_status != 0 || l.sb_lkid == 0)
			reuse_bad[me]++;
		if (dlm_ls_unlock_wait(reuse_ls, l.sb_lkid, 0, &l) != 0 || l.sb_status != EUNLOCK)
			reuse_bad[me]++;
	}
	return NULL;
}

/* REUSE_THREADS threads on one handle; returns how many calls went wrong. */
static int run_reuse(dlm_lshandle_t h)
{
	reuse_ls = h;
	pthread_t t[REUSE_THREADS];
	for (long i = 0; i < REUSE_THREADS; i++)
		pthread_create(&t[i], NULL, reuse_worker, (void *)i);
	int total = 0;
	for (int i = 0; i < REUSE_THREADS; i++) {
		pthread_join(t[i], NULL);
		total += reuse_bad[i];
		reuse_bad[i] = 0;
	}
	return total;
}

static struct dlm_lksb waiter_lksb;
static int waiter_rc = -2;

static void *blocked_waiter(void *arg)
{
	waiter_rc = dlm_ls_lock_wait((dlm_lshandle_t)arg, LKM_EXMODE, &waiter_lksb, 0, "hot", 3, 0,
				     NULL, NULL, NULL);
	return NULL;
}

/* A lock_wait blocked behind another handle's EX, unlocked by a second thread meanwhile. */
static void unlock_of_a_waiting_lock(const char *name)
{
	dlm_lshandle_t holder = dlm_open_lockspace(name);
	dlm_lshandle_t h = dlm_open_lockspace(name);
	struct dlm_lksb held;
	memset(&held, 0, sizeof(held));
	if (!check(holder && h && dlm_ls_lock_wait(holder, LKM_EXMODE, &held, 0, "hot", 3, 0, NULL,
						   NULL, NULL) == 0, "hold hot", "errno %d", errno))
		return;
	pthread_t t;
	pthread_create(&t, NULL, blocked_waiter, h);
	for (int i = 0; i < 5000 && waiter_lksb.sb_lkid == 0; i++)
		usleep(1000);
	usleep(20000);
	struct dlm_lksb u;
	memset(&u, 0, sizeof(u));
	int rc = dlm_ls_unlock_wait(h, waiter_lksb.sb_lkid, 0, &u);
	pthread_join(t, NULL);
	check(rc == 0 && u.sb_status == EUNLOCK, "unlock_wait of a waiting lock", "rc %d status %d",
	      rc, u.sb_status);
	check(waiter_rc == 0 && waiter_lksb.sb_status == EUNLOCK,
	      "the blocked lock_wait returns with EUNLOCK", "rc %d status %d", waiter_rc,
	      waiter_lksb.sb_status);
	dlm_ls_unlock_wait(holder, held.sb_lkid, 0, &held);
	dlm_close_lockspace(h);
	dlm_close_lockspace(holder);
}

int main(void)
{
	test_begin("t_threads", 60);
	const char *name = ls_name("thr");
	ls = dlm_create_lockspace(name, 0600);
	if (!check(ls != NULL, "create lockspace", "errno %d", errno))
		return test_end();
	check(dlm_ls_pthread_init(ls) == 0, "ls_pthread_init", "errno %d", errno);
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, sync_worker, (void *)i);

	static struct dlm_lksb al[ASYNC];
	static struct recorder rec[ASYNC];
	int accepted = 0;
	for (int i = 0; i < ASYNC; i++) {
		char res[16];
		snprintf(res, sizeof(res), "async%d", i);
		rec_init(&rec[i], &al[i]);
		if (dlm_ls_lock(ls, LKM_PRMODE, &al[i], 0, res, strlen(res), 0, rec_ast, &rec[i],
				NULL, NULL) == 0)
			accepted++;
	}
	int granted = 0;
	for (int i = 0; i < ASYNC; i++)
		granted += rec_wait_asts(&rec[i], 1, 10000) && rec_status(&rec[i]) == 0;
	int unlocked = 0;
	for (int i = 0; i < ASYNC; i++)
		if (dlm_ls_unlock(ls, al[i].sb_lkid, 0, &al[i], &rec[i]) == 0)
			unlocked += rec_wait_asts(&rec[i], 2, 10000) && rec_status(&rec[i]) == EUNLOCK;
	int total_bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total_bad += bad[i];
	}
	check(accepted == ASYNC && granted == ASYNC, "every async lock granted by AST",
	      "accepted %d granted %d", accepted, granted);
	check(unlocked == ASYNC, "every async unlock AST EUNLOCK", "unlocked %d", unlocked);
	check(total_bad == 0, "synchronous cycles in 4 threads all correct", "bad %d", total_bad);
	int bad_thread = run_reuse(ls);
	check(bad_thread == 0, "8 threads reusing lock ids, AST thread running", "bad %d", bad_thread);
	dlm_lshandle_t plain = dlm_open_lockspace(name);
	if (check(plain != NULL, "open a second handle", "errno %d", errno)) {
		int bad_plain = run_reuse(plain);
		check(bad_plain == 0, "8 threads reusing lock ids, no AST thread", "bad %d", bad_plain);
		dlm_close_lockspace(plain);
	}
	unlock_of_a_waiting_lock(name);
	int released = dlm_release_lockspace(name, ls, 0);
	check(released == 0, "release", "errno %d", errno);
	return test_end();
}
