/*
 * analyzer/graph/parallel.c - one trace decoded by several Babeltrace graphs
 * at once, see docs/analyzer.md ("Parallel decoding").
 *
 * A Babeltrace graph runs on one thread, and CTF decoding is most of
 * analyze's work.  LTTng writes one stream file per CPU and channel, and
 * every stream decodes on its own (its packets carry their own discarded
 * counts).  So the trace's stream files are split into G groups of about
 * equal bytes (largest first onto the lightest group); each group is a
 * folder of links (the trace's metadata, its index folder, the group's
 * stream files) that a child process decodes with src.ctf.fs ->
 * [filter.utils.muxer] -> sink.irqhop.sqlite in ship mode
 * (analyzer/sqlite/ship.h).  This process merges the G time-ordered record
 * streams by time (ties by group number; the groups' own order otherwise)
 * and replays them into one sink: reconstruction, steal and the SQLite
 * writer are the single graph's code, fed the same events in time order,
 * so the run's rows are the same.
 *
 * States of one child: RUNNING (records arrive) -> ENDED (its END record
 * read; then EOF) or FAILED (EOF without END, or a malformed record).  Any
 * FAILED child, or a failed replay, stops the run: the other children are
 * killed by PID and reaped, nothing is committed, and one line says why
 * (the first failed child's own line, or the signal that killed it).
 *
 * What limits it: this process's share (merge, reconstruction, the
 * writer thread's SQLite inserts) is serial; on N cores the children's
 * decoding shrinks as 1/N and that share does not (docs/benchmarks.md).
 */
#include "config.h"
#include "analyzer/graph/priv.h"
#include "analyzer/sqlite/bterror.h"
#include "analyzer/sqlite/ship.h"
#include "analyzer/sqlite/sink.h"
#include "analyzer/store/store.h"
#include "collector/events/clock.h"

#include <babeltrace2/babeltrace.h>
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAR_MAX_FILES 4096

/* One stream file of the run's traces. */
struct par_file {
	int trace;		/* index into the run's traces */
	char *name;
	uint64_t bytes;
	int group;
};

/* One decoding child. */
struct par_child {
	pid_t pid;
	int fd;
	FILE *err;		/* its stderr */
	unsigned char *buf;
	size_t pos, len, cap;
	bool ended, eof, failed;
	int status;
	struct ih_ship_config cfg;
	char *inputs[IH_SHIP_MAX_TRACES];
	bool has[IH_SHIP_MAX_TRACES];	/* the group has streams of this trace */
};

struct par_run {
	const char *dirs[IH_SHIP_MAX_TRACES];	/* the run's traces: the first, then its session's */
	char abs[IH_SHIP_MAX_TRACES][PATH_MAX];
	int ntraces;
	struct par_file *files;
	int nfiles;
	uint8_t rank[IH_SHIP_MAX_TRACES];	/* the muxer's order of the traces: by UUID */
	bool kernel;		/* one of them is a kernel trace: a kernel run */
	char tmp[PATH_MAX];	/* the groups' folders */
	struct par_child *child;
	int nchild;
	/* Called once, when the replay is past its traces' beginnings (the
	 * first record that is not a STREAM one): several traces at once
	 * begin their runs in the folder's order, so run ids are the same as
	 * one by one. */
	void (*begun)(void *ctx);
	void *begun_ctx;
};

/* The an_found entry of trace folder DIR, NULL if none. */
static const struct an_trace *par_found(const char *dir)
{
	for (int i = 0; i < an_found.n; i++)
		if (strcmp(an_found.t[i].dir, dir) == 0)
			return &an_found.t[i];
	return NULL;
}

/* The UUID an_found holds for trace folder DIR ("" if none). */
static const char *par_uuid(const char *dir)
{
	const struct an_trace *t = par_found(dir);

	return t ? t->uuid : "";
}

/* Ranks the run's traces as Babeltrace's muxer orders messages of equal
 * time: a trace with a UUID before one without, then by UUID (its text
 * orders as its bytes); the rest (no UUID: the muxer would compare names,
 * unknown before decoding) by their order here.  Cannot fail. */
