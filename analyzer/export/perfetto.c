/*
 * analyzer/export/perfetto.c - see analyzer/export/perfetto.h.
 *
 * Steps: read the run and hop_def; turn the selection into irq ids (the
 * slowest-N and bucket lists come from hop_order through schemas/order.h);
 * read each interrupt's irq row and place its hops in time (as the hop view
 * of docs/schema.md does, from the row alone); give each hop the thread its
 * ending event ran on; spread each thread's overlapping hops over rows;
 * then write everything sorted by time, so every track's timestamps are
 * monotonic in the file (Perfetto sorts anyway; other readers may not).
 */
#include "config.h"
#include "analyzer/export/perfetto.h"
#include "schemas/order.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- threads ------------------------------------------------------------ */

/* The kinds of thread a hop can run on; each is one process in the trace. */
enum ex_kind { EX_PCPU, EX_IO, EX_WORKER, EX_VCPU, EX_UNKNOWN, EX_NKIND };
static const char *const ex_kind_thread[EX_NKIND] = { "pCPU", "I/O thread", "worker", "vCPU",
						       "thread not recorded" };
static const char *const ex_kind_process[EX_NKIND] = { "pCPUs", "I/O threads", "workqueue workers",
							"vCPU threads", "threads not recorded" };

/* Which thread an event of the catalogue (collector/events/irqhop_tp.h)
 * runs on, as the irq column that holds that thread's id: the first
 * alternative whose column is not NULL wins.  A hop is drawn on the thread
 * of the event that ends it (where its wait ends or its work is done), as
 * the dashboard's waterfall lanes are.  inject runs in the tasklet
 * (passthrough, timer), in the workqueue worker (irqfd, waitqueue mode) or
 * in the I/O thread's notifier call (irqfd, srcu mode).  The I/O thread of
 * an irqfd interrupt is known by its eventfd (the source column). */
static const struct ex_event_lane {
	const char *event;
	struct { enum ex_kind kind; const char *col; } alt[3];
	int nalt;
} ex_event_lanes[] = {
	{ "irq_raise",        { { EX_PCPU, "pcpu" } }, 1 },
	{ "irq_entry",        { { EX_PCPU, "pcpu" } }, 1 },
	{ "irq_exit",         { { EX_PCPU, "pcpu" } }, 1 },
	{ "timer_fire",       { { EX_PCPU, "pcpu" } }, 1 },
	{ "tasklet_schedule", { { EX_PCPU, "pcpu" } }, 1 },
	{ "tasklet_entry",    { { EX_PCPU, "task_pcpu" } }, 1 },
	{ "tasklet_exit",     { { EX_PCPU, "task_pcpu" } }, 1 },
	{ "inject",           { { EX_PCPU, "task_pcpu" }, { EX_WORKER, "worker" }, { EX_IO, "source" } }, 3 },
	{ "eventfd_signal",   { { EX_IO, "source" } }, 1 },
	{ "notifier_entry",   { { EX_IO, "source" } }, 1 },
	{ "work_queue",       { { EX_IO, "source" } }, 1 },
	{ "work_entry",       { { EX_WORKER, "worker" } }, 1 },
	{ "vcpu_ack",         { { EX_VCPU, "vcpu" } }, 1 },
	/* Kernel events of real KVM hosts (the kvm-msi and kvm-ioapic paths):
	 * the request is made on the signalling thread's CPU, the IOAPIC
	 * route's injection runs in a kworker, the vCPU thread is woken by
	 * whichever injected and then switched in. */
	{ "kvm_msi_set_irq",         { { EX_PCPU, "pcpu" } }, 1 },
	{ "workqueue_queue_work",    { { EX_PCPU, "pcpu" } }, 1 },
	{ "workqueue_execute_start", { { EX_WORKER, "worker" } }, 1 },
	{ "kvm_set_irq",             { { EX_WORKER, "worker" } }, 1 },
	{ "sched_waking",            { { EX_WORKER, "worker" }, { EX_PCPU, "pcpu" } }, 2 },
	{ "sched_switch",            { { EX_VCPU, "vcpu" } }, 1 },
};

/* The lock wait stored beside a hop, by the event that ends it (the event
 * that carries the wait), where hop_def has no lock_col column. */
static const struct { const char *event, *col; } ex_event_locks[] = {
	{ "tasklet_schedule", "sched_lock_wait_ns" },
	{ "tasklet_entry",    "run_lock_wait_ns" },
	{ "inject",           "vm_lock_wait_ns" },
};

struct ex_thread {
	enum ex_kind kind;
	int64_t id;
	char *name;		/* "vCPU 0 (g0)"; NULL: built from kind and id */
	size_t nlanes;		/* rows (tracks) it needed; at least 1 */
	int64_t *lane_end;	/* end of the last slice of each row */
	bool *lane_zero;	/* whether that slice had no duration */
	uint32_t tid0;		/* tid of row 0; row k is tid0 + k */
};

/* ---- hop definitions ---------------------------------------------------- */

struct ex_hop {
	char *name, *from_ev, *to_ev;
	int seq;
	int col;	/* index of the duration column in the irq row, -1: none */
	int lock_col;	/* index of the lock wait column, -1: none */
};

struct ex_path {
	char *name;
	struct ex_hop *hops;
	size_t nhops;
};

/* ---- slices ------------------------------------------------------------- */

struct ex_slice {
	int64_t start;		/* absolute ns */
	int64_t dur;
	int64_t lock_wait;	/* -1: none */
	size_t irq;		/* index into the exported interrupts */
	size_t thread;		/* index into threads */
	size_t lane;
	const struct ex_hop *hop;
	int pos;		/* 0 only slice, 1 first, 2 middle, 3 last (flow role) */
};

struct ex {
	sqlite3 *db;
	const struct ih_export_sel *sel;
	char *err;
	size_t errlen;
	FILE *out;
	uint64_t bytes;
	bool write_failed;	/* a write failed or the byte cap was reached */
	bool too_big;

	int64_t run_start, origin;
	char *label, *host;

	char **cols;		/* irq column names */
	int ncols;
	bool *col_is_hop;	/* columns left out of the args: hop durations */
	int c_irq_id, c_path, c_start, c_broken, c_ack;

	struct ex_path *paths;
	size_t npaths;

	int64_t *ids;		/* selected irq ids */
	size_t nids;

	struct ex_irq {
		char *args;		/* its irq row as JSON object members */
		int64_t id;
		const char *path;	/* hop_def's name; NULL for a path it lacks */
	} *irqs;			/* the exported interrupts */
	size_t nirqs, capirqs;

