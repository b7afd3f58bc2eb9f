/*
 * analyzer/graph/analyze.c - `irqhop analyze TRACE... --db FILE [--label TEXT] [--replace]
 * [--window W]`.
 *
 * Finds every CTF trace under each TRACE (a trace folder, an LTTng session
 * output, or an lttng-relayd output tree with one trace per host), checks
 * them all (metadata, already analyzed) before decoding anything, then runs,
 * for each trace in turn, src.ctf.fs -> filter.utils.muxer ->
 * sink.irqhop.sqlite in-process: each trace is its own run and its own
 * transaction.  The graph runs
 * through libbabeltrace2: the ctf and utils plugins are found where
 * babeltrace2 installs them, the sink class is created from the code linked
 * into irqhop (analyzer/sqlite/), so analyze works without the plugin
 * being installed.  Errors are one line on stderr (cli/cmd.h conventions);
 * library logging is kept quiet so that line is the only one.
 */
#include "config.h"
#include "cli/cmd.h"
#include "analyzer/sqlite/sink.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <ctype.h>
#include <dirent.h>
#include <ftw.h>
#include <stdbool.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "analyzer/store/store.h"

#define AN_PREFIX "irqhop analyze: "

static void an_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop analyze TRACE... --db FILE [--label TEXT] [--replace] [--window W]\n"
		"\n"
		"Reconstructs every interrupt's path from the irqhop events of each CTF trace\n"
		"found under the TRACE folders (a trace, an LTTng output folder, or an\n"
		"lttng-relayd output tree holding one trace per host) and adds one run per\n"
		"trace to the SQLite database FILE (created if missing), tagged with the\n"
		"trace's hostname.  Each run is written in one transaction: on any error\n"
		"nothing of it is added.  A trace already in FILE (same trace UUID) is\n"
		"refused before anything is decoded, unless --replace.\n"
		"\n"
		"  -d, --db FILE      database to write (required)\n"
		"  -l, --label TEXT   run label (default: the label recorded in the trace)\n"
		"  -r, --replace      analyze an already analyzed trace again: its old run is\n"
		"                     deleted in the transaction that adds the new one\n"
		"  -w, --window W     steal window: ns, or a duration such as 100ms, 1s\n"
		"                     (default 100ms)\n"
		"  -h, --help         show this help\n");
}

/* One CTF trace found under a TRACE argument. */
struct an_trace {
	char *dir;		/* folder holding its metadata file */
	char uuid[37];		/* "" when the metadata has none */
	uint64_t bytes;		/* size of its stream files */
	int kernel_of;		/* UST trace of a session with a kernel channel: the index
				 * of that session's kernel trace (one run, kernel model:
				 * docs/kvm-model.md); -1 otherwise */
};

/* CTF trace folders found under the TRACE arguments (each holds a metadata
 * file).  src.ctf.fs takes trace folders, not a session's output root, so
 * analyze finds them the way the babeltrace2 CLI does.  File scope because
 * nftw() passes no user data to its callback. */
#define AN_MAX_TRACES 4096
static struct {
	struct an_trace *t;
	int n, cap;
	bool too_many, oom;
} an_found;

/* nftw callback: records the folder of each metadata file.  Returns 1 (stop
 * the walk) when out of memory or when there are too many. */
static int an_find_metadata(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	if (type != FTW_F || strcmp(path + ftw->base, "metadata") != 0)
		return 0;
	if (an_found.n == AN_MAX_TRACES) {
		an_found.too_many = true;
		return 1;
	}
	if (an_found.n == an_found.cap) {
		int cap = an_found.cap ? an_found.cap * 2 : 8;
		struct an_trace *t = realloc(an_found.t, (size_t)cap * sizeof(*t));

		if (!t) {
			an_found.oom = true;
			return 1;
		}
		an_found.t = t;
		an_found.cap = cap;
	}
	memset(&an_found.t[an_found.n], 0, sizeof(an_found.t[0]));
	an_found.t[an_found.n].dir = strndup(path, ftw->base ? (size_t)ftw->base - 1 : 0);
	if (!an_found.t[an_found.n].dir) {
		an_found.oom = true;
		return 1;
	}
	an_found.n++;
	return 0;
}

