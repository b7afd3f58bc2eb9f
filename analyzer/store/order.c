/*
 * analyzer/store/order.c - each hop's hop_order (schemas/order.h): the
 * writer collects (duration, irq_id) pairs and writes them sorted, in parts
 * of bounded size, as it goes, so nothing is left to index after decoding.
 */
#include "config.h"
#include "analyzer/store/priv.h"

#include <stdio.h>
#include <stdlib.h>

/* Sorts and writes what O holds as the next part of (RUN, PATH, HOP) and
 * empties it.  -1 with err set.  Caller holds dbmu (or the writer is
 * stopped). */
int store_order_flush(struct ih_store_run *run, int path, int hop, char *err, size_t errlen)
{
	struct store_order *o = &run->order[path][hop];
	char e2[400];

	if (!o->n)
		return 0;
	if (ih_order_write_part(run->st->db, run->run_id, ih_cat_path_name((enum ih_path)path),
				ih_cat_hop_name((enum ih_hop)hop), o->parts, o->buf, o->n, e2, sizeof(e2))) {
		snprintf(err, errlen, "database %s: %s", run->st->path, e2);
		return -1;
	}
	o->parts++;
	o->n = 0;
	return 0;
}

/* Adds ROW's hop durations (and its total when complete) to RUN's hop
 * order, writing a part when one is full.  -1 with err set (out of memory
 * or a failed insert).  Writer thread, holding dbmu. */
int store_order_add(struct ih_store_run *run, const struct ih_rec_row *row, char *err, size_t errlen)
{
	for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
		struct store_order *o = &run->order[row->path][hop];

		if (!ih_rec_row_has(row, (enum ih_col)hop))
			continue;
		if (o->n == o->cap) {
			size_t cap = o->cap ? 2 * o->cap : 4096;
			struct ih_order_pair *b = realloc(o->buf, cap * sizeof(*b));

			if (!b) {
				snprintf(err, errlen, "database %s: out of memory for the hop order", run->st->path);
				return -1;
			}
			o->buf = b;
			o->cap = cap;
		}
		o->buf[o->n].dur_ns = (uint64_t)row->col[hop];
		o->buf[o->n].irq_id = row->irq_id;
		if (++o->n == STORE_ORDER_PART && store_order_flush(run, row->path, hop, err, errlen))
			return -1;
	}
	return 0;
}