	struct ex_slice *slices;
	size_t nslices, capslices;

	struct ex_thread *threads;
	size_t nthreads, capthreads;
};

static int ex_fail(struct ex *x, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int ex_fail(struct ex *x, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->err, x->errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* EDB with SQLite's message; ex_oom: EDB "out of memory". */
static int ex_sqlerr(struct ex *x)
{
	return ex_fail(x, IH_EXPORT_EDB, "database: %s", sqlite3_errmsg(x->db));
}

static int ex_oom(struct ex *x)
{
	return ex_fail(x, IH_EXPORT_EDB, "out of memory");
}

/* Grows *ARR (element size SZ, *CAP elements) to hold N + 1.  -1 when out
 * of memory (the array is left as it was). */
static int ex_grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* A copy of S ("" for NULL); NULL when out of memory. */
static char *ex_strdup(const unsigned char *s)
{
	return s ? strdup((const char *)s) : strdup("");
}

/* ---- output ------------------------------------------------------------- */

/* printf to the output, counting bytes; a write error or the byte cap
 * marks the export failed (checked by the caller at the end). */
static void ex_printf(struct ex *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ex_printf(struct ex *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->write_failed)
		return;
	va_start(ap, fmt);
	n = vfprintf(x->out, fmt, ap);
	va_end(ap);
	if (n < 0) {
		x->write_failed = true;
		return;
	}
	x->bytes += (uint64_t)n;
	if (x->bytes > IH_EXPORT_MAX_BYTES)
		x->write_failed = x->too_big = true;
}

/* printf onto the end of the growing buffer *BUF (*LEN bytes used of
 * *CAP), kept NUL-terminated.  -1 when out of memory (*BUF stays valid). */
static int ex_buf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int ex_buf_printf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (int tries = 0; tries < 2; tries++) {
		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
		if (*buf && *len + (size_t)n < *cap) {
			*len += (size_t)n;
			return 0;
		}
		size_t ncap = (*cap ? *cap : 256);
		while (ncap <= *len + (size_t)n)
			ncap *= 2;
		char *p = realloc(*buf, ncap);
		if (!p)
			return -1;
		*buf = p;
		*cap = ncap;
	}
	return -1;
}

/* Length of the valid UTF-8 sequence at P (1 to 4), or 0 when P does not
 * start one (a stray continuation byte, an overlong form, a surrogate, a
 * code point past U+10FFFF, or a sequence cut by the string's end). */
static size_t ex_utf8_len(const unsigned char *p)
{
	size_t n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;
	uint32_t cp;

	if (*p >= 0xf5 || n == 0)
		return 0;
	cp = *p & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* Appends S as a quoted JSON string: quote, backslash and control
 * characters escaped, valid UTF-8 as it is, any other byte as U+FFFD (a
 * name from a scenario file never makes the trace invalid JSON).  -1 out
 * of memory. */
static int ex_buf_str(char **buf, size_t *len, size_t *cap, const char *s)
{
	if (ex_buf_printf(buf, len, cap, "\""))
		return -1;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int rc;

		if (*p >= 0x80) {
			size_t n = ex_utf8_len(p);

			if (n == 0) {
				rc = ex_buf_printf(buf, len, cap, "\\ufffd");
			} else {
				rc = ex_buf_printf(buf, len, cap, "%.*s", (int)n, (const char *)p);
				p += n - 1;
			}
		} else if (*p == '"' || *p == '\\')
			rc = ex_buf_printf(buf, len, cap, "\\%c", *p);
		else if (*p == '\n')
			rc = ex_buf_printf(buf, len, cap, "\\n");
		else if (*p == '\t')
			rc = ex_buf_printf(buf, len, cap, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			rc = ex_buf_printf(buf, len, cap, "\\u%04x", *p);
		else
			rc = ex_buf_printf(buf, len, cap, "%c", *p);
		if (rc)
			return -1;
	}
	return ex_buf_printf(buf, len, cap, "\"");
}

/* Writes S as a quoted, escaped JSON string to the output. */
static void ex_str(struct ex *x, const char *s)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (ex_buf_str(&buf, &len, &cap, s ? s : "") != 0) {
		x->write_failed = true;
		free(buf);
		return;
	}
	ex_printf(x, "%s", buf);
	free(buf);
}

/* NS (>= 0) as fractional µs with the half-nanosecond suffix
 * (perfetto.h, "Timestamps"). */
static void ex_us(struct ex *x, int64_t ns)
{
	ex_printf(x, "%" PRId64 ".%03d5", ns / 1000, (int)(ns % 1000));
}

/* ---- reading the schema ------------------------------------------------- */

/* Index of irq column NAME, or -1 when the table has none. */
static int ex_col_index(const struct ex *x, const char *name)
{
	for (int i = 0; i < x->ncols; i++)
		if (strcmp(x->cols[i], name) == 0)
			return i;
	return -1;
}

/* Reads the run row (origin, label, host).  ENORUN when absent. */
static int ex_read_run(struct ex *x)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(x->db, "SELECT start_ns, label, host FROM run WHERE id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return ex_sqlerr(x);
	sqlite3_bind_int64(st, 1, x->sel->run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return ex_fail(x, IH_EXPORT_ENOTFOUND, "run %" PRId64 " not found", x->sel->run_id);
	}
	if (rc != SQLITE_ROW) {
		rc = ex_sqlerr(x);
		sqlite3_finalize(st);
		return rc;
	}
	x->run_start = sqlite3_column_type(st, 0) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(st, 0);
	x->label = ex_strdup(sqlite3_column_text(st, 1));
	x->host = ex_strdup(sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return x->label && x->host ? 0 : ex_oom(x);
}

/* Reads the names of the irq table's columns (whatever migrations added). */
static int ex_read_cols(struct ex *x)
{
	sqlite3_stmt *st = NULL;
	int rc, cap = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT name FROM pragma_table_info('irq') ORDER BY cid", -1, &st,
			       NULL) != SQLITE_OK)
		return ex_sqlerr(x);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (x->ncols == cap) {
			int ncap = cap ? cap * 2 : 32;
			char **p = realloc(x->cols, (size_t)ncap * sizeof(*p));

			if (!p) {
				sqlite3_finalize(st);
				return ex_oom(x);
			}
			x->cols = p;
			cap = ncap;
		}
		if (!(x->cols[x->ncols] = ex_strdup(sqlite3_column_text(st, 0)))) {
			sqlite3_finalize(st);
			return ex_oom(x);
		}
		x->ncols++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ex_sqlerr(x);
	x->c_irq_id = ex_col_index(x, "irq_id");
	x->c_path = ex_col_index(x, "path");
	x->c_start = ex_col_index(x, "start_ns");
	x->c_broken = ex_col_index(x, "broken_hop");
	x->c_ack = ex_col_index(x, "ack_ns");
	if (x->c_irq_id < 0 || x->c_path < 0 || x->c_start < 0)
		return ex_fail(x, IH_EXPORT_EDB, "database: table irq lacks irq_id, path or start_ns");
	if (!(x->col_is_hop = calloc((size_t)x->ncols, sizeof(bool))))
		return ex_oom(x);
	return 0;
}

