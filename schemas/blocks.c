/*
 * schemas/blocks.c - the grid of hop_block's spans and its blob's varints,
 * see schemas/blocks.h.
 */
#include "config.h"
#include "schemas/blocks.h"

unsigned ih_block_shift(uint64_t u0, uint64_t u1)
{
	unsigned k = 0;

	/* At k = 63 any two starts are at most 2 slices apart. */
	while (k < 63 && ih_block_nslices(u0, u1, k) > IH_BLOCK_SLICES)
		k++;
	return k;
}
