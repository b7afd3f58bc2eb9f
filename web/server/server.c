/*
 * web/server/server.c - the libmicrohttpd daemon behind `irqhop serve`: listening
 * socket, dispatcher (routing table, per-request state), per-thread read-only
 * database connections, and the response helpers (one error path).
 *
 * Threads: MHD runs either one internal epoll thread or a pool of them
 * (MHD_OPTION_THREAD_POOL_SIZE).  Each thread that runs a handler gets its own
 * read-only SQLite connection with its own prepared statements, found through
 * a pthread key; no connection is ever shared between threads, so SQLite runs
 * without its own mutexes (SQLITE_OPEN_NOMUTEX in ih_db_open_ro).
 */
#include "config.h"
#include "web/web.h"
#include "schemas/db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IH_WEB_STMT_CACHE 64

/* One worker thread's database state. */
struct ih_web_thread {
	struct ih_web_thread *next;    /* in ih_web_server.threads */
	sqlite3 *db;
	size_t nstmt;
	struct {
		const char *sql;       /* cache key: the address of the SQL text */
		sqlite3_stmt *st;
	} stmt[IH_WEB_STMT_CACHE];
};

struct ih_web_server {
	struct MHD_Daemon *daemon;
	char *db_path;
	char url[INET6_ADDRSTRLEN + 32];
	pthread_key_t key;             /* -> this thread's struct ih_web_thread */
	int key_ok;
	pthread_mutex_t lock;          /* guards the two lists below */
	struct ih_web_thread *threads; /* claimed by a worker thread */
	struct ih_web_thread *spare;   /* opened at start, not yet claimed */
	size_t nassets;
	char (*etag)[24];              /* per embedded asset: "\"<fnv1a-64 hex>\"" */
};

/* ---- configuration ------------------------------------------------------ */

void ih_web_config_init(struct ih_web_config *cfg)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg->addr;

	memset(cfg, 0, sizeof(*cfg));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(8080);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg->addrlen = sizeof(*sin);
	/* Two epoll threads measured 25-31 k requests/s for a 1 KB JSON here,
	 * thread-per-connection about half of that (DESIGN.md §10). */
	cfg->threads = 2;
	cfg->max_connections = 256;
	cfg->timeout_s = 30;
	cfg->conn_memory = 32 * 1024;
}

int ih_web_parse_listen(const char *spec, struct ih_web_config *cfg, char *err, size_t errlen)
{
	char host[256];
	const char *colon, *port, *h;
	size_t hlen;
	unsigned long pnum = 0;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "--listen %s: expected [IPV6]:PORT", spec);
			return -1;
		}
		h = spec + 1;
		hlen = (size_t)(close - h);
		port = close + 2;
	} else {
		colon = strrchr(spec, ':');
		if (!colon) {
			snprintf(err, errlen, "--listen %s: expected ADDR:PORT", spec);
			return -1;
		}
		if (memchr(spec, ':', (size_t)(colon - spec))) {
			snprintf(err, errlen, "--listen %s: write an IPv6 address as [ADDR]:PORT", spec);
			return -1;
		}
		h = spec;
		hlen = (size_t)(colon - spec);
		port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "--listen %s: missing or overlong address", spec);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	/* Strict decimal port: strtoul would accept " +12" and "0x10". */
	if (!*port || strlen(port) > 5) {
		snprintf(err, errlen, "--listen %s: port must be a number from 0 to 65535", spec);
		return -1;
	}
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "--listen %s: port must be a number from 0 to 65535", spec);
			return -1;
		}
		pnum = pnum * 10 + (unsigned long)(*p - '0');
	}
	if (pnum > 65535) {
		snprintf(err, errlen, "--listen %s: port must be a number from 0 to 65535", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = spec[0] == '[' ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "--listen %s: bad address %s: %s", spec, host,
			 rc ? gai_strerror(rc) : "no address");
		if (res)
			freeaddrinfo(res);
		return -1;
	}
	memset(&cfg->addr, 0, sizeof(cfg->addr));
	memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
	cfg->addrlen = res->ai_addrlen;
	if (res->ai_family == AF_INET6)
		((struct sockaddr_in6 *)&cfg->addr)->sin6_port = htons((uint16_t)pnum);
	else
		((struct sockaddr_in *)&cfg->addr)->sin_port = htons((uint16_t)pnum);
	freeaddrinfo(res);
	return 0;
}

