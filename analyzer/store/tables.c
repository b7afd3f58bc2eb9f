/*
 * analyzer/store/tables.c - what a run holds besides its interrupts: the
 * histograms (hop_hist, hop_summary, path_summary), the percentiles
 * (hop_pct), the per-span histograms (hop_block, blocks.c), the steal
 * tables (vcpu, steal, pcpu_stat, lock_stat) and the
 * completed run row.  Written by the decoding thread under dbmu.
 */
#include "config.h"
#include "analyzer/store/priv.h"
#include "analyzer/steal/steal.h"

#include <stdio.h>

/* Writes hop_hist, hop_summary and path_summary from the in-memory
 * histograms.  -1 with err set on failure.  Caller holds dbmu. */
static int store_write_hists(struct ih_store_run *run, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	sqlite3_stmt *hs = NULL, *ss = NULL, *ps = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO hop_hist (run_id, path, hop, lo_ns, hi_ns, count) "
			       "VALUES (?, ?, ?, ?, ?, ?)", -1, &hs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO hop_summary (run_id, path, hop, count, sum_ns, "
			       "min_ns, max_ns) VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &ss, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO path_summary (run_id, path, irqs, complete) "
			       "VALUES (?, ?, ?, ?)", -1, &ps, NULL) != SQLITE_OK)
		goto error;
	for (int p = 0; p < IH_PATH_COUNT_; p++) {
		const char *pn = ih_cat_path_name((enum ih_path)p);

		if (run->path_irqs[p]) {
			sqlite3_bind_int64(ps, 1, run->run_id);
			sqlite3_bind_text(ps, 2, pn, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ps, 3, (sqlite3_int64)run->path_irqs[p]);
			sqlite3_bind_int64(ps, 4, (sqlite3_int64)run->path_complete[p]);
			if (sqlite3_step(ps) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ps);
		}
		for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
			const struct ih_hist *h = &run->hist[p][hop];
			const char *hn = ih_cat_hop_name((enum ih_hop)hop);

			if (!h->count)
				continue;
			for (size_t i = 0; i < IH_HIST_NBUCKETS; i++) {
				if (!h->counts[i])
					continue;
				sqlite3_bind_int64(hs, 1, run->run_id);
				sqlite3_bind_text(hs, 2, pn, -1, SQLITE_STATIC);
				sqlite3_bind_text(hs, 3, hn, -1, SQLITE_STATIC);
				sqlite3_bind_int64(hs, 4, (sqlite3_int64)ih_hist_bucket_lo(i));
				sqlite3_bind_int64(hs, 5, (sqlite3_int64)ih_hist_bucket_hi(i));
				sqlite3_bind_int64(hs, 6, (sqlite3_int64)h->counts[i]);
				if (sqlite3_step(hs) != SQLITE_DONE)
					goto error;
				sqlite3_reset(hs);
			}
			sqlite3_bind_int64(ss, 1, run->run_id);
			sqlite3_bind_text(ss, 2, pn, -1, SQLITE_STATIC);
			sqlite3_bind_text(ss, 3, hn, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ss, 4, (sqlite3_int64)h->count);
			sqlite3_bind_int64(ss, 5, (sqlite3_int64)(h->sum > INT64_MAX ? INT64_MAX : h->sum));
			sqlite3_bind_int64(ss, 6, (sqlite3_int64)h->min);
			sqlite3_bind_int64(ss, 7, (sqlite3_int64)h->max);
			if (sqlite3_step(ss) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ss);
		}
	}
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot write histograms: %s", st->path, sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(hs);
	sqlite3_finalize(ss);
	sqlite3_finalize(ps);
	return ret;
}

/* Writes each hop's percentiles into hop_pct (schema v4, read by the
 * hop_stats view as a primary-key look-up); does nothing on a database
 * without that table.  -1 with err set.
 * Caller holds dbmu. */
