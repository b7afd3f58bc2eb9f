/*
 * schemas_order.c - TAP tests of ih_order (hop_order, schema v5): pairs
 * written in several parts, with ties and large values, read back by range
 * and by top-N and compared with a brute-force answer from the same pairs;
 * a corrupt segment is reported, not read past.
 */
#include "config.h"
#include "schemas/db.h"
#include "schemas/order.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/ih-order-XXXXXX";

enum { NPAIRS = 20000, NPARTS = 7 };

static struct ih_order_pair all[NPAIRS];

static int cmp_asc(const void *x, const void *y)
{
	const struct ih_order_pair *a = x, *b = y;

	if (a->dur_ns != b->dur_ns)
		return a->dur_ns < b->dur_ns ? -1 : 1;
	return a->irq_id < b->irq_id ? -1 : a->irq_id > b->irq_id;
}

/* xorshift64*: deterministic pseudo-random values. */
static uint64_t rnd(void)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return x * 0x2545f4914f6cdd1dull;
}

/* Checks ih_order_range(lo, hi, n) against the sorted array ALL. */
static int range_matches(sqlite3 *db, uint64_t lo, uint64_t hi, size_t n)
{
	static struct ih_order_pair got[NPAIRS];
	size_t ngot, first = 0, cnt = 0;
	bool more;
	char err[256];

	if (ih_order_range(db, 1, "passthrough", "queue", lo, hi, n, got, &ngot, &more, err, sizeof(err))) {
		tap_diag("range: %s", err);
		return 0;
	}
	while (first < NPAIRS && all[first].dur_ns < lo)
		first++;
	while (first + cnt < NPAIRS && all[first + cnt].dur_ns <= hi)
		cnt++;
	if (ngot != (cnt < n ? cnt : n) || more != (cnt > n)) {
		tap_diag("range [%llu, %llu] n %zu: got %zu (more %d), want %zu of %zu", (unsigned long long)lo,
			 (unsigned long long)hi, n, ngot, more, cnt < n ? cnt : n, cnt);
		return 0;
	}
	return memcmp(got, all + first, ngot * sizeof(got[0])) == 0;
}