/* Writes "ADDR:PORT" ("[ADDR]:PORT" for IPv6) of ADDR with PORT into buf.
 * An unprintable address prints as "?" (cannot otherwise fail). */
static void ih_web_format_addr(const struct sockaddr_storage *addr, unsigned port,
			       char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (addr->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	}
}

static unsigned ih_web_addr_port(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
	return ntohs(((const struct sockaddr_in *)addr)->sin_port);
}

/* Creates, binds and listens on the configured address ourselves (rather
 * than through MHD_OPTION_SOCK_ADDR) so that "address already in use" and
 * friends reach the user as one precise line.  Returns the socket, or -1
 * with err set. */
static int ih_web_listen_socket(const struct ih_web_config *cfg, char *err, size_t errlen)
{
	char where[INET6_ADDRSTRLEN + 16];
	int fd, one = 1, e;

	ih_web_format_addr(&cfg->addr, ih_web_addr_port(&cfg->addr), where, sizeof(where));
	fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(errno));
		return -1;
	}
	/* SO_REUSEADDR lets a restarted server bind over TIME_WAIT sockets; on
	 * Linux it still refuses a port another socket listens on. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (cfg->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&cfg->addr, cfg->addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(e));
		return -1;
	}
	/* MHD accepts from several threads: a blocking accept() would hang the
	 * threads that lose the race. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* ---- per-thread database state --------------------------------------- */

/* Closes T's statements and connection and frees T.  NULL is a no-op. */
static void ih_web_thread_free(struct ih_web_thread *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nstmt; i++)
		sqlite3_finalize(t->stmt[i].st);
	sqlite3_close(t->db);
	free(t);
}

/* Opens a new per-thread state on the server's database.  Returns NULL with
 * err set when the database cannot be opened or memory is short. */
static struct ih_web_thread *ih_web_thread_new(struct ih_web_server *srv, char *err, size_t errlen)
{
	struct ih_web_thread *t = calloc(1, sizeof(*t));

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ih_db_open_ro(srv->db_path, &t->db, err, errlen) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* This thread's state, claimed on its first request: a spare connection
 * opened at start, or a new one (more worker threads than expected).
 * Returns NULL after queueing a 503 when no connection can be opened. */
static struct ih_web_thread *ih_web_thread_get(struct ih_web_request *req, enum MHD_Result *result)
{
	struct ih_web_server *srv = req->srv;
	struct ih_web_thread *t;
	char err[512];

	if (req->thr)
		return req->thr;
	t = pthread_getspecific(srv->key);
	if (!t) {
		pthread_mutex_lock(&srv->lock);
		t = srv->spare;
		if (t)
			srv->spare = t->next;
		pthread_mutex_unlock(&srv->lock);
		if (!t) {
			t = ih_web_thread_new(srv, err, sizeof(err));
			if (!t) {
				*result = ih_web_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", err);
				return NULL;
			}
		}
		if (pthread_setspecific(srv->key, t) != 0) {
			ih_web_thread_free(t);
			*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
			return NULL;
		}
		pthread_mutex_lock(&srv->lock);
		t->next = srv->threads;
		srv->threads = t;
		pthread_mutex_unlock(&srv->lock);
	}
	req->thr = t;
	return t;
}

sqlite3_stmt *ih_web_stmt(struct ih_web_request *req, const char *sql, enum MHD_Result *result)
{
	struct ih_web_thread *t = ih_web_thread_get(req, result);
	sqlite3_stmt *st = NULL;

	if (!t)
		return NULL;
	for (size_t i = 0; i < t->nstmt; i++)
		if (t->stmt[i].sql == sql)
			return t->stmt[i].st;
	if (t->nstmt == IH_WEB_STMT_CACHE) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "internal error: statement cache full");
		return NULL;
	}
	if (sqlite3_prepare_v3(t->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		*result = ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR,
				       "database: %s", sqlite3_errmsg(t->db));
		sqlite3_finalize(st);
		return NULL;
	}
	t->stmt[t->nstmt].sql = sql;
	t->stmt[t->nstmt].st = st;
	t->nstmt++;
	return st;
}

