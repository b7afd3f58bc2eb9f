/*
 * analyzer/graph/analyze.c - irqhop analyze's graphs, see analyze.h.
 *
 * For each trace found (find.c) in turn: src.ctf.fs -> filter.utils.muxer ->
 * sink.irqhop.sqlite in-process, each trace its own run and its own
 * transaction.  The graph runs through libbabeltrace2: the ctf and utils
 * plugins are found where babeltrace2 installs them, the sink class is
 * created from the code linked into irqhop (analyzer/sqlite/), so analyze
 * works without the plugin being installed.  Errors are one line on stderr
 * (cli/cmd.h conventions); library logging is kept quiet so that line is
 * the only one.
 */
#include "config.h"
#include "analyzer/graph/priv.h"
#include "analyzer/sqlite/bterror.h"
#include "analyzer/sqlite/sink.h"
#include "analyzer/store/store.h"
#include "collector/events/clock.h"

#include <babeltrace2/babeltrace.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The sink's causes are meant for users and are printed as they are; any
 * other (the ctf source failed) is printed after WHAT and TRACE. */
void an_print_error(const char *what, const char *trace)
{
	char line[1024];

	if (ih_bt_error_line(line, sizeof(line)))
		fprintf(stderr, AN_PREFIX "%s\n", line);
	else if (line[0])
		fprintf(stderr, AN_PREFIX "%s%s: %s\n", what, trace, line);
	else
		fprintf(stderr, AN_PREFIX "%s%s\n", what, trace);
}

struct an_graph {
	bt_graph *graph;
	const bt_plugin *ctf, *utils;
	bt_component_class_sink *sink_cls;
	const bt_component_source *src;
	const bt_component_filter *mux;
	const bt_component_sink *sink;
};

static void an_graph_fini(struct an_graph *g)
{
	/* Destroying the graph finalizes the sink, which rolls back a run
	 * that did not commit. */
	bt_graph_put_ref(g->graph);
	bt_component_class_sink_put_ref(g->sink_cls);
	bt_plugin_put_ref(g->ctf);
	bt_plugin_put_ref(g->utils);
}

/* Finds a Babeltrace plugin; -1 after printing the error. */
static int an_find_plugin(const char *name, const bt_plugin **out)
{
	if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, out) ==
	    BT_PLUGIN_FIND_STATUS_OK)
		return 0;
	bt_current_thread_clear_error();
	fprintf(stderr, AN_PREFIX "babeltrace2 plugin '%s' not found (Debian package: babeltrace2)\n", name);
	return -1;
}

/* The process's ctf and utils plugins, found once (one scan of the plugin
 * folders, which loads every plugin there to read its name: 10 to 15 ms
 * each time, and each graph used to scan twice, each decoding child for
 * itself).  Kept until the process exits: the decoding children, forked
 * after the first call, inherit them. */
static const bt_plugin *an_ctf, *an_utils;

int an_plugins(const bt_plugin **ctf, const bt_plugin **utils)
{
	const bt_plugin_set *set = NULL;

	if (!an_ctf || !an_utils) {
		if (bt_plugin_find_all(BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &set) == BT_PLUGIN_FIND_ALL_STATUS_OK) {
			for (uint64_t i = 0; i < bt_plugin_set_get_plugin_count(set); i++) {
				const bt_plugin *pl = bt_plugin_set_borrow_plugin_by_index_const(set, i);
				const bt_plugin **slot = strcmp(bt_plugin_get_name(pl), "ctf") == 0 ? &an_ctf
					: strcmp(bt_plugin_get_name(pl), "utils") == 0 ? &an_utils : NULL;

				if (slot && !*slot) {
					bt_plugin_get_ref(pl);
					*slot = pl;
				}
			}
			bt_plugin_set_put_ref(set);
		}
		bt_current_thread_clear_error();
		/* Either missing: the lookup by name says which, in one line. */
		if ((!an_ctf && an_find_plugin("ctf", &an_ctf)) || (!an_utils && an_find_plugin("utils", &an_utils)))
			return -1;
	}
	*ctf = an_ctf;
	*utils = an_utils;
	return 0;
}

