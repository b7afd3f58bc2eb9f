/*
 * schemas/order.c - see schemas/order.h.
 */
#include "config.h"
#include "schemas/order.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- varints ------------------------------------------------------------ */

size_t ih_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}


/* ---- sorting ------------------------------------------------------------- */

/* Stable LSD radix sort of pairs by (dur_ns, irq_id): byte passes over
 * irq_id then dur_ns, low to high, only over the bytes that differ between
 * pairs (durations and ids rarely use more than 5 of their 8 bytes, and the
 * ids of one part share their high bytes): one pass finds them (the OR and
 * AND of every key: a byte is the same in every pair iff both agree on it),
 * one more counts them, then one scatter pass per differing byte. */
/* Sorts A[0..N) by irq_id (stably) by insertion when that takes at most
 * BUDGET moves, and returns whether it did; past the budget it stops and
 * returns false, A then a permutation of what it was (the radix passes
 * sort any order). */
static bool order_by_id_insertion(struct ih_order_pair *a, size_t n, size_t budget)
{
	for (size_t i = 1; i < n; i++) {
		struct ih_order_pair x = a[i];
		size_t j = i;

		while (j > 0 && a[j - 1].irq_id > x.irq_id) {
			if (!budget--) {
				a[j] = x;
				return false;
			}
			a[j] = a[j - 1];
			j--;
		}
		a[j] = x;
	}
	return true;
}