/* LTTng writes a session with a kernel channel as SESSION/kernel and
 * SESSION/ust/...: such UST traces join their kernel trace's run (the
 * sink merges them by session, docs/kvm-model.md).  Sets kernel_of.
 * Cannot fail. */
#define AN_MAX_SESSION 7
static void an_group_sessions(void)
{
	for (int i = 0; i < an_found.n; i++)
		an_found.t[i].kernel_of = -1;
	for (int i = 0; i < an_found.n; i++) {
		const char *k = an_found.t[i].dir;
		size_t len = strlen(k), root;

		if (len < 7 || strcmp(k + len - 7, "/kernel") != 0)
			continue;
		root = len - 7;
		for (int j = 0; j < an_found.n; j++) {
			const char *u = an_found.t[j].dir;

			if (j != i && an_found.t[j].kernel_of < 0 && strncmp(u, k, root) == 0 &&
			    strncmp(u + root, "/ust/", 5) == 0)
				an_found.t[j].kernel_of = i;
		}
	}
}

static void an_found_free(void)
{
	for (int i = 0; i < an_found.n; i++)
		free(an_found.t[i].dir);
	free(an_found.t);
	memset(&an_found, 0, sizeof(an_found));
}

static int an_check_metadata(struct an_trace *t);

/* Checks TRACE is a folder holding CTF traces and appends them to an_found,
 * before involving Babeltrace, whose own messages for these cases are long.
 * Returns 0, or -1 after printing the one-line error. */
static int an_check_trace(const char *trace)
{
	struct stat sb;
	int first = an_found.n, r;

	if (stat(trace, &sb) != 0) {
		fprintf(stderr, AN_PREFIX "trace %s: %s\n", trace, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, AN_PREFIX "trace %s: not a folder (give the trace's output folder)\n", trace);
		return -1;
	}
	r = nftw(trace, an_find_metadata, 16, FTW_PHYS);
	if (r < 0) {
		fprintf(stderr, AN_PREFIX "trace %s: cannot read: %s\n", trace, strerror(errno));
		return -1;
	}
	if (an_found.too_many) {
		fprintf(stderr, AN_PREFIX "trace %s: more than %d CTF traces\n", trace, AN_MAX_TRACES);
		return -1;
	}
	if (r > 0 || an_found.oom) {
		fprintf(stderr, AN_PREFIX "trace %s: out of memory\n", trace);
		return -1;
	}
	if (an_found.n == first) {
		fprintf(stderr, AN_PREFIX "no CTF trace in %s (no metadata file under it)\n", trace);
		return -1;
	}
	for (int i = first; i < an_found.n; i++)
		if (an_check_metadata(&an_found.t[i]))
			return -1;
	return 0;
}

/* Copies MSG into BUF as one line: newlines become "; ", trailing spaces go. */
static void an_one_line(char *buf, size_t len, const char *msg)
{
	size_t j = 0;

	for (size_t i = 0; msg[i] && j + 3 < len; i++) {
		if (msg[i] == '\n') {
			if (msg[i + 1]) {
				buf[j++] = ';';
				buf[j++] = ' ';
			}
		} else {
			buf[j++] = msg[i];
		}
	}
	while (j && buf[j - 1] == ' ')
		j--;
	buf[j] = '\0';
}

/* Prints the current thread's Babeltrace error as one line and clears it.
 * Causes are in append order, so index 0 is the root cause, the most
 * specific one: the sink's are meant for users and are printed as they are;
 * any other (the ctf source failed) is printed after WHAT and TRACE. */