bt_value *an_sink_params(const char *trace, const char *db, const char *label, const char *window, bool replace)
{
	bt_value *p = bt_value_map_create();

	if (!p || bt_value_map_insert_string_entry(p, "db", db) ||
	    bt_value_map_insert_string_entry(p, "trace", trace) ||
	    (label && bt_value_map_insert_string_entry(p, "label", label)) ||
	    (window && bt_value_map_insert_string_entry(p, "window", window)) ||
	    (replace && bt_value_map_insert_bool_entry(p, "replace", BT_TRUE))) {
		bt_value_put_ref(p);
		fprintf(stderr, AN_PREFIX "out of memory\n");
		return NULL;
	}
	return p;
}

/* Builds src.ctf.fs -> filter.utils.muxer -> sink.irqhop.sqlite.  Returns 0,
 * or -1 after printing the one-line error. */
static int an_graph_build(struct an_graph *g, const char *trace, const char *const *more, int nmore,
			  const char *db, const char *label, const char *window, bool replace,
			  struct ih_sink_result *result)
{
	const bt_component_class_source *src_cls;
	const bt_component_class_filter *mux_cls;
	bt_value *src_params = NULL, *sink_params = NULL, *inputs = NULL;
	int ret = -1;
	uint64_t nout, nmux = 0;

