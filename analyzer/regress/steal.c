/*
 * analyzer/regress/steal.c - steal verdicts: idle and busy guests' steal %, resampled
 * by (vCPU, window) row.
 */
#include "config.h"
#include "analyzer/regress/internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reg_steal_push(struct reg_steal *s, double stolen, double wall)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *a = realloc(s->stolen, cap * sizeof(*a)), *b;

		if (!a)
			return -1;
		s->stolen = a;
		b = realloc(s->wall, cap * sizeof(*b));
		if (!b)
			return -1;
		s->wall = b;
		s->cap = cap;
	}
	s->stolen[s->n] = stolen;
	s->wall[s->n] = wall;
	s->n++;
	return 0;
}

static double reg_steal_pct(const struct reg_steal *s)
{
	double a = 0, w = 0;

	for (size_t i = 0; i < s->n; i++) {
		a += s->stolen[i];
		w += s->wall[i];
	}
	return w > 0 ? 100.0 * a / w : 0.0;
}

/* One bootstrap replicate: the rows resampled with replacement. */
static double reg_steal_boot(struct reg_rng *r, const struct reg_steal *s)
{
	double a = 0, w = 0;

	for (size_t i = 0; i < s->n; i++) {
		size_t j = reg_index(r, s->n);

		a += s->stolen[j];
		w += s->wall[j];
	}
	return w > 0 ? 100.0 * a / w : 0.0;
}

static const char *const reg_kinds[REG_KINDS] = { "idle", "busy" };

/* Loads the steal windows of RUN by guest kind.  Returns 0 (kinds may be
 * empty: the analyzer wrote no steal rows), or -1 with err set. */
