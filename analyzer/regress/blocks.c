/*
 * analyzer/regress/blocks.c - a run's samples from its hop_block rows
 * (schemas/blocks.h): per path and hop, the buckets of each span of time,
 * as cumulative counts the bootstrap resamples spans of (bootstrap.c).
 * A few hundred rows per run instead of every interrupt: this is what makes
 * a comparison fast; runs without such rows are read from irq (samples.c).
 */
#include "config.h"
#include "analyzer/regress/internal.h"
#include "schemas/order.h"
#include "schemas/percentile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One (path, hop) being read: its spans' (hi_ns, count) pairs, span i's
 * pairs at off[i] .. off[i + 1] - 1. */
struct reg_acc {
	uint64_t *hi;
	uint32_t *cnt;
	size_t n, cap;
	size_t *off;
	size_t nb, bcap;
	uint64_t max;
	uint64_t *u, *t;	/* reg_acc_finish's scratch, cap entries each */
};

static void reg_acc_free(struct reg_acc *a)
{
	free(a->hi);
	free(a->cnt);
	free(a->off);
	free(a->u);
	free(a->t);
}

static int reg_acc_push(struct reg_acc *a, uint64_t hi, uint64_t cnt)
{
	if (a->n == a->cap) {
		/* One hop's pairs (reused for the next): ~30 000 for a run of
		 * 1 M interrupts. */
		size_t cap = a->cap ? a->cap * 2 : 32768;
		uint64_t *h = realloc(a->hi, cap * sizeof(*h)), *u, *t;
		uint32_t *c;

		if (!h)
			return -1;
		a->hi = h;
		c = realloc(a->cnt, cap * sizeof(*c));
		if (!c)
			return -1;
		a->cnt = c;
		/* The scratch only needs room, not the contents. */
		free(a->u);
		free(a->t);
		a->u = u = malloc(cap * sizeof(*u));
		a->t = t = malloc(cap * sizeof(*t));
		if (!u || !t)
			return -1;
		a->cap = cap;
	}
	a->hi[a->n] = hi;
	a->cnt[a->n] = (uint32_t)cnt;
	a->n++;
	return 0;
}

/* Starts a span in A.  -1 when out of memory. */
static int reg_acc_span(struct reg_acc *a)
{
	if (a->nb + 2 > a->bcap) {
		size_t cap = a->bcap ? a->bcap * 2 : 64;
		size_t *o = realloc(a->off, cap * sizeof(*o));

		if (!o)
			return -1;
		a->off = o;
		a->bcap = cap;
	}
	a->off[a->nb++] = a->n;
	a->off[a->nb] = a->n;
	return 0;
}

/* Decodes one hop_block blob (COUNT values) into A as a new span.  1 when
 * the blob is malformed or does not hold COUNT values, -1 when out of
 * memory. */
static int reg_acc_blob(struct reg_acc *a, const uint8_t *p, size_t len, uint64_t count)
{
	const uint8_t *end = p + len;
	uint64_t hi = 0, sum = 0;

	if (reg_acc_span(a))
		return -1;
	while (p < end) {
		uint64_t d, c;

		if (ih_varint_get(&p, end, &d) || ih_varint_get(&p, end, &c) || !c || c > UINT32_MAX ||
		    (a->n > a->off[a->nb - 1] && !d))
			return 1;
		hi += d;
		sum += c;
		if (reg_acc_push(a, hi, c))
			return -1;
	}
	a->off[a->nb] = a->n;
	return sum == count ? 0 : 1;
}

/* Builds X's buckets from A's spans: the union of their buckets (merged
 * span by span, each is ascending), then each span's cumulative counts.
 * -1 when out of memory. */
