/*
 * frames.c — what the reader does with each daemon frame: RESULT completes a pending request
 * (and registers or updates the lock it names), COMPLETION and BLOCKING become callbacks (or wake
 * a synchronous waiter). Called with the handle's mutex held.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct dlmc_pending *pending_take(struct dlmc_ls *ls, uint32_t request)
{
	struct dlmc_pending **pp = &ls->pending;
	while (*pp) {
		if ((*pp)->request == request) {
			struct dlmc_pending *p = *pp;
			*pp = p->next;
			return p;
		}
		pp = &(*pp)->next;
	}
	return NULL;
}

static void fail_waiters(struct dlmc_lock *lk);

/* Queues a synchronous operation behind the lock's other waiters; it fills the lksb in force. */
static void sync_append(struct dlmc_lock *lk, struct dlmc_sync *s)
{
	struct dlmc_sync **pp = &lk->sync;
	while (*pp)
		pp = &(*pp)->next;
	s->next = NULL;
	s->lksb = lk->lksb;
	*pp = s;
}

/* Registers the lock created by a successful LOCK request. */
static void apply_new_lock(struct dlmc_ls *ls, struct dlmc_pending *p)
{
	struct dlmc_lock *lk = calloc(1, sizeof(*lk));
	if (!lk) {
		p->err = ENOMEM;
		return;
	}
	lk->lkid = p->lkid;
	lk->lksb = p->lksb;
	lk->ast = p->ast;
	lk->bast = p->bast;
	lk->astarg = p->astarg;
	struct dlmc_lock *stale = locktable_find(ls, p->lkid);
	if (stale)
		fail_waiters(stale); /* the id was reused: its old waiters will never see a completion */
	if (locktable_insert(ls, lk) < 0) {
		free(lk);
		p->err = ENOMEM;
		return;
	}
	p->lksb->sb_lkid = p->lkid;
	if (p->outcome != DLMP_OUTCOME_NONE_FOLLOWS && p->sync)
		sync_append(lk, p->sync);
}

/* Applies a successful CONVERT or UNLOCK to the lock it names. */
static void apply_existing(struct dlmc_ls *ls, struct dlmc_pending *p)
{
	struct dlmc_lock *lk = locktable_find(ls, p->target_lkid);
	if (!lk) {
		/* not a lock this handle knows (e.g. created by another library instance): no waiter */
		if (p->sync) {
			p->sync->done = 1;
			p->sync->status = 0;
		}
		return;
	}
	if (p->kind == PEND_CONVERT) {
		lk->lksb = p->lksb;
		lk->ast = p->ast;
		lk->bast = p->bast;
		lk->astarg = p->astarg;
	} else {
		if (p->lksb)
			lk->lksb = p->lksb;
		if (p->astarg)
			lk->astarg = p->astarg;
	}
	if (p->outcome != DLMP_OUTCOME_NONE_FOLLOWS && p->sync)
		sync_append(lk, p->sync);
}

static void on_result(struct dlmc_ls *ls, uint32_t request, struct dlmc_cursor *c)
{
	int32_t err = (int32_t)cur_u32(c);
	uint32_t lkid = cur_u32(c);
	uint8_t outcome = cur_u8(c);
	struct dlmc_pending *p = pending_take(ls, request);
	if (!p)
		return;
	p->err = c->bad ? EPROTO : (err < 0 ? -err : err);
	p->lkid = lkid;
	p->outcome = outcome;
	if (p->err == 0 && p->kind == PEND_NEW_LOCK)
		apply_new_lock(ls, p);
	else if (p->err == 0 && (p->kind == PEND_CONVERT || p->kind == PEND_UNLOCK))
		apply_existing(ls, p);
	p->done = 1;
}

static void cb_enqueue(struct dlmc_ls *ls, struct dlmc_cb *cb)
{
	cb->next = NULL;
	if (ls->cb_tail)
		ls->cb_tail->next = cb;
	else
		ls->cb_head = cb;
	ls->cb_tail = cb;
	conn_wake_thread(ls);
}

static int is_end_of_life(int status, int8_t granted_mode)
{
	if (status == EUNLOCK)
		return 1;
	return status != 0 && granted_mode < 0;
}