static int store_write_pct(struct ih_store_run *run, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	sqlite3_stmt *s = NULL;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO hop_pct (run_id, path, hop, p50_ns, p90_ns, p99_ns, p999_ns) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &s, NULL) != SQLITE_OK) {
		ret = 0;	/* no such table (schema without it) */
		goto end;
	}
	for (int p = 0; p < IH_PATH_COUNT_; p++) {
		for (int hop = 0; hop < IH_HOP_COUNT_; hop++) {
			const struct ih_hist *h = &run->hist[p][hop];

			if (!h->count)
				continue;
			sqlite3_bind_int64(s, 1, run->run_id);
			sqlite3_bind_text(s, 2, ih_cat_path_name((enum ih_path)p), -1, SQLITE_STATIC);
			sqlite3_bind_text(s, 3, ih_cat_hop_name((enum ih_hop)hop), -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 4, (sqlite3_int64)ih_hist_percentile(h, 0.50));
			sqlite3_bind_int64(s, 5, (sqlite3_int64)ih_hist_percentile(h, 0.90));
			sqlite3_bind_int64(s, 6, (sqlite3_int64)ih_hist_percentile(h, 0.99));
			sqlite3_bind_int64(s, 7, (sqlite3_int64)ih_hist_percentile(h, 0.999));
			if (sqlite3_step(s) != SQLITE_DONE) {
				snprintf(err, errlen, "database %s: cannot write percentiles: %s", st->path,
					 sqlite3_errmsg(st->db));
				goto end;
			}
			sqlite3_reset(s);
		}
	}
	ret = 0;
end:
	sqlite3_finalize(s);
	return ret;
}

/* Writes vcpu, steal, pcpu_stat and lock_stat.  -1 with err set.  Caller
 * holds dbmu. */