static int reg_load_steal(sqlite3 *db, int64_t run, struct reg_steal *s, char *err, size_t errlen)
{
	static const char sql[] =
		"SELECT v.guest_kind, s.runnable_ns + s.offline_ns, s.window_ns "
		"FROM steal s JOIN vcpu v USING (run_id, vcpu) WHERE s.run_id = ?1";
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		reg_err(err, errlen, "cannot read steal: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);

		for (int k = 0; kind && k < REG_KINDS; k++)
			if (strcmp(kind, reg_kinds[k]) == 0 &&
			    reg_steal_push(&s[k], sqlite3_column_double(st, 1), sqlite3_column_double(st, 2))) {
				sqlite3_finalize(st);
				reg_err(err, errlen, "out of memory reading steal of run %" PRId64, run);
				return -1;
			}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		reg_err(err, errlen, "cannot read the steal of run %" PRId64 ": %s", run, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Builds the "steal" object.  Returns the number of regressions (0 or
 * more), or -1 with err set. */
int reg_steal_load(sqlite3 *db, int64_t base, int64_t cand, struct reg_steal_data *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (reg_load_steal(db, base, d->b, err, errlen) || reg_load_steal(db, cand, d->c, err, errlen))
		return -1;
	return 0;
}

void reg_steal_free(struct reg_steal_data *d)
{
	for (int k = 0; k < REG_KINDS; k++) {
		free(d->b[k].stolen);
		free(d->b[k].wall);
		free(d->c[k].stolen);
		free(d->c[k].wall);
	}
	memset(d, 0, sizeof(*d));
}

int reg_steal_eval(const struct reg_steal_data *sd, const struct ih_regress_opts *o, json_t **out, json_t *regs,
		   char *err, size_t errlen)
{
	const struct reg_steal *sb = sd->b, *sc = sd->c;
	double *scratch = NULL;
	json_t *guests = NULL;
	int nreg = -1, any = 0;

	*out = NULL;
	for (int k = 0; k < REG_KINDS; k++)
		any |= sb[k].n && sc[k].n;
	if (!any) {
		const char *why = !sb[0].n && !sb[1].n ? (!sc[0].n && !sc[1].n ? "neither run has steal rows"
									     : "the baseline has no steal rows")
			: !sc[0].n && !sc[1].n ? "the candidate has no steal rows"
					       : "no guest kind has steal rows in both runs";

		*out = json_pack("{s:b,s:s}", "available", 0, "reason", why);
		nreg = *out ? 0 : -1;
		if (!*out)
			reg_err(err, errlen, "out of memory");
		goto end;
	}
	scratch = malloc(REG_RESAMPLES * sizeof(double));
	guests = json_array();
	if (!scratch || !guests)
		goto oom;
	nreg = 0;
	for (int k = 0; k < REG_KINDS; k++) {
		double b, c, d, lo, hi;
		struct reg_rng rng;
		const char *verdict;
		json_t *g;

		if (!sb[k].n && !sc[k].n)
			continue;
		if (!sb[k].n || !sc[k].n) {
			g = json_pack("{s:s,s:o,s:o,s:s}", "guest_kind", reg_kinds[k], "baseline_pct",
				      sb[k].n ? json_real(reg_round(reg_steal_pct(&sb[k]))) : json_null(),
				      "candidate_pct",
				      sc[k].n ? json_real(reg_round(reg_steal_pct(&sc[k]))) : json_null(), "verdict",
				      "absent");
			if (!g || json_array_append_new(guests, g))
				goto oom;
			continue;
		}
		b = reg_steal_pct(&sb[k]);
		c = reg_steal_pct(&sc[k]);
		d = 100.0 * (c - b) / fmax(b, REG_FLOOR_STEAL_PCT);
		if (sb[k].n < 2 || sc[k].n < 2) {
			g = json_pack("{s:s,s:f,s:f,s:f,s:f,s:n,s:s,s:I,s:I}", "guest_kind", reg_kinds[k],
				      "baseline_pct", reg_round(b), "candidate_pct", reg_round(c), "delta_pts",
				      reg_round(c - b), "delta_pct", reg_round(d), "ci_pct", "verdict",
				      "insufficient", "baseline_windows", (json_int_t)sb[k].n, "candidate_windows",
				      (json_int_t)sc[k].n);
		} else {
			reg_rng_seed(&rng, o->seed, "steal", reg_kinds[k], "pct");
			for (size_t i = 0; i < REG_RESAMPLES; i++) {
				double bb = reg_steal_boot(&rng, &sb[k]), cc = reg_steal_boot(&rng, &sc[k]);

				scratch[i] = 100.0 * (cc - bb) / fmax(bb, REG_FLOOR_STEAL_PCT);
			}
			reg_interval(scratch, REG_RESAMPLES, o->confidence, &lo, &hi);
			verdict = reg_verdict(lo, hi, o->threshold_pct);
			g = json_pack("{s:s,s:f,s:f,s:f,s:f,s:[f,f],s:s,s:I,s:I}", "guest_kind", reg_kinds[k],
				      "baseline_pct", reg_round(b), "candidate_pct", reg_round(c), "delta_pts",
				      reg_round(c - b), "delta_pct", reg_round(d), "ci_pct", reg_round(lo),
				      reg_round(hi), "verdict", verdict, "baseline_windows", (json_int_t)sb[k].n,
				      "candidate_windows", (json_int_t)sc[k].n);
			if (g && strcmp(verdict, "regressed") == 0) {
				nreg++;
				if (json_array_append_new(regs, json_pack("{s:s,s:s,s:s,s:f,s:[f,f]}", "path", "steal",
									  "hop", reg_kinds[k], "metric", "steal",
									  "delta_pct", reg_round(d), "ci_pct",
									  reg_round(lo), reg_round(hi)))) {
					json_decref(g);
					goto oom;
				}
			}
		}
		if (!g || json_array_append_new(guests, g))
			goto oom;
	}
	*out = json_pack("{s:b,s:O}", "available", 1, "guests", guests);
	if (!*out)
		goto oom;
	goto end;
oom:
	reg_err(err, errlen, "out of memory comparing steal");
	nreg = -1;
end:
	json_decref(guests);
	free(scratch);
	return nreg;
}
