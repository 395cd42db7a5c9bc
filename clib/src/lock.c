/*
 * lock.c — requests, conversions, unlocks and cancels on a lockspace handle (dlm_ls_* calls).
 * Arguments libdlm itself rejects are checked before any I/O; the rest is the daemon's decision,
 * reported through the RESULT errno. _wait variants read their own COMPLETION in the caller's
 * thread; a RESULT saying no completion will follow (orphan adopted, nothing to cancel) ends
 * them at once with status 0 (spec section 0).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define UNLOCK_FLAGS_ALLOWED (LKF_CANCEL | LKF_VALBLK | LKF_IVVALBLK | LKF_FORCEUNLOCK)

static int check_lock_args(uint32_t mode, struct dlm_lksb *lksb, uint32_t flags,
		unsigned int namelen, int has_ast, void *range)
{
	if (range)
		return ENOSYS;
	if (mode > DLMC_MODE_MAX || !lksb || !has_ast || (flags & LKF_CANCEL))
		return EINVAL;
	if (!(flags & LKF_CONVERT) && namelen > DLMC_NAME_BYTES_MAX)
		return EINVAL;
	if ((flags & LKF_VALBLK) && !lksb->sb_lvbptr)
		return EINVAL;
	if ((flags & LKF_CONVERT) && lksb->sb_lkid == 0)
		return ENOENT;
	return 0;
}

static void build_lock_frame(struct dlmc_frame *f, uint32_t mode, struct dlm_lksb *lksb,
		uint32_t flags, const void *name, unsigned int namelen, int has_bast,
		uint32_t timeout_cs)
{
	int convert = (flags & LKF_CONVERT) != 0;
	int has_lvb = (flags & LKF_VALBLK) != 0;
	frame_begin(f, DLMP_LOCK);
	frame_u32(f, mode);
	frame_u32(f, flags & ~(uint32_t)LKF_WAIT);
	frame_u32(f, convert ? lksb->sb_lkid : 0);
	frame_u32(f, timeout_cs);
	frame_u8(f, (uint8_t)(has_bast != 0));
	frame_u8(f, (uint8_t)has_lvb);
	frame_str(f, convert ? NULL : name, convert ? 0 : namelen);
	if (has_lvb)
		frame_bytes(f, lksb->sb_lvbptr, DLMC_LVB_BYTES);
}

/*
 * After a _wait call on a handle without an AST thread: run the callbacks of other locks that the
 * call read from the socket (they are no longer there for poll to see), as libdlm_lt's
 * synchronous calls dispatch inline.
 */
static void run_callbacks_if_threadless(struct dlmc_ls *ls)
{
	pthread_mutex_lock(&ls->mu);
	int threadless = !ls->thread_running && ls->cb_head != NULL;
	pthread_mutex_unlock(&ls->mu);
	if (threadless)
		conn_run_callbacks(ls);
}

/* Common path of every lock call; wait selects the synchronous behaviour. */
int lock_request(struct dlmc_ls *ls, uint32_t mode, struct dlm_lksb *lksb, uint32_t flags,
		const void *name, unsigned int namelen, void (*ast)(void *), void *astarg,
		void (*bast)(void *), uint32_t timeout_cs, int wait)
{
	int err = check_lock_args(mode, lksb, flags, namelen, wait || ast != NULL, NULL);
	if (!err && !ls)
		err = ENOTCONN;
	if (!err && namelen > 0 && !name && !(flags & LKF_CONVERT))
		err = EINVAL;
	if (err) {
		errno = err;
		return -1;
	}
	struct dlmc_frame f;
	build_lock_frame(&f, mode, lksb, flags, name, namelen, bast != NULL, timeout_cs);
	struct dlmc_sync sync = { 0 };
	struct dlmc_pending p = {
		.kind = (flags & LKF_CONVERT) ? PEND_CONVERT : PEND_NEW_LOCK,
		.target_lkid = lksb->sb_lkid,
		.lksb = lksb,
		.ast = wait ? NULL : ast,
		.bast = bast,
		.astarg = astarg,
		.sync = wait ? &sync : NULL,
		.readahead = wait,
	};
	int old_status = lksb->sb_status;
	lksb->sb_status = EINPROG;
	if (conn_call(ls, &f, &p) < 0) {
		int e = errno;
		lksb->sb_status = old_status;
		errno = e;
		return -1;
	}
	if (p.outcome == DLMP_OUTCOME_NONE_FOLLOWS) {
		lksb->sb_status = 0; /* orphan adopted: granted, and no completion will come */
		return 0;
	}
	if (wait && conn_wait_sync(ls, &sync) < 0)
		return -1;
	if (wait)
		run_callbacks_if_threadless(ls);
	return 0;
}

