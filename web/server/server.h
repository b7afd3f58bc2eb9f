/*
 * web/server/server.h - the HTTP server of `irqhop serve`, knowing nothing of
 * the application it serves (in the style of libmicrohttpd applications).
 *
 * The caller hands ih_web_server_start() an application: a routing table
 * (method, pattern, handler, accepted query parameters), the embedded files
 * ih_web_respond_asset() may serve, and an opaque state pointer that every
 * handler reads with ih_web_app_data().  The server owns everything else:
 * the daemon and its listening socket, the dispatcher (per-request state,
 * allocated on the first call of the access handler and freed in the
 * completion callback), per-worker-thread read-only database connections,
 * and the response helpers.
 *
 * Every handler answers through ih_web_respond_*() or ih_web_error() (the
 * one error path), which queue the response and return what the access
 * handler must return to libmicrohttpd; a handler never calls
 * MHD_queue_response itself.
 *
 * Files: server.c (daemon, MHD callbacks, start/stop), listen.c (address
 * parsing and the listening socket), dispatch.c (routing, path parameters,
 * query strings), dbconn.c (per-thread connections and statements),
 * respond.c (responses, the error helper, assets), json.c (rows and text
 * as JSON); web/server/internal.h joins them.
 */
#ifndef IH_WEB_SERVER_H
#define IH_WEB_SERVER_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <jansson.h>

#include "build-aux/embed.h"

/* ---- server ---------------------------------------------------------- */

struct ih_web_config {
	const char *db_path;             /* irqhop database, opened read-only */
	struct sockaddr_storage addr;    /* address to listen on (port 0: any) */
	socklen_t addrlen;
	unsigned threads;                /* MHD worker threads (1: one polling thread) */
	unsigned max_connections;        /* MHD_OPTION_CONNECTION_LIMIT */
	unsigned per_ip_connections;     /* MHD_OPTION_PER_IP_CONNECTION_LIMIT */
	unsigned timeout_s;              /* idle timeout, headers included */
	size_t conn_memory;              /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
};

/* Sets the defaults: 127.0.0.1:8080, 2 threads, 256 connections (64 per
 * client address), 10 s, 32 KiB per connection.  Cannot fail. */
void ih_web_config_init(struct ih_web_config *cfg);

/* Parses "ADDR:PORT" ("127.0.0.1:8080", "[::1]:0", "localhost:8080") into
 * cfg->addr.  On failure returns -1 with a one-line reason in err and leaves
 * cfg unchanged. */
int ih_web_parse_listen(const char *spec, struct ih_web_config *cfg, char *err, size_t errlen);

struct ih_web_server;
struct ih_web_app;

/* Serves APP: opens the database (checking its schema), binds the listening socket and
 * starts the daemon's threads.  On failure returns -1 with a one-line reason
 * in err ("database X: ...", "cannot listen on A:P: Address already in use")
 * and *out NULL; *kind is set to 1 when the failure is the database's, 2
 * when it is the listening socket's, 3 otherwise (for exit statuses). */
int ih_web_server_start(const struct ih_web_config *cfg, const struct ih_web_app *app,
			struct ih_web_server **out, int *kind, char *err, size_t errlen);

/* The URL the server answers on, with the real port ("http://127.0.0.1:4242/"). */
const char *ih_web_server_url(const struct ih_web_server *srv);

/* Stops the daemon (joining its threads, closing the listening socket and
 * every connection), then closes the database connections.  NULL is a no-op. */
void ih_web_server_stop(struct ih_web_server *srv);

/* ---- requests and routing --------------------------------------------- */

#define IH_WEB_MAX_PARAMS 4
#define IH_WEB_MAX_QUERY 8

struct ih_web_request;
typedef enum MHD_Result (*ih_web_handler)(struct ih_web_request *req);

/* One row of the routing table.  PATTERN is split on '/': a literal segment
 * matches itself, "{name}" matches one non-empty segment and captures it as
 * parameter NAME.  METHOD is "GET" (which also answers HEAD).  QUERY lists
 * the query-string parameters the route accepts, separated by spaces (NULL:
 * none); the dispatcher answers 400 naming any other parameter, or one given
 * twice, before the handler runs. */
struct ih_web_route {
	const char *method;
	const char *pattern;
	ih_web_handler handler;
	const char *query;
};

/* What the server serves: its routing table, the files
 * ih_web_respond_asset() serves, and the application's state.  The server
 * keeps pointers to all three (they must outlive it) and never frees them. */
