/*
 * ih_analyze.c - `irqhop analyze TRACE --db FILE [--label TEXT]`.
 *
 * Runs src.ctf.fs -> filter.utils.muxer -> sink.irqhop.sqlite in-process
 * through libbabeltrace2: the ctf and utils plugins are found where
 * babeltrace2 installs them, the sink class is created from the code linked
 * into irqhop (analyzer/sqlite/sink.c), so analyze works without the plugin
 * being installed.  Errors are one line on stderr (cli/ih_cmd.h conventions);
 * library logging is kept quiet so that line is the only one.
 */
#include "config.h"
#include "cli/ih_cmd.h"
#include "analyzer/sqlite/sink.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
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

#define AN_PREFIX "irqhop analyze: "

static void an_usage(FILE *out)
{
	fprintf(out,
		"usage: irqhop analyze TRACE --db FILE [--label TEXT]\n"
		"\n"
		"Reconstructs every interrupt's path from the irqhop events of the CTF trace\n"
		"under TRACE (an LTTng output folder) and adds one run to the SQLite database\n"
		"FILE (created if missing).  The run is written in one transaction: on any\n"
		"error nothing is added.\n"
		"\n"
		"  -d, --db FILE      database to write (required)\n"
		"  -l, --label TEXT   run label (default: the label recorded in the trace)\n"
		"  -h, --help         show this help\n");
}

/* CTF trace folders found under TRACE (each holds a metadata file).
 * src.ctf.fs takes trace folders, not a session's output root, so analyze
 * finds them the way the babeltrace2 CLI does.  File scope because nftw()
 * passes no user data to its callback. */
#define AN_MAX_TRACES 64
static struct {
	char *dirs[AN_MAX_TRACES];
	int n;
	bool too_many;
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
	an_found.dirs[an_found.n] = strndup(path, ftw->base ? (size_t)ftw->base - 1 : 0);
	if (!an_found.dirs[an_found.n])
		return 1;
	an_found.n++;
	return 0;
}

static void an_found_free(void)
{
	for (int i = 0; i < an_found.n; i++)
		free(an_found.dirs[i]);
	an_found.n = 0;
	an_found.too_many = false;
}

static int an_check_metadata(const char *dir);

/* Checks TRACE is a folder holding CTF traces and lists them in an_found,
 * before involving Babeltrace, whose own messages for these cases are long.
 * Returns 0, or -1 after printing the one-line error. */
static int an_check_trace(const char *trace)
{
	struct stat sb;
	int r;

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
		fprintf(stderr, AN_PREFIX "trace %s: more than %d CTF traces under it; give one host's folder\n",
			trace, AN_MAX_TRACES);
		return -1;
	}
	if (r > 0) {
		fprintf(stderr, AN_PREFIX "trace %s: out of memory\n", trace);
		return -1;
	}
	if (an_found.n == 0) {
		fprintf(stderr, AN_PREFIX "no CTF trace in %s (no metadata file under it)\n", trace);
		return -1;
	}
	if (an_found.n > 1) {
		/* irq_id is unique within one run's trace only. */
		fprintf(stderr, AN_PREFIX "%s holds %d CTF traces (%s, %s%s); give one trace's folder\n", trace,
			an_found.n, an_found.dirs[0], an_found.dirs[1], an_found.n > 2 ? ", ..." : "");
		return -1;
	}
	for (int i = 0; i < an_found.n; i++)
		if (an_check_metadata(an_found.dirs[i]))
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

/* Checks that a packetized metadata file ends on a packet boundary:
 * libbabeltrace2 2.0.4 spins forever on a metadata file cut inside a packet
 * (a copy interrupted, a disk full), so this is refused up front.  Plain-text
 * metadata is left to Babeltrace.  Returns 0, or -1 after printing. */