/* Whether table TABLE has column COL (false also when the query fails:
 * the caller then reads the table without it). */
static bool ex_has_column(struct ex *x, const char *table, const char *col)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	if (sqlite3_prepare_v2(x->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* Reads hop_def: every path's hops in order, each with the irq column of
 * its duration (hop_def.col if the table has it, else HOP_ns) and of its
 * lock wait (hop_def.lock_col, else by its ending event). */
static int ex_read_hops(struct ex *x)
{
	bool has_col = ex_has_column(x, "hop_def", "col");
	bool has_lock = ex_has_column(x, "hop_def", "lock_col");
	char sql[256];
	sqlite3_stmt *st = NULL;
	size_t cappaths = 0;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT path, seq, hop, from_ev, to_ev, %s, %s FROM hop_def ORDER BY path, seq",
		 has_col ? "col" : "NULL", has_lock ? "lock_col" : "NULL");
	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ex_sqlerr(x);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 0);
		const char *hop = (const char *)sqlite3_column_text(st, 2);
		const char *to = (const char *)sqlite3_column_text(st, 4);
		struct ex_path *p = x->npaths ? &x->paths[x->npaths - 1] : NULL;
		struct ex_hop *h;
		char colname[128];

		if (!path || !hop || !to)
			continue;
		if (!p || strcmp(p->name, path) != 0) {
			if (ex_grow((void **)&x->paths, &cappaths, x->npaths, sizeof(*x->paths)))
				goto oom;
			p = &x->paths[x->npaths];
			memset(p, 0, sizeof(*p));
			if (!(p->name = strdup(path)))
				goto oom;
			x->npaths++;
		}
		h = realloc(p->hops, (p->nhops + 1) * sizeof(*h));
		if (!h)
			goto oom;
		p->hops = h;
		h = &p->hops[p->nhops];
		memset(h, 0, sizeof(*h));
		p->nhops++;
		h->seq = sqlite3_column_int(st, 1);
		if (!(h->name = strdup(hop)) || !(h->from_ev = ex_strdup(sqlite3_column_text(st, 3))) ||
		    !(h->to_ev = strdup(to)))
			goto oom;
		if (sqlite3_column_type(st, 5) == SQLITE_TEXT)
			snprintf(colname, sizeof(colname), "%s", (const char *)sqlite3_column_text(st, 5));
		else
			snprintf(colname, sizeof(colname), "%s_ns", hop);
		h->col = ex_col_index(x, colname);
		if (h->col >= 0)
			x->col_is_hop[h->col] = true;
		h->lock_col = -1;
		if (sqlite3_column_type(st, 6) == SQLITE_TEXT) {
			h->lock_col = ex_col_index(x, (const char *)sqlite3_column_text(st, 6));
		} else {
			for (size_t i = 0; i < sizeof(ex_event_locks) / sizeof(ex_event_locks[0]); i++)
				if (strcmp(ex_event_locks[i].event, to) == 0)
					h->lock_col = ex_col_index(x, ex_event_locks[i].col);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ex_sqlerr(x);
	return 0;
oom:
	sqlite3_finalize(st);
	return ex_oom(x);
}

/* The path of hop_def named NAME, or NULL. */
static const struct ex_path *ex_path_find(const struct ex *x, const char *name)
{
	for (size_t i = 0; i < x->npaths; i++)
		if (strcmp(x->paths[i].name, name) == 0)
			return &x->paths[i];
	return NULL;
}

/* ---- the selection ------------------------------------------------------ */

/* Appends ID to the selection.  EDB when out of memory. */
static int ex_add_id(struct ex *x, size_t *cap, int64_t id)
{
	if (ex_grow((void **)&x->ids, cap, x->nids, sizeof(*x->ids)))
		return ex_oom(x);
	x->ids[x->nids++] = id;
	return 0;
}

/* Adds the irq ids of PAIRS[0..N) and frees PAIRS.  EDB when out of
 * memory. */
static int ex_take_pairs(struct ex *x, size_t *cap, struct ih_order_pair *pairs, size_t n)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = ex_add_id(x, cap, (int64_t)pairs[i].irq_id);
	free(pairs);
	return rc;
}

/* The ETOOBIG message for WHAT over MAX. */
static int ex_too_many(struct ex *x, size_t max, const char *what)
{
	return ex_fail(x, IH_EXPORT_ETOOBIG,
		       "%s holds more than %zu interrupts, the cap (Perfetto's UI struggles with files "
		       "of a few hundred MB): narrow the selection or raise the cap (at most %d)",
		       what, max, IH_EXPORT_MAX_LIMIT);
}

/* The N slowest complete interrupts over every path of hop_def: each
 * path's N slowest (hop_order's 'total'), merged. */
static int ex_select_slowest(struct ex *x, size_t max, size_t *cap)
{
	struct ih_order_pair *pairs;
	size_t n = (size_t)x->sel->slowest, got = 0;

	if (n == 0)
		return ex_fail(x, IH_EXPORT_ESEL, "slowest: N must be at least 1");
	if (n > max)
		return ex_too_many(x, max, "the selection");
	if (x->npaths > SIZE_MAX / sizeof(*pairs) / n || !(pairs = malloc(x->npaths * n * sizeof(*pairs))))
		return ex_oom(x);
	for (size_t i = 0; i < x->npaths; i++) {
		size_t k = 0;

		if (ih_order_top(x->db, x->sel->run_id, x->paths[i].name, "total", n, pairs + got, &k, x->err,
				 x->errlen) != 0) {
			free(pairs);
			return IH_EXPORT_EDB;
		}
		got += k;
	}
	qsort(pairs, got, sizeof(*pairs), ih_order_cmp_desc);
	return ex_take_pairs(x, cap, pairs, got < n ? got : n);
}

