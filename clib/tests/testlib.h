/*
 * testlib.h — helpers shared by the C test programs: PASS/FAIL reporting, a bounded run time
 * (alarm), unique lockspace names, and an AST recorder that tests wait on with a deadline.
 */
#ifndef DLMD_CLIB_TESTLIB_H
#define DLMD_CLIB_TESTLIB_H

#include <libdlm.h>
#include <pthread.h>

/* Arms alarm(seconds): a hung test prints a FAIL line and exits. */
void test_begin(const char *program, unsigned seconds);
/* Prints "PASS name" or "FAIL name: detail"; returns ok. */
int check(int ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Exit status for main: 1 if any check failed. */
int test_end(void);
/* A lockspace name unique to this process and tag. */
const char *ls_name(const char *tag);

/* Counts ASTs and BASTs delivered for one lock (astarg points at it). */
struct recorder {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int asts;
	int basts;
	int last_status;
	struct dlm_lksb *lksb;
};

void rec_init(struct recorder *r, struct dlm_lksb *lksb);
void rec_ast(void *arg);
void rec_bast(void *arg);
/* Waits up to ms for asts >= n (bast: basts >= n) with callbacks run by another thread. */
int rec_wait_asts(struct recorder *r, int n, int ms);
int rec_wait_basts(struct recorder *r, int n, int ms);
/* Same, but drives dlm_dispatch(fd) after poll() in this thread. */
int rec_poll_asts(struct recorder *r, int fd, int n, int ms);
int rec_poll_basts(struct recorder *r, int fd, int n, int ms);

#endif