int ih_web_step(struct ih_web_request *req, sqlite3_stmt *st, enum MHD_Result *result)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	/* A writer holding the database past the busy timeout is transient:
	 * 503 tells a client to retry. */
	*result = ih_web_error(req, (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ?
			       MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_INTERNAL_SERVER_ERROR,
			       "database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
	return -1;
}

/* Resets every statement of T so no read transaction outlives a request
 * (an open one would pin the WAL and hide runs analyzed meanwhile). */
static void ih_web_thread_release(struct ih_web_thread *t)
{
	for (size_t i = 0; i < t->nstmt; i++) {
		sqlite3_reset(t->stmt[i].st);
		sqlite3_clear_bindings(t->stmt[i].st);
	}
}

sqlite3 *ih_web_db(struct ih_web_request *req, enum MHD_Result *result)
{
	struct ih_web_thread *t = ih_web_thread_get(req, result);

	return t ? t->db : NULL;
}

/* ---- JSON helpers ----------------------------------------------------- */

/* Length of the valid UTF-8 sequence at S (at most N bytes), 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t ih_web_utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

json_t *ih_web_json_text(const char *bytes, size_t len)
{
	const unsigned char *s = (const unsigned char *)bytes;
	json_t *j = json_stringn(bytes, len);
	char *buf;
	size_t o = 0;

	if (j)
		return j;
	/* Invalid UTF-8 (jansson refuses it): replace each bad byte. */
	buf = malloc(len * 3 + 1);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = ih_web_utf8_seq(s + i, len - i);

		if (n) {
			memcpy(buf + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

json_t *ih_web_row_object(sqlite3_stmt *st)
{
	json_t *o = json_object();
	int n = sqlite3_column_count(st);

	if (!o)
		return NULL;
	for (int i = 0; i < n; i++) {
		json_t *v;

		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			v = json_integer((json_int_t)sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			v = json_real(sqlite3_column_double(st, i));
			break;
		case SQLITE_TEXT:
			v = ih_web_json_text((const char *)sqlite3_column_text(st, i),
					     (size_t)sqlite3_column_bytes(st, i));
			break;
		default:
			v = json_null();
			break;
		}
		if (!v || json_object_set_new(o, sqlite3_column_name(st, i), v) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* ---- responses -------------------------------------------------------- */

/* Adds the headers every response carries, queues RESP with STATUS and
 * drops our reference to it.  Returns MHD's answer (MHD_NO closes the
 * connection, which is all that can be done when queueing fails). */
static enum MHD_Result ih_web_queue(struct ih_web_request *req, unsigned status,
				    struct MHD_Response *resp, const char *ctype,
				    const char *cache)
{
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	/* MHD_add_response_header only fails on bad header text or memory;
	 * a response missing an optional header is still correct. */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	/* Pages load only their own embedded scripts and styles. */
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; object-src 'none'; "
				"base-uri 'none'; frame-ancestors 'none'");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	r = MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

enum MHD_Result ih_web_error(struct ih_web_request *req, unsigned status, const char *fmt, ...)
{
	static const char oom[] = "{\"error\":\"out of memory\"}";
	char msg[512];
	va_list ap;
	json_t *root;
	char *body = NULL;
	struct MHD_Response *resp = NULL;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status >= 500) {
		/* One log line: control characters from the URL become '?'. */
		char path[256];
		size_t i = 0;

		for (const char *p = req->path ? req->path : "?"; *p && i < sizeof(path) - 1; p++)
			path[i++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
		path[i] = '\0';
		fprintf(stderr, "irqhop serve: %u %s %s: %s\n", status,
			req->method ? req->method : "?", path, msg);
	}
	root = json_object();
	if (root && json_object_set_new(root, "error", ih_web_json_text(msg, strlen(msg))) == 0)
		body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (body)
		resp = MHD_create_response_from_buffer_with_free_callback(strlen(body), body, free);
	if (!resp) {
		free(body);
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
						       MHD_RESPMEM_PERSISTENT);
	}
	return ih_web_queue(req, status, resp, "application/json", "no-store");
}

enum MHD_Result ih_web_respond_json(struct ih_web_request *req, json_t *root)
{
	char *body;
	struct MHD_Response *resp;

	if (!root)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	body = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!body)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	resp = MHD_create_response_from_buffer_with_free_callback(strlen(body), body, free);
	if (!resp) {
		free(body);
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	/* Runs are added while the server runs: never cache API answers. */
	return ih_web_queue(req, MHD_HTTP_OK, resp, "application/json", "no-store");
}

const char *ih_web_content_type(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css",  "text/css; charset=utf-8" },
		{ ".js",   "text/javascript; charset=utf-8" },
		{ ".mjs",  "text/javascript; charset=utf-8" },
		{ ".json", "application/json" },
		{ ".map",  "application/json" },
		{ ".svg",  "image/svg+xml" },
		{ ".png",  "image/png" },
		{ ".ico",  "image/x-icon" },
		{ ".woff2", "font/woff2" },
		{ ".txt",  "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(name, '.');

	if (dot)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcmp(dot, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

enum MHD_Result ih_web_respond_asset(struct ih_web_request *req, const char *name)
{
	const struct ih_embedded *a = ih_embedded_find(ih_web_assets, name);
	const char *etag, *inm;
	struct MHD_Response *resp;
	unsigned status = MHD_HTTP_OK;

	if (!a)
		return ih_web_error(req, MHD_HTTP_NOT_FOUND, "no such asset: %.200s", name);
	etag = req->srv->etag[a - ih_web_assets];
	/* Assets only change with the binary; a revalidation costs one 304. */
	inm = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (inm && strcmp(inm, etag) == 0) {
		status = MHD_HTTP_NOT_MODIFIED;
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	} else {
		resp = MHD_create_response_from_buffer(a->size, (void *)a->data,
						       MHD_RESPMEM_PERSISTENT);
	}
	if (!resp)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	return ih_web_queue(req, status, resp, ih_web_content_type(a->name), "no-cache");
}

/* ---- routing ---------------------------------------------------------- */

const struct ih_web_route *ih_web_route_match(const struct ih_web_route *table,
					      char *path, struct ih_web_request *req)
{
	const char *seg[16];
	size_t nseg = 0;
	char *p = path;

	/* Split "/a/b/c" into segments in place; "/" has none.  A trailing or
	 * doubled slash yields an empty segment, which no pattern matches. */
	if (*p != '/')
		return NULL;
	if (p[1] != '\0') {
		while (*p == '/') {
			*p++ = '\0';
			if (nseg == sizeof(seg) / sizeof(seg[0]))
				return NULL;
			seg[nseg++] = p;
			p += strcspn(p, "/");
		}
	}
	for (const struct ih_web_route *r = table; r->pattern; r++) {
		const char *pat = r->pattern;
		size_t i = 0;

		req->nparams = 0;
		if (strcmp(pat, "/") == 0) {
			if (nseg == 0)
				return r;
			continue;
		}
		while (*pat == '/' && i < nseg) {
			size_t plen;

			pat++;
			plen = strcspn(pat, "/");
			if (plen >= 2 && pat[0] == '{' && pat[plen - 1] == '}') {
				if (seg[i][0] == '\0' || req->nparams == IH_WEB_MAX_PARAMS)
					break;
				req->param_name[req->nparams] = pat + 1;
				req->param_len[req->nparams] = plen - 2;
				req->param[req->nparams++] = seg[i];
			} else if (strlen(seg[i]) != plen || memcmp(seg[i], pat, plen) != 0) {
				break;
			}
			pat += plen;
			i++;
		}
		if (*pat == '\0' && i == nseg)
			return r;
	}
	return NULL;
}

const char *ih_web_param(const struct ih_web_request *req, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < req->nparams; i++)
		if (req->param_len[i] == n && memcmp(req->param_name[i], name, n) == 0)
			return req->param[i];
	return NULL;
}

int ih_web_parse_id(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!s || *s < '1' || *s > '9')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int ih_web_param_id(struct ih_web_request *req, const char *name, int64_t *out,
		    enum MHD_Result *result)
{
	const char *s = ih_web_param(req, name);

	if (ih_web_parse_id(s, out) == 0)
		return 0;
	*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
			       "parameter %s: '%.64s' is not a positive integer (1 to 9223372036854775807)",
			       name, s ? s : "");
	return -1;
}

int ih_web_word_in(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!list || n == 0)
		return 0;
	for (const char *p = list; *p; ) {
		size_t w;

		p += strspn(p, " ");
		w = strcspn(p, " ");
		if (w == n && memcmp(p, name, n) == 0)
			return 1;
		p += w;
	}
	return 0;
}

const char *ih_web_query(const struct ih_web_request *req, const char *name)
{
	for (size_t i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0)
			return req->query[i].value && *req->query[i].value ? req->query[i].value : NULL;
	return NULL;
}

int ih_web_query_int(struct ih_web_request *req, const char *name, int64_t min, int64_t max,
		     int64_t def, int64_t *out, enum MHD_Result *result)
{
	const char *s = ih_web_query(req, name);
	int64_t v = 0;
	int present = 0;

	for (size_t i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0)
			present = 1;
	if (!present) {
		*out = def;
		return 0;
	}
	/* Strict decimal: no sign, no spaces, no leading zeros but "0". */
	if (!s || !*s || (s[0] == '0' && s[1]) )
		goto bad;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - (*p - '0')) / 10)
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
			       "parameter %s: '%.64s' is not an integer from %lld to %lld", name,
			       s ? s : "", (long long)min, (long long)max);
	return -1;
}

int ih_web_query_word(struct ih_web_request *req, const char *name, const char *allowed,
		      const char **out, enum MHD_Result *result)
{
	const char *s = ih_web_query(req, name);

	*out = NULL;
	if (!s)
		return 0;
	if (!ih_web_word_in(allowed, s)) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				       "parameter %s: '%.64s' is not one of: %s", name, s, allowed);
		return -1;
	}
	*out = s;
	return 0;
}