/* Common path of unlock, cancel and deadlock-cancel. */
int lock_unlock(struct dlmc_ls *ls, uint32_t lkid, uint32_t flags, struct dlm_lksb *lksb,
		void *astarg, int deadlock_cancel, int wait)
{
	int err = 0;
	if (!ls)
		err = ENOTCONN;
	else if (lkid == 0 || (flags & ~(uint32_t)UNLOCK_FLAGS_ALLOWED) ||
		 ((flags & LKF_CANCEL) && (flags & LKF_FORCEUNLOCK)))
		err = EINVAL;
	if (err) {
		errno = err;
		return -1;
	}
	pthread_mutex_lock(&ls->mu);
	struct dlmc_lock *lk = locktable_find(ls, lkid);
	struct dlm_lksb *target = lksb ? lksb : (lk ? lk->lksb : NULL);
	pthread_mutex_unlock(&ls->mu);
	const char *lvb = target ? target->sb_lvbptr : NULL;

	struct dlmc_frame f;
	frame_begin(&f, DLMP_UNLOCK);
	frame_u32(&f, lkid);
	frame_u32(&f, flags);
	frame_u8(&f, (uint8_t)(deadlock_cancel != 0));
	frame_u8(&f, (uint8_t)(lvb != NULL));
	if (lvb)
		frame_bytes(&f, lvb, DLMC_LVB_BYTES);

	struct dlmc_sync sync = { .cancel = deadlock_cancel || (flags & LKF_CANCEL) };
	struct dlmc_pending p = {
		.kind = PEND_UNLOCK, .target_lkid = lkid, .lksb = lksb, .astarg = astarg,
		.sync = wait ? &sync : NULL,
		.readahead = wait,
	};
	int old_status = target ? target->sb_status : 0;
	if (target)
		target->sb_status = EINPROG;
	if (conn_call(ls, &f, &p) < 0) {
		int e = errno;
		if (target)
			target->sb_status = old_status;
		errno = e;
		return -1;
	}
	if (p.outcome == DLMP_OUTCOME_NONE_FOLLOWS) {
		if (target)
			target->sb_status = 0; /* nothing to cancel: the lock keeps its grant */
		return 0;
	}
	if (wait && conn_wait_sync(ls, &sync) < 0)
		return -1;
	if (wait)
		run_callbacks_if_threadless(ls);
	return 0;
}

DLM_EXPORT int dlm_ls_lock(dlm_lshandle_t lockspace, uint32_t mode, struct dlm_lksb *lksb,
		uint32_t flags, const void *name, unsigned int namelen, uint32_t parent,
		void (*astaddr)(void *), void *astarg, void (*bastaddr)(void *), void *range)
{
	(void)parent;
	if (range) {
		errno = ENOSYS;
		return -1;
	}
	return lock_request(lockspace, mode, lksb, flags, name, namelen, astaddr, astarg,
			    bastaddr, 0, (flags & LKF_WAIT) != 0);
}

DLM_EXPORT int dlm_ls_lockx(dlm_lshandle_t lockspace, uint32_t mode, struct dlm_lksb *lksb,
		uint32_t flags, const void *name, unsigned int namelen, uint32_t parent,
		void (*astaddr)(void *), void *astarg, void (*bastaddr)(void *),
		uint64_t *xid, uint64_t *timeout)
{
	(void)parent;
	(void)xid; /* accepted and ignored: deadlock detection across transactions is not done */
	uint32_t cs = 0;
	if (timeout && *timeout) {
		cs = *timeout > UINT32_MAX ? UINT32_MAX : (uint32_t)*timeout;
		flags |= LKF_TIMEOUT;
	}
	return lock_request(lockspace, mode, lksb, flags, name, namelen, astaddr, astarg,
			    bastaddr, cs, (flags & LKF_WAIT) != 0);
}

static int lt_status_result(struct dlm_lksb *lksb, int rc)
{
#ifdef DLM_LT
	/* libdlm_lt reports a failed synchronous operation through errno as well */
	if (rc == 0 && lksb->sb_status != 0 && lksb->sb_status != EUNLOCK) {
		errno = lksb->sb_status;
		return -1;
	}
#else
	(void)lksb;
#endif
	return rc;
}

DLM_EXPORT int dlm_ls_lock_wait(dlm_lshandle_t lockspace, uint32_t mode, struct dlm_lksb *lksb,
		uint32_t flags, const void *name, unsigned int namelen, uint32_t parent,
		void *bastarg, void (*bastaddr)(void *), void *range)
{
	(void)parent;
	if (range) {
		errno = ENOSYS;
		return -1;
	}
	int rc = lock_request(lockspace, mode, lksb, flags, name, namelen, NULL, bastarg,
			      bastaddr, 0, 1);
	return lt_status_result(lksb, rc);
}

DLM_EXPORT int dlm_ls_unlock(dlm_lshandle_t lockspace, uint32_t lkid, uint32_t flags,
		struct dlm_lksb *lksb, void *astarg)
{
	return lock_unlock(lockspace, lkid, flags, lksb, astarg, 0, 0);
}

DLM_EXPORT int dlm_ls_unlock_wait(dlm_lshandle_t lockspace, uint32_t lkid, uint32_t flags,
		struct dlm_lksb *lksb)
{
	return lock_unlock(lockspace, lkid, flags, lksb, NULL, 0, 1);
}

DLM_EXPORT int dlm_ls_deadlock_cancel(dlm_lshandle_t lockspace, uint32_t lkid, uint32_t flags)
{
	return lock_unlock(lockspace, lkid, flags | LKF_CANCEL, NULL, NULL, 1, 0);
}

DLM_EXPORT int dlm_ls_purge(dlm_lshandle_t lockspace, int nodeid, int pid)
{
	struct dlmc_ls *ls = lockspace;
	if (!ls) {
		errno = ENOTCONN;
		return -1;
	}
	struct dlmc_frame f;
	frame_begin(&f, DLMP_PURGE);
	frame_u32(&f, (uint32_t)nodeid);
	frame_u32(&f, (uint32_t)pid);
	struct dlmc_pending p = { .kind = PEND_PLAIN };
	return conn_call(ls, &f, &p);
}
