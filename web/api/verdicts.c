/*
 * web/api/verdicts.c - the regression verdicts of /api/compare (`irqhop
 * regress`'s, analyzer/regress/regress.h) and their cache, the API's
 * state (struct ih_web_api).
 */
#include "config.h"
#include "web/api/internal.h"

#include "analyzer/regress/regress.h"
#include "schemas/db.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

/* Formats a relative change and its interval for a verdict row. */
static json_t *fmt_pct(json_t *v)
{
	char buf[64];

	if (!json_is_number(v))
		return json_string("");
	snprintf(buf, sizeof(buf), "%+.1f%%", json_number_value(v));
	return json_string(buf);
}

static json_t *fmt_ci(json_t *ci)
{
	char buf[96];

	if (!json_is_array(ci) || json_array_size(ci) != 2)
		return json_string("");
	snprintf(buf, sizeof(buf), "[%+.1f%%, %+.1f%%]", json_number_value(json_array_get(ci, 0)),
		 json_number_value(json_array_get(ci, 1)));
	return json_string(buf);
}

/* The verdicts of `irqhop regress` (analyzer/regress/regress.h, the same code the CI
 * gate exits on) for baseline A and candidate B read from DB, flattened
 * into one row per path, hop and metric (baseline/candidate in ns), plus
 * one per guest kind for steal (baseline/candidate in %).  Returns 0 with
 * *verdicts and *regressed set; on failure -1 with ERR set. */
