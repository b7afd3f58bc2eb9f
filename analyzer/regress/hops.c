/*
 * analyzer/regress/hops.c - percentile verdicts: per path and hop, the p50 and p99
 * of both runs and the verdict on their change.
 */
#include "config.h"
#include "analyzer/regress/internal.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One bootstrapped metric: its inputs and, once computed, its interval.
 * Each is seeded by its own (path, hop, metric), so computing them on
 * several threads gives the very intervals of one thread. */
struct reg_task {
	const char *path, *hop, *name;
	double q;
	const struct reg_vec *b, *c;
	double lo, hi, sd;
	int k;
};

/* The interval of T (all of its inputs read-only; SCRATCH of REG_RESAMPLES,
 * W of REG_BLOCKS are the caller's); none when a side has too few samples
 * (the verdict is "insufficient").  Cannot fail. */
static void reg_task_run(struct reg_task *t, const struct ih_regress_opts *o, const struct reg_history *hist,
			 double *scratch, uint32_t *w)
{
	struct reg_rng rng;

	if (t->b->n < REG_MIN_SAMPLES || t->c->n < REG_MIN_SAMPLES)
		return;
	t->sd = reg_history_sd(hist, t->path, t->hop, t->q > 0.5, &t->k);
	reg_rng_seed(&rng, o->seed, t->path, t->hop, t->name);
	for (size_t i = 0; i < REG_RESAMPLES; i++) {
		double bb = reg_replicate(&rng, t->b, t->q, w), cc = reg_replicate(&rng, t->c, t->q, w);

		/* Run-to-run noise, on the scale it was measured on. */
		if (t->sd > 0)
			cc = reg_inv(reg_fwd(cc) + M_SQRT2 * t->sd * reg_student(&rng, t->k - 1));
		scratch[i] = 100.0 * (cc - bb) / fmax(bb, REG_FLOOR_NS);
	}
	reg_interval(scratch, REG_RESAMPLES, o->confidence, &t->lo, &t->hi);
}

struct reg_pool {
	struct reg_task *t;
	size_t n;
	atomic_size_t next;
	const struct ih_regress_opts *o;
	const struct reg_history *hist;
	atomic_int oom;
};

/* A worker: takes tasks in turn until none is left.  Never fails (out of
 * memory for its buffers: it sets oom and stops; the caller then runs what
 * is left itself). */
static void *reg_pool_main(void *arg)
{
	struct reg_pool *p = arg;
	double *scratch = malloc(REG_RESAMPLES * sizeof(double));
	uint32_t w[REG_BLOCKS];
	size_t i;

	if (!scratch) {
		atomic_store(&p->oom, 1);
		return NULL;
	}
	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		reg_task_run(&p->t[i], p->o, p->hist, scratch, w);
	free(scratch);
	return NULL;
}

/* Computes every task's interval on up to the CPUs' number of threads (the
 * bootstraps are most of a comparison's time).  Returns 0, or -1 when out
 * of memory. */
static int reg_tasks_run(struct reg_task *t, size_t n, const struct ih_regress_opts *o,
			 const struct reg_history *hist)
{
	struct reg_pool p = { .t = t, .n = n, .o = o, .hist = hist };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pthread_t th[8];
	int nth = 0;

	atomic_init(&p.next, 0);
	atomic_init(&p.oom, 0);
	for (; n > 1 && nth + 1 < ncpu && nth < 8 && (size_t)nth + 1 < n; nth++)
		if (pthread_create(&th[nth], NULL, reg_pool_main, &p))
			break;
	reg_pool_main(&p);	/* this thread too */
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	/* A task taken is done: only when every thread lacked its buffers is
	 * one left. */
	return atomic_load(&p.next) < n ? -1 : 0;
}

/* Adds to OBJ the verdict of task T (percentile T->q, "p50"/"p99", of B
 * against C; its interval computed when both have enough samples), and to
 * REGS an entry when it regressed.  Returns 1 when regressed, 0 when not,
 * -1 when out of memory. */