	if (an_plugins(&g->ctf, &g->utils))
		goto end;
	bt_plugin_get_ref(g->ctf);
	bt_plugin_get_ref(g->utils);
	src_cls = bt_plugin_borrow_source_component_class_by_name_const(g->ctf, "fs");
	mux_cls = bt_plugin_borrow_filter_component_class_by_name_const(g->utils, "muxer");
	if (!src_cls || !mux_cls) {
		fprintf(stderr, AN_PREFIX "babeltrace2 lacks src.ctf.fs or filter.utils.muxer\n");
		goto end;
	}
	g->sink_cls = ih_sink_class_create();
	g->graph = bt_graph_create(0);
	src_params = bt_value_map_create();
	if (!(sink_params = an_sink_params(trace, db, label, window, replace)))
		goto end;
	if (!g->sink_cls || !g->graph || !src_params ||
	    bt_value_map_insert_empty_array_entry(src_params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, trace)) {
		fprintf(stderr, AN_PREFIX "out of memory\n");
		goto end;
	}
	/* The sink first: a bad database fails before the trace is opened. */
	if (bt_graph_add_sink_component_with_initialize_method_data(
		    g->graph, g->sink_cls, "irqhop", sink_params, result, BT_LOGGING_LEVEL_WARNING,
		    &g->sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		an_print_error("cannot open the database for ", trace);
		goto end;
	}
	if (bt_graph_add_filter_component(g->graph, mux_cls, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
					  &g->mux) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		an_print_error("cannot set up the muxer for ", trace);
		goto end;
	}
	/* One src.ctf.fs per trace: it merges its inputs into one trace and
	 * refuses traces of different UUIDs (a session's kernel and UST
	 * traces, given together for a kernel run). */
	for (int k = 0; k <= nmore; k++) {
		const char *path = k ? more[k - 1] : trace;
		const bt_component_source *src = NULL;
		bt_value *params = k ? bt_value_map_create() : src_params, *in = NULL;
		char name[16];

		snprintf(name, sizeof(name), k ? "ctf-%d" : "ctf", k);
		if (!params || (k && (bt_value_map_insert_empty_array_entry(params, "inputs", &in) ||
				      bt_value_array_append_string_element(in, path)))) {
			if (k)
				bt_value_put_ref(params);
			fprintf(stderr, AN_PREFIX "out of memory\n");
			goto end;
		}
		if (bt_graph_add_source_component(g->graph, src_cls, name, params, BT_LOGGING_LEVEL_NONE, &src) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			if (k)
				bt_value_put_ref(params);
			an_print_error("cannot open trace ", path);
			goto end;
		}
		if (k)
			bt_value_put_ref(params);
		else
			g->src = src;
		nout = bt_component_source_get_output_port_count(src);
		for (uint64_t i = 0; i < nout; i++, nmux++) {
			/* The muxer adds a new input port each time one is
			 * connected, so its next input port always exists. */
			if (bt_graph_connect_ports(g->graph, bt_component_source_borrow_output_port_by_index_const(src, i),
						   bt_component_filter_borrow_input_port_by_index_const(g->mux, nmux),
						   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				an_print_error("cannot connect the streams of ", path);
				goto end;
			}
		}
	}
	if (bt_graph_connect_ports(g->graph, bt_component_filter_borrow_output_port_by_index_const(g->mux, 0),
				   bt_component_sink_borrow_input_port_by_index_const(g->sink, 0),
				   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
		an_print_error("cannot connect the sink for ", trace);
		goto end;
	}
	ret = 0;
end:
	bt_value_put_ref(src_params);
	bt_value_put_ref(sink_params);
	return ret;
}

/* Progress on a terminal: one line on stderr, rewritten at most 5 times a
 * second. */
struct an_progress {
	FILE *out;		/* the terminal */
	const char *what;	/* trace folder */
	int idx, n;		/* this trace's number, of n */
	uint64_t total_bytes;
	bool has_range;		/* the trace's time span, from src.ctf.fs */
	int64_t begin_ns, end_ns;
	double t0, last;
	bool shown;
};

/* Progress line, at most 5 times a second.  The share of the trace's bytes
 * read is estimated from the last event's time within the trace's time span
 * (stream files grow evenly with time; Babeltrace exposes no byte offsets).
 * Cannot fail. */
static void an_progress_cb(void *ctx, uint64_t events, int64_t ts)
{
	struct an_progress *p = ctx;
	double now = (double)ih_now_ns() / 1e9, dt = now - p->t0;

	if (p->shown && now - p->last < 0.2)
		return;
	p->last = now;
	p->shown = true;
	fprintf(p->out, "\r\033[K" AN_PREFIX "[%d/%d] %s: %.2f M events, %.2f M events/s", p->idx, p->n,
		p->what, (double)events / 1e6, dt > 0 ? (double)events / dt / 1e6 : 0.0);
	if (p->has_range && p->end_ns > p->begin_ns) {
		double share = (double)(ts - p->begin_ns) / (double)(p->end_ns - p->begin_ns);

		share = share < 0 ? 0 : share > 0.99 ? 0.99 : share;
		fprintf(p->out, ", ~%.1f of %.1f MB read (%.0f%%)", share * (double)p->total_bytes / 1e6,
			(double)p->total_bytes / 1e6, 100 * share);
	}
	fflush(p->out);
}

/* Asks src.ctf.fs for the time span of trace DIR (query
 * "babeltrace.trace-infos") into P.  Leaves P->has_range false on any
 * failure: progress then shows no share. */
static void an_trace_range(const bt_component_class_source *src_cls, const char *dir, struct an_progress *p)
{
	bt_query_executor *qe = NULL;
	bt_value *params = bt_value_map_create(), *inputs = NULL;
	const bt_value *res = NULL, *info, *streams, *range, *b, *e;

	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, dir))
		goto end;
	qe = bt_query_executor_create(bt_component_class_source_as_component_class_const(src_cls),
				      "babeltrace.trace-infos", params);
	if (!qe || bt_query_executor_query(qe, &res) != BT_QUERY_EXECUTOR_QUERY_STATUS_OK)
		goto end;
	if (!bt_value_is_array(res) || bt_value_array_get_length(res) < 1)
		goto end;
	/* libbabeltrace2 2.0 gives the range of each stream: take their union. */
	info = bt_value_array_borrow_element_by_index_const(res, 0);
	streams = bt_value_is_map(info) ? bt_value_map_borrow_entry_value_const(info, "stream-infos") : NULL;
	for (uint64_t i = 0; streams && bt_value_is_array(streams) && i < bt_value_array_get_length(streams); i++) {
		const bt_value *si = bt_value_array_borrow_element_by_index_const(streams, i);

		range = bt_value_is_map(si) ? bt_value_map_borrow_entry_value_const(si, "range-ns") : NULL;
		b = range && bt_value_is_map(range) ? bt_value_map_borrow_entry_value_const(range, "begin") : NULL;
		e = range && bt_value_is_map(range) ? bt_value_map_borrow_entry_value_const(range, "end") : NULL;
		if (!b || !e || !bt_value_is_signed_integer(b) || !bt_value_is_signed_integer(e))
			continue;
		if (!p->has_range || bt_value_integer_signed_get(b) < p->begin_ns)
			p->begin_ns = bt_value_integer_signed_get(b);
		if (!p->has_range || bt_value_integer_signed_get(e) > p->end_ns)
			p->end_ns = bt_value_integer_signed_get(e);
		p->has_range = true;
	}
end:
	bt_current_thread_clear_error();
	bt_value_put_ref(res);
	bt_query_executor_put_ref(qe);
	bt_value_put_ref(params);
}

/* Analyzes trace T into DB as one run, showing progress on PROGRESS (the
 * terminal; NULL: none).  Returns 0, or -1 after printing the one-line error
 * (nothing of the run is then in DB). */
static int an_one(struct an_trace *t, int idx, int n, const char *db, const char *label, const char *window,
		  bool replace, int jobs, FILE *progress)
{
	struct an_graph g = { 0 };
	struct ih_sink_result result = { 0 };
	struct an_progress prog = { 0 };
	char trace_abs[PATH_MAX];
	bt_graph_run_status rs;
	int ret = -1;
	double t0;

	if (!realpath(t->dir, trace_abs))
		snprintf(trace_abs, sizeof(trace_abs), "%s", t->dir);
	t0 = (double)ih_now_ns() / 1e9;
	if (progress) {
		prog.out = progress;
		prog.what = t->dir;
		prog.idx = idx;
		prog.n = n;
		prog.total_bytes = t->bytes;
		prog.t0 = prog.last = t0;
		result.progress = an_progress_cb;
		result.progress_ctx = &prog;
	}
	if (jobs > 1) {
		/* Parallel decoding (parallel.c); a trace of one stream file
		 * takes the single graph below. */
		bt_value *params = an_sink_params(trace_abs, db, label, window, replace);
		int r;

		if (result.progress) {
			const bt_plugin *ctf, *utils;

			if (an_plugins(&ctf, &utils))
				goto end;
			an_trace_range(bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"), trace_abs,
				       &prog);
		}
		r = params ? an_parallel(t, jobs, &result, params) : -1;

		bt_value_put_ref(params);
		if (prog.shown)
			fprintf(prog.out, "\r\033[K");
		if (r < 0)
			goto end;
		if (r == 0)
			goto done;
	}
	if (an_graph_build(&g, trace_abs, t->more, t->nmore, db, label, window, replace, &result))
		goto end;
	if (result.progress)
		an_trace_range(bt_plugin_borrow_source_component_class_by_name_const(g.ctf, "fs"), trace_abs, &prog);
	do {
		rs = bt_graph_run(g.graph);
	} while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
	if (prog.shown)
		fprintf(prog.out, "\r\033[K");
	if (rs != BT_GRAPH_RUN_STATUS_OK || !result.committed) {
		an_print_error("cannot read trace ", t->dir);
		goto end;
	}
done:
	an_print_run(&result, db, (double)ih_now_ns() / 1e9 - t0);
	ret = 0;
end:
	an_graph_fini(&g);
	return ret;
}

pid_t ih_analyze_parent;

/* Removes a database file and its companions (a run that died before
 * committing, in a file that did not exist before it).  Never fails. */
static void an_unlink_db(const char *db)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", db, ext[i]);
		unlink(p);
	}
}

