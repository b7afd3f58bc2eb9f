/*
 * analyzer/reconstruct/scenario.h - the little of JSON the analyzer reads: the guests of the
 * resolved scenario that run_begin carries (docs/scenarios.md):
 *   {"guests": [{"name": "busy", "kind": "busy", "vcpu_pcpus": [0]}, ...], ...}
 * vCPU ids are assigned in guest order: guest 0's vCPUs first.
 *
 * Parsed strictly by jansson (trailing text is an error); only the members
 * above are kept; no Babeltrace, no SQLite.
 */
#ifndef IH_JSON_H
#define IH_JSON_H
#include <stddef.h>
#include <stdint.h>

struct ih_json_guest {
	char *name;
	char *kind;
	size_t nvcpus;
	int64_t *vcpu_pcpus;
};

/* Parses JSON and returns its top-level "guests" array in *out (*n
 * entries; *out NULL and *n 0 when there is no such member).  A guest
 * without a name or kind gets "".  Returns 0, or -1 on a syntax error or
 * when out of memory (*out NULL). */
int ih_json_scenario_guests(const char *json, struct ih_json_guest **out, size_t *n);

/* Frees what ih_json_scenario_guests() returned.  NULL is accepted. */
void ih_json_guests_free(struct ih_json_guest *g, size_t n);
#endif