static int reg_metric(json_t *obj, json_t *regs, const struct reg_task *t, const struct ih_regress_opts *o)
{
	const struct reg_vec *b = t->b, *c = t->c;
	json_t *m;
	const char *verdict;
	double bq, cq, delta_pct;
	int regressed = 0;

	bq = (double)reg_quantile(b, t->q);
	cq = (double)reg_quantile(c, t->q);
	delta_pct = 100.0 * (cq - bq) / fmax(bq, REG_FLOOR_NS);
	if (b->n < REG_MIN_SAMPLES || c->n < REG_MIN_SAMPLES) {
		m = json_pack("{s:I,s:f,s:n,s:s}", "delta_ns", (json_int_t)(cq - bq), "delta_pct",
			      reg_round(delta_pct), "ci_pct", "verdict", "insufficient");
	} else {
		verdict = reg_verdict(t->lo, t->hi, o->threshold_pct);
		regressed = strcmp(verdict, "regressed") == 0;
		m = json_pack("{s:I,s:f,s:[f,f],s:s,s:s,s:o,s:i}", "delta_ns", (json_int_t)(cq - bq), "delta_pct",
			      reg_round(delta_pct), "ci_pct", reg_round(t->lo), reg_round(t->hi), "verdict", verdict,
			      "resampled", b->nb >= REG_MIN_BLOCKS && c->nb >= REG_MIN_BLOCKS ? "spans" :
			      b->nb >= REG_MIN_BLOCKS || c->nb >= REG_MIN_BLOCKS ? "mixed" : "interrupts",
			      "run_noise_pct", t->sd >= 0 ? json_real(reg_round(100.0 * t->sd)) : json_null(),
			      "history_runs", t->k);
		if (m && regressed &&
		    json_array_append_new(regs, json_pack("{s:s,s:s,s:s,s:f,s:[f,f]}", "path", t->path, "hop",
							  t->hop, "metric", t->name, "delta_pct",
							  reg_round(delta_pct), "ci_pct", reg_round(t->lo),
							  reg_round(t->hi))))
			regressed = -1;
	}
	if (!m || json_object_set_new(obj, t->name, m))
		return -1;
	return regressed;
}

/* {"count", "p50_ns", "p99_ns"} of one side, or null when absent. */
static json_t *reg_side(const struct reg_vec *x)
{
	if (!x || !x->n)
		return json_null();
	return json_pack("{s:I,s:I,s:I}", "count", (json_int_t)x->n, "p50_ns", (json_int_t)reg_quantile(x, 0.50),
			 "p99_ns", (json_int_t)reg_quantile(x, 0.99));
}

