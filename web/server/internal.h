/*
 * web/server/internal.h - what the files of web/server/ share and nothing
 * outside it may use: the server's and a worker thread's state, and the
 * functions one file offers another.  The public contract is
 * web/server/server.h.
 */
#ifndef IH_WEB_SERVER_INTERNAL_H
#define IH_WEB_SERVER_INTERNAL_H
#include "web/server/server.h"

#include <netinet/in.h>
#include <pthread.h>

#define IH_WEB_STMT_CACHE 64

/* One worker thread's database state (dbconn.c). */
struct ih_web_thread {
	struct ih_web_thread *next;    /* in ih_web_server.threads */
	sqlite3 *db;
	size_t nstmt;
	struct {
		const char *sql;       /* cache key: the address of the SQL text */
		sqlite3_stmt *st;
	} stmt[IH_WEB_STMT_CACHE];
};

/* One server: everything it serves and holds, so that two servers in one
 * process share nothing. */
struct ih_web_server {
	struct MHD_Daemon *daemon;
	struct ih_web_app app;         /* routes, assets, application state */
	char *db_path;
	char url[INET6_ADDRSTRLEN + 32];
	pthread_key_t key;             /* -> this thread's struct ih_web_thread */
	int key_ok;
	pthread_mutex_t lock;          /* guards the two lists below */
	struct ih_web_thread *threads; /* claimed by a worker thread */
	struct ih_web_thread *spare;   /* opened at start, not yet claimed */
	size_t nassets;
	char (*etag)[24];              /* per app.assets entry: "\"<fnv1a-64 hex>\"" */
};

/* ---- listen.c ---- */

/* Writes "ADDR:PORT" ("[ADDR]:PORT" for IPv6) of ADDR with PORT into buf.
 * An unprintable address prints as "?" (cannot otherwise fail). */
void ih_web_format_addr(const struct sockaddr_storage *addr, unsigned port, char *buf, size_t len);

/* The port of ADDR, host order.  Cannot fail. */
unsigned ih_web_addr_port(const struct sockaddr_storage *addr);

/* The bound, listening, non-blocking socket for CFG, or -1 with a
 * "cannot listen on A:P: reason" line in err. */
int ih_web_listen_socket(const struct ih_web_config *cfg, char *err, size_t errlen);

/* ---- dbconn.c ---- */

/* A new per-thread state on SRV's database; NULL with err set. */
struct ih_web_thread *ih_web_thread_new(struct ih_web_server *srv, char *err, size_t errlen);

/* Closes T's statements and connection and frees T.  NULL is a no-op. */
void ih_web_thread_free(struct ih_web_thread *t);

/* Resets every statement of T (after each handler).  Cannot fail. */
void ih_web_thread_release(struct ih_web_thread *t);

/* ---- respond.c ---- */

/* Writes the strong ETag of embedded file A into OUT.  Cannot fail. */
void ih_web_etag(const struct ih_embedded *a, char out[24]);

/* ---- dispatch.c ---- */

/* The access handler and the completion callback given to MHD (CLS: the
 * server).  See dispatch.c. */
enum MHD_Result ih_web_access(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls);
void ih_web_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe);
#endif