static void an_print_error(const char *what, const char *trace)
{
	const bt_error *error = bt_current_thread_take_error();
	const bt_error_cause *root;
	char line[1024];

	if (!error || !bt_error_get_cause_count(error)) {
		fprintf(stderr, AN_PREFIX "%s%s\n", what, trace);
		goto end;
	}
	root = bt_error_borrow_cause_by_index(error, 0);
	an_one_line(line, sizeof(line), bt_error_cause_get_message(root));
	if (bt_error_cause_get_actor_type(root) == BT_ERROR_CAUSE_ACTOR_TYPE_COMPONENT &&
	    bt_error_cause_component_actor_get_component_class_type(root) == BT_COMPONENT_CLASS_TYPE_SINK &&
	    strcmp(bt_error_cause_component_actor_get_component_class_name(root), IH_SINK_CLASS_NAME) == 0)
		fprintf(stderr, AN_PREFIX "%s\n", line);
	else
		fprintf(stderr, AN_PREFIX "%s%s: %s\n", what, trace, line);
end:
	if (error)
		bt_error_release(error);
}

/* Packet header of LTTng's packetized metadata (CTF 1.8 "metadata packet"),
 * native byte order. */
struct an_meta_hdr {
	uint32_t magic;
	uint8_t uuid[16];
	uint32_t checksum;
	uint32_t content_size;	/* bits */
	uint32_t packet_size;	/* bits */
};
#define AN_META_MAGIC 0x75D11D57u

/* Finds the trace UUID of a plain-text metadata file F (`uuid = "..."`, the
 * first one, in the trace block) into OUT (37 bytes); "" when none. */
static void an_text_uuid(FILE *f, char *out)
{
	char buf[65536];
	size_t n;
	const char *p;

	out[0] = '\0';
	if (fseeko(f, 0, SEEK_SET) != 0)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	p = strstr(buf, "uuid");
	while (p) {
		const char *q = p + 4;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=') {
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '"' && strlen(q + 1) >= 36 && q[37] == '"') {
				for (int i = 0; i < 36; i++)
					out[i] = (char)tolower((unsigned char)q[1 + i]);
				out[36] = '\0';
				return;
			}
		}
		p = strstr(p + 4, "uuid");
	}
}

/* Checks that a packetized metadata file ends on a packet boundary:
 * libbabeltrace2 2.0.4 spins forever on a metadata file cut inside a packet
 * (a copy interrupted, a disk full), so this is refused up front.  Plain-text
 * metadata is left to Babeltrace.  Returns 0, or -1 after printing. */
static int an_check_metadata(struct an_trace *t)
{
	const char *dir = t->dir;
	char path[PATH_MAX];
	struct an_meta_hdr h;
	struct stat sb;
	uint64_t off = 0;
	FILE *f;
	DIR *d;
	struct dirent *de;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &sb) != 0) {
		fprintf(stderr, AN_PREFIX "trace %s: cannot read metadata: %s\n", dir, strerror(errno));
		goto end;
	}
	/* Bounded: each step advances by at least one header. */
	while (off < (uint64_t)sb.st_size) {
		if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(&h, sizeof(h), 1, f) != 1) {
			fprintf(stderr, AN_PREFIX "trace %s: metadata is truncated (cut inside a packet header)\n", dir);
			goto end;
		}
		if (h.magic != AN_META_MAGIC) {
			if (off == 0) {
				an_text_uuid(f, t->uuid);
				break;	/* plain-text metadata */
			}
			fprintf(stderr, AN_PREFIX "trace %s: metadata is corrupt (bad packet magic at byte %" PRIu64 ")\n",
				dir, off);
			goto end;
		}
		if (h.packet_size < 8 * sizeof(h) || h.content_size > h.packet_size ||
		    off + h.packet_size / 8 > (uint64_t)sb.st_size) {
			fprintf(stderr, AN_PREFIX "trace %s: metadata is truncated or corrupt (packet at byte %" PRIu64
				" runs past the end of the file)\n", dir, off);
			goto end;
		}
		if (off == 0)
			snprintf(t->uuid, sizeof(t->uuid),
				 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
				 h.uuid[0], h.uuid[1], h.uuid[2], h.uuid[3], h.uuid[4], h.uuid[5], h.uuid[6],
				 h.uuid[7], h.uuid[8], h.uuid[9], h.uuid[10], h.uuid[11], h.uuid[12], h.uuid[13],
				 h.uuid[14], h.uuid[15]);
		off += h.packet_size / 8;
	}
	/* Stream files, for the progress estimate. */
	d = opendir(dir);
	while (d && (de = readdir(d)) != NULL) {
		char p[PATH_MAX];
		struct stat fsb;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "metadata") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &fsb) == 0 && S_ISREG(fsb.st_mode))
			t->bytes += (uint64_t)fsb.st_size;
	}
	if (d)
		closedir(d);
	ret = 0;
