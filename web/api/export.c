/*
 * web/api/export.c - GET /api/runs/{id}/export: the dashboard's "open in
 * Perfetto" downloads, the trace of `irqhop export` (analyzer/export/
 * perfetto.h) built in memory and offered as a file.
 */
#include "config.h"
#include "web/api/internal.h"
#include "analyzer/export/perfetto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses ?irq=ID,ID,... into a new array *ids of *n (at most MAX).  Returns
 * 0, or -1 with a 400 naming the parameter queued (*result set). */
static int ih_web_export_ids(struct ih_web_request *req, const char *arg, size_t max, int64_t **ids,
			     size_t *n, enum MHD_Result *result)
{
	size_t cap = 1;

	for (const char *p = arg; *p; p++)
		cap += *p == ',';
	if (cap > max) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter irq: more than %zu interrupts", max);
		return -1;
	}
	*n = 0;
	if (!(*ids = malloc(cap * sizeof(**ids)))) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return -1;
	}
	for (const char *p = arg;;) {
		size_t len = strcspn(p, ",");
		char word[24];

		if (len == 0 || len >= sizeof(word))
			goto bad;
		memcpy(word, p, len);
		word[len] = '\0';
		if (ih_web_parse_id(word, &(*ids)[*n]) != 0)
			goto bad;
		(*n)++;
		p += len;
		if (!*p)
			return 0;
		p++;
	}
bad:
	free(*ids);
	*ids = NULL;
	*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter irq: a list of interrupt ids, comma-separated");
	return -1;
}

/* GET /api/runs/{id}/export?SELECTION[&max=N] : the trace (Chrome Trace
 * Event JSON for ui.perfetto.dev) of one selection, as a download named
 * irqhop-run-ID-KIND.json.  SELECTION is exactly one of slowest=N;
 * path=P&hop=H[&lo=&hi=] (a bucket, ns inclusive); irq=ID,ID,...;
 * start=&end= (ns from the run's start, [start, end)).  max caps the
 * interrupts (default and limit as irqhop export).  400 names a bad
 * parameter or selection, or one over the cap; 404 for an unknown run or
 * interrupt; 500 database. */
enum MHD_Result ih_web_api_run_export(struct ih_web_request *req)
{
	struct ih_export_sel sel;
	enum MHD_Result r;
	int64_t id, v, max, lo, hi;
	int64_t *ids = NULL;
	const char *irqs = ih_web_query(req, "irq");
	char err[512], name[96];
	char *buf = NULL;
	size_t len = 0;
	int nsel, rc;
	sqlite3 *db;
	FILE *f;

	memset(&sel, 0, sizeof(sel));
	if (ih_web_param_id(req, "id", &id, &r) != 0 ||
	    ih_web_query_int(req, "max", 1, IH_EXPORT_MAX_LIMIT, IH_EXPORT_MAX_DEFAULT, &max, &r) != 0)
		return r;
	sel.run_id = id;
	sel.max_irqs = (size_t)max;
	nsel = !!ih_web_query(req, "slowest") + !!ih_web_query(req, "hop") + !!irqs +
	       !!(ih_web_query(req, "start") || ih_web_query(req, "end"));
	if (nsel != 1)
		return ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				    "give exactly one selection: slowest, path and hop, irq, or start and end");
	if (ih_web_query(req, "slowest")) {
		if (ih_web_query_int(req, "slowest", 1, max, 1, &v, &r) != 0)
			return r;
		sel.kind = IH_EXPORT_SLOWEST;
		sel.slowest = (uint64_t)v;
	} else if (ih_web_query(req, "hop")) {
		if (!ih_web_query(req, "path"))
			return ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter path: required with hop");
		if (ih_web_query_int(req, "lo", 0, INT64_MAX, 0, &lo, &r) != 0 ||
		    ih_web_query_int(req, "hi", 0, INT64_MAX, INT64_MAX, &hi, &r) != 0)
			return r;
		sel.kind = IH_EXPORT_BUCKET;
		sel.path = ih_web_query(req, "path");
		sel.hop = ih_web_query(req, "hop");
		sel.lo_ns = (uint64_t)lo;
		sel.hi_ns = (uint64_t)hi;
	} else if (irqs) {
		if (ih_web_export_ids(req, irqs, (size_t)max, &ids, &sel.nirqs, &r) != 0)
			return r;
		sel.kind = IH_EXPORT_IRQS;
		sel.irqs = ids;
	} else {
		if (!ih_web_query(req, "start") || !ih_web_query(req, "end"))
			return ih_web_error(req, MHD_HTTP_BAD_REQUEST, "parameter %s: required with %s",
					    ih_web_query(req, "start") ? "end" : "start",
					    ih_web_query(req, "start") ? "start" : "end");
		if (ih_web_query_int(req, "start", 0, INT64_MAX, 0, &lo, &r) != 0 ||
		    ih_web_query_int(req, "end", 0, INT64_MAX, 0, &hi, &r) != 0)
			return r;
		sel.kind = IH_EXPORT_WINDOW;
		sel.lo_ns = (uint64_t)lo;
		sel.hi_ns = (uint64_t)hi;
	}
	if (!(db = ih_web_db(req, &r))) {
		free(ids);
		return r;
	}
	if (!(f = open_memstream(&buf, &len))) {
		free(ids);
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	rc = ih_export_perfetto(db, NULL, &sel, f, NULL, err, sizeof(err));
	if (fclose(f) != 0 && rc == 0) {
		snprintf(err, sizeof(err), "out of memory");
		rc = IH_EXPORT_EDB;
	}
	free(ids);
	if (rc != 0) {
		free(buf);
		return ih_web_error(req, rc == IH_EXPORT_ENOTFOUND ? MHD_HTTP_NOT_FOUND
					 : rc == IH_EXPORT_EDB ? MHD_HTTP_INTERNAL_SERVER_ERROR
					 : MHD_HTTP_BAD_REQUEST, "%s", err);
	}
	snprintf(name, sizeof(name), "irqhop-run-%lld-%s.json", (long long)id,
		 sel.kind == IH_EXPORT_SLOWEST ? "slowest" : sel.kind == IH_EXPORT_BUCKET ? "bucket"
		 : sel.kind == IH_EXPORT_IRQS ? "irqs" : "window");
	return ih_web_respond_download(req, buf, len, "application/json", name);
}