static void par_rank(struct par_run *p)
{
	for (int k = 0; k < p->ntraces; k++) {
		const char *uk = par_uuid(p->dirs[k]);
		int r = 0;

		for (int j = 0; j < p->ntraces; j++) {
			const char *uj = par_uuid(p->dirs[j]);
			int c;

			if (j == k)
				continue;
			if (*uj && !*uk)
				c = -1;
			else if (!*uj && *uk)
				c = 1;
			else
				c = strncmp(uj, uk, 36);
			r += c < 0 || (c == 0 && j < k);
		}
		p->rank[k] = (uint8_t)r;
	}
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct par_file *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Lists the stream files of trace K (regular files besides metadata).
 * Returns 0, or -1 after printing the one-line error. */
static int par_list(struct par_run *p, int k)
{
	DIR *d = opendir(p->abs[k]);
	struct dirent *de;
	int ret = -1;

	if (!d) {
		fprintf(stderr, AN_PREFIX "cannot read trace %s: %s\n", p->dirs[k], strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "metadata") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, 0) || !S_ISREG(sb.st_mode))
			continue;
		if (p->nfiles == PAR_MAX_FILES) {
			fprintf(stderr, AN_PREFIX "trace %s has more than %d stream files\n", p->dirs[k],
				PAR_MAX_FILES);
			goto end;
		}
		p->files[p->nfiles].trace = k;
		p->files[p->nfiles].bytes = (uint64_t)sb.st_size;
		if (!(p->files[p->nfiles].name = strdup(de->d_name))) {
			fprintf(stderr, AN_PREFIX "out of memory\n");
			goto end;
		}
		p->nfiles++;
	}
	ret = 0;
end:
	closedir(d);
	return ret;
}

static const char *par_tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* A new folder for the groups' links in $TMPDIR (or /tmp) into BUF.  -1
 * (errno set) when none can be made. */
static int par_mkdtemp(char *buf, size_t len)
{
	snprintf(buf, len, "%s/irqhop-analyze-XXXXXX", par_tmpdir());
	return mkdtemp(buf) ? 0 : -1;
}

bool an_parallel_usable(void)
{
	char tmp[PATH_MAX];

	if (par_mkdtemp(tmp, sizeof(tmp)))
		return false;
	rmdir(tmp);
	return true;
}

/* Splits the files into at most JOBS groups of about equal bytes and makes
 * each group's folders of links.  Sets p->nchild (0: nothing to split, the
 * single graph is as good).  Returns 0, or -1 after printing the error. */