/* At most LEN - 1 bytes of the line; "" when none. */
void an_last_line(FILE *f, char *buf, size_t len)
{
	char line[1024];

	buf[0] = '\0';
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\r\n");

		line[n] = '\0';
		if (n) {
			if (n >= len)
				n = len - 1;
			memcpy(buf, line, n);
			buf[n] = '\0';
		}
	}
}

void an_print_run(const struct ih_sink_result *res, const char *db, double dt)
{
	printf("irqhop analyze: run %" PRId64 " in %s: %" PRIu64 " irqs (%" PRIu64
	       " incomplete), %" PRIu64 " events (%" PRIu64 " discarded) in %.2f s (%.2f M events/s)",
	       res->run_id, db, res->irqs, res->incomplete, res->events, res->discarded, dt,
	       dt > 0 ? (double)res->events / dt / 1e6 : 0.0);
	if (res->replaced)
		printf(", replacing run %" PRId64, res->replaced);
	printf("\n");
	fflush(stdout);
}

void an_print_signal(const char *trace, int sig, FILE *errf)
{
	char why[512];
	size_t k;

	an_last_line(errf, why, sizeof(why));
	/* Babeltrace decorates its assertion line: keep the words. */
	for (k = 0; why[k] && !isalnum((unsigned char)why[k]); k++)
		;
	fprintf(stderr, AN_PREFIX "cannot read trace %s: libbabeltrace2 died of signal %d (%s)%s%s\n", trace, sig,
		strsignal(sig), why[k] ? ": " : "", why + k);
}