int main(void)
{
	char path[256], err[512];
	struct ih_order_pair part[NPAIRS], top[64];
	sqlite3 *db;
	size_t ngot, off = 0, bad = 0;

	if (!mkdtemp(dir))
		tap_bail("cannot make a temporary directory");
	snprintf(path, sizeof(path), "%s/o.sqlite", dir);
	ok(ih_db_open_rw(path, &db, err, sizeof(err)) == 0, "a new database (%s)", err);
	if (!db)
		tap_bail("%s", err);
	sqlite3_exec(db, "INSERT INTO run (id, trace, analyzer_version) VALUES (1, 't', 'test')", NULL, NULL, NULL);

	/* Durations from a few ns to 2^40 (log-uniform) with many ties; irq
	 * ids unique, in random order across parts. */
	for (size_t i = 0; i < NPAIRS; i++) {
		unsigned bits = (unsigned)(rnd() % 40);

		all[i].dur_ns = i % 5 == 0 ? 1000 : (rnd() & ((1ull << bits) - 1)) + (i % 97 == 0 ? (1ull << 50) : 0);
		all[i].irq_id = i * 7919 % NPAIRS + (i % 3 == 0 ? (1ull << 40) : 0);
	}
	for (int p = 0; p < NPARTS; p++) {
		size_t n = p == NPARTS - 1 ? NPAIRS - off : NPAIRS / NPARTS + (size_t)p * 13;

		memcpy(part, all + off, n * sizeof(part[0]));
		if (ih_order_write_part(db, 1, "passthrough", "queue", p, part, n, err, sizeof(err)))
			bad++;
		for (size_t i = 1; i < n; i++)
			bad += cmp_asc(&part[i - 1], &part[i]) > 0;
		off += n;
	}
	ok(bad == 0 && off == NPAIRS, "%d parts written, each sorted by (dur, irq_id) (%s)", NPARTS, bad ? err : "");
	qsort(all, NPAIRS, sizeof(all[0]), cmp_asc);

	ok(range_matches(db, 0, UINT64_MAX, 25), "everything, first 25");
	ok(range_matches(db, 1000, 1000, 50), "a tie of thousands at 1000 ns, first 50, by irq_id");
	ok(range_matches(db, 1000, 1000, NPAIRS), "the whole tie at 1000 ns");
	ok(range_matches(db, 999, 1001, 1000), "around the tie");
	ok(range_matches(db, 1ull << 20, 1ull << 21, 1000), "a bucket in the middle, up to 1000");
	ok(range_matches(db, (1ull << 50), UINT64_MAX, 1000), "the far tail (2^50 ns and up)");
	ok(range_matches(db, 5, 4 + 1, 3), "a single value");
	ok(range_matches(db, (1ull << 62), UINT64_MAX, 10), "above everything: empty, no more");
	ok(range_matches(db, 0, UINT64_MAX, NPAIRS), "every pair, in order");
	{
		size_t good = 0;

		for (int k = 0; k < 200; k++) {
			uint64_t a = all[rnd() % NPAIRS].dur_ns, b = all[rnd() % NPAIRS].dur_ns;

			good += range_matches(db, a < b ? a : b, a < b ? b : a, 1 + rnd() % 300);
		}
		is_u64(good, 200, "200 random ranges match brute force");
	}

	ok(ih_order_top(db, 1, "passthrough", "queue", 64, top, &ngot, err, sizeof(err)) == 0 && ngot == 64,
	   "top 64 (%s)", err);
	bad = 0;
	for (size_t i = 0; i < ngot; i++) {
		/* Slowest first, ties by irq_id: the sorted array's tail in
		 * descending duration, ascending irq_id within a duration. */
		const struct ih_order_pair *w = &all[NPAIRS - 1 - i];

		bad += top[i].dur_ns != w->dur_ns;
		if (i && top[i].dur_ns == top[i - 1].dur_ns)
			bad += top[i].irq_id < top[i - 1].irq_id;
	}
	ok(bad == 0, "top 64: the 64 largest durations, slowest first");
	ok(ih_order_top(db, 1, "passthrough", "total", 5, top, &ngot, err, sizeof(err)) == 0 && ngot == 0,
	   "a hop without pairs: nothing");
	ok(ih_order_range(db, 2, "passthrough", "queue", 0, UINT64_MAX, 5, top, &ngot, &(bool){ 0 }, err,
			  sizeof(err)) == 0 && ngot == 0, "another run: nothing");

	/* A corrupt blob (a varint cut short) is an error, not garbage. */
	sqlite3_exec(db, "UPDATE hop_order SET pairs = x'ff' WHERE seg = 0", NULL, NULL, NULL);
	ok(ih_order_range(db, 1, "passthrough", "queue", 0, UINT64_MAX, 5, top, &ngot, &(bool){ 0 }, err,
			  sizeof(err)) == -1 && strstr(err, "corrupt"), "corrupt segment reported: %s", err);

	/* Deleting the run takes its hop_order rows along. */
	sqlite3_exec(db, "DELETE FROM run WHERE id = 1", NULL, NULL, NULL);
	{
		sqlite3_stmt *st;
		int rows = -1;

		if (sqlite3_prepare_v2(db, "SELECT count(*) FROM hop_order", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			rows = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		is_u64(rows, 0, "hop_order rows cascade with their run");
	}
	/* ih_order_sort against qsort, on the orders it meets: ids in order
	 * (dur passes only), ids nearly in order (a few displaced by up to 150
	 * places, as the analyzer queues them: insertion first), ids in
	 * reverse (past the insertion's budget: every radix pass), random,
	 * and ties everywhere. */
	{
		static const char *const kinds[] = { "ids in order", "ids nearly in order", "ids reversed",
						     "random ids", "equal ids, few durations" };
		static struct ih_order_pair x[NPAIRS], want[NPAIRS];

		for (int k = 0; k < 5; k++) {
			size_t n = NPAIRS;

			for (size_t i = 0; i < n; i++) {
				x[i].dur_ns = k == 4 ? rnd() % 4 : rnd() % 5000000;
				x[i].irq_id = k == 2 ? n - i : k == 3 ? rnd() % 1000000 : k == 4 ? 7 : 1000 + i;
			}
			if (k == 1)
				for (size_t i = 0; i + 150 < n; i += 11) {
					size_t j = i + 1 + rnd() % 150;
					struct ih_order_pair t = x[i];

					x[i] = x[j];
					x[j] = t;
				}
			memcpy(want, x, n * sizeof(x[0]));
			qsort(want, n, sizeof(want[0]), cmp_asc);
			ok(ih_order_sort(x, n) == 0 && memcmp(x, want, n * sizeof(x[0])) == 0,
			   "ih_order_sort: %s, as qsort by (dur, irq_id)", kinds[k]);
		}
	}
	sqlite3_close(db);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", path);
	unlink(err);
	rmdir(dir);
	return tap_done();
}
