/*
 * locktable.c — per-handle hash table from lock id to the caller's lksb and callbacks. The table
 * starts small and doubles whenever it holds as many locks as buckets, so lookups stay O(1) from a
 * handful of locks to millions. Every function expects the handle's mutex to be held.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* Fibonacci hashing spreads the daemon's small sequential ids; size is a power of two. */
static unsigned bucket_of(uint32_t lkid, unsigned size)
{
	return (unsigned)(((uint64_t)lkid * 11400714819323198485ull) >> 32) & (size - 1);
}

struct dlmc_lock *locktable_find(struct dlmc_ls *ls, uint32_t lkid)
{
	if (!ls->table)
		return NULL;
	struct dlmc_lock *lk = ls->table[bucket_of(lkid, ls->table_size)];
	while (lk && lk->lkid != lkid)
		lk = lk->next;
	return lk;
}

/* Rehashes into twice (or, first time, DLMC_LOCK_TABLE_BUCKETS_MIN) buckets; -1 without memory. */
static int grow(struct dlmc_ls *ls)
{
	unsigned size = ls->table ? ls->table_size * 2 : DLMC_LOCK_TABLE_BUCKETS_MIN;
	struct dlmc_lock **table = calloc(size, sizeof(*table));
	if (!table)
		return -1;
	for (unsigned b = 0; ls->table && b < ls->table_size; b++) {
		struct dlmc_lock *lk = ls->table[b];
		while (lk) {
			struct dlmc_lock *next = lk->next;
			unsigned nb = bucket_of(lk->lkid, size);
			lk->next = table[nb];
			table[nb] = lk;
			lk = next;
		}
	}
	free(ls->table);
	ls->table = table;
	ls->table_size = size;
	return 0;
}

/* Inserts lk, replacing (and freeing) a stale record with the same id. */
int locktable_insert(struct dlmc_ls *ls, struct dlmc_lock *lk)
{
	locktable_remove(ls, lk->lkid);
	if ((!ls->table || ls->table_count >= ls->table_size) && grow(ls) < 0 && !ls->table) {
		errno = ENOMEM;
		return -1;
	}
	unsigned b = bucket_of(lk->lkid, ls->table_size);
	lk->next = ls->table[b];
	ls->table[b] = lk;
	ls->table_count++;
	return 0;
}

void locktable_remove(struct dlmc_ls *ls, uint32_t lkid)
{
	if (!ls->table)
		return;
	struct dlmc_lock **pp = &ls->table[bucket_of(lkid, ls->table_size)];
	while (*pp) {
		if ((*pp)->lkid == lkid) {
			struct dlmc_lock *dead = *pp;
			*pp = dead->next;
			free(dead);
			ls->table_count--;
			return;
		}
		pp = &(*pp)->next;
	}
}

/* Calls fn on every record (fn must not insert or remove). */
void locktable_each(struct dlmc_ls *ls, void (*fn)(struct dlmc_lock *))
{
	for (unsigned b = 0; ls->table && b < ls->table_size; b++)
		for (struct dlmc_lock *lk = ls->table[b]; lk; lk = lk->next)
			fn(lk);
}

void locktable_clear(struct dlmc_ls *ls)
{
	for (unsigned b = 0; ls->table && b < ls->table_size; b++) {
		struct dlmc_lock *lk = ls->table[b];
		while (lk) {
			struct dlmc_lock *next = lk->next;
			free(lk);
			lk = next;
		}
	}
	free(ls->table);
	ls->table = NULL;
	ls->table_size = 0;
	ls->table_count = 0;
}