static int store_write_steal(struct ih_store_run *run, const struct ih_store_run_info *info,
			     const struct ih_steal *steal, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	sqlite3_stmt *vs = NULL, *ss = NULL, *ps = NULL, *ls = NULL;
	size_t nwin = steal ? ih_steal_nwindows(steal) : 0;
	size_t nv = info->nvcpus;
	int ret = -1;

	if (sqlite3_prepare_v2(st->db, "INSERT INTO vcpu (run_id, vcpu, guest, guest_kind, pcpu, tid, thread) "
			       "VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &vs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO steal (run_id, vcpu, window_start_ns, window_ns, "
			       "running_ns, runnable_ns, blocked_ns, offline_ns, hv_irq_ns, hv_softirq_ns, "
			       "hv_tasklet_ns, hv_lock_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &ss, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO pcpu_stat (run_id, pcpu, window_start_ns, window_ns, "
			       "run_ns, run_delay_ns) VALUES (?, ?, ?, ?, ?, ?)", -1, &ps, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(st->db, "INSERT INTO lock_stat (run_id, lock, lock_name, pcpu, acquisitions, "
			       "contended, wait_ns, hold_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &ls, NULL) != SQLITE_OK)
		goto error;
	if (steal && ih_steal_nvcpus(steal) > nv)
		nv = ih_steal_nvcpus(steal);
	for (size_t v = 0; v < nv; v++) {
		uint32_t guest = 0, pcpu = 0;
		const struct ih_steal_vwin *w = steal ? ih_steal_vcpu(steal, (uint32_t)v, &guest, &pcpu) : NULL;
		char gname[32];

		if ((v >= info->nvcpus || !info->vcpus[v].guest) && !w)
			continue;	/* an id no vCPU has (kernel runs: ids may have gaps) */
		sqlite3_bind_int64(vs, 1, run->run_id);
		sqlite3_bind_int64(vs, 2, (sqlite3_int64)v);
		if (v < info->nvcpus) {
			sqlite3_bind_text(vs, 3, info->vcpus[v].guest ? info->vcpus[v].guest : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(vs, 4, info->vcpus[v].kind ? info->vcpus[v].kind : "", -1, SQLITE_STATIC);
			if (info->vcpus[v].pcpu >= 0)
				sqlite3_bind_int64(vs, 5, info->vcpus[v].pcpu);
			else
				sqlite3_bind_null(vs, 5);
			if (info->vcpus[v].thread) {
				sqlite3_bind_int64(vs, 6, info->vcpus[v].tid);
				sqlite3_bind_text(vs, 7, info->vcpus[v].thread, -1, SQLITE_STATIC);
			} else {
				sqlite3_bind_null(vs, 6);
				sqlite3_bind_null(vs, 7);
			}
		} else {
			/* Not in the scenario (none in the trace): what the
			 * runstate events tell. */
			snprintf(gname, sizeof(gname), "guest%u", guest);
			sqlite3_bind_text(vs, 3, gname, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(vs, 4, "", -1, SQLITE_STATIC);
			sqlite3_bind_int64(vs, 5, pcpu);
			sqlite3_bind_null(vs, 6);
			sqlite3_bind_null(vs, 7);
		}
		if (sqlite3_step(vs) != SQLITE_DONE)
			goto error;
		sqlite3_reset(vs);
		for (size_t i = 0; w && i < nwin; i++) {
			int p = 1;

			sqlite3_bind_int64(ss, p++, run->run_id);
			sqlite3_bind_int64(ss, p++, (sqlite3_int64)v);
			sqlite3_bind_int64(ss, p++, ih_steal_window_start(steal, i));
			sqlite3_bind_int64(ss, p++, ih_steal_window_len(steal, i));
			for (int s = 0; s < IH_RS_COUNT_; s++)
				sqlite3_bind_int64(ss, p++, w[i].state_ns[s]);
			for (int c = 0; c < IH_HV_COUNT_; c++)
				sqlite3_bind_int64(ss, p++, w[i].hv_ns[c]);
			if (sqlite3_step(ss) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ss);
		}
	}
	for (size_t c = 0; steal && c < ih_steal_npcpus(steal); c++) {
		const struct ih_steal_pwin *w = ih_steal_pcpu(steal, (uint32_t)c);

		for (size_t i = 0; w && i < nwin; i++) {
			sqlite3_bind_int64(ps, 1, run->run_id);
			sqlite3_bind_int64(ps, 2, (sqlite3_int64)c);
			sqlite3_bind_int64(ps, 3, ih_steal_window_start(steal, i));
			sqlite3_bind_int64(ps, 4, ih_steal_window_len(steal, i));
			sqlite3_bind_int64(ps, 5, w[i].run_ns);
			sqlite3_bind_int64(ps, 6, w[i].run_delay_ns);
			if (sqlite3_step(ps) != SQLITE_DONE)
				goto error;
			sqlite3_reset(ps);
		}
	}
	for (size_t i = 0; steal && i < ih_steal_nlocks(steal); i++) {
		const struct ih_steal_lock *l = ih_steal_lock_at(steal, i);
		char name[96];

		if (l->lock == 0)
			snprintf(name, sizeof(name), "tasklet_lock");
		else if (l->lock - 1 < info->nguests && info->guests[l->lock - 1])
			snprintf(name, sizeof(name), "event_lock:%s", info->guests[l->lock - 1]);
		else
			snprintf(name, sizeof(name), "event_lock:guest%u", l->lock - 1);
		sqlite3_bind_int64(ls, 1, run->run_id);
		sqlite3_bind_int64(ls, 2, l->lock);
		sqlite3_bind_text(ls, 3, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ls, 4, l->pcpu);
		sqlite3_bind_int64(ls, 5, (sqlite3_int64)l->acquisitions);
		sqlite3_bind_int64(ls, 6, (sqlite3_int64)l->contended);
		sqlite3_bind_int64(ls, 7, (sqlite3_int64)l->wait_ns);
		sqlite3_bind_int64(ls, 8, (sqlite3_int64)l->hold_ns);
		if (sqlite3_step(ls) != SQLITE_DONE)
			goto error;
		sqlite3_reset(ls);
	}
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot write the steal tables: %s", st->path, sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(vs);
	sqlite3_finalize(ss);
	sqlite3_finalize(ps);
	sqlite3_finalize(ls);
	return ret;
}

static void bind_text_or_null(sqlite3_stmt *s, int p, const char *v)
{
	if (v)
		sqlite3_bind_text(s, p, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, p);
}

/* Completes the run row.  -1 with err set.  Caller holds dbmu. */
static int store_update_run(struct ih_store_run *r, const struct ih_store_run_info *run, char *err,
			    size_t errlen)
{
	struct ih_store *st = r->st;
	sqlite3_stmt *s = NULL;
	int p = 1, ret = -1;

	if (sqlite3_prepare_v2(st->db,
			       "UPDATE run SET label = ?, host = ?, trace = ?, trace_uuid = ?, "
			       "tasklet_mode = ?, notifier_mode = ?, scenario = ?, start_ns = ?, end_ns = ?, "
			       "events = ?, discarded = ?, irqs_raised = ?, irqs_acked = ?, irqs = ?, "
			       "irqs_incomplete = ?, host_steal_ns = ?, host_total_ns = ? WHERE id = ?",
			       -1, &s, NULL) != SQLITE_OK)
		goto error;
	sqlite3_bind_text(s, p++, run->label ? run->label : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, p++, run->host ? run->host : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, p++, run->trace ? run->trace : "", -1, SQLITE_STATIC);
	bind_text_or_null(s, p++, r->uuid);
	bind_text_or_null(s, p++, run->tasklet_mode);
	bind_text_or_null(s, p++, run->notifier_mode);
	bind_text_or_null(s, p++, run->scenario);
	if (run->has_times) {
		sqlite3_bind_int64(s, p++, run->start_ns);
		sqlite3_bind_int64(s, p++, run->end_ns);
	} else {
		sqlite3_bind_null(s, p++);
		sqlite3_bind_null(s, p++);
	}
	sqlite3_bind_int64(s, p++, (sqlite3_int64)run->events);
	sqlite3_bind_int64(s, p++, (sqlite3_int64)run->discarded);
	if (run->has_run_end) {
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->irqs_raised);
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->irqs_acked);
	} else {
		sqlite3_bind_null(s, p++);
		sqlite3_bind_null(s, p++);
	}
	sqlite3_bind_int64(s, p++, (sqlite3_int64)r->irqs);
	sqlite3_bind_int64(s, p++, (sqlite3_int64)r->incomplete);
	if (run->has_run_end) {
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->host_steal_ns);
		sqlite3_bind_int64(s, p++, (sqlite3_int64)run->host_total_ns);
	} else {
		sqlite3_bind_null(s, p++);
		sqlite3_bind_null(s, p++);
	}
	sqlite3_bind_int64(s, p++, r->run_id);
	if (sqlite3_step(s) != SQLITE_DONE)
		goto error;
	ret = 0;
	goto end;
error:
	snprintf(err, errlen, "database %s: cannot complete the run: %s", st->path, sqlite3_errmsg(st->db));
end:
	sqlite3_finalize(s);
	return ret;
}

int ih_store_run_finish(struct ih_store_run *run, const struct ih_store_run_info *info,
			const struct ih_steal *steal, struct ih_store_result *res, char *err, size_t errlen)
{
	struct ih_store *st = run->st;
	int ret = -1;

	if (run->cur && run->cur->n && store_push(run, err, errlen))
		return -1;
	pthread_mutex_lock(&st->dbmu);
	if (store_write_hists(run, err, errlen) || store_write_pct(run, err, errlen) ||
	    store_blocks_write(run, err, errlen) ||
	    store_write_steal(run, info, steal, err, errlen) ||
	    store_update_run(run, info, err, errlen))
		goto end;
	res->run_id = run->run_id;
	res->irqs = run->irqs;
	res->incomplete = run->incomplete;
	res->replaced = run->replaced;
	ret = 0;
end:
	pthread_mutex_unlock(&st->dbmu);
	return ret;
}
