/*
 * analyzer/regress/samples.c - a run's samples: the per-interrupt duration columns
 * of the irq table (one scan per run), per path and hop, sorted and cut into
 * REG_BLOCKS spans of time: the per-interrupt path, for runs without
 * hop_block rows (blocks.c reads those).
 */
#include "config.h"
#include "analyzer/regress/internal.h"
#include "schemas/order.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hop columns of irq, in the order of REG_SAMPLES_SQL; hop names are
 * the column names without _ns. */
const char *const reg_cols[REG_NCOLS] = {
	"delivery", "schedule", "queue", "assist", "callback", "defer", "worker", "inject", "guest",
	"total",
};

static int reg_vec_push(struct reg_vec *a, int64_t start, int64_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct reg_pair *v = realloc(a->raw, cap * sizeof(*v));

		if (!v)
			return -1;
		a->raw = v;
		a->cap = cap;
	}
	a->raw[a->n].start = start;
	a->raw[a->n].val = x;
	a->n++;
	return 0;
}

int reg_col(const char *name)
{
	for (int c = 0; c < REG_NCOLS; c++)
		if (strcmp(reg_cols[c], name) == 0)
			return c;
	return -1;
}

static void reg_vec_free(struct reg_vec *a)
{
	free(a->v);
	free(a->bv);
	free(a->boff);
	free(a->raw);
	free(a->val);
	free(a->cum);
	free(a->tot);
	memset(a, 0, sizeof(*a));
}

/* Sorts a[0..n) ascending with the project's one radix sort
 * (ih_order_sort, schemas/order.h) through PAIRS (room for n): a value
 * becomes a pair's dur_ns with its sign bit flipped, so that unsigned order
 * is signed order, and irq_id 0 (whose byte passes the sort skips).  -1
 * when out of memory. */
