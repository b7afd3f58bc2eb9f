/*
 * analyzer/store/blocks.c - each hop's histogram per span of time (table
 * hop_block, schemas/blocks.h), built as interrupt rows are queued and
 * written when the run finishes.
 *
 * While the run streams in, the end of its time range is unknown, so the
 * values are kept per slice of the grid of schemas/blocks.h: the slices of
 * width 2^k from the first start seen to the last, at most
 * IH_BLOCK_SLICES of them.  When a start falls outside and the range would
 * exceed that, k grows by one and neighbouring slices are merged (slice s
 * becomes s >> 1), until it fits; k thus ends as the smallest shift that
 * fits the run's starts, the grid ih_block_shift() defines.  A slice holds
 * one small open-addressing hash of (path, hop, bucket) -> count: slices
 * are visited about in time order (rows are queued as interrupts complete,
 * a few ms after their start), so the slice being filled stays in cache.
 * At the end, slices are grouped into IH_BLOCKS blocks (ih_block_of_slice)
 * and every (path, hop, block) becomes one row.
 *
 * Memory: at most IH_BLOCK_SLICES + 1 slices, each with a table of the
 * distinct (path, hop, bucket) keys it saw: bounded by the number of
 * buckets, not by the number of interrupts.
 *
 * Used by the thread that queues rows (ih_store_add_irq, then
 * ih_store_run_finish), never by the writer thread.
 */
#include "config.h"
#include "analyzer/store/priv.h"
#include "schemas/blocks.h"
#include "schemas/order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A key: path * IH_HOP_COUNT_ + hop, times IH_HIST_NBUCKETS, plus the bucket,
 * plus 1 (0 marks an empty entry). */
#define BLK_KEYS ((uint32_t)IH_PATH_COUNT_ * IH_HOP_COUNT_ * IH_HIST_NBUCKETS)

/* One (key, count) entry: key and count side by side, one cache line. */
struct blk_ent {
	uint32_t key, count;
};

struct blk_slice {
	struct blk_ent *e;
	uint32_t cap, n;	/* cap a power of two, or 0 */
};

struct store_blocks {
	unsigned k;		/* the grid's shift */
	bool any;		/* a start was seen */
	uint64_t u0, u1;	/* first and last start (ih_block_u) */
	struct blk_slice sl[IH_BLOCK_SLICES + 1];	/* slice (u0 >> k) + i */
};

static uint32_t blk_hash(uint32_t key, uint32_t cap)
{
	return (key * UINT32_C(2654435761)) & (cap - 1);
}

/* Adds N to KEY's count in S.  -1 when out of memory (S unchanged). */
static int blk_slice_add(struct blk_slice *s, uint32_t key, uint32_t n)
{
	uint32_t i;

	if ((s->n + 1) * 4 > s->cap * 3) {
		uint32_t cap = s->cap ? s->cap * 2 : 64;
		struct blk_ent *e = calloc(cap, sizeof(*e));

		if (!e)
			return -1;
		for (uint32_t j = 0; j < s->cap; j++) {
			if (!s->e[j].key)
				continue;
			for (i = blk_hash(s->e[j].key, cap); e[i].key; i = (i + 1) & (cap - 1))
				;
			e[i] = s->e[j];
		}
		free(s->e);
		s->e = e;
		s->cap = cap;
	}
	for (i = blk_hash(key, s->cap); s->e[i].key && s->e[i].key != key; i = (i + 1) & (s->cap - 1))
		;
	if (!s->e[i].key) {
		s->e[i].key = key;
		s->e[i].count = 0;
		s->n++;
	}
	s->e[i].count += n;
	return 0;
}

static void blk_slice_free(struct blk_slice *s)
{
	free(s->e);
	memset(s, 0, sizeof(*s));
}