static int par_groups(struct par_run *p, int jobs, bool single_ok)
{
	uint64_t load[64] = { 0 };
	int nonempty = 0;

	for (int i = 0; i < p->nfiles; i++)
		nonempty += p->files[i].bytes > 0;
	if (jobs > 64)
		jobs = 64;
	p->nchild = nonempty < jobs ? nonempty : jobs;
	if (p->nchild < 1 && single_ok && p->nfiles)
		p->nchild = 1;	/* only empty stream files: one child says what it makes of them */
	if (p->nchild < (single_ok ? 1 : 2)) {
		p->nchild = 0;
		if (single_ok) {
			fprintf(stderr, AN_PREFIX "cannot read trace %s: no stream file\n", p->dirs[0]);
			return -1;
		}
		return 0;
	}
	qsort(p->files, (size_t)p->nfiles, sizeof(*p->files), by_bytes_desc);
	for (int i = 0; i < p->nfiles; i++) {
		int g = 0;

		for (int j = 1; j < p->nchild; j++)
			if (load[j] < load[g])
				g = j;
		p->files[i].group = g;
		load[g] += p->files[i].bytes;
	}
	if (par_mkdtemp(p->tmp, sizeof(p->tmp))) {
		p->tmp[0] = '\0';
		if (!single_ok) {
			p->nchild = 0;	/* no room for the links: one graph does without */
			return 0;
		}
		fprintf(stderr, AN_PREFIX "cannot create a folder in %s: %s\n", par_tmpdir(), strerror(errno));
		return -1;
	}
	if (!(p->child = calloc((size_t)p->nchild, sizeof(*p->child)))) {
		fprintf(stderr, AN_PREFIX "out of memory\n");
		return -1;
	}
	for (int g = 0; g < p->nchild; g++) {
		p->child[g].pid = -1;
		p->child[g].fd = -1;
	}
	for (int i = 0; i < p->nfiles; i++) {
		struct par_child *c = &p->child[p->files[i].group];
		int k = p->files[i].trace;
		char link[PATH_MAX + 64], target[PATH_MAX + 64];

		if (!c->has[k]) {
			char gdir[PATH_MAX + 32];
			struct stat sb;

			c->has[k] = true;
			snprintf(gdir, sizeof(gdir), "%s/g%d", p->tmp, p->files[i].group);
			if (mkdir(gdir, 0700) && errno != EEXIST)
				goto fs_error;
			if (asprintf(&c->inputs[k], "%s/t%d", gdir, k) < 0) {
				c->inputs[k] = NULL;
				fprintf(stderr, AN_PREFIX "out of memory\n");
				return -1;
			}
			if (mkdir(c->inputs[k], 0700))
				goto fs_error;
			snprintf(link, sizeof(link), "%s/metadata", c->inputs[k]);
			snprintf(target, sizeof(target), "%s/metadata", p->abs[k]);
			if (symlink(target, link))
				goto fs_error;
			snprintf(target, sizeof(target), "%s/index", p->abs[k]);
			if (stat(target, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				snprintf(link, sizeof(link), "%s/index", c->inputs[k]);
				if (symlink(target, link))
					goto fs_error;
			}
		}
		snprintf(link, sizeof(link), "%s/%s", c->inputs[k], p->files[i].name);
		snprintf(target, sizeof(target), "%s/%s", p->abs[k], p->files[i].name);
		if (symlink(target, link))
			goto fs_error;
	}
	return 0;
fs_error:
	fprintf(stderr, AN_PREFIX "cannot prepare parallel decoding in %s: %s\n", p->tmp, strerror(errno));
	return -1;
}

/* Removes the groups' folders (links only).  Never fails. */
static void par_rmtree(const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > 3 || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX + 256];
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			par_rmtree(path, depth + 1);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* The decoding child's graph: src.ctf.fs per input -> [muxer] -> the sink
 * in ship mode.  Runs in the child; returns its exit status after printing
 * the one-line error. */
static int par_decode(struct par_run *p, struct par_child *c)
{
	const bt_plugin *ctf = NULL, *utils = NULL;
	bt_component_class_sink *sink_cls = NULL;
	const bt_component_sink *sink = NULL;
	const bt_component_filter *mux = NULL;
	const bt_port_output *out[256];
	struct ih_sink_result result;
	bt_graph *graph = NULL;
	bt_graph_run_status rs;
	uint64_t nout = 0;
	int ret = 1;

	memset(&result, 0, sizeof(result));
	result.ship = &c->cfg;
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	if (an_plugins(&ctf, &utils))
		goto end;
	bt_plugin_get_ref(ctf);
	bt_plugin_get_ref(utils);
	if (!(sink_cls = ih_sink_class_create()) || !(graph = bt_graph_create(0))) {
		fprintf(stderr, AN_PREFIX "out of memory\n");
		goto end;
	}
	if (bt_graph_add_sink_component_with_initialize_method_data(graph, sink_cls, "irqhop", NULL, &result,
								     BT_LOGGING_LEVEL_WARNING, &sink) !=
	    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
		an_print_error("cannot decode trace ", p->dirs[0]);
		goto end;
	}
	for (size_t k = 0; k < c->cfg.ntraces; k++) {
		const bt_component_source *src = NULL;
		bt_value *params = bt_value_map_create(), *in = NULL;
		char name[32];

		if (!c->has[k])
			continue;
		snprintf(name, sizeof(name), "ctf-%zu", k);
		if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &in) ||
		    bt_value_array_append_string_element(in, c->cfg.traces[k].input)) {
			bt_value_put_ref(params);
			fprintf(stderr, AN_PREFIX "out of memory\n");
			goto end;
		}
		if (bt_graph_add_source_component(graph, bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
						  name, params, BT_LOGGING_LEVEL_NONE, &src) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			bt_value_put_ref(params);
			an_print_error("cannot open trace ", p->dirs[k]);
			goto end;
		}
		bt_value_put_ref(params);
		for (uint64_t i = 0; i < bt_component_source_get_output_port_count(src) && nout < 256; i++)
			out[nout++] = bt_component_source_borrow_output_port_by_index_const(src, i);
	}
	if (nout == 1) {
		/* One stream: no muxer to pay for. */
		if (bt_graph_connect_ports(graph, out[0], bt_component_sink_borrow_input_port_by_index_const(sink, 0),
					   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			an_print_error("cannot connect the streams of ", p->dirs[0]);
			goto end;
		}
	} else {
		if (bt_graph_add_filter_component(graph,
						  bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer"),
						  "muxer", NULL, BT_LOGGING_LEVEL_NONE, &mux) !=
		    BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			an_print_error("cannot set up the muxer for ", p->dirs[0]);
			goto end;
		}
		for (uint64_t i = 0; i < nout; i++) {
			if (bt_graph_connect_ports(graph, out[i], bt_component_filter_borrow_input_port_by_index_const(mux, i),
						   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
				an_print_error("cannot connect the streams of ", p->dirs[0]);
				goto end;
			}
		}
		if (bt_graph_connect_ports(graph, bt_component_filter_borrow_output_port_by_index_const(mux, 0),
					   bt_component_sink_borrow_input_port_by_index_const(sink, 0),
					   NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
			an_print_error("cannot connect the sink for ", p->dirs[0]);
			goto end;
		}
	}
	do {
		rs = bt_graph_run(graph);
	} while (rs == BT_GRAPH_RUN_STATUS_AGAIN);
	if (rs != BT_GRAPH_RUN_STATUS_OK) {
		an_print_error("cannot read trace ", p->dirs[0]);
		goto end;
	}
	ret = 0;
end:
	bt_graph_put_ref(graph);
	bt_component_class_sink_put_ref(sink_cls);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	return ret;
}

/* Starts child G.  Returns 0, or -1 after printing the error. */
static int par_spawn(struct par_run *p, int g)
{
	struct par_child *c = &p->child[g];
	const bt_plugin *ctf, *utils;
	pid_t parent = getpid();
	int fds[2];

	/* Found here, once: every child inherits them. */
	if (an_plugins(&ctf, &utils))
		return -1;
	c->cfg.ntraces = (size_t)p->ntraces;
	c->cfg.kernel_session = p->kernel;
	for (int k = 0; k < p->ntraces; k++) {
		c->cfg.traces[k].input = c->inputs[k] ? c->inputs[k] : p->abs[k];
		c->cfg.traces[k].folder = p->abs[k];
		c->cfg.traces[k].rank = p->rank[k];
	}
	if (!(c->err = tmpfile()) || pipe(fds)) {
		fprintf(stderr, AN_PREFIX "cannot start a decoding process: %s\n", strerror(errno));
		return -1;
	}
	/* Fewer wake-ups: the pipe holds 1 MiB (the default limit; a smaller
	 * one is fine too). */
	(void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		fprintf(stderr, AN_PREFIX "cannot fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (c->pid == 0) {
		int r;

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(1);
		close(fds[0]);
		for (int j = 0; j < g; j++)
			if (p->child[j].fd >= 0)
				close(p->child[j].fd);
		c->cfg.fd = fds[1];
		if (dup2(fileno(c->err), STDERR_FILENO) < 0)
			_exit(1);
		r = par_decode(p, c);
		fflush(NULL);
		_exit(r);
	}
	close(fds[1]);
	c->fd = fds[0];
	c->cap = (size_t)1 << 20;
	if (!(c->buf = malloc(c->cap))) {
		fprintf(stderr, AN_PREFIX "out of memory\n");
		return -1;
	}
	return 0;
}

/* Makes child C's next record whole in its buffer.  Returns 1 (a record
 * at c->pos), 0 (EOF: c->eof), -1 (read error or a malformed length:
 * c->failed). */
static int par_fill(struct par_child *c)
{
	for (;;) {
		size_t have = c->len - c->pos, need = sizeof(struct ih_ship_hdr);
		struct ih_ship_hdr h;
		ssize_t r;

		if (have >= sizeof(h)) {
			memcpy(&h, c->buf + c->pos, sizeof(h));
			if (h.len < sizeof(h) || h.len > IH_SHIP_MAX_RECORD) {
				c->failed = true;
				return -1;
			}
			if (have >= h.len)
				return 1;
			need = h.len;
			if (need > c->cap) {
				unsigned char *nb = malloc(need);

				if (!nb) {
					c->failed = true;
					return -1;
				}
				memcpy(nb, c->buf + c->pos, have);
				free(c->buf);
				c->buf = nb;
				c->cap = need;
				c->pos = 0;
				c->len = have;
			}
		}
		/* Room for the whole record after its beginning. */
		if (c->pos + need > c->cap || c->len == c->cap) {
			memmove(c->buf, c->buf + c->pos, have);
			c->pos = 0;
			c->len = have;
		}
		r = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			c->failed = true;
			return -1;
		}
		if (r == 0) {
			c->eof = true;
			if (have)
				c->failed = true;	/* a record cut short */
			return 0;
		}
		c->len += (size_t)r;
	}
}

/* Heap of the children's next records, by (time, child). */
struct par_heap {
	int *h;
	int n;
	const struct par_child *c;
};

static int64_t head_ts(const struct par_child *c)
{
	int64_t ts;

	memcpy(&ts, c->buf + c->pos + offsetof(struct ih_ship_hdr, ts), sizeof(ts));
	return ts;
}

static uint64_t head_order(const struct par_child *c)
{
	uint64_t o;

	memcpy(&o, c->buf + c->pos + offsetof(struct ih_ship_hdr, order), sizeof(o));
	return o;
}

/* By time, then the muxer's tie order (ship.h), then group. */
static bool heap_less(const struct par_heap *hp, int a, int b)
{
	int64_t x = head_ts(&hp->c[a]), y = head_ts(&hp->c[b]);
	uint64_t ox, oy;

	if (x != y)
		return x < y;
	ox = head_order(&hp->c[a]);
	oy = head_order(&hp->c[b]);
	return ox < oy || (ox == oy && a < b);
}

static void heap_push(struct par_heap *hp, int g)
{
	int i = hp->n++;

	hp->h[i] = g;
	while (i && heap_less(hp, hp->h[i], hp->h[(i - 1) / 2])) {
		int t = hp->h[i];

		hp->h[i] = hp->h[(i - 1) / 2];
		hp->h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/* Restores the heap after its top's head changed (the top's record was
 * consumed and the next one read): one sift down, instead of a pop and a
 * push per record. */
static void heap_sift_top(struct par_heap *hp)
{
	int i = 0;

	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < hp->n && heap_less(hp, hp->h[l], hp->h[m]))
			m = l;
		if (r < hp->n && heap_less(hp, hp->h[r], hp->h[m]))
			m = r;
		if (m == i)
			break;
		t = hp->h[i];
		hp->h[i] = hp->h[m];
		hp->h[m] = t;
		i = m;
	}
}

static int heap_pop(struct par_heap *hp)
{
	int top = hp->h[0];

	hp->h[0] = hp->h[--hp->n];
	heap_sift_top(hp);
	return top;
}

/* Merges every child's records into R by time.  Returns 0 when every
 * child ended, -1 when one failed or the replay did (the caller reports). */
static int par_merge(struct par_run *p, struct ih_replay *r)
{
	struct par_heap hp = { NULL, 0, p->child };
	int ret = -1;

	if (!(hp.h = calloc((size_t)p->nchild, sizeof(*hp.h))))
		return -1;
	for (int g = 0; g < p->nchild; g++) {
		if (par_fill(&p->child[g]) == 1)
			heap_push(&hp, g);
		else
			goto end;
	}
	/* Every child's graph runs: src.ctf.fs has opened its files (links
	 * resolved), so the links can go now, and a killed analyze leaves
	 * none behind. */
	par_rmtree(p->tmp, 0);
	p->tmp[0] = '\0';
	while (hp.n) {
		int g = hp.h[0];
		struct par_child *c = &p->child[g];
		struct ih_ship_hdr h;

		memcpy(&h, c->buf + c->pos, sizeof(h));
		if (h.type != IH_SHIP_STREAM && p->begun) {
			p->begun(p->begun_ctx);
			p->begun = NULL;
		}
		if (h.type == IH_SHIP_END) {
			c->ended = true;
			c->pos += h.len;
			heap_pop(&hp);
			continue;
		}
		if (ih_replay_feed(r, g, &h, c->buf + c->pos + sizeof(h)))
			goto end;
		c->pos += h.len;
		if (par_fill(c) != 1)
			goto end;
		heap_sift_top(&hp);
	}
	ret = 0;
end:
	free(hp.h);
	return ret;
}

/* Kills (unless it ended) and reaps every child started.  Never fails. */
static void par_reap(struct par_run *p, bool kill_them)
{
	for (int g = 0; g < p->nchild; g++) {
		struct par_child *c = &p->child[g];

		if (c->pid <= 0)
			continue;
		if (kill_them)
			kill(c->pid, SIGKILL);
		if (c->fd >= 0) {
			close(c->fd);
			c->fd = -1;
		}
		while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
			;
		c->pid = 0;
	}
}

/* Copies child C's stderr to ours, each link folder of its group named as
 * the trace's own folder (the user never saw the links).  Never fails. */
static void par_copy_err(const struct par_run *p, const struct par_child *c)
{
	char line[4096];

	rewind(c->err);
	while (fgets(line, sizeof(line), c->err)) {
		const char *s = line;

		for (;;) {
			const char *best = NULL;
			int bk = -1;

			for (int k = 0; k < p->ntraces; k++) {
				const char *m = c->inputs[k] ? strstr(s, c->inputs[k]) : NULL;

				if (m && (!best || m < best)) {
					best = m;
					bk = k;
				}
			}
			if (!best) {
				fputs(s, stderr);
				break;
			}
			fwrite(s, 1, (size_t)(best - s), stderr);
			fputs(p->abs[bk], stderr);
			s = best + strlen(c->inputs[bk]);
		}
	}
}

/* The one line for a failed child: its own, or the signal's. */
static void par_report(struct par_run *p)
{
	/* A child that exited with its line comes first; then one a signal
	 * killed (that we did not). */
	for (int pass = 0; pass < 2; pass++) {
		for (int g = 0; g < p->nchild; g++) {
			struct par_child *c = &p->child[g];

			if (pass == 0 && WIFEXITED(c->status) && WEXITSTATUS(c->status) != 0) {
				par_copy_err(p, c);
				return;
			}
			if (pass == 1 && WIFSIGNALED(c->status) && WTERMSIG(c->status) != SIGKILL) {
				an_print_signal(p->dirs[0], WTERMSIG(c->status), c->err);
				return;
			}
		}
	}
	fprintf(stderr, AN_PREFIX "cannot read trace %s: a decoding process failed\n", p->dirs[0]);
}

static void par_free(struct par_run *p)
{
	for (int g = 0; g < p->nchild; g++) {
		struct par_child *c = &p->child[g];

		if (c->err)
			fclose(c->err);
		free(c->buf);
		for (int k = 0; k < IH_SHIP_MAX_TRACES; k++)
			free(c->inputs[k]);
	}
	free(p->child);
	for (int i = 0; i < p->nfiles; i++)
		free(p->files[i].name);
	free(p->files);
	if (p->tmp[0])
		par_rmtree(p->tmp, 0);
}

/* Sets up P for trace T: its traces, ranks, files and groups of at most
 * JOBS; SINGLE_OK: one group is fine (several traces at once), else one
 * group means the single graph (p->nchild = 0).  Returns 0, or -1 after
 * printing the error. */
static int par_prepare(struct par_run *p, struct an_trace *t, int jobs, bool single_ok)
{
	memset(p, 0, sizeof(*p));
	p->dirs[0] = t->dir;
	p->ntraces = 1 + t->nmore;
	if (p->ntraces > IH_SHIP_MAX_TRACES) {
		fprintf(stderr, AN_PREFIX "trace %s: more than %d traces in one session\n", t->dir, IH_SHIP_MAX_TRACES);
		return -1;
	}
	for (int k = 0; k < p->ntraces; k++) {
		if (k)
			p->dirs[k] = t->more[k - 1];
		if (!realpath(p->dirs[k], p->abs[k]))
			snprintf(p->abs[k], sizeof(p->abs[k]), "%s", p->dirs[k]);
	}
	par_rank(p);
	for (int k = 0; k < p->ntraces; k++) {
		const struct an_trace *f = par_found(p->dirs[k]);

		/* Unknown: decode the kernel fields anyway (always right). */
		p->kernel |= !f || f->kernel_domain;
	}
	if (!(p->files = calloc(PAR_MAX_FILES, sizeof(*p->files)))) {
		fprintf(stderr, AN_PREFIX "out of memory\n");
		return -1;
	}
	for (int k = 0; k < p->ntraces; k++)
		if (par_list(p, k))
			return -1;
	return par_groups(p, jobs, single_ok);
}

/* Replays P's children into R until they end, then reaps them.  Returns 0
 * (every child ended; R is ready to finish), or -1 after printing the one
 * line (a child failed, or R did). */
static int par_replay(struct par_run *p, struct ih_replay *r)
{
	if (par_merge(p, r)) {
		bool child_failed = false;

		for (int g = 0; g < p->nchild; g++)
			child_failed |= p->child[g].failed || (p->child[g].eof && !p->child[g].ended);
		if (!child_failed && ih_replay_error(r)[0]) {
			par_reap(p, true);
			fprintf(stderr, AN_PREFIX "%s\n", ih_replay_error(r));
			return -1;
		}
		/* A child that closed its pipe early is exiting: wait for
		 * it to say why; the others are killed. */
		for (int g = 0; g < p->nchild; g++) {
			struct par_child *c = &p->child[g];

			if (c->eof && !c->ended) {
				while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
					;
				c->pid = 0;
			}
		}
		par_reap(p, true);
		par_report(p);
		return -1;
	}
	par_reap(p, false);
	for (int g = 0; g < p->nchild; g++) {
		if (!WIFEXITED(p->child[g].status) || WEXITSTATUS(p->child[g].status) != 0) {
			par_report(p);
			return -1;
		}
	}
	return 0;
}

int an_parallel(struct an_trace *t, int jobs, struct ih_sink_result *result, const bt_value *params)
{
	struct par_run p;
	struct ih_replay *r = NULL;
	char err[1024];
	int ret = -1;

	if (par_prepare(&p, t, jobs, false))
		goto end;
	if (!p.nchild) {
		ret = 1;	/* one stream file: the single graph */
		goto end;
	}
	/* The children first: forking once the store's writer thread runs
	 * would copy a process whose other thread holds locks. */
	for (int g = 0; g < p.nchild; g++)
		if (par_spawn(&p, g))
			goto kill;
	if (!(r = ih_replay_create(params, result, p.nchild, err, sizeof(err)))) {
		fprintf(stderr, AN_PREFIX "%s\n", err);
		goto kill;
	}
	if (par_replay(&p, r))
		goto end;
	if (ih_replay_finish(r)) {
		fprintf(stderr, AN_PREFIX "%s\n", ih_replay_error(r));
		goto end;
	}
	ret = 0;
	goto end;
kill:
	par_reap(&p, true);
end:
	ih_replay_destroy(r);
	par_free(&p);
	return ret;
}

/* ---- several traces at once ---------------------------------------------- */

/* One trace of a batch. */
struct many_trace {
	struct an_trace *t;
	struct par_run p;
	bool started;		/* its children run */
	bool ok;		/* replayed and finished */
	double t0, t1;
	struct ih_sink_result result;
};

struct many_batch {
	const struct ih_analyze_opts *o;
	struct ih_store *store;
	struct many_trace *tr;
	int n;
	atomic_int next;	/* the next trace a worker takes */
	/* Runs begin in the batch's order: trace i waits until begun == i
	 * (mutex mu, condition turn).  Each trace advances it exactly once
	 * (many_begun), so every wait ends. */
	pthread_mutex_t mu;
	pthread_cond_t turn;
	int begun;
};

struct many_ctx {
	struct many_batch *b;
	int i;
	bool done;
};

/* Trace C->i is past its beginnings (or failed before): the next may begin. */
static void many_begun(void *arg)
{
	struct many_ctx *c = arg;

	if (c->done)
		return;
	c->done = true;
	pthread_mutex_lock(&c->b->mu);
	assert(c->b->begun == c->i);
	c->b->begun++;
	pthread_cond_broadcast(&c->b->turn);
	pthread_mutex_unlock(&c->b->mu);
}

/* A worker thread: takes the batch's traces in turn and replays each into
 * the shared store.  Each trace's failure is its own line; it drops the
 * trace's runs.  Never fails itself. */
static void *many_worker(void *arg)
{
	struct many_batch *b = arg;
	int i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
		struct many_trace *m = &b->tr[i];
		struct many_ctx ctx = { b, i, false };
		char err[1024], abs[PATH_MAX];
		struct ih_replay *r = NULL;
		bt_value *params;

		/* Traces are taken in order, so the one before is taken: its
		 * beginning comes, or its failure, either way. */
		pthread_mutex_lock(&b->mu);
		while (b->begun < i)
			pthread_cond_wait(&b->turn, &b->mu);
		pthread_mutex_unlock(&b->mu);
		if (!m->started) {
			many_begun(&ctx);
			continue;
		}
		m->p.begun = many_begun;
		m->p.begun_ctx = &ctx;
		m->t0 = (double)ih_now_ns() / 1e9;
		if (!realpath(m->t->dir, abs))
			snprintf(abs, sizeof(abs), "%s", m->t->dir);
		m->result.store = b->store;
		params = an_sink_params(abs, b->o->db, b->o->label, b->o->window, b->o->replace);
		if (!params) {
			par_reap(&m->p, true);
			many_begun(&ctx);
			continue;
		}
		r = ih_replay_create(params, &m->result, m->p.nchild, err, sizeof(err));
		bt_value_put_ref(params);
		if (!r) {
			fprintf(stderr, AN_PREFIX "%s\n", err);
			par_reap(&m->p, true);
			many_begun(&ctx);
			continue;
		}
		if (par_replay(&m->p, r) == 0) {
			if (ih_replay_finish(r) == 0)
				m->ok = true;
			else
				fprintf(stderr, AN_PREFIX "%s\n", ih_replay_error(r));
		}
		many_begun(&ctx);
		if (!m->ok)
			ih_replay_drop(r);
		m->t1 = (double)ih_now_ns() / 1e9;
		ih_replay_destroy(r);
	}
	return NULL;
}

/* Analyzes TR[0..N) as one batch in one transaction.  Returns the number
 * that failed. */
static int many_batch(const struct ih_analyze_opts *o, struct many_trace *tr, int n, int workers, int per)
{
	struct many_batch b = { .o = o, .tr = tr, .n = n };
	pthread_t th[64];
	char err[1024];
	int failed = 0, nth = 0;
	bool any_ok = false;

	/* Every child of the batch first, before any thread (ih_store_open
	 * starts the writer): those of traces not yet replayed wait on their
	 * full pipes without using the CPU. */
	for (int i = 0; i < n; i++) {
		if (par_prepare(&tr[i].p, tr[i].t, per, true))
			continue;
		tr[i].started = true;
		for (int g = 0; g < tr[i].p.nchild && tr[i].started; g++)
			if (par_spawn(&tr[i].p, g)) {
				par_reap(&tr[i].p, true);
				tr[i].started = false;
			}
	}
	if (!(b.store = ih_store_open(o->db, err, sizeof(err)))) {
		fprintf(stderr, AN_PREFIX "%s\n", err);
		for (int i = 0; i < n; i++)
			par_reap(&tr[i].p, true);
		goto end;
	}
	atomic_init(&b.next, 0);
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.turn, NULL);
	for (; nth < workers && nth < n && nth < 64; nth++)
		if (pthread_create(&th[nth], NULL, many_worker, &b))
			break;
	if (!nth)
		many_worker(&b);
	for (int k = 0; k < nth; k++)
		pthread_join(th[k], NULL);
	pthread_mutex_destroy(&b.mu);
	pthread_cond_destroy(&b.turn);
	for (int i = 0; i < n; i++)
		any_ok |= tr[i].ok;
	if (!any_ok)
		goto end;	/* nothing to commit */
	if (ih_store_commit(b.store, err, sizeof(err))) {
		fprintf(stderr, AN_PREFIX "%s\n", err);
		for (int i = 0; i < n; i++)
			tr[i].ok = false;
		goto end;
	}
	for (int i = 0; i < n; i++)
		if (tr[i].ok)
			an_print_run(&tr[i].result, o->db, tr[i].t1 - tr[i].t0);
end:
	ih_store_destroy(b.store);
	for (int i = 0; i < n; i++) {
		failed += !tr[i].ok;
		par_free(&tr[i].p);
	}
	return failed;
}

int an_parallel_many(const struct ih_analyze_opts *o)
{
	struct many_trace *tr;
	int n = 0, failed = 0, workers, per, batch;

	for (int i = 0; i < an_found.n; i++)
		n += an_found.t[i].kernel_of < 0;
	if (!(tr = calloc((size_t)n, sizeof(*tr)))) {
		fprintf(stderr, AN_PREFIX "out of memory\n");
		return 1;
	}
	n = 0;
	for (int i = 0; i < an_found.n; i++)
		if (an_found.t[i].kernel_of < 0)
			tr[n++].t = &an_found.t[i];
	/* As many traces at once as jobs, one decoding process each; fewer
	 * traces than jobs share the jobs out.  A batch (one transaction)
	 * holds a few rounds of them. */
	workers = n < o->jobs ? n : o->jobs;
	per = o->jobs / workers;
	batch = 4 * workers > 8 ? 4 * workers : 8;
	for (int i = 0; i < n; i += batch)
		failed += many_batch(o, tr + i, n - i < batch ? n - i : batch, workers, per);
	if (failed)
		fprintf(stderr, AN_PREFIX "%d of %d traces failed (the others were added)\n", failed, n);
	free(tr);
	return failed ? 1 : 0;
}
