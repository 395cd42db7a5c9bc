/*
 * internal.h — shared declarations of dlmd's C library: protocol constants, the frame builder and
 * reader, the lockspace handle, the lock table and the callback queue.
 */
#ifndef DLMD_CLIB_INTERNAL_H
#define DLMD_CLIB_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libdlm.h"

#define DLM_EXPORT __attribute__((visibility("default")))

/* ---- Limits (named constants; units last) ---- */
enum {
	DLMC_NAME_BYTES_MAX = 64,          /* resource and lockspace names */
	DLMC_LVB_BYTES = DLM_LVB_LEN,      /* LVB length of client-created lockspaces */
	DLMC_MODE_MAX = 5,                 /* LKM_EXMODE */
	DLMC_LOCK_TABLE_BUCKETS_MIN = 64,  /* initial lock id hash table size (power of two); doubles when full */
	DLMC_DEFAULT_MODE = 0600,          /* permission bits of the auto-created default lockspace */
	DLMC_VERSION_MAJOR = 6,            /* interface version reported by the *_version calls */
	DLMC_VERSION_MINOR = 0,
	DLMC_VERSION_PATCH = 1,
	DLMC_RX_BUFFER_BYTES = 16384,      /* per-handle receive buffer; >= 2 frames of DLMP_FRAME_BYTES_MAX */
};

#define DLMC_DEFAULT_SOCKET "/run/dlmd/dlmd.sock"
#define DLMC_SOCKET_ENV "DLMD_SOCKET"
#define DLMC_DEFAULT_LOCKSPACE "default"

/* ---- Client protocol (docs/client-protocol.md) ---- */
enum {
	DLMP_MAGIC = 0x4C44,
	DLMP_MAJOR = 1,
	DLMP_MINOR = 0,
	DLMP_HEADER_BYTES = 16,
	DLMP_FRAME_BYTES_MAX = 4096,
	DLMP_CREATE_LOCKSPACE = 0x0001,
	DLMP_OPEN_LOCKSPACE = 0x0002,
	DLMP_RELEASE_LOCKSPACE = 0x0003,
	DLMP_RELEASE_BY_NAME = 0x0004,
	DLMP_LOCK = 0x0010,
	DLMP_UNLOCK = 0x0011,
	DLMP_PURGE = 0x0012,
	DLMP_RESULT = 0x0081,
	DLMP_COMPLETION = 0x0090,
	DLMP_BLOCKING = 0x0091,
	DLMP_QUERY_TEXT = 0x0092,
	DLMP_OUTCOME_NONE_FOLLOWS = 1,
};

/* Frame builder: fills buf; overflow is sticky and makes frame_finish fail. */
struct dlmc_frame {
	uint8_t buf[DLMP_FRAME_BYTES_MAX];
	size_t len;
	int overflow;
};

void frame_begin(struct dlmc_frame *f, uint16_t type);
void frame_u8(struct dlmc_frame *f, uint8_t v);
void frame_u32(struct dlmc_frame *f, uint32_t v);
void frame_bytes(struct dlmc_frame *f, const void *p, size_t n);
void frame_str(struct dlmc_frame *f, const void *p, size_t n);
int frame_finish(struct dlmc_frame *f, uint32_t request);

/* Cursor over a received payload; bad is sticky (short read). */
struct dlmc_cursor {
	const uint8_t *p;
	size_t left;
	int bad;
};

uint8_t cur_u8(struct dlmc_cursor *c);
uint16_t cur_u16(struct dlmc_cursor *c);
uint32_t cur_u32(struct dlmc_cursor *c);
const uint8_t *cur_bytes(struct dlmc_cursor *c, size_t n);
uint16_t get_le16(const uint8_t *p);
uint32_t get_le32(const uint8_t *p);

/* ---- Locks, pending requests, callbacks ---- */

/*
 * A synchronous caller waiting for the COMPLETION of its own operation (lives on its stack).
 * A lock keeps its waiters in RESULT order: a completion finishes the oldest (with the cancels
 * queued behind it, which have no completion of their own), or all of them when it ends the lock.
 */
struct dlmc_sync {
	int done;
	int status;
	int cancel;                 /* a cancel / deadlock-cancel */
	struct dlm_lksb *lksb;      /* filled before done is set */
	struct dlmc_sync *next;
};

/* What the library remembers about one lock id of a handle. */
struct dlmc_lock {
	struct dlmc_lock *next;
	uint32_t lkid;
	struct dlm_lksb *lksb;
	void (*ast)(void *);
	void (*bast)(void *);
	void *astarg;
	struct dlmc_sync *sync;     /* oldest waiting synchronous operation, NULL if none */
};

enum dlmc_pending_kind { PEND_PLAIN, PEND_NEW_LOCK, PEND_CONVERT, PEND_UNLOCK };

/* A request awaiting its RESULT; lives on the caller's stack. */
struct dlmc_pending {
	struct dlmc_pending *next;
	uint32_t request;
	enum dlmc_pending_kind kind;
	int done;
	int err;
	uint32_t lkid;
	uint8_t outcome;
	/* lock parameters applied by the reader when the RESULT succeeds */
	uint32_t target_lkid;
	struct dlm_lksb *lksb;
	void (*ast)(void *);
	void (*bast)(void *);
	void *astarg;
	struct dlmc_sync *sync;
	int readahead;              /* the caller may read past its RESULT (a _wait call) */
};