end:
	if (f)
		fclose(f);
	return ret;
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

/* Finds a plugin in the usual places; -1 after printing an error. */
static int an_find_plugin(const char *name, const bt_plugin **out)
{
	if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, out) ==
	    BT_PLUGIN_FIND_STATUS_OK)
		return 0;
	bt_current_thread_clear_error();
	fprintf(stderr, AN_PREFIX "babeltrace2 plugin '%s' not found (Debian package: babeltrace2)\n", name);
	return -1;
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

	if (an_find_plugin("ctf", &g->ctf) || an_find_plugin("utils", &g->utils))
		goto end;
	src_cls = bt_plugin_borrow_source_component_class_by_name_const(g->ctf, "fs");
	mux_cls = bt_plugin_borrow_filter_component_class_by_name_const(g->utils, "muxer");
	if (!src_cls || !mux_cls) {
		fprintf(stderr, AN_PREFIX "babeltrace2 lacks src.ctf.fs or filter.utils.muxer\n");
		goto end;
	}
	g->sink_cls = ih_sink_class_create();
	g->graph = bt_graph_create(0);
	src_params = bt_value_map_create();
	sink_params = bt_value_map_create();
	if (!g->sink_cls || !g->graph || !src_params || !sink_params ||
	    bt_value_map_insert_empty_array_entry(src_params, "inputs", &inputs) ||
	    bt_value_map_insert_string_entry(sink_params, "db", db) ||
	    bt_value_map_insert_string_entry(sink_params, "trace", trace) ||
	    (label && bt_value_map_insert_string_entry(sink_params, "label", label)) ||
	    (window && bt_value_map_insert_string_entry(sink_params, "window", window)) ||
	    (replace && bt_value_map_insert_bool_entry(sink_params, "replace", BT_TRUE)) ||
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

static double an_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Progress on a terminal: one line on stderr, rewritten at most 5 times a
 * second. */
struct an_progress {
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
	double now = an_now(), dt = now - p->t0;

	if (p->shown && now - p->last < 0.2)
		return;
	p->last = now;
	p->shown = true;
	fprintf(stderr, "\r\033[K" AN_PREFIX "[%d/%d] %s: %.2f M events, %.2f M events/s", p->idx, p->n,
		p->what, (double)events / 1e6, dt > 0 ? (double)events / dt / 1e6 : 0.0);
	if (p->has_range && p->end_ns > p->begin_ns) {
		double share = (double)(ts - p->begin_ns) / (double)(p->end_ns - p->begin_ns);

		share = share < 0 ? 0 : share > 0.99 ? 0.99 : share;
		fprintf(stderr, ", ~%.1f of %.1f MB read (%.0f%%)", share * (double)p->total_bytes / 1e6,
			(double)p->total_bytes / 1e6, 100 * share);
	}
	fflush(stderr);
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

/* Analyzes trace T into DB as one run.  Returns 0, or -1 after printing the
 * one-line error (nothing of the run is then in DB). */
static int an_one(struct an_trace *t, const char *const *more, int nmore, int idx, int n, const char *db,
		  const char *label, const char *window, bool replace)
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
	t0 = an_now();
	if (isatty(STDERR_FILENO)) {
		prog.what = t->dir;
		prog.idx = idx;
		prog.n = n;
		prog.total_bytes = t->bytes;
		prog.t0 = prog.last = t0;
		result.progress = an_progress_cb;
		result.progress_ctx = &prog;
	}
	if (an_graph_build(&g, trace_abs, more, nmore, db, label, window, replace, &result))
		goto end;
	if (result.progress)
		an_trace_range(bt_plugin_borrow_source_component_class_by_name_const(g.ctf, "fs"), trace_abs, &prog);
	do {
		rs = bt_graph_run(g.graph);
	} while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
	if (prog.shown)
		fprintf(stderr, "\r\033[K");
	if (rs != BT_GRAPH_RUN_STATUS_OK || !result.committed) {
		an_print_error("cannot read trace ", t->dir);
		goto end;
	}
	{
		double dt = an_now() - t0;

		printf("irqhop analyze: run %" PRId64 " in %s: %" PRIu64 " irqs (%" PRIu64
		       " incomplete), %" PRIu64 " events (%" PRIu64 " discarded) in %.2f s (%.2f M events/s)",
		       result.run_id, db, result.irqs, result.incomplete, result.events, result.discarded, dt,
		       dt > 0 ? (double)result.events / dt / 1e6 : 0.0);
		if (result.replaced)
			printf(", replacing run %" PRId64, result.replaced);
		printf("\n");
		fflush(stdout);
	}
	ret = 0;
end:
	an_graph_fini(&g);
	return ret;
}

int ih_analyze_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "replace", no_argument, NULL, 'r' },
		{ "window", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *db = NULL, *label = NULL, *window = NULL;
	bool replace = false;
	int c, ret = 1, failed = 0;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":d:l:rw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'r':
			replace = true;
			break;
		case 'w':
			window = optarg;
			break;
		case 'h':
			an_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, AN_PREFIX "option '%s' needs a value (try 'irqhop analyze --help')\n",
				argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, AN_PREFIX "unknown option '%s' (try 'irqhop analyze --help')\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, AN_PREFIX "missing TRACE (usage: irqhop analyze TRACE... --db FILE)\n");
		return 2;
	}
	if (!db) {
		fprintf(stderr, AN_PREFIX "--db FILE is required\n");
		return 2;
	}
	if (!*db) {
		fprintf(stderr, AN_PREFIX "--db needs a file name\n");
		return 2;
	}
	if (window && ih_sink_parse_window(window) <= 0) {
		fprintf(stderr, AN_PREFIX "--window '%s' is not a positive duration (ns, or a number with "
			"ns, us, ms or s, e.g. 100ms)\n", window);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		if (an_check_trace(argv[i]))
			goto end;
	/* Refuse a trace already analyzed before decoding anything. */
	for (int i = 0; i < an_found.n; i++) {
		char err[512];
		int64_t id = 0;

		if (!an_found.t[i].uuid[0])
			continue;
		if (ih_store_lookup_uuid(db, an_found.t[i].uuid, &id, err, sizeof(err))) {
			fprintf(stderr, AN_PREFIX "%s\n", err);
			goto end;
		}
		if (id && !replace) {
			fprintf(stderr, AN_PREFIX "trace %s was already analyzed as run %" PRId64 " in %s "
				"(trace uuid %s; --replace analyzes it again)\n", an_found.t[i].dir, id, db,
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
	for (int i = 0; i < an_found.n; i++) {
		const char *more[AN_MAX_SESSION];
		int nmore = 0;

		if (an_found.t[i].kernel_of >= 0)
			continue;	/* analyzed with its session's kernel trace */
		for (int j = 0; j < an_found.n && nmore < AN_MAX_SESSION; j++)
			if (an_found.t[j].kernel_of == i)
				more[nmore++] = an_found.t[j].dir;
		if (an_one(&an_found.t[i], more, nmore, i + 1, an_found.n, db, label, window, replace))
			failed++;
	}
	if (failed && an_found.n > 1)
		fprintf(stderr, AN_PREFIX "%d of %d traces failed (the others were added)\n", failed, an_found.n);
	ret = failed ? 1 : 0;
end:
	an_found_free();
	return ret;
}