static int an_check_metadata(const char *dir)
{
	char path[PATH_MAX];
	struct an_meta_hdr h;
	struct stat sb;
	uint64_t off = 0;
	FILE *f;
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
				ret = 0;	/* plain-text metadata */
				goto end;
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
		off += h.packet_size / 8;
	}
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
static int an_graph_build(struct an_graph *g, const char *trace, const char *db, const char *label,
			  const char *trace_abs, struct ih_sink_result *result)
{
	const bt_component_class_source *src_cls;
	const bt_component_class_filter *mux_cls;
	bt_value *src_params = NULL, *sink_params = NULL, *inputs = NULL;
	int ret = -1;
	uint64_t nout;

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
	    bt_value_map_insert_string_entry(sink_params, "trace", trace_abs) ||
	    (label && bt_value_map_insert_string_entry(sink_params, "label", label))) {
		fprintf(stderr, AN_PREFIX "out of memory\n");
		goto end;
	}
	for (int i = 0; i < an_found.n; i++) {
		if (bt_value_array_append_string_element(inputs, an_found.dirs[i])) {
			fprintf(stderr, AN_PREFIX "out of memory\n");
			goto end;
		}
	}
	/* The sink first: a bad database fails before the trace is opened. */
	if (bt_graph_add_sink_component_with_initialize_method_data(
		    g->graph, g->sink_cls, "irqhop", sink_params, result, BT_LOGGING_LEVEL_WARNING,
		    &g->sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		an_print_error("cannot open the database for ", trace);
		goto end;
	}
	if (bt_graph_add_source_component(g->graph, src_cls, "ctf", src_params, BT_LOGGING_LEVEL_NONE,
					  &g->src) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		an_print_error("cannot open trace ", trace);
		goto end;
	}
	if (bt_graph_add_filter_component(g->graph, mux_cls, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
					  &g->mux) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		an_print_error("cannot set up the muxer for ", trace);
		goto end;
	}
	nout = bt_component_source_get_output_port_count(g->src);
	for (uint64_t i = 0; i < nout; i++) {
		/* The muxer adds a new input port each time one is connected,
		 * so input port i exists when output port i is connected. */
		if (bt_graph_connect_ports(g->graph,
					   bt_component_source_borrow_output_port_by_index_const(g->src, i),
					   bt_component_filter_borrow_input_port_by_index_const(g->mux, i),
					   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			an_print_error("cannot connect the streams of ", trace);
			goto end;
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

int ih_analyze_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct an_graph g = { 0 };
	struct ih_sink_result result = { 0 };
	const char *db = NULL, *label = NULL, *trace;
	char trace_abs[PATH_MAX];
	bt_graph_run_status rs;
	double t0;
	int c, ret = 1;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'l':
			label = optarg;
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
		fprintf(stderr, AN_PREFIX "missing TRACE (usage: irqhop analyze TRACE --db FILE)\n");
		return 2;
	}
	if (argc - optind > 1) {
		fprintf(stderr, AN_PREFIX "one TRACE at a time, got '%s' and '%s'\n", argv[optind],
			argv[optind + 1]);
		return 2;
	}
	trace = argv[optind];
	if (!db) {
		fprintf(stderr, AN_PREFIX "--db FILE is required\n");
		return 2;
	}
	if (!*db) {
		fprintf(stderr, AN_PREFIX "--db needs a file name\n");
		return 2;
	}
	if (an_check_trace(trace))
		goto end;
	if (!realpath(trace, trace_abs))
		snprintf(trace_abs, sizeof(trace_abs), "%s", trace);

	/* Babeltrace's own logging would repeat, at length, the error this
	 * command prints as one line. */
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	t0 = an_now();
	if (an_graph_build(&g, trace, db, label, trace_abs, &result))
		goto end;
	do {
		rs = bt_graph_run(g.graph);
	} while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
	if (rs != BT_GRAPH_RUN_STATUS_OK || !result.committed) {
		an_print_error("cannot read trace ", trace);
		goto end;
	}
	{
		double dt = an_now() - t0;

		printf("irqhop analyze: run %" PRId64 " in %s: %" PRIu64 " irqs (%" PRIu64
		       " incomplete), %" PRIu64 " events (%" PRIu64 " discarded) in %.2f s (%.2f M events/s)\n",
		       result.run_id, db, result.irqs, result.incomplete, result.events, result.discarded, dt,
		       dt > 0 ? (double)result.events / dt / 1e6 : 0.0);
	}
	ret = 0;
end:
	an_graph_fini(&g);
	an_found_free();
	return ret;
}