/* PATH's interrupts whose HOP lasted LO..HI ns (hop_order). */
static int ex_select_bucket(struct ex *x, size_t max, size_t *cap)
{
	const struct ih_export_sel *s = x->sel;
	const struct ex_path *p = s->path ? ex_path_find(x, s->path) : NULL;
	struct ih_order_pair *pairs;
	bool known = false, more = false;
	size_t got = 0;

	if (!p)
		return ex_fail(x, IH_EXPORT_ESEL, "bucket: '%s' is not a path of hop_def", s->path ? s->path : "");
	known = s->hop && strcmp(s->hop, "total") == 0;
	for (size_t i = 0; !known && s->hop && i < p->nhops; i++)
		known = strcmp(p->hops[i].name, s->hop) == 0;
	if (!known)
		return ex_fail(x, IH_EXPORT_ESEL, "bucket: '%s' is not a hop of path %s", s->hop ? s->hop : "",
			       p->name);
	if (s->hi_ns < s->lo_ns)
		return ex_fail(x, IH_EXPORT_ESEL, "bucket: HI (%" PRIu64 ") is below LO (%" PRIu64 ")", s->hi_ns,
			       s->lo_ns);
	if (!(pairs = malloc(max * sizeof(*pairs))))
		return ex_oom(x);
	if (ih_order_range(x->db, s->run_id, p->name, s->hop, s->lo_ns, s->hi_ns, max, pairs, &got, &more,
			   x->err, x->errlen) != 0) {
		free(pairs);
		return IH_EXPORT_EDB;
	}
	if (more) {
		free(pairs);
		return ex_too_many(x, max, "the bucket");
	}
	return ex_take_pairs(x, cap, pairs, got);
}

/* Interrupts starting in [lo, hi) ns from the run's start, by start. */
static int ex_select_window(struct ex *x, size_t max, size_t *cap)
{
	const struct ih_export_sel *s = x->sel;
	sqlite3_stmt *st = NULL;
	int rc;

	if (s->hi_ns <= s->lo_ns)
		return ex_fail(x, IH_EXPORT_ESEL, "window: END must be after START");
	if (x->run_start == INT64_MIN)
		return ex_fail(x, IH_EXPORT_ESEL, "window: run %" PRId64 " has no start time", s->run_id);
	if (s->hi_ns > (uint64_t)(INT64_MAX - x->run_start))
		return ex_fail(x, IH_EXPORT_ESEL, "window: END is out of range");
	if (sqlite3_prepare_v2(x->db,
			       "SELECT irq_id FROM irq WHERE run_id = ?1 AND start_ns >= ?2 AND start_ns < ?3 "
			       "ORDER BY start_ns, irq_id LIMIT ?4",
			       -1, &st, NULL) != SQLITE_OK)
		return ex_sqlerr(x);
	sqlite3_bind_int64(st, 1, s->run_id);
	sqlite3_bind_int64(st, 2, x->run_start + (int64_t)s->lo_ns);
	sqlite3_bind_int64(st, 3, x->run_start + (int64_t)s->hi_ns);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)max + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (x->nids == max) {
			sqlite3_finalize(st);
			return ex_too_many(x, max, "the window");
		}
		if (ex_add_id(x, cap, sqlite3_column_int64(st, 0)) != 0) {
			sqlite3_finalize(st);
			return IH_EXPORT_EDB;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ex_sqlerr(x);
}

/* Drops repeated ids, keeping each one's first place in the list. */
struct ex_idpos {
	int64_t id;
	size_t pos;
};

static int ex_cmp_idpos(const void *a, const void *b)
{
	const struct ex_idpos *s = a, *t = b;

	if (s->id != t->id)
		return s->id < t->id ? -1 : 1;
	return (s->pos > t->pos) - (s->pos < t->pos);
}

static int ex_dedupe(struct ex *x)
{
	struct ex_idpos *v;
	bool *keep;
	size_t n = 0;

	if (x->nids < 2)
		return 0;
	v = malloc(x->nids * sizeof(*v));
	keep = calloc(x->nids, sizeof(*keep));
	if (!v || !keep) {
		free(v);
		free(keep);
		return ex_oom(x);
	}
	for (size_t i = 0; i < x->nids; i++)
		v[i] = (struct ex_idpos){ x->ids[i], i };
	qsort(v, x->nids, sizeof(*v), ex_cmp_idpos);
	for (size_t i = 0; i < x->nids; i++)
		if (i == 0 || v[i].id != v[i - 1].id)
			keep[v[i].pos] = true;
	for (size_t i = 0; i < x->nids; i++)
		if (keep[i])
			x->ids[n++] = x->ids[i];
	x->nids = n;
	free(v);
	free(keep);
	return 0;
}

/* Fills x->ids from the selection.  ESEL/ETOOBIG/EDB with err set. */
static int ex_select(struct ex *x)
{
	const struct ih_export_sel *s = x->sel;
	size_t max = s->max_irqs ? s->max_irqs : IH_EXPORT_MAX_DEFAULT, cap = 0;
	int rc;

	if (max > IH_EXPORT_MAX_LIMIT)
		return ex_fail(x, IH_EXPORT_ESEL, "the cap %zu is above the limit of %d interrupts", max,
			       IH_EXPORT_MAX_LIMIT);
	switch (s->kind) {
	case IH_EXPORT_SLOWEST:
		rc = ex_select_slowest(x, max, &cap);
		break;
	case IH_EXPORT_BUCKET:
		rc = ex_select_bucket(x, max, &cap);
		break;
	case IH_EXPORT_WINDOW:
		rc = ex_select_window(x, max, &cap);
		break;
	case IH_EXPORT_IRQS:
		if (s->nirqs > max)
			return ex_too_many(x, max, "the selection");
		rc = 0;
		for (size_t i = 0; rc == 0 && i < s->nirqs; i++)
			rc = ex_add_id(x, &cap, s->irqs[i]);
		if (rc == 0)
			rc = ex_dedupe(x);
		break;
	default:
		return ex_fail(x, IH_EXPORT_ESEL, "no selection given");
	}
	if (rc != 0)
		return rc;
	if (x->nids == 0)
		return ex_fail(x, IH_EXPORT_ESEL, "the selection matches no interrupt of run %" PRId64, s->run_id);
	return 0;
}

/* ---- interrupts to slices ----------------------------------------------- */

