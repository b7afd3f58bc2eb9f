/*
 * analyzer/store/hist.c - log-linear histogram, see analyzer/store/hist.h.
 */
#include "config.h"
#include "analyzer/store/hist.h"
#include "schemas/percentile.h"

#include <stdlib.h>
#include <string.h>

void ih_hist_init(struct ih_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void ih_hist_fini(struct ih_hist *h)
{
	free(h->counts);
	ih_hist_init(h);
}

/* Allocates the bucket array on first use; -1 when out of memory. */
static int hist_alloc(struct ih_hist *h)
{
	if (h->counts)
		return 0;
	h->counts = calloc(IH_HIST_NBUCKETS, sizeof(*h->counts));
	return h->counts ? 0 : -1;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

int ih_hist_add(struct ih_hist *h, uint64_t v)
{
	if (hist_alloc(h))
		return -1;
	h->counts[ih_hist_index(v)]++;
	h->count++;
	h->sum = sat_add(h->sum, v);
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	return 0;
}

uint64_t ih_hist_percentile(const struct ih_hist *h, double q)
{
	uint64_t cum = 0, rank;

	if (!h->count)
		return 0;
	/* The one rule (schemas/percentile.h), as the hop_stats view. */
	rank = ih_pct_rank(q, h->count);
	for (size_t i = 0; i < IH_HIST_NBUCKETS; i++) {
		cum += h->counts[i];
		if (h->counts[i] && cum >= rank)
			return ih_pct_bucket_value(ih_hist_bucket_hi(i), h->max);
	}
	return h->max;
}