static int reg_sort(int64_t *a, size_t n, struct ih_order_pair *pairs)
{
	const uint64_t sign = UINT64_C(1) << 63;

	for (size_t i = 0; i < n; i++) {
		pairs[i].dur_ns = (uint64_t)a[i] ^ sign;
		pairs[i].irq_id = 0;
	}
	if (ih_order_sort(pairs, n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		a[i] = (int64_t)(pairs[i].dur_ns ^ sign);
	return 0;
}

/* Turns the loaded pairs into the sorted arrays, spans of [t0, t1] cut in
 * REG_BLOCKS: hop_block's (ih_block_of), or when LEGACY the exact cuts of
 * schema v6 and before.  Values are distributed to their span (counting
 * sort), then each span and the run's values are sorted (reg_sort).  -1
 * when out of memory (A is then freed by the caller). */
static int reg_vec_finish(struct reg_vec *a, int64_t t0, int64_t t1, int legacy)
{
	uint64_t span = (uint64_t)(t1 - t0) / REG_BLOCKS + 1;
	uint64_t u0 = ih_block_u(t0), u1 = ih_block_u(t1);
	unsigned k = ih_block_shift(u0, u1);
	size_t cnt[REG_BLOCKS] = { 0 }, off[REG_BLOCKS + 1], pos[REG_BLOCKS];
	struct ih_order_pair *keys;

	if (!a->n)
		return 0;
	a->v = malloc(a->n * sizeof(*a->v));
	a->bv = malloc(a->n * sizeof(*a->bv));
	a->boff = malloc((REG_BLOCKS + 1) * sizeof(*a->boff));
	if (!a->v || !a->bv || !a->boff)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		uint64_t b = legacy ? (uint64_t)(a->raw[i].start - t0) / span
				    : ih_block_of_slice(ih_block_u(a->raw[i].start) >> k, u0, u1, k);

		a->raw[i].start = (int64_t)(b < REG_BLOCKS ? b : REG_BLOCKS - 1);
		cnt[a->raw[i].start]++;
	}
	off[0] = 0;
	for (size_t b = 0; b < REG_BLOCKS; b++)
		off[b + 1] = off[b] + cnt[b];
	memcpy(pos, off, sizeof(pos));
	for (size_t i = 0; i < a->n; i++)
		a->bv[pos[a->raw[i].start]++] = a->raw[i].val;
	/* The loaded pairs are done with: their memory becomes the sort's
	 * (the same size, n pairs). */
	free(a->raw);
	a->cap = 0;
	a->raw = NULL;
	keys = malloc(a->n * sizeof(*keys));
	if (!keys)
		return -1;
	a->nb = 0;
	for (size_t b = 0; b < REG_BLOCKS; b++) {
		if (!cnt[b])
			continue;
		if (reg_sort(a->bv + off[b], cnt[b], keys) != 0)
			goto oom;
		a->boff[a->nb++] = off[b];
	}
	a->boff[a->nb] = a->n;
	memcpy(a->v, a->bv, a->n * sizeof(*a->v));
	if (reg_sort(a->v, a->n, keys) != 0)
		goto oom;
	free(keys);
	return 0;
oom:
	free(keys);
	return -1;
}



void reg_run_free(struct reg_run *r)
{
	for (size_t i = 0; i < r->npaths; i++) {
		free(r->paths[i].name);
		for (size_t c = 0; c < REG_NCOLS; c++)
			reg_vec_free(&r->paths[i].col[c]);
	}
	free(r->paths);
	memset(r, 0, sizeof(*r));
}

/* Finds the path NAME of R (creating it when CREATE); NULL when absent or
 * out of memory. */
struct reg_path *reg_run_path(struct reg_run *r, const char *name, int create)
{
	struct reg_path *p;

	for (size_t i = 0; i < r->npaths; i++)
		if (strcmp(r->paths[i].name, name) == 0)
			return &r->paths[i];
	if (!create)
		return NULL;
	p = realloc(r->paths, (r->npaths + 1) * sizeof(*p));
	if (!p)
		return NULL;
	r->paths = p;
	p = &r->paths[r->npaths];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return NULL;
	r->npaths++;
	return p;
}

/* Loads every hop sample of RUN (one scan of its irq rows), sorted and cut
 * into spans of time (those of schemas/blocks.h, or when LEGACY the exact
 * cuts of schema v6).  On failure returns -1 with err set and *out
 * emptied. */
int reg_load_run(sqlite3 *db, int64_t run, int legacy, struct reg_run *out, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t t0 = INT64_MAX, t1 = INT64_MIN;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(db, REG_SAMPLES_SQL, -1, &st, NULL) != SQLITE_OK) {
		reg_err(err, errlen, "cannot read interrupts: %s", sqlite3_errmsg(db));
		goto error;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int64_t start = sqlite3_column_int64(st, 1);
		struct reg_path *p;

		if (!name)
			continue;
		p = reg_run_path(out, name, 1);
		if (!p)
			goto oom;
		if (start < t0)
			t0 = start;
		if (start > t1)
			t1 = start;
		for (size_t c = 0; c < REG_NCOLS; c++) {
			if (sqlite3_column_type(st, (int)c + 2) == SQLITE_NULL)
				continue;
			if (reg_vec_push(&p->col[c], start, sqlite3_column_int64(st, (int)c + 2)))
				goto oom;
		}
	}
	if (rc != SQLITE_DONE) {
		reg_err(err, errlen, "cannot read the interrupts of run %" PRId64 ": %s", run, sqlite3_errmsg(db));
		goto error;
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < out->npaths; i++)
		for (size_t c = 0; c < REG_NCOLS; c++)
			if (reg_vec_finish(&out->paths[i].col[c], t0, t1, legacy))
				goto oom;
	out->source = "irq";
	return 0;
oom:
	reg_err(err, errlen, "out of memory reading the interrupts of run %" PRId64, run);
error:
	sqlite3_finalize(st);
	reg_run_free(out);
	return -1;
}