/* MHD_KeyValueIterator: records one query argument in the request (CLS);
 * past IH_WEB_MAX_QUERY it only flags the request.  Always continues. */
static enum MHD_Result ih_web_query_collect(void *cls, enum MHD_ValueKind kind,
					    const char *key, const char *value)
{
	struct ih_web_request *req = cls;

	(void)kind;
	if (req->nquery == IH_WEB_MAX_QUERY) {
		req->query_bad = 1;
		return MHD_YES;
	}
	req->query[req->nquery].name = key ? key : "";
	req->query[req->nquery].value = value;
	req->nquery++;
	return MHD_YES;
}

/* Checks the request's query arguments against ROUTE's list: unknown or
 * repeated names, or too many arguments, are a 400 naming the parameter.
 * Returns 0, or -1 with the error queued (*result set). */
static int ih_web_query_check(struct ih_web_request *req, const struct ih_web_route *route,
			      enum MHD_Result *result)
{
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, ih_web_query_collect, req);
	if (req->query_bad) {
		*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				       "too many query parameters (at most %d)", IH_WEB_MAX_QUERY);
		return -1;
	}
	for (size_t i = 0; i < req->nquery; i++) {
		const char *name = req->query[i].name;

		if (!ih_web_word_in(route->query, name)) {
			*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
					       "parameter %.64s: unknown here (%s%s)", name,
					       route->query ? "this URL takes: " : "this URL takes no parameters",
					       route->query ? route->query : "");
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(req->query[j].name, name) == 0) {
				*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST,
						       "parameter %.64s: given more than once", name);
				return -1;
			}
	}
	return 0;
}