/* Adds everything of FROM to TO and empties FROM.  -1 when out of memory. */
static int blk_slice_merge(struct blk_slice *to, struct blk_slice *from)
{
	if (!to->n) {
		blk_slice_free(to);
		*to = *from;
		memset(from, 0, sizeof(*from));
		return 0;
	}
	for (uint32_t j = 0; j < from->cap; j++)
		if (from->e[j].key && blk_slice_add(to, from->e[j].key, from->e[j].count))
			return -1;
	blk_slice_free(from);
	return 0;
}

/* Grows the grid's shift by one: slice s becomes s >> 1.  In place: the
 * new index of old index i is at most i.  -1 when out of memory. */
static int blk_coarsen(struct store_blocks *b)
{
	uint64_t base = b->u0 >> b->k, n = ih_block_nslices(b->u0, b->u1, b->k);

	for (uint64_t i = 0; i < n; i++) {
		uint64_t j = ((base + i) >> 1) - (base >> 1);

		if (j != i && blk_slice_merge(&b->sl[j], &b->sl[i]))
			return -1;
	}
	b->k++;
	return 0;
}

/* Makes room for start U: widens [u0, u1] to hold it, coarsening the grid
 * until it fits.  -1 when out of memory. */
static int blk_extend(struct store_blocks *b, uint64_t u)
{
	uint64_t u0 = u < b->u0 ? u : b->u0, u1 = u > b->u1 ? u : b->u1;

	while (ih_block_nslices(u0, u1, b->k) > IH_BLOCK_SLICES)
		if (blk_coarsen(b))
			return -1;
	if (u0 < b->u0) {
		/* Slices move up by the number of new ones in front. */
		uint64_t d = (b->u0 >> b->k) - (u0 >> b->k), n = ih_block_nslices(b->u0, b->u1, b->k);

		if (d) {
			memmove(&b->sl[d], &b->sl[0], n * sizeof(b->sl[0]));
			memset(&b->sl[0], 0, d * sizeof(b->sl[0]));
		}
	}
	b->u0 = u0;
	b->u1 = u1;
	return 0;
}

int store_blocks_add(struct ih_store_run *run, const struct ih_rec_row *row, char *err, size_t errlen)
{
	struct store_blocks *b = run->blocks;
	uint64_t u = ih_block_u(row->start_ns);
	struct blk_slice *s;

	if (!b) {
		b = run->blocks = calloc(1, sizeof(*b));
		if (!b)
			goto oom;
	}
	if (!b->any) {
		b->u0 = b->u1 = u;
		b->any = true;
	} else if ((u < b->u0 || u > b->u1) && blk_extend(b, u)) {
		goto oom;
	}
	s = &b->sl[(u >> b->k) - (b->u0 >> b->k)];
	for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
		uint32_t key;

		/* The values of the run's histograms (ih_store_add_irq). */
		if (!ih_rec_row_has(row, (enum ih_col)hop))
			continue;
		key = ((uint32_t)row->path * IH_HOP_COUNT_ + (uint32_t)hop) * IH_HIST_NBUCKETS +
		      (uint32_t)ih_hist_index((uint64_t)row->col[hop]) + 1;
		if (blk_slice_add(s, key, 1))
			goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory for the hop blocks");
	return -1;
}

void store_blocks_free(struct store_blocks *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < IH_BLOCK_SLICES + 1; i++)
		blk_slice_free(&b->sl[i]);
	free(b);
}

/* Writes one block's rows from its counts CNT (per path and hop, dense over
 * the buckets; zeroed again) into ins.  -1 with err set. */
