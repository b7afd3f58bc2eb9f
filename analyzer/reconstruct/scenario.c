/*
 * analyzer/reconstruct/scenario.c - see analyzer/reconstruct/scenario.h.  The parsing is jansson's (a dependency the
 * project already has: the collector reads scenario files with it); this
 * file only picks out the guests.
 */
#include "config.h"
#include "analyzer/reconstruct/scenario.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A member string, or "" when absent or not a string; NULL on OOM. */
static char *dup_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return strdup(json_is_string(v) ? json_string_value(v) : "");
}

/* Fills G from one guest object; -1 when out of memory (G then holds what
 * was filled, for ih_json_guests_free). */
static int guest_from(json_t *jg, struct ih_json_guest *g)
{
	json_t *pl = json_object_get(jg, "vcpu_pcpus"), *e;
	size_t i;

	g->name = dup_member(jg, "name");
	g->kind = dup_member(jg, "kind");
	if (!g->name || !g->kind)
		return -1;
	if (!json_is_array(pl) || json_array_size(pl) == 0)
		return 0;
	g->vcpu_pcpus = calloc(json_array_size(pl), sizeof(*g->vcpu_pcpus));
	if (!g->vcpu_pcpus)
		return -1;
	json_array_foreach(pl, i, e)
		g->vcpu_pcpus[g->nvcpus++] = json_is_integer(e) ? (int64_t)json_integer_value(e) : -1;
	return 0;
}

int ih_json_scenario_guests(const char *json, struct ih_json_guest **out, size_t *n)
{
	json_t *root, *guests, *jg;
	size_t i;
	int ret = -1;

	*out = NULL;
	*n = 0;
	/* Strict: one value, nothing after it (JSON_DISABLE_EOF_CHECK unset). */
	root = json_loads(json, JSON_DECODE_ANY, NULL);
	if (!root)
		return -1;
	guests = json_is_object(root) ? json_object_get(root, "guests") : NULL;
	if (!json_is_array(guests) || json_array_size(guests) == 0) {
		ret = 0;
		goto end;
	}
	*out = calloc(json_array_size(guests), sizeof(**out));
	if (!*out)
		goto end;
	json_array_foreach(guests, i, jg) {
		struct ih_json_guest *g = &(*out)[(*n)++];

		if (guest_from(json_is_object(jg) ? jg : NULL, g) != 0) {
			ih_json_guests_free(*out, *n);
			*out = NULL;
			*n = 0;
			goto end;
		}
	}
	ret = 0;
end:
	json_decref(root);
	return ret;
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
