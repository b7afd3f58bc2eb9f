/*
 * ih_json.c - the scenario's guests from run_begin's JSON, see ih_json.h.
 */
#include "config.h"
#include "analyzer/ih_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct jp {
	const char *p;
	int depth;
	bool oom;
};

#define JSON_MAX_DEPTH 64

static void ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
		j->p++;
}

/* Parses a string at j->p; *out (if OUT) gets a malloc'd copy with simple
 * escapes decoded (\uXXXX kept as '?').  -1 on a syntax error or OOM. */
static int jstring(struct jp *j, char **out)
{
	const char *s;
	char *d = NULL;
	size_t n = 0;

	if (*j->p != '"')
		return -1;
	s = ++j->p;
	while (*j->p && *j->p != '"') {
		if (*j->p == '\\') {
			j->p++;
			if (!*j->p)
				return -1;
			if (*j->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!j->p[i])
						return -1;
				j->p += 4;
			}
		} else if ((unsigned char)*j->p < 0x20) {
			return -1;
		}
		j->p++;
	}
	if (*j->p != '"')
		return -1;
	if (out) {
		d = malloc((size_t)(j->p - s) + 1);
		if (!d) {
			j->oom = true;
			return -1;
		}
		for (const char *q = s; q < j->p; q++) {
			if (*q != '\\') {
				d[n++] = *q;
				continue;
			}
			q++;
			switch (*q) {
			case 'n': d[n++] = '\n'; break;
			case 't': d[n++] = '\t'; break;
			case 'r': d[n++] = '\r'; break;
			case 'b': d[n++] = '\b'; break;
			case 'f': d[n++] = '\f'; break;
			case 'u': d[n++] = '?'; q += 4; break;
			default: d[n++] = *q; break;
			}
		}
		d[n] = '\0';
		*out = d;
	}
	j->p++;
	return 0;
}

static int jvalue(struct jp *j);

/* Skips an object or array; -1 on a syntax error. */
static int jcontainer(struct jp *j, char open, char close)
{
	if (*j->p != open || ++j->depth > JSON_MAX_DEPTH)
		return -1;
	j->p++;
	ws(j);
	if (*j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		ws(j);
		if (open == '{') {
			if (jstring(j, NULL))
				return -1;
			ws(j);
			if (*j->p++ != ':')
				return -1;
		}
		if (jvalue(j))
			return -1;
		ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p != close)
			return -1;
		j->p++;
		j->depth--;
		return 0;
	}
}

/* Skips any value; -1 on a syntax error. */
static int jvalue(struct jp *j)
{
	ws(j);
	switch (*j->p) {
	case '"':
		return jstring(j, NULL);
	case '{':
		return jcontainer(j, '{', '}');
	case '[':
		return jcontainer(j, '[', ']');
	case 't':
		if (strncmp(j->p, "true", 4))
			return -1;
		j->p += 4;
		return 0;
	case 'f':
		if (strncmp(j->p, "false", 5))
			return -1;
		j->p += 5;
		return 0;
	case 'n':
		if (strncmp(j->p, "null", 4))
			return -1;
		j->p += 4;
		return 0;
	default: {
		char *end;

		strtod(j->p, &end);
		if (end == j->p)
			return -1;
		j->p = end;
		return 0;
	}
	}
}

/* Parses an array of integers into G's vcpu_pcpus; -1 on error/OOM. */
static int jpcpus(struct jp *j, struct ih_json_guest *g)
{
	size_t cap = 0;

	if (*j->p != '[')
		return jvalue(j);
	j->p++;
	ws(j);
	if (*j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		char *end;
		long long v;

		ws(j);
		v = strtoll(j->p, &end, 10);
		if (end == j->p)
			return -1;
		j->p = end;
		if (g->nvcpus == cap) {
			int64_t *p = realloc(g->vcpu_pcpus, (cap ? cap * 2 : 8) * sizeof(*p));

			if (!p) {
				j->oom = true;
				return -1;
			}
			g->vcpu_pcpus = p;
			cap = cap ? cap * 2 : 8;
		}
		g->vcpu_pcpus[g->nvcpus++] = v;
		ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p != ']')
			return -1;
		j->p++;
		return 0;
	}
}