/* Index of thread (KIND, ID), added if new.  (size_t)-1 out of memory. */
static size_t ex_thread(struct ex *x, enum ex_kind kind, int64_t id)
{
	for (size_t i = 0; i < x->nthreads; i++)
		if (x->threads[i].kind == kind && x->threads[i].id == id)
			return i;
	if (ex_grow((void **)&x->threads, &x->capthreads, x->nthreads, sizeof(*x->threads)))
		return (size_t)-1;
	memset(&x->threads[x->nthreads], 0, sizeof(x->threads[0]));
	x->threads[x->nthreads].kind = kind;
	x->threads[x->nthreads].id = id;
	return x->nthreads++;
}

/* The thread EVENT ran on for the interrupt in row ST, or -1 when the
 * catalogue does not know the event. */
static int ex_event_thread(struct ex *x, sqlite3_stmt *st, const char *event, size_t *out)
{
	for (size_t i = 0; i < sizeof(ex_event_lanes) / sizeof(ex_event_lanes[0]); i++) {
		const struct ex_event_lane *l = &ex_event_lanes[i];

		if (strcmp(l->event, event) != 0)
			continue;
		for (int a = 0; a < l->nalt; a++) {
			int c = ex_col_index(x, l->alt[a].col);

			if (c >= 0 && sqlite3_column_type(st, c) == SQLITE_INTEGER) {
				*out = ex_thread(x, l->alt[a].kind, sqlite3_column_int64(st, c));
				return 0;
			}
		}
		*out = ex_thread(x, EX_UNKNOWN, 0);
		return 0;
	}
	return -1;
}

/* The interrupt's row as JSON object members (no braces): every non-NULL
 * column but run_id and the hop durations.  NULL when out of memory. */
static char *ex_row_args(struct ex *x, sqlite3_stmt *st)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	bool first = true;

	if (ex_buf_printf(&buf, &len, &cap, "%s", ""))
		return NULL;
	for (int c = 0; c < x->ncols; c++) {
		int t = sqlite3_column_type(st, c);
		int rc = 0;

		if (x->col_is_hop[c] || t == SQLITE_NULL || t == SQLITE_BLOB || strcmp(x->cols[c], "run_id") == 0)
			continue;
		rc = ex_buf_printf(&buf, &len, &cap, "%s", first ? "" : ",") || ex_buf_str(&buf, &len, &cap, x->cols[c]) ||
		     ex_buf_printf(&buf, &len, &cap, ":");
		if (!rc && t == SQLITE_INTEGER)
			rc = ex_buf_printf(&buf, &len, &cap, "%lld", (long long)sqlite3_column_int64(st, c));
		else if (!rc && t == SQLITE_FLOAT)
			rc = ex_buf_printf(&buf, &len, &cap, "%.17g", sqlite3_column_double(st, c));
		else if (!rc)
			rc = ex_buf_str(&buf, &len, &cap, (const char *)sqlite3_column_text(st, c));
		if (rc) {
			free(buf);
			return NULL;
		}
		first = false;
	}
	return buf;
}

/* Column C of the row as an integer; *PRESENT false (and 0) when C is -1
 * or the value is not an integer. */
static int64_t ex_int(sqlite3_stmt *st, int c, bool *present)
{
	*present = c >= 0 && sqlite3_column_type(st, c) == SQLITE_INTEGER;
	return *present ? sqlite3_column_int64(st, c) : 0;
}

/* Places the hops of the interrupt in row ST and adds them as slices.
 * Complete rows: each hop starts where the previous present one ended
 * (a hop absent in the mode, like srcu's defer, is skipped), from start_ns;
 * their columns add up to total_ns.  Incomplete rows: forward so up to the
 * broken hop, and backward from ack_ns over the hops after it that are
 * present (as the hop view places the guest hop), so a hop is never put at
 * a guessed time. */
static int ex_add_irq(struct ex *x, sqlite3_stmt *st)
{
	const char *pathname = (const char *)sqlite3_column_text(st, x->c_path);
	const struct ex_path *p = pathname ? ex_path_find(x, pathname) : NULL;
	const char *broken = x->c_broken >= 0 ? (const char *)sqlite3_column_text(st, x->c_broken) : NULL;
	size_t irq = x->nirqs, first = x->nslices, stop;
	size_t prev_thread = (size_t)-1;
	int64_t t, start = sqlite3_column_int64(st, x->c_start);
	bool has_ack;
	int64_t ack = ex_int(st, x->c_ack, &has_ack);
	char *args;

	if (ex_grow((void **)&x->irqs, &x->capirqs, x->nirqs, sizeof(*x->irqs)))
		return ex_oom(x);
	if (!(args = ex_row_args(x, st)))
		return ex_oom(x);
	x->irqs[x->nirqs].args = args;
	x->irqs[x->nirqs].id = sqlite3_column_int64(st, x->c_irq_id);
	x->irqs[x->nirqs].path = p ? p->name : NULL;
	x->nirqs++;
	if (!p)
		return 0;	/* a path hop_def does not know: its row, no slices */

	stop = p->nhops;
	if (broken)
		for (size_t i = 0; i < p->nhops; i++)
			if (strcmp(p->hops[i].name, broken) == 0)
				stop = i;
	int64_t *at = calloc(p->nhops ? p->nhops : 1, sizeof(*at));
	bool *placed = calloc(p->nhops ? p->nhops : 1, sizeof(*placed));

	if (!at || !placed) {
		free(at);
		free(placed);
		return ex_oom(x);
	}
	t = start;
	for (size_t i = 0; i < stop; i++) {
		bool has;
		int64_t d = ex_int(st, p->hops[i].col, &has);

		if (has && d >= 0) {
			at[i] = t;
			placed[i] = true;
			t += d;
		}
	}
	if (stop < p->nhops && has_ack) {
		t = ack;
		for (size_t i = p->nhops; i-- > stop;) {
			bool has;
			int64_t d = ex_int(st, p->hops[i].col, &has);

			if (!has || d < 0)
				break;
			t -= d;
			at[i] = t;
			placed[i] = true;
		}
	}
	for (size_t i = 0; i < p->nhops; i++) {
		const struct ex_hop *h = &p->hops[i];
		struct ex_slice *s;
		size_t th;
		bool has;

		if (!placed[i])
			continue;
		if (ex_event_thread(x, st, h->to_ev, &th) != 0) {
			/* An event the catalogue does not know: the thread of
			 * the hop before, or of the event that starts it. */
			if (prev_thread != (size_t)-1)
				th = prev_thread;
			else if (ex_event_thread(x, st, h->from_ev, &th) != 0)
				th = ex_thread(x, EX_UNKNOWN, 0);
		}
		if (th == (size_t)-1 ||
		    ex_grow((void **)&x->slices, &x->capslices, x->nslices, sizeof(*x->slices))) {
			free(at);
			free(placed);
			return ex_oom(x);
		}
		prev_thread = th;
		s = &x->slices[x->nslices++];
		s->start = at[i];
		s->dur = ex_int(st, h->col, &has);
		s->lock_wait = ex_int(st, h->lock_col, &has);
		if (!has)
			s->lock_wait = -1;
		s->irq = irq;
		s->thread = th;
		s->lane = 0;
		s->hop = h;
		s->pos = 2;
	}
	free(at);
	free(placed);
	/* Flow roles: a chain needs two slices. */
	if (x->nslices - first == 1) {
		x->slices[first].pos = 0;
	} else if (x->nslices > first) {
		x->slices[first].pos = 1;
		x->slices[x->nslices - 1].pos = 3;
	}
	return 0;
}

