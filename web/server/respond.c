/*
 * web/server/respond.c - the response helpers: every response goes
 * through ih_web_queue (the headers all carry), every error through
 * ih_web_error (the one error path), embedded files through
 * ih_web_respond_asset with a strong ETag.
 */
#include "config.h"
#include "web/server/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	/* After malformed headers the rest of the stream cannot be framed:
	 * MHD closes the connection once the 400 is sent. */
	if (req->bad_request)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
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

enum MHD_Result ih_web_respond_json_with(struct ih_web_request *req, json_t *root, const char *key,
					 struct ih_web_text *raw)
{
	struct MHD_Response *resp;
	size_t hl, kl = strlen(key), n;
	char *head = NULL, *body;

	if (!root || raw->oom || !raw->len)
		goto oom;
	/* "{...}" becomes "{...,"KEY":" + RAW + "}" ("{}": "{"KEY":" + RAW + "}"). */
	head = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
	if (!head || (hl = strlen(head)) < 2 || head[hl - 1] != '}')
		goto oom;
	hl--;
	n = hl + (hl > 1) + kl + 3;
	/* One buffer, RAW's own grown in place: RAW moves up by the head's
	 * length (within memory it already has) instead of being copied
	 * into fresh memory; a body in pieces (MHD's iovec responses) would
	 * have MHD log every client that leaves mid-answer. */
	body = realloc(raw->s, n + raw->len + 2);
	if (!body)
		goto oom;
	raw->s = body;
	memmove(body + n, body, raw->len);
	memcpy(body, head, hl);
	if (hl > 1)
		body[hl++] = ',';
	body[hl++] = '"';
	memcpy(body + hl, key, kl);
	hl += kl;
	body[hl++] = '"';
	body[hl++] = ':';
	n += raw->len;
	body[n++] = '}';
	body[n] = '\0';
	free(head);
	json_decref(root);
	memset(raw, 0, sizeof(*raw));
	resp = MHD_create_response_from_buffer_with_free_callback(n, body, free);
	if (!resp) {
		free(body);
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	return ih_web_queue(req, MHD_HTTP_OK, resp, "application/json", "no-store");
oom:
	free(head);
	json_decref(root);
	ih_web_text_free(raw);
	return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
}

enum MHD_Result ih_web_respond_download(struct ih_web_request *req, char *body, size_t len,
					const char *ctype, const char *filename)
{
	struct MHD_Response *resp;
	char disp[192];

	resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	if (!resp) {
		free(body);
		return ih_web_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	/* FILENAME is the caller's own ASCII name: no quoting needed. */
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	return ih_web_queue(req, MHD_HTTP_OK, resp, ctype, "no-store");
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
	const struct ih_embedded *a = req->srv->app.assets ? ih_embedded_find(req->srv->app.assets, name) : NULL;
	const char *etag, *inm;
	struct MHD_Response *resp;
	unsigned status = MHD_HTTP_OK;

	if (!a)
		return ih_web_error(req, MHD_HTTP_NOT_FOUND, "no such asset: %.200s", name);
	etag = req->srv->etag[a - req->srv->app.assets];
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


/* "\"<FNV-1a 64 of DATA in hex>\"": a strong ETag for an embedded asset. */
void ih_web_etag(const struct ih_embedded *a, char out[24])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < a->size; i++) {
		h ^= a->data[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, 24, "\"%016llx\"", (unsigned long long)h);
}