struct ih_web_app {
	const struct ih_web_route *routes; /* terminated by a row with pattern NULL */
	const struct ih_embedded *assets;  /* terminated by a NULL name */
	void *data;                        /* ih_web_app_data(); may be NULL */
};

/* The application state of the server REQ arrived on (ih_web_app.data).
 * Cannot fail. */
void *ih_web_app_data(const struct ih_web_request *req);

struct ih_web_thread;

/* Per-request state: allocated on the first call of the access handler,
 * freed by the completion callback (MHD_OPTION_NOTIFY_COMPLETED). */
struct ih_web_request {
	struct MHD_Connection *conn;
	struct ih_web_server *srv;
	const struct ih_web_route *route; /* NULL: no route matched */
	const char *method;
	int head;                         /* method is HEAD */
	char *path;                       /* copy of the URL path; params point into it */
	const char *param_name[IH_WEB_MAX_PARAMS];
	size_t param_len[IH_WEB_MAX_PARAMS];
	const char *param[IH_WEB_MAX_PARAMS];
	size_t nparams;
	int traversal;                    /* the path has a "." or ".." segment */
	struct ih_web_thread *thr;        /* this worker thread's database state */
	/* Query-string arguments (%-decoded by MHD; the strings are MHD's and
	 * live as long as the request).  value is NULL for "?name" alone. */
	struct { const char *name, *value; } query[IH_WEB_MAX_QUERY];
	size_t nquery;
	int query_bad;                    /* more than IH_WEB_MAX_QUERY arguments */
	int bad_request;                  /* malformed headers: close after the 400 */
};

/* Matches PATH against TABLE; on success returns the route and fills the
 * request's parameters (PATH is modified: segments are NUL-terminated in
 * place).  Returns NULL when nothing matches (parameters then unspecified). */
const struct ih_web_route *ih_web_route_match(const struct ih_web_route *table,
					      char *path, struct ih_web_request *req);

/* The captured parameter NAME, or NULL. */
const char *ih_web_param(const struct ih_web_request *req, const char *name);

/* Parses a positive decimal id ([1-9][0-9]*, at most INT64_MAX, nothing
 * else).  Returns 0 and sets *out, or -1 (with *out unchanged). */
int ih_web_parse_id(const char *s, int64_t *out);

/* Parses parameter NAME as an id; on failure it has already queued a 400
 * naming the parameter and returns -1 (the handler then returns *result). */
int ih_web_param_id(struct ih_web_request *req, const char *name, int64_t *out,
		    enum MHD_Result *result);

/* Whether NAME is one of the space-separated words of LIST (NULL: none).
 * Cannot fail. */
int ih_web_word_in(const char *list, const char *name);

/* The value of query parameter NAME, or NULL when it is absent or empty
 * (an HTML form sends empty fields as "name="). */
const char *ih_web_query(const struct ih_web_request *req, const char *name);

/* Query parameter NAME as a decimal integer in [MIN, MAX]; *out = DEF when
 * absent.  On a malformed or out-of-range value it has queued a 400 naming
 * the parameter and returns -1 (*result set); 0 otherwise. */
int ih_web_query_int(struct ih_web_request *req, const char *name, int64_t min, int64_t max,
		     int64_t def, int64_t *out, enum MHD_Result *result);

/* Query parameter NAME, which must be one of the space-separated words of
 * ALLOWED; *out = NULL when absent.  On another value it has queued a 400
 * naming the parameter and the allowed values, and returns -1 (*result
 * set); 0 otherwise. */
int ih_web_query_word(struct ih_web_request *req, const char *name, const char *allowed,
		      const char **out, enum MHD_Result *result);

/* ---- database --------------------------------------------------------- */

/* This worker thread's read-only connection (for code outside web/ that
 * reads the database on a request's behalf, such as `irqhop regress`'s
 * verdicts in the compare handler).  Statements prepared on it must be
 * finalized or reset before the handler returns.  On failure returns NULL
 * after queueing a 503 (*result set). */
sqlite3 *ih_web_db(struct ih_web_request *req, enum MHD_Result *result);

/* The database file the server reads, for a handler that opens a
 * connection of its own (to read on another thread than the request's:
 * the worker's connection is opened without SQLite's mutex).  Cannot
 * fail. */
const char *ih_web_db_path(const struct ih_web_request *req);