/* Reads every selected interrupt's row(s) and turns them into slices.  An
 * irq id given by the caller that the run lacks is ENOTFOUND. */
static int ex_read_irqs(struct ex *x)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT * FROM irq WHERE run_id = ?1 AND irq_id = ?2 ORDER BY start_ns",
			       -1, &st, NULL) != SQLITE_OK)
		return ex_sqlerr(x);
	if (sqlite3_column_count(st) != x->ncols) {
		sqlite3_finalize(st);
		return ex_fail(x, IH_EXPORT_EDB, "database: table irq changed while reading it");
	}
	for (size_t i = 0; i < x->nids && rc == 0; i++) {
		bool found = false;
		int step;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, x->sel->run_id);
		sqlite3_bind_int64(st, 2, x->ids[i]);
		while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
			found = true;
			rc = ex_add_irq(x, st);
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = ex_sqlerr(x);
		if (rc == 0 && !found && x->sel->kind == IH_EXPORT_IRQS)
			rc = ex_fail(x, IH_EXPORT_ENOTFOUND, "interrupt %" PRId64 " not found in run %" PRId64, x->ids[i],
				     x->sel->run_id);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- rows of a thread --------------------------------------------------- */

/* Slices by thread, then start, then interrupt and hop order. */
static int ex_cmp_slice_thread(const void *a, const void *b)
{
	const struct ex_slice *s = a, *t = b;

	if (s->thread != t->thread)
		return s->thread < t->thread ? -1 : 1;
	if (s->start != t->start)
		return s->start < t->start ? -1 : 1;
	if (s->irq != t->irq)
		return s->irq < t->irq ? -1 : 1;
	return (s->hop->seq > t->hop->seq) - (s->hop->seq < t->hop->seq);
}

/* Slices by start, then interrupt and hop order (the file's order). */
static int ex_cmp_slice_time(const void *a, const void *b)
{
	const struct ex_slice *s = a, *t = b;

	if (s->start != t->start)
		return s->start < t->start ? -1 : 1;
	if (s->irq != t->irq)
		return s->irq < t->irq ? -1 : 1;
	return (s->hop->seq > t->hop->seq) - (s->hop->seq < t->hop->seq);
}

/* Whether a slice [START, START + DUR) may follow, on one row, a slice
 * that ended at END (ZERO: had no duration): Perfetto closes the open slice
 * when the next starts at or after its end, except two zero-length slices
 * at one instant, which it nests. */
static bool ex_fits(int64_t end, bool zero, int64_t start, int64_t dur)
{
	return end < start || (end == start && !(zero && dur == 0));
}

/* Gives each slice a row of its thread: the lowest row whose last slice it
 * may follow (slices in start order), so no two slices of one row cross. */
static int ex_assign_lanes(struct ex *x)
{
	qsort(x->slices, x->nslices, sizeof(*x->slices), ex_cmp_slice_thread);
	for (size_t i = 0; i < x->nslices; i++) {
		struct ex_slice *s = &x->slices[i];
		struct ex_thread *th = &x->threads[s->thread];
		size_t lane;

		for (lane = 0; lane < th->nlanes; lane++)
			if (ex_fits(th->lane_end[lane], th->lane_zero[lane], s->start, s->dur))
				break;
		if (lane == th->nlanes) {
			int64_t *e = realloc(th->lane_end, (th->nlanes + 1) * sizeof(*e));

			if (!e)
				return ex_oom(x);
			th->lane_end = e;
			bool *z = realloc(th->lane_zero, (th->nlanes + 1) * sizeof(*z));

			if (!z)
				return ex_oom(x);
			th->lane_zero = z;
			th->nlanes++;
		}
		th->lane_end[lane] = s->start + s->dur;
		th->lane_zero[lane] = s->dur == 0;
		s->lane = lane;
	}
	return 0;
}

/* The vCPUs of the run, as threads (so each has its counter track even
 * when no selected hop ran on it), named with their guest and, for a real
 * KVM host, the host thread ("vCPU 0 (kvm) CPU 0/KVM [160]"). */