/* LTTng writes a session with a kernel channel as SESSION/kernel and
 * SESSION/ust/...: such UST traces join their kernel trace's run (the
 * sink merges them by session, docs/kvm-model.md).  Sets kernel_of, more
 * and nmore.  Cannot fail. */
static void an_group_sessions(void)
{
	for (int i = 0; i < an_found.n; i++) {
		an_found.t[i].kernel_of = -1;
		an_found.t[i].nmore = 0;
	}
	for (int i = 0; i < an_found.n; i++) {
		struct an_trace *k = &an_found.t[i];
		size_t len = strlen(k->dir), root;

		if (len < 7 || strcmp(k->dir + len - 7, "/kernel") != 0)
			continue;
		root = len - 7;
		for (int j = 0; j < an_found.n && k->nmore < AN_MAX_SESSION; j++) {
			struct an_trace *u = &an_found.t[j];

			if (j != i && u->kernel_of < 0 && strncmp(u->dir, k->dir, root) == 0 &&
			    strncmp(u->dir + root, "/ust/", 5) == 0) {
				u->kernel_of = i;
				k->more[k->nmore++] = u->dir;
			}
		}
	}
}

/* an_one() in a child process.  libbabeltrace2 2.0.4 aborts (an assertion)
 * on some valid-looking metadata (e.g. a sequence in an event's context):
 * in-process that would kill irqhop analyze with no line of its own and
 * leave a new database file behind.  The child's stderr goes to a temporary
 * file: when the child exits, it is copied to ours (the one-line error of a
 * failed run); when a signal killed it, we print one line naming the trace
 * and the cause (the library's last line, its assertion) instead, and
 * remove the database file if it did not exist before.  Progress goes
 * straight to the terminal.  The child dies with us (PR_SET_PDEATHSIG), so
 * killing irqhop analyze at any moment leaves the run absent or complete.  Returns 0, or -1 after printing one line. */