/*
 * A thread blocked in a call while another thread holds the reader role (lives on its stack).
 * The reader signals exactly the waiters whose flag it set, and hands the role to one waiter
 * that still needs it when it leaves; no broadcast per frame.
 */
struct dlmc_waiter {
	struct dlmc_waiter *next;
	pthread_cond_t cv;
	const int *flag;            /* the waiter's done flag */
	int signaled;
};

enum dlmc_cb_kind { CB_AST, CB_BAST };

/* A callback read from the socket, waiting for dlm_dispatch or the AST thread. */
struct dlmc_cb {
	struct dlmc_cb *next;
	enum dlmc_cb_kind kind;
	void (*fn)(void *);
	void *arg;
	struct dlm_lksb *lksb;
	uint32_t lkid;
	int status;
	char flags;
	int has_lvb;
	char lvb[DLMC_LVB_BYTES];
};

/* One lockspace handle = one connection to dlmd. */
struct dlmc_ls {
	int fd;
	char name[DLMC_NAME_BYTES_MAX + 1];
	pthread_mutex_t mu;          /* guards everything below except fd */
	pthread_cond_t cv;           /* wakes conn_pump(wait_turn) callers: role freed, callback queued, stop */
	pthread_mutex_t send_mu;     /* serialises writes to fd */
	int reader_busy;             /* one thread at a time reads fd and owns rx */
	struct dlmc_waiter *waiters; /* threads waiting for a flag while another thread reads */
	int dead;                    /* connection lost */
	int dispatching;             /* a thread is running callbacks */
	pthread_t dispatcher;        /* that thread, while dispatching */
	uint32_t next_request;
	struct dlmc_pending *pending;
	struct dlmc_lock **table;    /* lock id hash table: table_size buckets, NULL until the first lock */
	unsigned table_size;
	unsigned table_count;
	struct dlmc_cb *cb_head;
	struct dlmc_cb *cb_tail;
	/* AST thread */
	int thread_running;
	int thread_stop;
	int free_on_thread_exit;
	pthread_t thread;
	int wake_fd[2];
	int ast_polling;             /* the AST thread sleeps (or is about to) in poll() */
	int wake_pending;            /* a byte is in the wake pipe since the thread last polled */
	struct dlmc_ls *next_all;
	/* receive buffer: only a partial frame stays here between reads (owned by the reader) */
	size_t rx_len;
	uint8_t rx[DLMC_RX_BUFFER_BYTES];
};

/* locktable.c (callers hold ls->mu); insert returns -1 (ENOMEM) when the record cannot be added */
struct dlmc_lock *locktable_find(struct dlmc_ls *ls, uint32_t lkid);
int locktable_insert(struct dlmc_ls *ls, struct dlmc_lock *lk);
void locktable_remove(struct dlmc_ls *ls, uint32_t lkid);
void locktable_each(struct dlmc_ls *ls, void (*fn)(struct dlmc_lock *));
void locktable_clear(struct dlmc_ls *ls);

/* conn.c */
const char *conn_socket_path(void);
int conn_connect(void);
struct dlmc_ls *conn_new(int fd, const char *name);
void conn_free(struct dlmc_ls *ls);
int conn_call(struct dlmc_ls *ls, struct dlmc_frame *f, struct dlmc_pending *p);
int conn_wait_sync(struct dlmc_ls *ls, struct dlmc_sync *s);
int conn_pump(struct dlmc_ls *ls, int wait_turn);
void conn_run_callbacks(struct dlmc_ls *ls);
void conn_wake_thread(struct dlmc_ls *ls);
struct dlmc_ls *conn_find_by_fd(int fd);
void conn_register(struct dlmc_ls *ls);
void conn_unregister(struct dlmc_ls *ls);

/* rx.c: receiving (callers hold ls->mu and the reader role) */
enum dlmc_rx_mode {
	RX_AHEAD_BLOCK,   /* one blocking recv of whatever is there */
	RX_AHEAD_NOWAIT,  /* one non-blocking recv */
	RX_EXACT_BLOCK,   /* blocking; consume frames only up to the RESULT of a given request */
};
enum { RX_GONE = -1, RX_NOTHING = 0, RX_SOME = 1, RX_FULL = 2 };
int rx_read(struct dlmc_ls *ls, enum dlmc_rx_mode mode, uint32_t request);
void conn_mark_dead(struct dlmc_ls *ls);

/* frames.c: processing of daemon frames (callers hold ls->mu) */
void frames_process(struct dlmc_ls *ls, uint16_t type, uint32_t request,
		const uint8_t *payload, size_t n);
void frames_fail_all(struct dlmc_ls *ls);

/* lock.c */
int lock_request(struct dlmc_ls *ls, uint32_t mode, struct dlm_lksb *lksb, uint32_t flags,
		const void *name, unsigned int namelen, void (*ast)(void *), void *astarg,
		void (*bast)(void *), uint32_t timeout_cs, int wait);
int lock_unlock(struct dlmc_ls *ls, uint32_t lkid, uint32_t flags, struct dlm_lksb *lksb,
		void *astarg, int deadlock_cancel, int wait);

/* default_ls.c */
struct dlmc_ls *default_ls_get(int open_or_create);
void default_ls_forget(struct dlmc_ls *ls);

/* lockspace.c */
int lockspace_close(struct dlmc_ls *ls);

/* astthread.c (pthread build only) */
void astthread_stop(struct dlmc_ls *ls);

#endif /* DLMD_CLIB_INTERNAL_H */
