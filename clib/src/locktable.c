/*
 * locktable.c — per-handle hash table from lock id to the caller's lksb and callbacks.
 * Every function expects the handle's mutex to be held.
 */
#include <stdlib.h>

#include "internal.h"

static unsigned bucket_of(uint32_t lkid)
{
	/* Fibonacci hashing spreads the daemon's small sequential ids. */
	return (unsigned)((lkid * 2654435761u) >> 22) & (DLMC_LOCK_TABLE_BUCKETS - 1);
}

struct dlmc_lock *locktable_find(struct dlmc_ls *ls, uint32_t lkid)
{
	struct dlmc_lock *lk = ls->table[bucket_of(lkid)];
	while (lk && lk->lkid != lkid)
		lk = lk->next;
	return lk;
}

/* Inserts lk, replacing (and freeing) a stale record with the same id. */
int locktable_insert(struct dlmc_ls *ls, struct dlmc_lock *lk)
{
	locktable_remove(ls, lk->lkid);
	unsigned b = bucket_of(lk->lkid);
	lk->next = ls->table[b];
	ls->table[b] = lk;
	return 0;
}

void locktable_remove(struct dlmc_ls *ls, uint32_t lkid)
{
	struct dlmc_lock **pp = &ls->table[bucket_of(lkid)];
	while (*pp) {
		if ((*pp)->lkid == lkid) {
			struct dlmc_lock *dead = *pp;
			*pp = dead->next;
			free(dead);
			return;
		}
		pp = &(*pp)->next;
	}
}

void locktable_clear(struct dlmc_ls *ls)
{
	for (unsigned b = 0; b < DLMC_LOCK_TABLE_BUCKETS; b++) {
		struct dlmc_lock *lk = ls->table[b];
		while (lk) {
			struct dlmc_lock *next = lk->next;
			free(lk);
			lk = next;
		}
		ls->table[b] = NULL;
	}
}