int ih_order_sort(struct ih_order_pair *a, size_t n)
{
	size_t (*count)[256];
	unsigned pass_key[16], pass_shift[16], npasses = 0;	/* key 0: irq_id, 1: dur_ns */
	uint64_t or_id = 0, and_id = UINT64_MAX, or_dur = 0, and_dur = UINT64_MAX;
	struct ih_order_pair *tmp, *src = a, *dst;
	bool id_sorted = true;
	int ret = -1;

	if (n < 2)
		return 0;
	for (size_t i = 0; i < n; i++) {
		or_id |= a[i].irq_id;
		and_id &= a[i].irq_id;
		or_dur |= a[i].dur_ns;
		and_dur &= a[i].dur_ns;
		id_sorted &= !i || a[i - 1].irq_id <= a[i].irq_id;
	}
	/* Pairs in irq_id order: the stable passes over dur_ns alone give
	 * (dur_ns, irq_id) order, and the irq_id passes, almost half of the
	 * work, are skipped.  The analyzer queues interrupts as they
	 * complete, which is irq_id order but for a few percent of them
	 * moved by at most a few hundred places: an insertion sort puts
	 * those in order for less than one pass costs. */
	if (!id_sorted)
		id_sorted = order_by_id_insertion(a, n, 4 * n);
	for (unsigned k = id_sorted; k < 2; k++) {
		uint64_t diff = k ? or_dur ^ and_dur : or_id ^ and_id;

		for (unsigned b = 0; b < 8; b++) {
			if ((diff >> (8 * b)) & 0xff) {
				pass_key[npasses] = k;
				pass_shift[npasses++] = 8 * b;
			}
		}
	}
	if (npasses == 0)
		return 0;	/* every pair equal */
	count = calloc(npasses, sizeof(*count));
	tmp = malloc(n * sizeof(*tmp));
	if (!count || !tmp)
		goto end;
	dst = tmp;
	for (size_t i = 0; i < n; i++)
		for (unsigned p = 0; p < npasses; p++)
			count[p][((pass_key[p] ? a[i].dur_ns : a[i].irq_id) >> pass_shift[p]) & 0xff]++;
	for (unsigned p = 0; p < npasses; p++) {
		unsigned shift = pass_shift[p];
		size_t pos = 0, *c = count[p];

		for (unsigned k = 0; k < 256; k++) {
			size_t m = c[k];

			c[k] = pos;
			pos += m;
		}
		if (pass_key[p]) {
			for (size_t i = 0; i < n; i++)
				dst[c[(src[i].dur_ns >> shift) & 0xff]++] = src[i];
		} else {
			for (size_t i = 0; i < n; i++)
				dst[c[(src[i].irq_id >> shift) & 0xff]++] = src[i];
		}
		src = dst;
		dst = src == a ? tmp : a;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	ret = 0;
end:
	free(count);
	free(tmp);
	return ret;
}

/* ---- writing ------------------------------------------------------------- */

static const char ins_sql[] =
	"INSERT INTO hop_order (run_id, path, hop, part, max_ns, seg, min_ns, count, pairs) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

int ih_order_write_part(sqlite3 *db, int64_t run_id, const char *path, const char *hop, int64_t part,
			struct ih_order_pair *pairs, size_t n, char *err, size_t errlen)
{
	uint8_t buf[IH_ORDER_SEG_BYTES + 20];
	sqlite3_stmt *ins = NULL;
	int ret = -1;

	if (n == 0)
		return 0;
	if (ih_order_sort(pairs, n)) {
		snprintf(err, errlen, "out of memory sorting hop %s of path %s", hop, path);
		return -1;
	}
	if (sqlite3_prepare_v2(db, ins_sql, -1, &ins, NULL) != SQLITE_OK)
		goto sqlerr;
	for (size_t s = 0, seg = 0, cnt; s < n; s += cnt, seg++) {
		size_t len = 0;
		uint64_t prev = pairs[s].dur_ns;

		/* Up to IH_ORDER_SEG pairs or IH_ORDER_SEG_BYTES bytes. */
		for (cnt = 0; s + cnt < n && cnt < IH_ORDER_SEG && len < IH_ORDER_SEG_BYTES; cnt++) {
			const struct ih_order_pair *q = &pairs[s + cnt];

			len += ih_varint_put(buf + len, q->dur_ns - prev);
			len += ih_varint_put(buf + len, q->irq_id);
			prev = q->dur_ns;
		}
		sqlite3_bind_int64(ins, 1, run_id);
		sqlite3_bind_text(ins, 2, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, hop, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 4, part);
		sqlite3_bind_int64(ins, 5, (sqlite3_int64)pairs[s + cnt - 1].dur_ns);
		sqlite3_bind_int64(ins, 6, (sqlite3_int64)seg);
		sqlite3_bind_int64(ins, 7, (sqlite3_int64)pairs[s].dur_ns);
		sqlite3_bind_int64(ins, 8, (sqlite3_int64)cnt);
		sqlite3_bind_blob(ins, 9, buf, (int)len, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto sqlerr;
		sqlite3_reset(ins);
	}
	ret = 0;
	goto end;
sqlerr:
	snprintf(err, errlen, "cannot write the order of hop %s of path %s: %s", hop, path, sqlite3_errmsg(db));
end:
	sqlite3_finalize(ins);
	return ret;
}

/* ---- reading ------------------------------------------------------------- */

/* Decodes one segment row (columns: min_ns, count, pairs at I0, I0+1, I0+2)
 * into OUT (room for IH_ORDER_SEG); returns the number of pairs, or -1 when
 * the blob is corrupt. */
static long order_decode(sqlite3_stmt *st, int i0, struct ih_order_pair *out)
{
	uint64_t dur = (uint64_t)sqlite3_column_int64(st, i0);
	int64_t cnt = sqlite3_column_int64(st, i0 + 1);
	const uint8_t *p = sqlite3_column_blob(st, i0 + 2), *end;

	if (cnt < 0 || cnt > IH_ORDER_SEG || (cnt > 0 && !p))
		return -1;
	if (!p)
		return 0;	/* an empty blob: no pairs */
	end = p + sqlite3_column_bytes(st, i0 + 2);
	for (int64_t i = 0; i < cnt; i++) {
		uint64_t d, id;

		if (ih_varint_get(&p, end, &d) || ih_varint_get(&p, end, &id))
			return -1;
		dur += d;
		out[i].dur_ns = dur;
		out[i].irq_id = id;
	}
	return (long)cnt;
}

static int cmp_asc(const void *x, const void *y)
{
	const struct ih_order_pair *a = x, *b = y;

	if (a->dur_ns != b->dur_ns)
		return a->dur_ns < b->dur_ns ? -1 : 1;
	return a->irq_id < b->irq_id ? -1 : a->irq_id > b->irq_id;
}

int ih_order_cmp_desc(const void *x, const void *y)
{
	const struct ih_order_pair *a = x, *b = y;

	if (a->dur_ns != b->dur_ns)
		return a->dur_ns > b->dur_ns ? -1 : 1;
	return a->irq_id < b->irq_id ? -1 : a->irq_id > b->irq_id;
}

/* Number of parts of (run, path, hop): max(part) + 1, or 0.  -1 on error. */
static int64_t order_parts(sqlite3 *db, int64_t run_id, const char *path, const char *hop)
{
	sqlite3_stmt *st = NULL;
	int64_t parts = -1;

	if (sqlite3_prepare_v2(db, "SELECT max(part) FROM hop_order WHERE run_id = ?1 AND path = ?2 AND hop = ?3",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hop, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		parts = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0) + 1;
	sqlite3_finalize(st);
	return parts;
}

/* A growable array of candidate pairs. */
struct order_vec {
	struct ih_order_pair *v;
	size_t n, cap;
};

static int vec_push(struct order_vec *a, struct ih_order_pair p)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 1024;
		struct ih_order_pair *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = p;
	return 0;
}

/*
 * Collects from every part of (run, path, hop) the first WANT pairs in
 * [lo, hi] (ascending) or, when DESC, the last WANT pairs (any duration),
 * into CAND.  Each part contributes at most WANT pairs, so the merged first
 * (last) WANT are among them.  -1 with err set.
 */
static int order_collect(sqlite3 *db, int64_t run_id, const char *path, const char *hop, bool desc,
			 uint64_t lo, uint64_t hi, size_t want, struct order_vec *cand, char *err,
			 size_t errlen)
{
	static const char asc_sql[] =
		"SELECT min_ns, count, pairs FROM hop_order WHERE run_id = ?1 AND path = ?2 AND hop = ?3 "
		"AND part = ?4 AND max_ns >= ?5 ORDER BY max_ns, seg";
	static const char desc_sql[] =
		"SELECT min_ns, count, pairs FROM hop_order WHERE run_id = ?1 AND path = ?2 AND hop = ?3 "
		"AND part = ?4 ORDER BY max_ns DESC, seg DESC";
	struct ih_order_pair seg[IH_ORDER_SEG];
	sqlite3_stmt *st = NULL;
	int64_t parts = order_parts(db, run_id, path, hop);
	int rc = SQLITE_DONE, ret = -1;

	if (parts < 0)
		goto sqlerr;
	if (want == 0 || lo > hi || lo > INT64_MAX)
		return 0;
	if (hi > INT64_MAX)
		hi = INT64_MAX;
	if (sqlite3_prepare_v2(db, desc ? desc_sql : asc_sql, -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	for (int64_t part = 0; part < parts; part++) {
		size_t got = 0;
		bool done = false;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, run_id);
		sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, hop, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, part);
		if (!desc)
			sqlite3_bind_int64(st, 5, (sqlite3_int64)lo);
		while (!done && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			long k = order_decode(st, 0, seg);

			if (k < 0) {
				snprintf(err, errlen, "hop_order of run %lld, path %s, hop %s: corrupt segment",
					 (long long)run_id, path, hop);
				goto end;
			}
			if (desc) {
				for (long i = k - 1; i >= 0 && got < want; i--, got++)
					if (vec_push(cand, seg[i]))
						goto oom;
				done = got >= want;
				continue;
			}
			for (long i = 0; i < k && !done; i++) {
				if (seg[i].dur_ns > hi) {
					done = true;
				} else if (seg[i].dur_ns >= lo) {
					if (vec_push(cand, seg[i]))
						goto oom;
					done = ++got >= want;
				}
			}
		}
		if (!done && rc != SQLITE_DONE)
			goto sqlerr;
	}
	ret = 0;
	goto end;
oom:
	snprintf(err, errlen, "out of memory reading hop %s of path %s", hop, path);
	goto end;
sqlerr:
	snprintf(err, errlen, "cannot read the order of hop %s of path %s: %s", hop, path, sqlite3_errmsg(db));
end:
	sqlite3_finalize(st);
	return ret;
}

/* Sorts the candidates with CMP, copies the first min(n, count) into OUT
 * (*nout) and frees them. */
static void order_take(struct order_vec *cand, int (*cmp)(const void *, const void *), size_t n,
		       struct ih_order_pair *out, size_t *nout)
{
	if (cand->n)
		qsort(cand->v, cand->n, sizeof(*cand->v), cmp);
	*nout = cand->n < n ? cand->n : n;
	if (*nout)
		memcpy(out, cand->v, *nout * sizeof(*out));
	free(cand->v);
}

int ih_order_range(sqlite3 *db, int64_t run_id, const char *path, const char *hop, uint64_t lo,
		   uint64_t hi, size_t n, struct ih_order_pair *out, size_t *nout, bool *more, char *err,
		   size_t errlen)
{
	struct order_vec cand = { 0 };

	*nout = 0;
	*more = false;
	if (order_collect(db, run_id, path, hop, false, lo, hi, n + 1, &cand, err, errlen)) {
		free(cand.v);
		return -1;
	}
	*more = cand.n > n;
	order_take(&cand, cmp_asc, n, out, nout);
	return 0;
}

int ih_order_top(sqlite3 *db, int64_t run_id, const char *path, const char *hop, size_t n,
		 struct ih_order_pair *out, size_t *nout, char *err, size_t errlen)
{
	struct order_vec cand = { 0 };

	*nout = 0;
	if (order_collect(db, run_id, path, hop, true, 0, UINT64_MAX, n, &cand, err, errlen)) {
		free(cand.v);
		return -1;
	}
	order_take(&cand, ih_order_cmp_desc, n, out, nout);
	return 0;
}

/* ---- rebuilding from the irq table (migration to v5) ---------------------- */

/* Writes (run, path, hop) from column COL of the irq table as part 0,
 * streaming segments from SQLite's own sort.  -1 with err set. */
static int order_rebuild_hop(sqlite3 *db, int64_t run_id, const char *path, const char *hop,
			     const char *col, char *err, size_t errlen)
{
	char sql[256];
	struct ih_order_pair *buf = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	/* COL comes from hop_def (the schema's own table), never from input. */
	snprintf(sql, sizeof(sql), "SELECT \"%s\", irq_id FROM irq WHERE run_id = ?1 AND path = ?2 "
		 "AND \"%s\" IS NOT NULL", col, col);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t c = cap ? 2 * cap : 4096;
			struct ih_order_pair *b = realloc(buf, c * sizeof(*b));

			if (!b) {
				snprintf(err, errlen, "out of memory rebuilding hop %s of path %s", hop, path);
				goto end;
			}
			buf = b;
			cap = c;
		}
		buf[n].dur_ns = (uint64_t)sqlite3_column_int64(st, 0);
		buf[n].irq_id = (uint64_t)sqlite3_column_int64(st, 1);
		n++;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	ret = ih_order_write_part(db, run_id, path, hop, 0, buf, n, err, errlen);
	goto end;
sqlerr:
	snprintf(err, errlen, "cannot rebuild the order of hop %s of path %s: %s", hop, path, sqlite3_errmsg(db));
end:
	sqlite3_finalize(st);
	free(buf);
	return ret;
}

int ih_order_rebuild(sqlite3 *db, char *err, size_t errlen)
{
	/* Every (run, path) that has interrupts, with each hop of the path
	 * from hop_def and 'total'. */
	static const char sql[] =
		"WITH rp AS (SELECT DISTINCT run_id, path FROM irq), "
		"h AS (SELECT path, hop FROM hop_def UNION SELECT DISTINCT path, 'total' FROM hop_def) "
		"SELECT rp.run_id, rp.path, h.hop FROM rp JOIN h USING (path) ORDER BY 1, 2, 3";
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto sqlerr;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char path[32], hop[32], col[48];

		snprintf(path, sizeof(path), "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(hop, sizeof(hop), "%s", (const char *)sqlite3_column_text(st, 2));
		snprintf(col, sizeof(col), "%s_ns", hop);
		if (order_rebuild_hop(db, sqlite3_column_int64(st, 0), path, hop, col, err, errlen))
			goto end;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	ret = 0;
	goto end;
sqlerr:
	snprintf(err, errlen, "cannot list the runs to rebuild hop_order: %s", sqlite3_errmsg(db));
end:
	sqlite3_finalize(st);
	return ret;
}
