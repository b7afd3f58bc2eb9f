/*
 * tests/regress_paths.c - helper of tests/regress_blocks.test: prints the
 * comparison of two runs of DB by each of the three sample sources of
 * analyzer/regress (internal.h, enum reg_source) as one JSON object
 *   {"auto": ..., "irq": ..., "legacy": ...}
 * auto: hop_block where the runs have it (what irqhop regress and
 * /api/compare use); irq: the per-interrupt path on the same spans; legacy:
 * the per-interrupt path on the exact spans of schema v6 and before.
 *
 * usage: regress_paths DB BASELINE CANDIDATE SEED
 * Exit 0, or 2 with one line on stderr.
 */
#include "config.h"
#include "analyzer/regress/internal.h"
#include "schemas/db.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	static const char *const names[] = { "auto", "irq", "legacy" };
	static const enum reg_source srcs[] = { REG_SRC_AUTO, REG_SRC_IRQ, REG_SRC_LEGACY };
	struct ih_regress_opts o;
	json_t *all;
	sqlite3 *db;
	char err[512];

	if (argc != 5) {
		fprintf(stderr, "usage: regress_paths DB BASELINE CANDIDATE SEED\n");
		return 2;
	}
	if (ih_db_open_ro(argv[1], &db, err, sizeof(err))) {
		fprintf(stderr, "regress_paths: %s\n", err);
		return 2;
	}
	ih_regress_opts_default(&o);
	o.seed = strtoull(argv[4], NULL, 10);
	all = json_object();
	for (size_t i = 0; all && i < 3; i++) {
		json_t *res = NULL;

		if (reg_compare(db, atoll(argv[2]), atoll(argv[3]), &o, srcs[i], &res, err, sizeof(err))) {
			fprintf(stderr, "regress_paths: %s: %s\n", names[i], err);
			json_decref(all);
			sqlite3_close(db);
			return 2;
		}
		json_object_set_new(all, names[i], res);
	}
	sqlite3_close(db);
	if (!all || json_dumpf(all, stdout, JSON_COMPACT) || putchar('\n') == EOF) {
		json_decref(all);
		return 2;
	}
	json_decref(all);
	return 0;
}
