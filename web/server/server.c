/*
 * web/server/server.c - the libmicrohttpd daemon behind `irqhop serve`:
 * start and stop, and the options MHD runs with (the dispatcher is
 * dispatch.c, the rest of web/server/ is listed in web/server/server.h).
 *
 * Threads: MHD runs either one internal polling thread or a pool of them
 * (MHD_OPTION_THREAD_POOL_SIZE); dbconn.c gives each its own database
 * connection.  poll(), not epoll: with epoll, libmicrohttpd 0.9.75 stops
 * serving a thread's connections once it reaches its connection limit, so
 * connections its clients closed sat in CLOSE-WAIT until the idle timeout
 * (and blocked new ones, and stop); with poll they are reaped at once.
 * A thread watches at most max_connections / threads sockets.  The server's state is its own (struct ih_web_server): no
 * process-wide state, so a stopped server leaves nothing behind.
 */
#include "config.h"
#include "web/server/internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the MHD options ---------------------------------------------- */

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
	free(srv->etag);
	free(srv->db_path);
	free(srv);
}

int ih_web_server_start(const struct ih_web_config *cfg, const struct ih_web_app *app,
			struct ih_web_server **out, int *kind, char *err, size_t errlen)
{
	struct ih_web_server *srv;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
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
	srv->app = *app;
	srv->db_path = strdup(cfg->db_path);
	for (const struct ih_embedded *a = app->assets; a && a->name; a++)
		srv->nassets++;
	srv->etag = calloc(srv->nassets + 1, sizeof(*srv->etag));
	if (!srv->db_path || !srv->etag) {
		snprintf(err, errlen, "out of memory");
		goto error;
	}
	for (size_t i = 0; i < srv->nassets; i++)
		ih_web_etag(&app->assets[i], srv->etag[i]);
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
				       MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connections,
				       MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
				       /* RFC 9112 where 0.9.75 offers it (HTTP/1.1
					* without Host, space before a colon: 400);
					* dispatch.c checks the rest. */
				       MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
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

const char *ih_web_db_path(const struct ih_web_request *req)
{
	return req->srv->db_path;
}

void *ih_web_app_data(const struct ih_web_request *req)
{
	return req->srv->app.data;
}