/* Whether some segment of PATH is "." or ".." (after MHD's %-decoding, so
 * "%2e%2e" counts too). */
static int ih_web_has_dot_segment(const char *path)
{
	for (const char *p = path; (p = strchr(p, '/')) != NULL; p++) {
		size_t n = strcspn(p + 1, "/");

		if ((n == 1 && p[1] == '.') || (n == 2 && p[1] == '.' && p[2] == '.'))
			return 1;
	}
	return 0;
}

/* ---- the MHD callbacks ---------------------------------------------- */

/* Access handler.  First call (headers parsed): allocate the request state;
 * refuse methods other than GET/HEAD at once.  Later calls: swallow any
 * body, then route and run the handler exactly once.  Returns MHD_NO (which
 * closes the connection) only when even the request state cannot be
 * allocated. */
static enum MHD_Result ih_web_access(void *cls, struct MHD_Connection *conn, const char *url,
				     const char *method, const char *version,
				     const char *upload_data, size_t *upload_data_size,
				     void **con_cls)
{
	struct ih_web_request *req = *con_cls;
	enum MHD_Result r;
	char *match;

	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->conn = conn;
		req->srv = cls;
		req->method = method;
		req->head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
		req->path = strdup(url);
		*con_cls = req;
		if (!req->path)
			return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		if (!req->head && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
			return ih_web_error(req, MHD_HTTP_METHOD_NOT_ALLOWED,
					    "method %.32s not allowed: this server is read-only (GET, HEAD)",
					    method);
		return MHD_YES;
	}
	if (*upload_data_size) {
		/* A body on a GET means nothing to us; drop it. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ih_web_has_dot_segment(req->path))
		return ih_web_error(req, MHD_HTTP_BAD_REQUEST,
				    "path traversal refused: '.' and '..' segments are not allowed");
	/* Match on a scratch copy: the matcher cuts it into segments and the
	 * parameters point into it; req->path stays whole for messages. */
	match = strdup(req->path);
	if (!match)
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	req->route = ih_web_route_match(ih_web_routes, match, req);
	if (!req->route) {
		free(match);
		return ih_web_error(req, MHD_HTTP_NOT_FOUND, "no such page or endpoint: %.200s",
				    req->path);
	}
	if (ih_web_query_check(req, req->route, &r) == 0)
		r = req->route->handler(req);
	if (req->thr)
		ih_web_thread_release(req->thr);
	free(match);
	req->nparams = 0;
	return r;
}

/* Completion callback: frees the per-request state, whatever the outcome
 * (finished, client gone, timed out, daemon shutting down). */
static void ih_web_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			     enum MHD_RequestTerminationCode toe)
{
	struct ih_web_request *req = *con_cls;

	if (!req)
		return;
	free(req->path);
	free(req);
	*con_cls = NULL;
}