static int blk_write_block(struct ih_store_run *run, sqlite3_stmt *ins, unsigned block, int64_t start,
			   int64_t end, uint32_t *cnt, const bool *used, uint8_t *buf, char *err,
			   size_t errlen)
{
	for (int ph = 0; ph < IH_PATH_COUNT_ * IH_HOP_COUNT_; ph++) {
		uint32_t *c = cnt + (size_t)ph * IH_HIST_NBUCKETS;
		uint64_t prev = 0, total = 0;
		size_t len = 0;

		if (!used[ph])
			continue;
		for (size_t i = 0; i < IH_HIST_NBUCKETS; i++) {
			uint64_t hi;

			if (!c[i])
				continue;
			hi = ih_hist_bucket_hi(i);
			len += ih_varint_put(buf + len, hi - prev);
			len += ih_varint_put(buf + len, c[i]);
			prev = hi;
			total += c[i];
			c[i] = 0;
		}
		if (!total)
			continue;
		sqlite3_bind_int64(ins, 1, run->run_id);
		sqlite3_bind_text(ins, 2, ih_cat_path_name((enum ih_path)(ph / IH_HOP_COUNT_)), -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, ih_cat_hop_name((enum ih_hop)(ph % IH_HOP_COUNT_)), -1, SQLITE_STATIC);
		sqlite3_bind_int(ins, 4, (int)block);
		sqlite3_bind_int64(ins, 5, start);
		sqlite3_bind_int64(ins, 6, end);
		sqlite3_bind_int64(ins, 7, (sqlite3_int64)total);
		sqlite3_bind_blob(ins, 8, buf, (int)len, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			snprintf(err, errlen, "database %s: cannot write the hop blocks: %s", run->st->path,
				 sqlite3_errmsg(run->st->db));
			sqlite3_reset(ins);
			return -1;
		}
		sqlite3_reset(ins);
	}
	return 0;
}

int store_blocks_write(struct ih_store_run *run, char *err, size_t errlen)
{
	struct store_blocks *b = run->blocks;
	const size_t nph = (size_t)IH_PATH_COUNT_ * IH_HOP_COUNT_;
	sqlite3_stmt *ins = NULL;
	uint32_t *cnt = NULL;
	uint8_t *buf = NULL;
	bool used[IH_PATH_COUNT_ * IH_HOP_COUNT_];
	uint64_t n, base, i = 0;
	int ret = -1;

	if (!b || !b->any)
		return 0;
	if (sqlite3_prepare_v2(run->st->db, "INSERT INTO hop_block (run_id, path, hop, block, start_ns, end_ns, "
			       "count, buckets) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database %s: cannot write the hop blocks: %s", run->st->path,
			 sqlite3_errmsg(run->st->db));
		goto end;
	}
	cnt = calloc(nph * IH_HIST_NBUCKETS, sizeof(*cnt));
	/* Two varints of at most 10 bytes per bucket. */
	buf = malloc(IH_HIST_NBUCKETS * 20);
	if (!cnt || !buf) {
		snprintf(err, errlen, "out of memory writing the hop blocks");
		goto end;
	}
	n = ih_block_nslices(b->u0, b->u1, b->k);
	base = b->u0 >> b->k;
	for (unsigned block = 0; block < IH_BLOCKS; block++) {
		uint64_t first = i;

		memset(used, 0, sizeof(used));
		/* Slices base + i of this block, in order (a block may have
		 * none when the run spans fewer slices than blocks). */
		for (; i < n && ih_block_of_slice(base + i, b->u0, b->u1, b->k) == block; i++) {
			const struct blk_slice *s = &b->sl[i];

			for (uint32_t j = 0; j < s->cap; j++) {
				uint32_t key;

				if (!s->e[j].key)
					continue;
				key = s->e[j].key - 1;
				/* Counts per block stay below 2^32 unless a
				 * block holds more interrupts than that. */
				cnt[key] += s->e[j].count;
				used[key / IH_HIST_NBUCKETS] = true;
			}
		}
		if (i == first)
			continue;
		/* The span in start_ns: slices first .. i - 1, inclusive
		 * (unsigned arithmetic wraps exactly at the top). */
		if (blk_write_block(run, ins, block, (int64_t)(ih_block_u(0) ^ ((base + first) << b->k)),
				    (int64_t)(ih_block_u(0) ^ (((base + i) << b->k) - 1)), cnt, used, buf, err,
				    errlen))
			goto end;
	}
	/* Written: the slices are done with (a store may hold more runs). */
	store_blocks_free(run->blocks);
	run->blocks = NULL;
	ret = 0;
end:
	sqlite3_finalize(ins);
	free(cnt);
	free(buf);
	return ret;
}