/* This worker thread's prepared statement for SQL (cached per thread and
 * prepared once; SQL must be a string with static storage, its address is
 * the cache key).  The statement comes reset with no bindings, and the
 * dispatcher resets it again after the handler so no read transaction
 * outlives a request.  On failure returns NULL after queueing a 500 through
 * ih_web_error (*result holds what the handler must return). */
sqlite3_stmt *ih_web_stmt(struct ih_web_request *req, const char *sql,
			  enum MHD_Result *result);

/* Steps ST; SQLITE_ROW / SQLITE_DONE pass through.  Any other code queues a
 * 500 (503 when the database is busy or locked) and returns -1 with
 * *result set. */
int ih_web_step(struct ih_web_request *req, sqlite3_stmt *st, enum MHD_Result *result);

/* Converts the current row of ST into a JSON object keyed by column name
 * (INTEGER -> integer, REAL -> real, TEXT -> string, NULL -> null, BLOB ->
 * null).  Returns NULL when out of memory. */
json_t *ih_web_row_object(sqlite3_stmt *st);

/* A JSON string for BYTES, replacing invalid UTF-8 with U+FFFD so text from
 * a trace never makes a response fail.  Returns NULL when out of memory. */
json_t *ih_web_json_text(const char *bytes, size_t len);

/* ---- JSON text written by hand ---------------------------------------- */

/* JSON text built by hand, for a member too large to build as jansson
 * values: a CDF as values costs about 250 bytes of fresh heap per point
 * (an array, an integer and a real), as text a dozen, and on a VM each
 * fresh page costs more than the point's work (docs/benchmarks.md,
 * "Compare").  The writers never fail: out of memory sets oom, which the
 * response that takes the text (ih_web_respond_json_with) turns into a 500.
 * Zero-initialized is empty. */
struct ih_web_text {
	char *s;	/* NUL-terminated once anything is written */
	size_t len, cap;
	int oom;
};

/* Appends N bytes of S as they are (the caller's JSON). */
void ih_web_text_put(struct ih_web_text *t, const char *s, size_t n);
/* Appends V in decimal. */
void ih_web_text_i64(struct ih_web_text *t, int64_t v);
/* Appends NUM / DEN (NUM <= DEN; 0 when DEN is 0) as a JSON number rounded
 * to 12 decimals, trailing zeros dropped ("0", "1", "0.5", "0.333333333333"). */
void ih_web_text_frac(struct ih_web_text *t, uint64_t num, uint64_t den);
/* Appends V serialized (compact, any value). */
void ih_web_text_json(struct ih_web_text *t, const json_t *v);
void ih_web_text_free(struct ih_web_text *t);

/* ---- responses -------------------------------------------------------- */

/* Queues STATUS with the body {"error": MESSAGE} (the one error path of the
 * server; 405 also carries "Allow: GET, HEAD").  Never fails: when even that
 * cannot be built it queues a static 500 body.  Returns the MHD result. */
enum MHD_Result ih_web_error(struct ih_web_request *req, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Queues 200 with ROOT serialized as JSON and takes ROOT's reference (ROOT
 * NULL means an allocation failed: 500 through ih_web_error). */
enum MHD_Result ih_web_respond_json(struct ih_web_request *req, json_t *root);

/* Queues 200 with ROOT (an object) serialized as JSON plus one more member,
 * KEY, last, whose value is the JSON text of RAW; takes ROOT's reference
 * and RAW's buffer (RAW is left empty), which becomes the body.  500
 * through ih_web_error when ROOT is NULL or either is out of memory. */
enum MHD_Result ih_web_respond_json_with(struct ih_web_request *req, json_t *root, const char *key,
					 struct ih_web_text *raw);

/* Queues 200 with BODY (LEN bytes from malloc; the response frees it, also
 * on failure) of type CTYPE, offered as a file named FILENAME (plain ASCII:
 * Content-Disposition: attachment).  500 through ih_web_error when out of
 * memory. */
enum MHD_Result ih_web_respond_download(struct ih_web_request *req, char *body, size_t len,
					const char *ctype, const char *filename);

/* Queues 200 with the embedded asset NAME (of the application's assets)
 * and its Content-Type, 304 when the request's If-None-Match is its ETag,
 * or a 404 through ih_web_error when there is none. */
enum MHD_Result ih_web_respond_asset(struct ih_web_request *req, const char *name);

/* Content-Type for a file name by extension (application/octet-stream when
 * unknown).  Cannot fail. */
const char *ih_web_content_type(const char *name);

#endif