/* Value of hex digit C, or -1. */
static int ih_web_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %-decoding of the URL path and query (MHD_OPTION_UNESCAPE_CALLBACK), in
 * place, returning the new length.  Unlike MHD's default it leaves "%00"
 * (and malformed escapes) as they are: a decoded NUL would cut the string
 * short and turn "/api/runs/1%00junk" into a valid-looking "/api/runs/1". */
static size_t ih_web_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *w = s;

	for (const char *r = s; *r; ) {
		int hi, lo;

		if (r[0] == '%' && (hi = ih_web_hex(r[1])) >= 0 && (lo = ih_web_hex(r[2])) >= 0 &&
		    (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* MHD's own diagnostics, as "irqhop serve: ..." lines on stderr. */
static void ih_web_mhd_log(void *cls, const char *fmt, va_list ap)
{
	fputs("irqhop serve: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---- start / stop ---------------------------------------------------- */

/* "\"<FNV-1a 64 of DATA in hex>\"": a strong ETag for an embedded asset. */
static void ih_web_etag(const struct ih_embedded *a, char out[24])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < a->size; i++) {
		h ^= a->data[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 24, "\"%016llx\"", (unsigned long long)h);
}

void ih_web_server_stop(struct ih_web_server *srv)
{
	if (!srv)
		return;
	/* Joins MHD's threads and closes the listening socket: after this no
	 * handler runs, so the per-thread states can be closed. */
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	for (struct ih_web_thread *t = srv->threads, *next; t; t = next) {
		next = t->next;
		ih_web_thread_free(t);
	}
	for (struct ih_web_thread *t = srv->spare, *next; t; t = next) {
		next = t->next;
		ih_web_thread_free(t);
	}
	if (srv->key_ok)
		pthread_key_delete(srv->key);
	pthread_mutex_destroy(&srv->lock);
	ih_web_api_cleanup();
	free(srv->etag);
	free(srv->db_path);
	free(srv);
}

int ih_web_server_start(const struct ih_web_config *cfg, struct ih_web_server **out,
			int *kind, char *err, size_t errlen)
{
	struct ih_web_server *srv;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	unsigned threads = cfg->threads ? cfg->threads : 1;
	char where[INET6_ADDRSTRLEN + 16];
	int fd;

	*out = NULL;
	*kind = 3;
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&srv->lock, NULL);
	srv->db_path = strdup(cfg->db_path);
	for (const struct ih_embedded *a = ih_web_assets; a->name; a++)
		srv->nassets++;
	srv->etag = calloc(srv->nassets + 1, sizeof(*srv->etag));
	if (!srv->db_path || !srv->etag) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	for (size_t i = 0; i < srv->nassets; i++)
		ih_web_etag(&ih_web_assets[i], srv->etag[i]);
	if (pthread_key_create(&srv->key, NULL) != 0) {
		snprintf(err, errlen, "cannot create a thread key");
		goto error;
	}
	srv->key_ok = 1;
	/* One connection per worker thread, opened now: a bad database is
	 * reported before we listen, and first requests do not pay for it. */
	*kind = 1;
	for (unsigned i = 0; i < threads; i++) {
		struct ih_web_thread *t = ih_web_thread_new(srv, err, errlen);

		if (!t)
			goto error;
		t->next = srv->spare;
		srv->spare = t;
	}
	*kind = 2;
	fd = ih_web_listen_socket(cfg, err, errlen);
	if (fd < 0)
		goto error;
	*kind = 3;
	if (cfg->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The pool size only when there is a pool: MHD warns about a zero. */
	struct MHD_OptionItem pool[] = {
		{ threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, ih_web_access, srv,
				       MHD_OPTION_EXTERNAL_LOGGER, ih_web_mhd_log, NULL,
				       MHD_OPTION_LISTEN_SOCKET, fd,
				       MHD_OPTION_NOTIFY_COMPLETED, ih_web_completed, NULL,
				       MHD_OPTION_UNESCAPE_CALLBACK, ih_web_unescape, NULL,
				       MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
				       MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->conn_memory,
				       MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
				       MHD_OPTION_ARRAY, pool,
				       MHD_OPTION_END);
	if (!srv->daemon) {
		/* Whether MHD already closed a socket it was given on this path
		 * varies between versions; nothing else opens descriptors here,
		 * so a still-valid fd is ours to close. */
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		ih_web_format_addr(&cfg->addr, ih_web_addr_port(&cfg->addr), where, sizeof(where));
		snprintf(err, errlen, "cannot start the HTTP server on %s", where);
		goto error;
	}
	/* The real port: with port 0 the kernel picked one. */
	info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
	ih_web_format_addr(&cfg->addr, info ? info->port : ih_web_addr_port(&cfg->addr),
			   where, sizeof(where));
	snprintf(srv->url, sizeof(srv->url), "http://%s/", where);
	*out = srv;
	return 0;
error:
	ih_web_server_stop(srv);
	return -1;
}

const char *ih_web_server_url(const struct ih_web_server *srv)
{
	return srv->url;
}