static int reg_acc_finish(struct reg_acc *a, struct reg_vec *x)
{
	uint64_t *u = a->u, *t = a->t;
	size_t nu = 0;

	if (!a->n)
		return 0;
	for (size_t i = 0; i < a->nb; i++) {
		size_t p = 0, q = a->off[i], nt = 0;
		uint64_t *swap;

		while (p < nu || q < a->off[i + 1]) {
			if (q == a->off[i + 1] || (p < nu && u[p] < a->hi[q]))
				t[nt++] = u[p++];
			else if (p == nu || a->hi[q] < u[p])
				t[nt++] = a->hi[q++];
			else
				t[nt++] = u[p++], q++;
		}
		swap = u;
		u = t;
		t = swap;
		nu = nt;
	}
	x->nk = nu;
	x->nb = a->nb;
	x->val = malloc((nu ? nu : 1) * sizeof(*x->val));
	x->tot = calloc(nu ? nu : 1, sizeof(*x->tot));
	x->cum = calloc((nu ? nu : 1) * (a->nb ? a->nb : 1), sizeof(*x->cum));
	if (!x->val || !x->tot || !x->cum)
		return -1;
	for (size_t j = 0; j < nu; j++)
		x->val[j] = (int64_t)ih_pct_bucket_value(u[j], a->max);
	for (size_t i = 0; i < a->nb; i++) {
		size_t j = 0;

		for (size_t q = a->off[i]; q < a->off[i + 1]; q++) {
			while (u[j] < a->hi[q])
				j++;
			x->cum[j * a->nb + i] = (uint32_t)a->cnt[q];
		}
	}
	for (size_t j = 0; j < nu; j++) {
		uint64_t s = 0;

		for (size_t i = 0; i < a->nb; i++) {
			if (j)
				x->cum[j * a->nb + i] += x->cum[(j - 1) * a->nb + i];
			s += x->cum[j * a->nb + i];
		}
		x->tot[j] = s;
	}

	x->n = nu ? (size_t)x->tot[nu - 1] : 0;
	a->n = a->nb = 0;
	return 0;
}

/* Loads RUN's samples from its hop_block rows as buckets.  Returns 1 when
 * loaded, 0 when RUN has no hop_block rows (*out empty: the caller reads
 * irq), -1 with err set and *out emptied on failure. */
int reg_load_blocks(sqlite3 *db, int64_t run, struct reg_run *out, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT b.path, b.hop, b.block, b.count, b.buckets, s.max_ns FROM hop_block b "
		"JOIN hop_summary s USING (run_id, path, hop) WHERE b.run_id = ?1 ORDER BY b.path, b.hop, b.block";
	struct reg_acc acc = { 0 };
	struct reg_vec *cur = NULL;
	sqlite3_stmt *st = NULL;
	char path[64] = "", hop[64] = "";
	int rc, rows = 0, r;

	memset(out, 0, sizeof(*out));
	/* A database without the table (older than schema v7): read irq. */
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0), *h = (const char *)sqlite3_column_text(st, 1);
		int c;

		rows++;
		/* reg_vec counts a span's values in 32 bits: a span of 2^32
		 * interrupts or more (weeks of a busy host) is read from irq. */
		if (sqlite3_column_int64(st, 3) > (sqlite3_int64)UINT32_MAX) {
			rows = 0;
			break;
		}
		if (!p || !h || (c = reg_col(h)) < 0)
			continue;
		if (strcmp(p, path) || strcmp(h, hop)) {
			struct reg_path *rp;

			if (cur && reg_acc_finish(&acc, cur))
				goto oom;
			snprintf(path, sizeof(path), "%s", p);
			snprintf(hop, sizeof(hop), "%s", h);
			rp = reg_run_path(out, p, 1);
			if (!rp)
				goto oom;
			cur = &rp->col[c];
			acc.max = (uint64_t)sqlite3_column_int64(st, 5);
		}
		r = reg_acc_blob(&acc, sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
				 (uint64_t)sqlite3_column_int64(st, 3));
		if (r < 0)
			goto oom;
		if (r > 0) {
			reg_err(err, errlen, "run %" PRId64 ": hop_block row %s/%s block %d is corrupt", run, p, h,
				sqlite3_column_int(st, 2));
			goto error;
		}
	}
	if (!rows && (rc == SQLITE_DONE || rc == SQLITE_ROW)) {
		/* None, or too large: irq. */
		sqlite3_finalize(st);
		reg_acc_free(&acc);
		reg_run_free(out);
		return 0;
	}
	if (rc != SQLITE_DONE) {
		reg_err(err, errlen, "cannot read the hop blocks of run %" PRId64 ": %s", run, sqlite3_errmsg(db));
		goto error;
	}
	if (cur && reg_acc_finish(&acc, cur))
		goto oom;
	sqlite3_finalize(st);
	reg_acc_free(&acc);
	out->source = "hop_block";
	return 1;
oom:
	reg_err(err, errlen, "out of memory reading the hop blocks of run %" PRId64, run);
error:
	sqlite3_finalize(st);
	reg_acc_free(&acc);
	reg_run_free(out);
	return -1;
}

/* Loads RUN's samples from where SRC says. */
int reg_load(sqlite3 *db, int64_t run, enum reg_source src, struct reg_run *out, char *err, size_t errlen)
{
	if (src == REG_SRC_AUTO) {
		int r = reg_load_blocks(db, run, out, err, errlen);

		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return reg_load_run(db, run, src == REG_SRC_LEGACY, out, err, errlen);
}