/* Position of a hop in its path (hop_def.seq; 99 for total). */
static int reg_seq(sqlite3 *db, const char *path, const char *hop)
{
	sqlite3_stmt *st = NULL;
	int seq = 99;

	if (strcmp(hop, "total") == 0)
		return 99;
	/* srcu-mode irqfd has no defer/worker hop but the same seq for the
	 * others: hop_def is the reference. */
	if (sqlite3_prepare_v2(db, "SELECT seq FROM hop_def WHERE path = ?1 AND hop = ?2", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, hop, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return seq;
}

static int reg_cmp_hop(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(json_string_value(json_object_get(x, "path")), json_string_value(json_object_get(y, "path")));

	if (c)
		return c;
	return (int)(json_integer_value(json_object_get(x, "seq")) - json_integer_value(json_object_get(y, "seq")));
}

/* Builds "hops" (every path and hop present in either run, by path name and
 * hop order) into OUT; regressions go to REGS.  Returns the number of
 * regressions, or -1 with err set. */
int reg_hops(sqlite3 *db, const struct reg_run *rb, const struct reg_run *rc, const struct ih_regress_opts *o,
		    const struct reg_history *hist, json_t *hops, json_t *regs, char *err, size_t errlen)
{
	const struct reg_run *runs[2] = { rb, rc };
	struct reg_task *tasks = NULL;
	json_t **items = NULL, **owner = NULL;
	size_t nitems = 0, cap = 0, ntasks = 0, tcap = 0;
	int nreg = 0;

	/* First the rows and the metrics to bootstrap, then every bootstrap at
	 * once (reg_tasks_run), then the verdicts, in the same order. */
	for (int side = 0; side < 2; side++) {
		for (size_t i = 0; i < runs[side]->npaths; i++) {
			const char *path = runs[side]->paths[i].name;
			const struct reg_path *pb = reg_run_path((struct reg_run *)rb, path, 0);
			const struct reg_path *pc = reg_run_path((struct reg_run *)rc, path, 0);

			/* A path of both runs is done once, from the baseline. */
			if (side == 1 && pb)
				continue;
			for (size_t c = 0; c < REG_NCOLS; c++) {
				const struct reg_vec *b = pb ? &pb->col[c] : NULL, *v = pc ? &pc->col[c] : NULL;
				json_t *h;

				if ((!b || !b->n) && (!v || !v->n))
					continue;
				h = json_pack("{s:s,s:s,s:i,s:o,s:o}", "path", path, "hop", reg_cols[c], "seq",
					      reg_seq(db, path, reg_cols[c]), "baseline", reg_side(b), "candidate",
					      reg_side(v));
				if (!h)
					goto oom;
				if (nitems == cap) {
					json_t **n = realloc(items, (cap = cap ? cap * 2 : 32) * sizeof(*n));

					if (!n) {
						json_decref(h);
						goto oom;
					}
					items = n;
				}
				items[nitems++] = h;
				for (int m = 0; m < 2; m++) {
					unsigned bit = m ? IH_REG_P99 : IH_REG_P50;
					const char *name = m ? "p99" : "p50";

					if (!(o->metrics & bit))
						continue;
					if (!b || !b->n || !v || !v->n) {
						if (json_object_set_new(h, name, json_pack("{s:s}", "verdict",
											   "absent")))
							goto oom;
						continue;
					}
					if (ntasks == tcap) {
						struct reg_task *nt = realloc(tasks, (tcap = tcap ? tcap * 2 : 64) * sizeof(*nt));
						json_t **no = nt ? realloc(owner, tcap * sizeof(*no)) : NULL;

						if (nt)
							tasks = nt;
						if (!no)
							goto oom;
						owner = no;
					}
					memset(&tasks[ntasks], 0, sizeof(tasks[ntasks]));
					tasks[ntasks].path = path;
					tasks[ntasks].hop = reg_cols[c];
					tasks[ntasks].name = name;
					tasks[ntasks].q = m ? 0.99 : 0.50;
					tasks[ntasks].b = b;
					tasks[ntasks].c = v;
					owner[ntasks++] = h;
				}
			}
		}
	}
	if (ntasks && reg_tasks_run(tasks, ntasks, o, hist))
		goto oom;
	for (size_t i = 0; i < ntasks; i++) {
		int r = reg_metric(owner[i], regs, &tasks[i], o);

		if (r < 0)
			goto oom;
		nreg += r;
	}
	if (nitems)
		qsort(items, nitems, sizeof(*items), reg_cmp_hop);
	for (size_t i = 0; i < nitems; i++) {
		if (json_array_append_new(hops, items[i])) {
			items[i] = NULL;
			for (size_t j = i + 1; j < nitems; j++)
				json_decref(items[j]);
			nitems = 0;
			goto oom;
		}
		items[i] = NULL;
	}
	free(items);
	free(tasks);
	free(owner);
	return nreg;
oom:
	for (size_t i = 0; i < nitems; i++)
		json_decref(items[i]);
	free(items);
	free(tasks);
	free(owner);
	reg_err(err, errlen, "out of memory comparing runs");
	return -1;
}