static void fill_lksb_now(struct dlm_lksb *lksb, uint32_t lkid, int status, char flags,
		const uint8_t *lvb)
{
	if (!lksb)
		return;
	if (lvb && lksb->sb_lvbptr)
		memcpy(lksb->sb_lvbptr, lvb, DLMC_LVB_BYTES);
	lksb->sb_lkid = lkid;
	lksb->sb_flags = flags;
	lksb->sb_status = status;
}

/*
 * A synchronous completion writes the lksb at once; callbacks of this lock still queued from
 * earlier operations must then not overwrite it with their older results when dispatched.
 */
static void keep_newer_lksb(struct dlmc_ls *ls, const struct dlmc_lock *lk)
{
	for (struct dlmc_cb *cb = ls->cb_head; cb; cb = cb->next)
		if (cb->kind == CB_AST && cb->lkid == lk->lkid && cb->lksb == lk->lksb)
			cb->lksb = NULL;
}

static void on_completion(struct dlmc_ls *ls, struct dlmc_cursor *c)
{
	uint32_t lkid = cur_u32(c);
	int status = (int)cur_u32(c);
	char flags = (char)cur_u8(c);
	int8_t granted = (int8_t)cur_u8(c);
	const uint8_t *lvb = cur_u8(c) ? cur_bytes(c, DLMC_LVB_BYTES) : NULL;
	struct dlmc_lock *lk = locktable_find(ls, lkid);
	if (c->bad || !lk)
		return;
	if (lk->sync) {
		keep_newer_lksb(ls, lk);
		int ends = is_end_of_life(status, granted);
		int first = 1;
		while (lk->sync && (ends || first || lk->sync->cancel)) {
			struct dlmc_sync *s = lk->sync;
			lk->sync = s->next;
			fill_lksb_now(s->lksb, lkid, status, flags, lvb);
			s->status = status;
			s->done = 1;
			first = 0;
		}
	} else if (lk->ast) {
		struct dlmc_cb *cb = calloc(1, sizeof(*cb));
		if (cb) {
			cb->kind = CB_AST;
			cb->fn = lk->ast;
			cb->arg = lk->astarg;
			cb->lksb = lk->lksb;
			cb->lkid = lkid;
			cb->status = status;
			cb->flags = flags;
			cb->has_lvb = lvb != NULL;
			if (lvb)
				memcpy(cb->lvb, lvb, DLMC_LVB_BYTES);
			cb_enqueue(ls, cb);
		}
	} else {
		fill_lksb_now(lk->lksb, lkid, status, flags, lvb);
	}
	if (is_end_of_life(status, granted))
		locktable_remove(ls, lkid);
}

static void on_blocking(struct dlmc_ls *ls, struct dlmc_cursor *c)
{
	uint32_t lkid = cur_u32(c);
	(void)cur_u32(c); /* the mode another lock waits for: libdlm's bast does not receive it */
	struct dlmc_lock *lk = locktable_find(ls, lkid);
	if (c->bad || !lk || !lk->bast)
		return;
	struct dlmc_cb *cb = calloc(1, sizeof(*cb));
	if (!cb)
		return;
	cb->kind = CB_BAST;
	cb->fn = lk->bast;
	cb->arg = lk->astarg;
	cb->lkid = lkid;
	cb_enqueue(ls, cb);
}

void frames_process(struct dlmc_ls *ls, uint16_t type, uint32_t request,
		const uint8_t *payload, size_t n)
{
	struct dlmc_cursor c = { payload, n, 0 };
	switch (type) {
	case DLMP_RESULT:
		on_result(ls, request, &c);
		break;
	case DLMP_COMPLETION:
		on_completion(ls, &c);
		break;
	case DLMP_BLOCKING:
		on_blocking(ls, &c);
		break;
	default:
		break; /* QUERY_TEXT is for administrative connections only */
	}
}

static void fail_waiters(struct dlmc_lock *lk)
{
	while (lk->sync) {
		struct dlmc_sync *s = lk->sync;
		lk->sync = s->next;
		s->status = -1;
		s->done = 1;
	}
}

/* The connection is gone: fail every pending request and wake every synchronous waiter. */
void frames_fail_all(struct dlmc_ls *ls)
{
	while (ls->pending) {
		struct dlmc_pending *p = ls->pending;
		ls->pending = p->next;
		p->err = ENOTCONN;
		p->done = 1;
	}
	locktable_each(ls, fail_waiters);
}