static int ex_read_vcpus(struct ex *x)
{
	sqlite3_stmt *st = NULL;
	int rc;

	bool has_thread = ex_has_column(x, "vcpu", "thread") && ex_has_column(x, "vcpu", "tid");
	char sql[160];

	/* Runs of a real KVM host name each vCPU's host thread (schema 6). */
	snprintf(sql, sizeof(sql), "SELECT vcpu, guest, guest_kind, %s FROM vcpu WHERE run_id = ?1 ORDER BY vcpu",
		 has_thread ? "thread, tid" : "NULL, NULL");
	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ex_sqlerr(x);
	sqlite3_bind_int64(st, 1, x->sel->run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t th = ex_thread(x, EX_VCPU, sqlite3_column_int64(st, 0));
		char name[192];

		if (th == (size_t)-1) {
			sqlite3_finalize(st);
			return ex_oom(x);
		}
		const char *guest = (const char *)sqlite3_column_text(st, 1);
		const char *kind = (const char *)sqlite3_column_text(st, 2);

		/* "vCPU 0 (busy)" where the guest is named by its kind, as
		 * the stock scenarios do; else "vCPU 0 (guest web, busy)". */
		if (!guest || !kind || strcmp(guest, kind) == 0)
			snprintf(name, sizeof(name), "vCPU %lld (%s)", (long long)sqlite3_column_int64(st, 0),
				 kind ? kind : guest ? guest : "");
		else
			snprintf(name, sizeof(name), "vCPU %lld (guest %s, %s)", (long long)sqlite3_column_int64(st, 0),
				 guest, kind);
		if (sqlite3_column_type(st, 3) == SQLITE_TEXT && sqlite3_column_type(st, 4) == SQLITE_INTEGER) {
			size_t used = strlen(name);

			snprintf(name + used, sizeof(name) - used, " %s [%lld]", (const char *)sqlite3_column_text(st, 3),
				 (long long)sqlite3_column_int64(st, 4));
		}
		free(x->threads[th].name);
		if (!(x->threads[th].name = strdup(name))) {
			sqlite3_finalize(st);
			return ex_oom(x);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ex_sqlerr(x);
}

/* Threads by kind, then id. */
static int ex_cmp_thread(const void *a, const void *b)
{
	const struct ex_thread *s = a, *t = b;

	if (s->kind != t->kind)
		return s->kind < t->kind ? -1 : 1;
	return (s->id > t->id) - (s->id < t->id);
}

/* Sorts the threads by kind and id and numbers their rows' tids from 100
 * (pids are the kinds, 1..EX_NKIND: no tid equals a pid). */
static int ex_number_threads(struct ex *x)
{
	size_t *map;
	struct ex_thread *sorted;
	uint32_t tid = 100;

	if (!x->nthreads)
		return 0;
	map = malloc(x->nthreads * sizeof(*map));
	sorted = malloc(x->nthreads * sizeof(*sorted));
	if (!map || !sorted) {
		free(map);
		free(sorted);
		return ex_oom(x);
	}
	/* Sort a copy with the old index in tid0 to rebuild the slices'
	 * references. */
	for (size_t i = 0; i < x->nthreads; i++) {
		sorted[i] = x->threads[i];
		sorted[i].tid0 = (uint32_t)i;
	}
	qsort(sorted, x->nthreads, sizeof(*sorted), ex_cmp_thread);
	for (size_t i = 0; i < x->nthreads; i++) {
		map[sorted[i].tid0] = i;
		if (sorted[i].nlanes == 0)
			sorted[i].nlanes = 1;	/* a vCPU with only its counter */
		sorted[i].tid0 = tid;
		tid += (uint32_t)sorted[i].nlanes;
	}
	for (size_t i = 0; i < x->nslices; i++)
		x->slices[i].thread = map[x->slices[i].thread];
	free(x->threads);
	x->threads = sorted;
	x->capthreads = x->nthreads;
	free(map);
	return 0;
}

/* ---- writing ------------------------------------------------------------ */

/* The track name of TH ("pCPU 1"), cut to LEN.  Cannot fail. */
static void ex_thread_name(const struct ex_thread *th, char *buf, size_t len)
{
	if (th->name)
		snprintf(buf, len, "%s", th->name);
	else if (th->kind == EX_UNKNOWN)
		snprintf(buf, len, "%s", ex_kind_thread[th->kind]);
	else
		snprintf(buf, len, "%s %lld", ex_kind_thread[th->kind], (long long)th->id);
}

/* Names every process (kind) used and every thread row (thread_name, and
 * sort indexes for viewers that read them); *COMMA: an event was written.
 * A write failure is recorded in x->write_failed. */
static void ex_write_metadata(struct ex *x, bool *comma)
{
	bool used[EX_NKIND] = { false };

	for (size_t i = 0; i < x->nthreads; i++)
		used[x->threads[i].kind] = true;
	for (int k = 0; k < EX_NKIND; k++) {
		if (!used[k])
			continue;
		ex_printf(x, "%s\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":",
			  *comma ? "," : "", k + 1);
		ex_str(x, ex_kind_process[k]);
		ex_printf(x, "}},\n{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%d,\"args\":{\"sort_index\":%d}}",
			  k + 1, k + 1);
		*comma = true;
	}
	for (size_t i = 0; i < x->nthreads; i++) {
		const struct ex_thread *th = &x->threads[i];
		char name[224], row[256];

		ex_thread_name(th, name, sizeof(name));
		for (size_t l = 0; l < th->nlanes; l++) {
			if (l == 0)
				snprintf(row, sizeof(row), "%s", name);
			else
				snprintf(row, sizeof(row), "%s #%zu", name, l + 1);
			ex_printf(x, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%" PRIu32
				  ",\"args\":{\"name\":", th->kind + 1, th->tid0 + (uint32_t)l);
			ex_str(x, row);
			ex_printf(x, "}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%" PRIu32
				  ",\"args\":{\"sort_index\":%" PRIu32 "}}",
				  th->kind + 1, th->tid0 + (uint32_t)l, th->tid0 + (uint32_t)l);
		}
	}
}

/* Writes one X event per slice, in time order, with its flow binding:
 * bind_id = the interrupt's position + 1 (unique in the file), flow_out on
 * its first hop, both on the middle ones, flow_in on its last.  A write
 * failure is recorded in x->write_failed. */
static void ex_write_slices(struct ex *x, struct ih_export_stats *st)
{
	qsort(x->slices, x->nslices, sizeof(*x->slices), ex_cmp_slice_time);
	for (size_t i = 0; i < x->nslices; i++) {
		const struct ex_slice *s = &x->slices[i];
		const struct ex_thread *th = &x->threads[s->thread];
		char name[224];

		ex_thread_name(th, name, sizeof(name));
		ex_printf(x, ",\n{\"ph\":\"X\",\"name\":");
		ex_str(x, s->hop->name);
		ex_printf(x, ",\"cat\":\"irq\",\"pid\":%d,\"tid\":%" PRIu32 ",\"ts\":", th->kind + 1,
			  th->tid0 + (uint32_t)s->lane);
		ex_us(x, s->start - x->origin);
		ex_printf(x, ",\"dur\":");
		ex_us(x, s->dur);
		if (s->pos != 0) {
			ex_printf(x, ",\"bind_id\":%zu%s%s", s->irq + 1, s->pos >= 2 ? ",\"flow_in\":true" : "",
				  s->pos <= 2 ? ",\"flow_out\":true" : "");
			if (s->pos >= 2)
				st->flows++;
		}
		ex_printf(x, ",\"args\":{\"irq_id\":%" PRId64 ",\"path\":", x->irqs[s->irq].id);
		ex_str(x, x->irqs[s->irq].path);
		ex_printf(x, ",\"hop\":");
		ex_str(x, s->hop->name);
		ex_printf(x, ",\"seq\":%d,\"dur_ns\":%" PRId64 ",\"start_ns\":%" PRId64, s->hop->seq, s->dur, s->start);
		if (s->lock_wait >= 0)
			ex_printf(x, ",\"lock_wait_ns\":%" PRId64, s->lock_wait);
		ex_printf(x, ",\"thread\":");
		ex_str(x, name);
		ex_printf(x, ",\"irq\":{%s}}}", x->irqs[s->irq].args);
	}
	st->slices = x->nslices;
}

/* One counter sample per vCPU and steal window overlapping [LO, HI): the
 * vCPU's steal in that window, in percent. */
static int ex_write_counters(struct ex *x, int64_t lo, int64_t hi, struct ih_export_stats *stats)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(x->db,
			       "SELECT vcpu, window_start_ns, window_ns, runnable_ns + offline_ns FROM steal "
			       "WHERE run_id = ?1 AND window_start_ns + window_ns > ?2 AND window_start_ns < ?3 "
			       "ORDER BY vcpu, window_start_ns",
			       -1, &st, NULL) != SQLITE_OK)
		return ex_sqlerr(x);
	sqlite3_bind_int64(st, 1, x->sel->run_id);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t vcpu = sqlite3_column_int64(st, 0), ws = sqlite3_column_int64(st, 1);
		int64_t wn = sqlite3_column_int64(st, 2), stolen = sqlite3_column_int64(st, 3);
		const struct ex_thread *th = NULL;
		char name[224];

		for (size_t i = 0; i < x->nthreads && !th; i++)
			if (x->threads[i].kind == EX_VCPU && x->threads[i].id == vcpu)
				th = &x->threads[i];
		if (!th || ws < x->origin)
			continue;	/* a vCPU the vcpu table lacks; a window before the origin */
		snprintf(name, sizeof(name), "%s %lld", ex_kind_thread[EX_VCPU], (long long)vcpu);
		ex_printf(x, ",\n{\"ph\":\"C\",\"name\":");
		ex_str(x, name);
		ex_printf(x, ",\"pid\":%d,\"tid\":%" PRIu32 ",\"ts\":", EX_VCPU + 1, th->tid0);
		ex_us(x, ws - x->origin);
		ex_printf(x, ",\"args\":{\"steal_pct\":%.4f}}", wn > 0 ? 100.0 * (double)stolen / (double)wn : 0.0);
		stats->counters++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ex_sqlerr(x);
}