/* Parses one guest object into G; -1 on error. */
static int jguest(struct jp *j, struct ih_json_guest *g)
{
	ws(j);
	if (*j->p != '{')
		return -1;
	j->p++;
	ws(j);
	if (*j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		int r;

		ws(j);
		if (jstring(j, &key))
			return -1;
		ws(j);
		if (*j->p++ != ':') {
			free(key);
			return -1;
		}
		ws(j);
		if (strcmp(key, "name") == 0 && *j->p == '"') {
			free(g->name);
			g->name = NULL;
			r = jstring(j, &g->name);
		} else if (strcmp(key, "kind") == 0 && *j->p == '"') {
			free(g->kind);
			g->kind = NULL;
			r = jstring(j, &g->kind);
		} else if (strcmp(key, "vcpu_pcpus") == 0) {
			g->nvcpus = 0;
			r = jpcpus(j, g);
		} else {
			r = jvalue(j);
		}
		free(key);
		if (r)
			return -1;
		ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p != '}')
			return -1;
		j->p++;
		return 0;
	}
}

void ih_json_guests_free(struct ih_json_guest *g, size_t n)
{
	if (!g)
		return;
	for (size_t i = 0; i < n; i++) {
		free(g[i].name);
		free(g[i].kind);
		free(g[i].vcpu_pcpus);
	}
	free(g);
}

/* Parses the guests array into *out and *n; -1 on error (partial results are
 * left in *out and *n for the caller to free). */
static int jguests(struct jp *j, struct ih_json_guest **out, size_t *n)
{
	size_t cap = 0;

	ws(j);
	if (*j->p != '[')
		return -1;
	j->p++;
	ws(j);
	if (*j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		if (*n == cap) {
			struct ih_json_guest *p = realloc(*out, (cap ? cap * 2 : 4) * sizeof(*p));

			if (!p) {
				j->oom = true;
				return -1;
			}
			*out = p;
			cap = cap ? cap * 2 : 4;
		}
		memset(&(*out)[*n], 0, sizeof(**out));
		(*n)++;
		if (jguest(j, &(*out)[*n - 1]))
			return -1;
		ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p != ']')
			return -1;
		j->p++;
		return 0;
	}
}

int ih_json_scenario_guests(const char *json, struct ih_json_guest **out, size_t *n)
{
	struct jp j = { json, 0, false };
	bool seen = false;

	*out = NULL;
	*n = 0;
	ws(&j);
	if (*j.p != '{')
		goto error;
	j.p++;
	ws(&j);
	if (*j.p == '}') {
		j.p++;
		goto done;
	}
	for (;;) {
		char *key = NULL;
		int r;

		ws(&j);
		if (jstring(&j, &key))
			goto error;
		ws(&j);
		if (*j.p++ != ':') {
			free(key);
			goto error;
		}
		if (strcmp(key, "guests") == 0 && !seen) {
			seen = true;
			r = jguests(&j, out, n);
		} else {
			r = jvalue(&j);
		}
		free(key);
		if (r)
			goto error;
		ws(&j);
		if (*j.p == ',') {
			j.p++;
			continue;
		}
		if (*j.p != '}')
			goto error;
		j.p++;
		break;
	}
done:
	ws(&j);
	if (*j.p)
		goto error;
	for (size_t i = 0; i < *n; i++) {
		if ((!(*out)[i].name && !((*out)[i].name = strdup(""))) ||
		    (!(*out)[i].kind && !((*out)[i].kind = strdup(""))))
			goto error;
	}
	return 0;
error:
	ih_json_guests_free(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}