static int verdicts_compute(sqlite3 *db, int64_t a, int64_t b, json_t **verdicts, json_t **regressed,
			    char *err, size_t errlen)
{
	struct ih_regress_opts o;
	json_t *rep = NULL, *rows, *h, *g;
	size_t i, j;

	*verdicts = *regressed = NULL;
	ih_regress_opts_default(&o);
	if (ih_regress_compare(db, a, b, &o, &rep, err, errlen) != 0)
		return -1;
	rows = json_array();
	json_array_foreach(json_object_get(rep, "hops"), i, h) {
		static const char *const metrics[] = { "p50", "p99" };

		for (j = 0; j < 2; j++) {
			json_t *m = json_object_get(h, metrics[j]);
			char key[16];

			if (!json_is_object(m))
				continue;
			snprintf(key, sizeof(key), "%s_ns", metrics[j]);
			json_array_append_new(rows, json_pack("{s:O,s:O,s:s,s:O,s:O,s:o,s:o,s:O}",
				"path", json_object_get(h, "path"), "hop", json_object_get(h, "hop"),
				"metric", metrics[j],
				"baseline", json_object_get(json_object_get(h, "baseline"), key),
				"candidate", json_object_get(json_object_get(h, "candidate"), key),
				"change", fmt_pct(json_object_get(m, "delta_pct")),
				"interval", fmt_ci(json_object_get(m, "ci_pct")),
				"verdict", json_object_get(m, "verdict")));
		}
	}
	json_array_foreach(json_object_get(json_object_get(rep, "steal"), "guests"), i, g)
		json_array_append_new(rows, json_pack("{s:s,s:O,s:s,s:O,s:O,s:o,s:o,s:O}",
			"path", "steal", "hop", json_object_get(g, "guest_kind"), "metric", "steal",
			"baseline", json_object_get(g, "baseline_pct"),
			"candidate", json_object_get(g, "candidate_pct"),
			"change", fmt_pct(json_object_get(g, "delta_pct")),
			"interval", fmt_ci(json_object_get(g, "ci_pct")),
			"verdict", json_object_get(g, "verdict")));
	*regressed = json_incref(json_object_get(rep, "regressed"));
	*verdicts = rows;
	json_decref(rep);
	if (!rows || !*regressed) {
		json_decref(rows);
		json_decref(*regressed);
		*verdicts = *regressed = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Verdicts cache.  A verdict reads both runs' hop_block rows and
 * bootstraps (tens of ms for two runs of a million interrupts; runs
 * analyzed before schema v7 are read from irq, about 3 s), while
 * everything else of /api/compare costs milliseconds; committed runs never
 * change, so the server keeps the last IH_WEB_VCACHE answers, keyed by the
 * pair and by the run table's (max(id), count(*)): a new or deleted run
 * (which can change the baseline's history of earlier runs) misses.
 * Entries are deep-copied in and out under the mutex, so no JSON value is
 * shared between worker threads.  The cache is the server's (its
 * application state, struct ih_web_api, made and freed by web/routes.c
 * around the server's life), so a later server never sees a stopped one's
 * and two servers in one process share nothing.
 */
#define IH_WEB_VCACHE 8
struct ih_web_api {
	pthread_mutex_t mu;	/* guards everything below */
	uint64_t clock;		/* last "used" stamp given */
	struct {
		int64_t a, b, max_id, nruns;
		uint64_t used;	/* 0: empty */
		json_t *verdicts, *regressed;
	} vcache[IH_WEB_VCACHE];
};

static const char sql_run_version[] = "SELECT max(id), count(*) FROM run";

struct ih_web_api *ih_web_api_new(void)
{
	struct ih_web_api *api = calloc(1, sizeof(*api));

	if (api && pthread_mutex_init(&api->mu, NULL) != 0) {
		free(api);
		return NULL;
	}
	return api;
}

void ih_web_api_free(struct ih_web_api *api)
{
	if (!api)
		return;
	for (int i = 0; i < IH_WEB_VCACHE; i++) {
		json_decref(api->vcache[i].verdicts);
		json_decref(api->vcache[i].regressed);
	}
	pthread_mutex_destroy(&api->mu);
	free(api);
}

/* A verdict computation on its own thread, with its own connection: it
 * runs while the handler reads the histograms on the request's (which is
 * opened without SQLite's mutex, so it cannot be shared).  The two used to
 * run one after the other. */
struct ih_web_vjob {
	pthread_t th;
	bool threaded;		/* th runs it; else it ran inline in _start */
	const char *db_path;
	int64_t a, b, max_id, nruns;
	json_t *verdicts, *regressed;
	int rc;
	char err[512];
};

static void *verdicts_main(void *arg)
{
	struct ih_web_vjob *j = arg;
	sqlite3 *db = NULL;

	j->rc = -1;
	if (ih_db_open_ro(j->db_path, &db, j->err, sizeof(j->err)) == 0)
		j->rc = verdicts_compute(db, j->a, j->b, &j->verdicts, &j->regressed, j->err, sizeof(j->err));
	sqlite3_close(db);
	return NULL;
}

int ih_web_compare_verdicts_start(struct ih_web_request *req, int64_t a, int64_t b, json_t *cmp,
				  struct ih_web_vjob **job, enum MHD_Result *r)
{
	struct ih_web_api *api = ih_web_app_data(req);
	sqlite3_stmt *st = ih_web_stmt(req, sql_run_version, r);
	struct ih_web_vjob *j;
	int64_t max_id, nruns;
	int rc, hit = 0;

	*job = NULL;
	if (!st || (rc = ih_web_step(req, st, r)) < 0)
		return -1;
	max_id = sqlite3_column_int64(st, 0);
	nruns = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	pthread_mutex_lock(&api->mu);
	for (int i = 0; i < IH_WEB_VCACHE; i++) {
		if (api->vcache[i].used && api->vcache[i].a == a && api->vcache[i].b == b &&
		    api->vcache[i].max_id == max_id &&
		    api->vcache[i].nruns == nruns) {
			json_t *v = json_deep_copy(api->vcache[i].verdicts), *g = json_deep_copy(api->vcache[i].regressed);

			hit = v && g && json_object_set_new(cmp, "verdicts", v) == 0 &&
			      json_object_set_new(cmp, "regressed", g) == 0;
			if (hit)
				api->vcache[i].used = ++api->clock;
			break;
		}
	}
	pthread_mutex_unlock(&api->mu);
	if (hit)
		return 0;
	if (!(j = calloc(1, sizeof(*j)))) {
		*r = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	j->db_path = ih_web_db_path(req);
	j->a = a;
	j->b = b;
	j->max_id = max_id;
	j->nruns = nruns;
	j->threaded = pthread_create(&j->th, NULL, verdicts_main, j) == 0;
	if (!j->threaded)
		verdicts_main(j);	/* no thread to spare: computed here, now */
	*job = j;
	return 0;
}

int ih_web_compare_verdicts_finish(struct ih_web_request *req, struct ih_web_vjob *j, json_t *cmp,
				   enum MHD_Result *r)
{
	struct ih_web_api *api;
	int slot = 0, ret = -1;

	if (!j)
		return 0;
	if (j->threaded)
		pthread_join(j->th, NULL);
	if (!req || !cmp)
		goto end;	/* the handler failed meanwhile: nothing to answer */
	if (j->rc != 0) {
		*r = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s", j->err);
		goto end;
	}
	api = ih_web_app_data(req);
	pthread_mutex_lock(&api->mu);
	for (int i = 1; i < IH_WEB_VCACHE; i++)
		if (api->vcache[i].used < api->vcache[slot].used)
			slot = i;
	json_decref(api->vcache[slot].verdicts);
	json_decref(api->vcache[slot].regressed);
	api->vcache[slot].verdicts = json_deep_copy(j->verdicts);
	api->vcache[slot].regressed = json_deep_copy(j->regressed);
	api->vcache[slot].a = j->a;
	api->vcache[slot].b = j->b;
	api->vcache[slot].max_id = j->max_id;
	api->vcache[slot].nruns = j->nruns;
	api->vcache[slot].used = api->vcache[slot].verdicts && api->vcache[slot].regressed ? ++api->clock : 0;
	pthread_mutex_unlock(&api->mu);
	if (json_object_set_new(cmp, "verdicts", j->verdicts) != 0 ||
	    json_object_set_new(cmp, "regressed", j->regressed) != 0) {
		j->verdicts = j->regressed = NULL;
		*r = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto end;
	}
	j->verdicts = j->regressed = NULL;
	ret = 0;
end:
	json_decref(j->verdicts);
	json_decref(j->regressed);
	free(j);
	return ret;
}