/* The selection's name in otherData.  Cannot fail. */
static const char *ex_kind_name(enum ih_export_kind k)
{
	switch (k) {
	case IH_EXPORT_SLOWEST: return "slowest";
	case IH_EXPORT_BUCKET:  return "bucket";
	case IH_EXPORT_IRQS:    return "irqs";
	case IH_EXPORT_WINDOW:  return "window";
	}
	return "?";
}

/* Frees everything X holds (not the database or the stream). */
static void ex_free(struct ex *x)
{
	for (int i = 0; i < x->ncols; i++)
		free(x->cols[i]);
	free(x->cols);
	free(x->col_is_hop);
	for (size_t i = 0; i < x->npaths; i++) {
		for (size_t j = 0; j < x->paths[i].nhops; j++) {
			free(x->paths[i].hops[j].name);
			free(x->paths[i].hops[j].from_ev);
			free(x->paths[i].hops[j].to_ev);
		}
		free(x->paths[i].hops);
		free(x->paths[i].name);
	}
	free(x->paths);
	free(x->ids);
	for (size_t i = 0; i < x->nirqs; i++)
		free(x->irqs[i].args);
	free(x->irqs);
	free(x->slices);
	for (size_t i = 0; i < x->nthreads; i++) {
		free(x->threads[i].name);
		free(x->threads[i].lane_end);
		free(x->threads[i].lane_zero);
	}
	free(x->threads);
	free(x->label);
	free(x->host);
}

int ih_export_perfetto(sqlite3 *db, const char *db_name, const struct ih_export_sel *sel, FILE *out,
		       struct ih_export_stats *stats, char *err, size_t errlen)
{
	struct ih_export_stats local;
	struct ex x;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	bool comma = false;
	int rc;

	memset(&x, 0, sizeof(x));
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	x.db = db;
	x.sel = sel;
	x.err = err;
	x.errlen = errlen;
	x.out = out;
	if ((rc = ex_read_run(&x)) != 0 || (rc = ex_read_cols(&x)) != 0 || (rc = ex_read_hops(&x)) != 0 ||
	    (rc = ex_select(&x)) != 0 || (rc = ex_read_irqs(&x)) != 0 || (rc = ex_read_vcpus(&x)) != 0 ||
	    (rc = ex_assign_lanes(&x)) != 0 || (rc = ex_number_threads(&x)) != 0)
		goto end;

	for (size_t i = 0; i < x.nslices; i++) {
		if (x.slices[i].start < lo)
			lo = x.slices[i].start;
		if (x.slices[i].start + x.slices[i].dur > hi)
			hi = x.slices[i].start + x.slices[i].dur;
	}
	x.origin = x.run_start;
	if (x.origin == INT64_MIN || (x.nslices && lo < x.origin))
		x.origin = x.nslices ? lo : 0;

	ex_printf(&x, "{\"traceEvents\":[");
	ex_write_metadata(&x, &comma);
	if (!comma)
		ex_printf(&x, "\n{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"args\":{\"name\":\"irqhop\"}}",
			  EX_NKIND + 1);
	ex_write_slices(&x, stats);
	if (x.nslices && (rc = ex_write_counters(&x, lo, hi, stats)) != 0)
		goto end;
	ex_printf(&x, "\n],\n\"otherData\":{\"irqhop\":{\"format\":1,\"run_id\":%" PRId64 ",\"label\":", sel->run_id);
	ex_str(&x, x.label);
	ex_printf(&x, ",\"host\":");
	ex_str(&x, x.host);
	ex_printf(&x, ",\"db\":");
	ex_str(&x, db_name ? db_name : "");
	ex_printf(&x, ",\"selection\":\"%s\",\"origin_ns\":%" PRId64 ",\"irqs\":%zu,\"slices\":%zu}}}\n",
		  ex_kind_name(sel->kind), x.origin, x.nirqs, x.nslices);

	stats->irqs = x.nirqs;
	stats->threads = x.nthreads;
	for (size_t i = 0; i < x.nthreads; i++)
		stats->tracks += x.threads[i].nlanes;
	stats->bytes = x.bytes;
	if (x.too_big)
		rc = ex_fail(&x, IH_EXPORT_ETOOBIG, "the trace grew past the cap of %llu MB: narrow the selection",
			     IH_EXPORT_MAX_BYTES >> 20);
	else if (x.write_failed || fflush(out) != 0 || ferror(out))
		rc = ex_fail(&x, IH_EXPORT_EDB, "write failed");
end:
	ex_free(&x);
	return rc;
}
