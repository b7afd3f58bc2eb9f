/*
 * analyzer/regress/blocks.c - a run's samples from its hop_block rows
 * (schemas/blocks.h): per path and hop, the buckets of each span of time,
 * as cumulative counts the bootstrap resamples spans of (bootstrap.c).
 * A few hundred rows per run instead of every interrupt: this is what makes
 * a comparison fast; runs without such rows are read from irq (samples.c).
 */
#include "config.h"
#include "analyzer/regress/internal.h"
#include "analyzer/store/hist.h"
#include "schemas/order.h"
#include "schemas/percentile.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * One (path, hop) being read, straight into the matrix the bootstrap reads:
 * span i's count in bucket j goes to cnt[(j - jlo) * IH_BLOCKS + i], for
 * the buckets jlo .. jlo + nr - 1 of hop_hist's grid (analyzer/store/hist.h)
 * that the hop's exact minimum and maximum (hop_summary) bound; a span's
 * pair whose bucket lies outside, or whose upper bound is not one of the
 * grid's, is corruption.  reg_acc_finish then drops the buckets no span
 * has and makes the counts cumulative, in place, so the matrix becomes
 * the vector's cum: no pair lists, no merge of the spans' buckets, and the
 * least fresh memory (on a VM each new page costs about as much as
 * reading a hundred pairs).
 */
struct reg_acc {
	uint32_t *cnt;		/* nr * IH_BLOCKS, zeroed */
	size_t jlo, nr, nb;	/* nb: spans read so far (columns 0 .. nb - 1) */
	uint64_t max;
};

/* Starts a (path, hop) whose values lie in MIN .. MAX.  1 when MIN > MAX
 * (corrupt), -1 when out of memory. */
static int reg_acc_start(struct reg_acc *a, uint64_t min, uint64_t max)
{
	size_t jhi;

	if (min > max)
		return 1;
	a->jlo = ih_hist_index(min);
	jhi = ih_hist_index(max);
	a->nr = jhi - a->jlo + 1;
	a->nb = 0;
	a->max = max;
	a->cnt = calloc(a->nr * IH_BLOCKS, sizeof(*a->cnt));
	return a->cnt ? 0 : -1;
}

/* Decodes one hop_block blob (COUNT values) into A as its next span.  1
 * when the blob is malformed, does not hold COUNT values, or a bucket is
 * not on the grid between the hop's minimum and maximum. */
static int reg_acc_blob(struct reg_acc *a, const uint8_t *p, size_t len, uint64_t count)
{
	const uint8_t *end = p + len;
	uint64_t hi = 0, sum = 0;
	size_t i = a->nb;

	if (i == IH_BLOCKS)
		return 1;
	a->nb++;
	while (p < end) {
		uint64_t d, c;
		size_t j;

		if (ih_varint_get(&p, end, &d) || ih_varint_get(&p, end, &c) || !c || c > UINT32_MAX ||
		    (sum && !d) || d > UINT64_MAX - hi)
			return 1;
		hi += d;
		sum += c;
		j = ih_hist_index(hi);
		if (ih_hist_bucket_hi(j) != hi || j < a->jlo || j - a->jlo >= a->nr)
			return 1;
		a->cnt[(j - a->jlo) * IH_BLOCKS + i] = (uint32_t)c;
	}
	return sum == count ? 0 : 1;
}

/* Makes X's buckets of A's matrix, which X takes: the buckets some span
 * has, ascending, with each span's cumulative counts (cum[k * nb + i]) and
 * their totals.  -1 when out of memory (the matrix is freed). */
static int reg_acc_finish(struct reg_acc *a, struct reg_vec *x)
{
	uint32_t run[IH_BLOCKS] = { 0 }, row[IH_BLOCKS];
	uint32_t *cum = a->cnt;
	uint64_t total = 0;
	size_t nb = a->nb, k = 0;

	a->cnt = NULL;
	x->val = malloc(a->nr * sizeof(*x->val));
	x->tot = malloc(a->nr * sizeof(*x->tot));
	if (!x->val || !x->tot) {
		free(cum);
		return -1;
	}
	/* Row k of the result (nb wide) never lies after row j of the matrix
	 * (IH_BLOCKS wide, k <= j): compacted in place, each row read before
	 * it is written. */
	for (size_t j = 0; j < a->nr; j++) {
		uint64_t s = 0;

		for (size_t i = 0; i < nb; i++)
			s += row[i] = cum[j * IH_BLOCKS + i];
		if (!s)
			continue;
		for (size_t i = 0; i < nb; i++)
			cum[k * nb + i] = run[i] += row[i];
		total += s;
		x->tot[k] = total;
		x->val[k] = (int64_t)ih_pct_bucket_value(ih_hist_bucket_hi(a->jlo + j), a->max);
		k++;
	}
	if (!k) {
		/* Spans without values: an empty vector, as none. */
		free(cum);
		free(x->val);
		free(x->tot);
		x->val = NULL;
		x->tot = NULL;
		return 0;
	}
	x->cum = cum;
	x->nk = k;
	x->nb = nb;
	x->n = (size_t)total;
	return 0;
}

/* Loads RUN's samples from its hop_block rows as buckets.  Returns 1 when
 * loaded, 0 when RUN has no hop_block rows (*out empty: the caller reads
 * irq), -1 with err set and *out emptied on failure. */
int reg_load_blocks(sqlite3 *db, int64_t run, struct reg_run *out, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT b.path, b.hop, b.block, b.count, b.buckets, s.min_ns, s.max_ns FROM hop_block b "
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
			cur = NULL;
			snprintf(path, sizeof(path), "%s", p);
			snprintf(hop, sizeof(hop), "%s", h);
			rp = reg_run_path(out, p, 1);
			if (!rp)
				goto oom;
			r = reg_acc_start(&acc, (uint64_t)sqlite3_column_int64(st, 5),
					  (uint64_t)sqlite3_column_int64(st, 6));
			if (r < 0)
				goto oom;
			if (r > 0)
				goto corrupt;
			cur = &rp->col[c];
		}
		r = reg_acc_blob(&acc, sqlite3_column_blob(st, 4), (size_t)sqlite3_column_bytes(st, 4),
				 (uint64_t)sqlite3_column_int64(st, 3));
		if (r < 0)
			goto oom;
		if (r > 0)
			goto corrupt;
	}
	if (!rows && (rc == SQLITE_DONE || rc == SQLITE_ROW)) {
		/* None, or too large: irq. */
		sqlite3_finalize(st);
		free(acc.cnt);
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
	out->source = "hop_block";
	return 1;
corrupt:
	reg_err(err, errlen, "run %" PRId64 ": hop_block row %s/%s block %d is corrupt", run,
		(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		sqlite3_column_int(st, 2));
	goto error;
oom:
	reg_err(err, errlen, "out of memory reading the hop blocks of run %" PRId64, run);
error:
	sqlite3_finalize(st);
	free(acc.cnt);
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
