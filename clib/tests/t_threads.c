/*
 * t_threads.c — concurrency on one handle: four threads each run 200 synchronous lock/unlock
 * cycles (two on a shared resource, so they contend) while a fifth issues asynchronous
 * locks whose ASTs run on the library's AST thread. Every call must succeed with the right
 * status, and every AST must arrive: this exercises the hand-over of the reader role between
 * synchronous callers and the AST thread without lost wake-ups.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testlib.h"

enum { THREADS = 4, ROUNDS = 200, ASYNC = 200 };

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
		granted += rec_wait_asts(&rec[i], 1, 10000) && rec[i].last_status == 0;
	int unlocked = 0;
	for (int i = 0; i < ASYNC; i++)
		if (dlm_ls_unlock(ls, al[i].sb_lkid, 0, &al[i], &rec[i]) == 0)
			unlocked += rec_wait_asts(&rec[i], 2, 10000) && rec[i].last_status == EUNLOCK;
	int total_bad = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		total_bad += bad[i];
	}
	check(accepted == ASYNC && granted == ASYNC, "every async lock granted by AST",
	      "accepted %d granted %d", accepted, granted);
	check(unlocked == ASYNC, "every async unlock AST EUNLOCK", "unlocked %d", unlocked);
	check(total_bad == 0, "synchronous cycles in 4 threads all correct", "bad %d", total_bad);
	check(dlm_release_lockspace(name, ls, 0) == 0, "release", "errno %d", errno);
	return test_end();
}