static int an_one_isolated(struct an_trace *t, int idx, int n, const struct ih_analyze_opts *o)
{
	struct stat sb;
	bool existed = stat(o->db, &sb) == 0 || errno != ENOENT;
	FILE *errf = tmpfile();
	int status = 0, ret = -1;
	pid_t pid, parent;

	if (!errf) {
		fprintf(stderr, AN_PREFIX "cannot create a temporary file: %s\n", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, AN_PREFIX "cannot fork: %s\n", strerror(errno));
		fclose(errf);
		return -1;
	}
	if (pid == 0) {
		FILE *progress = NULL;
		int r;

		/* The run lives and dies with irqhop analyze: killed with it
		 * (SIGKILL, SIGTERM, ...), its transaction is never committed. */
		ih_analyze_parent = parent;
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(1);
		if (isatty(STDERR_FILENO)) {
			int tty = dup(STDERR_FILENO);

			progress = tty >= 0 ? fdopen(tty, "w") : NULL;
		}
		if (dup2(fileno(errf), STDERR_FILENO) < 0)
			_exit(1);
		r = t ? an_one(t, idx, n, o->db, o->label, o->window, o->replace, o->jobs, progress)
		      : an_parallel_many(o);
		if (progress)
			fclose(progress);
		fclose(errf);
		fflush(NULL);
		exit(r ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		char buf[4096];
		size_t k;

		rewind(errf);
		while ((k = fread(buf, 1, sizeof(buf), errf)) > 0)
			fwrite(buf, 1, k, stderr);
		ret = WEXITSTATUS(status) == 0 ? 0 : -1;
	} else {
		an_print_signal(t ? t->dir : "(several)", WIFSIGNALED(status) ? WTERMSIG(status) : 0, errf);
		if (!existed)
			an_unlink_db(o->db);
	}
	fclose(errf);
	return ret;
}

int ih_analyze_traces(char *const *traces, int ntraces, const struct ih_analyze_opts *o)
{
	int ret = 1, failed = 0;

	for (int i = 0; i < ntraces; i++)
		if (an_check_trace(traces[i]))
			goto end;
	/* Refuse a trace already analyzed before decoding anything. */
	for (int i = 0; i < an_found.n; i++) {
		char err[512];
		int64_t id = 0;

		if (!an_found.t[i].uuid[0])
			continue;
		if (ih_store_lookup_uuid(o->db, an_found.t[i].uuid, &id, err, sizeof(err))) {
			fprintf(stderr, AN_PREFIX "%s\n", err);
			goto end;
		}
		if (id && !o->replace) {
			fprintf(stderr, AN_PREFIX "trace %s was already analyzed as run %" PRId64 " in %s "
				"(trace uuid %s; --replace analyzes it again)\n", an_found.t[i].dir, id, o->db,
				an_found.t[i].uuid);
			goto end;
		}
		for (int j = 0; j < i; j++) {
			if (strcmp(an_found.t[j].uuid, an_found.t[i].uuid) == 0) {
				fprintf(stderr, AN_PREFIX "traces %s and %s are the same trace (uuid %s)\n",
					an_found.t[j].dir, an_found.t[i].dir, an_found.t[i].uuid);
				goto end;
			}
		}
	}

	/* Babeltrace's own logging would repeat, at length, the error this
	 * command prints as one line. */
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	an_group_sessions();
	{
		int runs = 0;

		for (int i = 0; i < an_found.n; i++)
			runs += an_found.t[i].kernel_of < 0;
		if (runs > 1 && o->jobs > 1 && an_parallel_usable()) {
			/* Several traces at once, one writer (parallel.c): it
			 * prints its own failures. */
			ret = an_one_isolated(NULL, 0, runs, o) ? 1 : 0;
			goto end;
		}
	}
	for (int i = 0; i < an_found.n; i++)
		if (an_found.t[i].kernel_of < 0 && an_one_isolated(&an_found.t[i], i + 1, an_found.n, o))
			failed++;
	if (failed && an_found.n > 1)
		fprintf(stderr, AN_PREFIX "%d of %d traces failed (the others were added)\n", failed, an_found.n);
	ret = failed ? 1 : 0;
end:
	an_found_free();
	return ret;
}
