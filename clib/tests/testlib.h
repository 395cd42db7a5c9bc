/*
 * testlib.h — helpers shared by the C test programs: PASS/FAIL reporting, a bounded run time
 * (alarm), unique lockspace names, and an AST recorder that tests wait on with a deadline.
 */
#ifndef DLMD_CLIB_TESTLIB_H
#define DLMD_CLIB_TESTLIB_H

#include <libdlm.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

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
/* Locked reads of the recorder's counters and last status. */
int rec_asts(struct recorder *r);
int rec_basts(struct recorder *r);
int rec_status(struct recorder *r);
/* Waits up to ms for asts >= n (bast: basts >= n) with callbacks run by another thread. */
int rec_wait_asts(struct recorder *r, int n, int ms);
int rec_wait_basts(struct recorder *r, int n, int ms);
/* Same, but drives dlm_dispatch(fd) after poll() in this thread. */
int rec_poll_asts(struct recorder *r, int fd, int n, int ms);
int rec_poll_basts(struct recorder *r, int fd, int n, int ms);

/*
 * Cluster runs (clib/tests/run.sh with DLMD_PEER_SOCKET, scripts/cluster-c-test.sh): the socket of
 * another node of the cluster, or NULL when the test runs against a single dlmd.
 */
const char *peer_socket(void);
/* In a forked child: talk to the peer node from now on (no-op without a peer). Returns 1 when the
 * child now runs on the peer node. */
int use_peer_node(void);

/* A helper process on the peer node holding one lock (cross-node sections of the tests). */
struct peer_holder {
	pid_t pid;
	int to_peer;
	int from_peer;
};
/*
 * Forks a process on the peer node that creates lockspace lsname, takes mode on res (with
 * LKF_VALBLK) and, when lvb_text is given, writes it and down-converts to NL with LKF_VALBLK (the
 * NL lock keeps the resource and its LVB alive). Returns 1 once the peer holds its lock.
 */
int peer_hold(struct peer_holder *p, const char *lsname, const char *res, uint32_t mode,
	      const char *lvb_text);
/* Tells the peer to unlock, release and exit; returns 1 when it exited 0. */
int peer_release(struct peer_holder *p);

#endif
