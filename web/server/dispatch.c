/*
 * web/server/dispatch.c - the dispatcher: the access and completion
 * callbacks (per-request state from the first call to the completion
 * callback), the routing table walk, path parameters and query strings.
 */
#include "config.h"
#include "web/server/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* What ih_web_header_collect finds in a request's headers. */
struct ih_web_header_scan {
	unsigned hosts;          /* Host headers */
	unsigned lengths;        /* Content-Length headers */
	const char *length;      /* the first Content-Length's value */
	int length_differs;      /* a later Content-Length has another value */
	int nul;                 /* a name or value holds a NUL byte */
	const char *end;         /* end of the previous header's value */
};

/* Whether [A, B) holds only what separates two header lines once MHD has
 * cut them into strings: its NUL terminators, CR, LF, spaces and tabs.
 * Anything else there is the rest of a value that a NUL byte cut short. */
static int ih_web_only_separators(const char *a, const char *b)
{
	for (; a < b; a++)
		if (*a != '\0' && *a != '\r' && *a != '\n' && *a != ' ' && *a != '\t')
			return 0;
	return 1;
}

/* MHD_KeyValueIteratorN over the request headers: counts Host and
 * Content-Length, and finds a NUL byte inside a value.  libmicrohttpd
 * 0.9.75 keeps names and values as strings cut in place in the request's
 * read buffer, in the order received, and a NUL received inside a value
 * simply ends it early (the sizes it passes are strlen's): what followed
 * the NUL is still in the buffer, between this value's end and the next
 * name.  Always continues. */
static enum MHD_Result ih_web_header_collect(void *cls, enum MHD_ValueKind kind,
					     const char *key, size_t key_size,
					     const char *value, size_t value_size)
{
	struct ih_web_header_scan *h = cls;

	if (!key)
		return MHD_YES;
	if (h->end && key > h->end && !ih_web_only_separators(h->end, key))
		h->nul = 1;
	h->end = value ? value + value_size : key + key_size;
	if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
		h->hosts++;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (h->lengths++ == 0)
			h->length = value ? value : "";
		else if (strcmp(h->length, value ? value : "") != 0)
			h->length_differs = 1;
	}
	return MHD_YES;
}

/* The request-header checks of RFC 9112 that libmicrohttpd 0.9.75 does
 * not make even with MHD_OPTION_STRICT_FOR_CLIENT (which already refuses
 * an HTTP/1.1 request without Host, and whitespace before a header's
 * colon): exactly one Host in HTTP/1.1 (at most one in HTTP/1.0), no two
 * Content-Length headers with different values, no NUL byte in a header.
 * Each is answered 400 naming the problem, and the connection is closed
 * after the answer (the framing of what follows cannot be trusted).
 * Returns 0, or -1 with the 400 queued (*result set). */
static int ih_web_header_check(struct ih_web_request *req, const char *version,
			       enum MHD_Result *result)
{
	struct ih_web_header_scan h = { 0 };
	const union MHD_ConnectionInfo *size;
	const char *why = NULL;

	MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, ih_web_header_collect, &h);
	/* After the last value: up to the end of the request header, which
	 * begins with the method (the start of the read buffer). */
	size = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (h.end && size && h.end > req->method && h.end <= req->method + size->header_size &&
	    !ih_web_only_separators(h.end, req->method + size->header_size))
		h.nul = 1;
	if (h.nul)
		why = "a header holds a NUL byte";
	else if (h.hosts > 1)
		why = "more than one Host header";
	else if (h.hosts == 0 && version && strcmp(version, MHD_HTTP_VERSION_1_1) == 0)
		why = "an HTTP/1.1 request needs a Host header";
	else if (h.length_differs)
		why = "Content-Length headers with different values";
	if (!why)
		return 0;
	req->bad_request = 1;
	*result = ih_web_error(req, MHD_HTTP_BAD_REQUEST, "bad request: %s", why);
	return -1;
}

/* Access handler.  First call (headers parsed): allocate the request state;
 * refuse methods other than GET/HEAD at once.  Later calls: swallow any
 * body, then route and run the handler exactly once.  Returns MHD_NO (which
 * closes the connection) only when even the request state cannot be
 * allocated. */
enum MHD_Result ih_web_access(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
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
		if (ih_web_header_check(req, version, &r) != 0)
			return r;
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
	req->route = ih_web_route_match(req->srv->app.routes, match, req);
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
void ih_web_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct ih_web_request *req = *con_cls;

	if (!req)
		return;
	free(req->path);
	free(req);
	*con_cls = NULL;
}
