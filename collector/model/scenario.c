/* collector/model/scenario.c - see collector/model/scenario.h; the format is in docs/scenarios.md. */
#include "config.h"
#include "collector/model/scenario.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define IH_SC_MAX_FILE (1 << 20)

/* Stock scenarios.  "pcpus": 0 means one per online CPU. */
static const struct { const char *name; const char *json; } stock[] = {
	{ "passthrough",
	  "{\"name\":\"passthrough\","
	  " \"description\":\"Busy guest vCPUs, one per pCPU, each taking passthrough interrupts from its own device (Xen dpci through tasklets).\","
	  " \"pcpus\":0, \"duration\":2, \"seed\":1, \"tasklet\":\"percpu\", \"notifier\":\"waitqueue\","
	  " \"timeslice_ms\":30,"
	  " \"guests\":[{\"name\":\"busy\",\"kind\":\"busy\",\"pcpus\":\"all\"}],"
	  " \"devices\":[{\"kind\":\"passthrough\",\"guest\":\"busy\",\"per_vcpu\":true,"
	  "   \"rate\":5000,\"arrival\":\"fixed\",\"vector\":48}]}" },
	{ "xen-steal",
	  "{\"name\":\"xen-steal\","
	  " \"description\":\"The 2014 Xen case scaled to this host: busy guests taking passthrough interrupts on the first half of the pCPUs, idle guests with 1 ms timers on the rest; every tasklet crosses the global lock in global mode.\","
	  " \"pcpus\":0, \"duration\":2, \"seed\":1, \"tasklet\":\"global\", \"notifier\":\"waitqueue\","
	  " \"timeslice_ms\":30,"
	  " \"guests\":[{\"name\":\"busy\",\"kind\":\"busy\",\"pcpus\":\"first-half\"},"
	  "            {\"name\":\"idle\",\"kind\":\"idle\",\"pcpus\":\"second-half\",\"vcpus_per_pcpu\":4,\"timer_hz\":1000}],"
	  " \"devices\":[{\"kind\":\"passthrough\",\"guest\":\"busy\",\"per_vcpu\":true,\"count\":4,"
	  "   \"rate\":20000,\"arrival\":\"poisson\",\"vector\":48}]}" },
	{ "kvm-irqfd",
	  "{\"name\":\"kvm-irqfd\","
	  " \"description\":\"Paravirtual I/O threads signalling each busy vCPU's irqfd (the 2009 KVM case).\","
	  " \"pcpus\":0, \"duration\":2, \"seed\":1, \"tasklet\":\"percpu\", \"notifier\":\"waitqueue\","
	  " \"timeslice_ms\":30, \"workers\":2,"
	  " \"guests\":[{\"name\":\"vm\",\"kind\":\"busy\",\"pcpus\":\"all\"}],"
	  " \"devices\":[{\"kind\":\"irqfd\",\"guest\":\"vm\",\"per_vcpu\":true,"
	  "   \"rate\":5000,\"arrival\":\"poisson\",\"vector\":64}]}" },
	{ "mixed",
	  "{\"name\":\"mixed\","
	  " \"description\":\"All three paths at once: passthrough and irqfd into a busy guest, timers of idle guests.\","
	  " \"pcpus\":0, \"duration\":2, \"seed\":1, \"tasklet\":\"percpu\", \"notifier\":\"waitqueue\","
	  " \"timeslice_ms\":30, \"workers\":2,"
	  " \"guests\":[{\"name\":\"busy\",\"kind\":\"busy\",\"pcpus\":\"first-half\"},"
	  "            {\"name\":\"idle\",\"kind\":\"idle\",\"pcpus\":\"second-half\",\"vcpus_per_pcpu\":2,\"timer_hz\":1000}],"
	  " \"devices\":[{\"kind\":\"passthrough\",\"guest\":\"busy\",\"per_vcpu\":true,\"rate\":5000,\"vector\":48},"
	  "            {\"kind\":\"irqfd\",\"guest\":\"busy\",\"per_vcpu\":true,\"rate\":5000,\"arrival\":\"poisson\",\"vector\":64}]}" },
	{ NULL, NULL },
};

const char *const ih_stock_scenarios[] = { "passthrough", "xen-steal", "kvm-irqfd", "mixed", NULL };

const char *ih_tasklet_mode_name(int mode)
{
	return mode == 1 ? "percpu" : "global";
}

const char *ih_notifier_mode_name(int mode)
{
	return mode == 1 ? "srcu" : "waitqueue";
}

static int parse_tasklet(const char *s)
{
	return strcmp(s, "global") == 0 ? 0 : strcmp(s, "percpu") == 0 ? 1 : -1;
}

static int parse_notifier(const char *s)
{
	return strcmp(s, "waitqueue") == 0 ? 0 : strcmp(s, "srcu") == 0 ? 1 : -1;
}

/*
 * Where a value is in a scenario file.  jansson keeps no positions in the
 * values it builds, so a bad value's line is found by walking the raw text
 * (already valid JSON, since jansson parsed it) along the path:
 * "devices[1]" then member "rate".  jansson is still the only JSON parser:
 * it reads every key and skips every value (json_loadb with
 * JSON_DISABLE_EOF_CHECK reports how many bytes one value took); the walk
 * itself only steps over whitespace, ':' and ','.
 */
static const char *scan_text;    /* the file being resolved, or NULL (stock) */

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Parses the one JSON value at P with jansson; returns it (the caller
 * decrefs) and sets *end past it, or NULL when there is none. */
static json_t *value_at(const char *p, const char **end)
{
	json_error_t e;
	json_t *v = json_loadb(p, strlen(p), JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &e);

	if (v)
		*end = p + e.position;
	return v;
}

/* Skips one JSON value starting at P; returns the end, or NULL. */
static const char *skip_value(const char *p)
{
	const char *end = NULL;
	json_t *v = value_at(skip_ws(p), &end);

	json_decref(v);
	return v ? end : NULL;
}

/* In the object at P, finds member KEY's value; NULL if absent. */
static const char *member(const char *p, const char *key, size_t keylen)
{
	p = skip_ws(p);
	if (*p != '{')
		return NULL;
	p++;
	for (int guard = 0; guard < 100000 && p; guard++) {
		const char *after = NULL;
		json_t *k;
		bool match;

		p = skip_ws(p);
		k = *p == '"' ? value_at(p, &after) : NULL;
		if (!json_is_string(k)) {
			json_decref(k);
			return NULL;
		}
		match = json_string_length(k) == keylen && memcmp(json_string_value(k), key, keylen) == 0;
		json_decref(k);
		p = skip_ws(after);
		if (*p != ':')
			return NULL;
		p = skip_ws(p + 1);
		if (match)
			return p;
		p = skip_value(p);
		if (!p || *(p = skip_ws(p)) != ',')
			return NULL;
		p++;
	}
	return NULL;
}

/* In the array at P, finds element N; NULL if absent. */
static const char *element(const char *p, long n)
{
	p = skip_ws(p);
	if (*p != '[')
		return NULL;
	p = skip_ws(p + 1);
	for (long i = 0; i < n && p; i++) {
		p = skip_value(p);
		if (!p || *(p = skip_ws(p)) != ',')
			return NULL;
		p = skip_ws(p + 1);
	}
	return !p || *p == ']' ? NULL : p;
}

/* Line (1-based) of PATH ("a[2].b" style) in scan_text, 0 if unknown. */
static int path_line(const char *path)
{
	const char *p = scan_text, *q = path;
	int line = 1;

	if (!p)
		return 0;
	while (*q && p) {
		size_t n = strcspn(q, ".[");

		if (n) {
			p = member(p, q, n);
			q += n;
		} else if (*q == '[') {
			p = element(p, strtol(q + 1, (char **)&q, 10));
			q += (*q == ']');
		} else {
			q++;
		}
	}
	if (!p)
		return 0;
	for (const char *c = scan_text; c < p; c++)
		line += (*c == '\n');
	return line;
}

/* Reports "SRC:LINE: at KEY: expected WHAT" (LINE when known) and returns
 * -1.  KEY is the path of the bad value ("devices[0].rate"), or of its
 * object when the value is missing. */
static int bad(char *err, size_t errlen, const char *src, const char *key, const char *what)
{
	int line = path_line(key);

	if (line)
		snprintf(err, errlen, "%s:%d: at %s: expected %s", src, line, key, what);
	else
		snprintf(err, errlen, "%s: at %s: expected %s", src, key, what);
	return -1;
}

/* Like bad() for member FIELD of the object at KEY: the member's line when
 * present, the object's when it is missing. */
static int bad_field(char *err, size_t errlen, const char *src, const char *key,
		     const char *field, const char *what)
{
	char path[128];

	snprintf(path, sizeof(path), "%s.%s", key, field);
	if (path_line(path))
		return bad(err, errlen, src, path, what);
	return bad(err, errlen, src, key, what);
}

static unsigned online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

/* Fills pcpu list from a guest's "pcpus" value. Returns count, or -1. */
static int guest_pcpus(json_t *v, unsigned pcpus, unsigned *out)
{
	unsigned n = 0;

	if (!v || (json_is_string(v) && strcmp(json_string_value(v), "all") == 0)) {
		for (unsigned i = 0; i < pcpus; i++)
			out[n++] = i;
	} else if (json_is_string(v) && strcmp(json_string_value(v), "first-half") == 0) {
		for (unsigned i = 0; i < (pcpus + 1) / 2; i++)
			out[n++] = i;
	} else if (json_is_string(v) && strcmp(json_string_value(v), "second-half") == 0) {
		for (unsigned i = (pcpus + 1) / 2; i < pcpus; i++)
			out[n++] = i;
		if (n == 0)
			out[n++] = pcpus - 1;
	} else if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			if (!json_is_integer(e) || json_integer_value(e) < 0 ||
			    (unsigned)json_integer_value(e) >= pcpus || n >= IH_SC_MAX_VCPUS)
				return -1;
			out[n++] = (unsigned)json_integer_value(e);
		}
	} else {
		return -1;
	}
	return (int)n;
}

static int resolve(json_t *root, const char *src, const struct ih_sc_overrides *ov,
		   struct ih_scenario *sc, char *err, size_t errlen)
{
	json_t *v, *guests, *devices, *g, *d;
	size_t i, j;
	char key[64];

	memset(sc, 0, sizeof(*sc));
	if (!json_is_object(root))
		return bad(err, errlen, src, "top level", "an object");
	v = json_object_get(root, "name");
	snprintf(sc->name, sizeof(sc->name), "%s", json_is_string(v) ? json_string_value(v) : "custom");

	v = json_object_get(root, "pcpus");
	if (v && !(json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= IH_MAX_PCPUS))
		return bad(err, errlen, src, "pcpus", "an integer from 0 (online CPUs) to 64");
	sc->pcpus = v ? (unsigned)json_integer_value(v) : 0;
	if (ov->has_pcpus)
		sc->pcpus = ov->pcpus;
	if (sc->pcpus == 0)
		sc->pcpus = online_cpus();
	if (sc->pcpus > IH_MAX_PCPUS)
		sc->pcpus = IH_MAX_PCPUS;

	v = json_object_get(root, "duration");
	if (v && !(json_is_number(v) && json_number_value(v) > 0 && json_number_value(v) <= 3600))
		return bad(err, errlen, src, "duration", "a number of seconds in (0, 3600]");
	sc->duration_s = v ? json_number_value(v) : 2.0;
	if (ov->has_duration)
		sc->duration_s = ov->duration_s;

	v = json_object_get(root, "seed");
	if (v && !(json_is_integer(v) && json_integer_value(v) >= 0))
		return bad(err, errlen, src, "seed", "a non-negative integer");
	sc->seed = v ? (uint64_t)json_integer_value(v) : 1;
	if (ov->has_seed)
		sc->seed = ov->seed;

	v = json_object_get(root, "tasklet");
	if (v && (!json_is_string(v) || parse_tasklet(json_string_value(v)) < 0))
		return bad(err, errlen, src, "tasklet", "\"global\" or \"percpu\"");
	sc->tasklet_mode = v ? parse_tasklet(json_string_value(v)) : 1;
	if (ov->has_tasklet)
		sc->tasklet_mode = ov->tasklet_mode;

	v = json_object_get(root, "notifier");
	if (v && (!json_is_string(v) || parse_notifier(json_string_value(v)) < 0))
		return bad(err, errlen, src, "notifier", "\"waitqueue\" or \"srcu\"");
	sc->notifier_mode = v ? parse_notifier(json_string_value(v)) : 0;
	if (ov->has_notifier)
		sc->notifier_mode = ov->notifier_mode;

	v = json_object_get(root, "timeslice_ms");
	if (v && !(json_is_number(v) && json_number_value(v) > 0 && json_number_value(v) <= 1000))
		return bad(err, errlen, src, "timeslice_ms", "a number of ms in (0, 1000]");
	sc->timeslice_ns = (uint64_t)((v ? json_number_value(v) : 30.0) * 1e6);

	v = json_object_get(root, "workers");
	if (v && !(json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 16))
		return bad(err, errlen, src, "workers", "an integer from 1 to 16 (workqueue threads)");
	sc->workers = v ? (unsigned)json_integer_value(v) : 2;

	snprintf(sc->label, sizeof(sc->label), "%s", ov->has_label ? ov->label : "");

	guests = json_object_get(root, "guests");
	if (!json_is_array(guests) || json_array_size(guests) == 0 ||
	    json_array_size(guests) > IH_SC_MAX_GUESTS)
		return bad(err, errlen, src, "guests", "an array of 1 to 16 guest objects");
	json_array_foreach(guests, i, g) {
		struct ih_sc_guest *sg = &sc->guests[i];
		unsigned pl[IH_SC_MAX_VCPUS];
		int n;

		snprintf(key, sizeof(key), "guests[%zu]", i);
		if (!json_is_object(g))
			return bad(err, errlen, src, key, "an object");
		v = json_object_get(g, "name");
		if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(sg->name))
			return bad(err, errlen, src, key, "a \"name\" string of at most 31 characters");
		snprintf(sg->name, sizeof(sg->name), "%s", json_string_value(v));
		v = json_object_get(g, "kind");
		if (!json_is_string(v) || (strcmp(json_string_value(v), "busy") && strcmp(json_string_value(v), "idle")))
			return bad_field(err, errlen, src, key, "kind", "\"kind\": \"busy\" or \"idle\"");
		sg->kind = strcmp(json_string_value(v), "idle") == 0 ? IH_SC_IDLE : IH_SC_BUSY;
		n = guest_pcpus(json_object_get(g, "pcpus"), sc->pcpus, pl);
		if (n <= 0)
			return bad_field(err, errlen, src, key, "pcpus", "\"pcpus\": \"all\", \"first-half\", \"second-half\" or an array of pCPU numbers below the pCPU count");
		v = json_object_get(g, "vcpus_per_pcpu");
		if (v && !(json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 8))
			return bad_field(err, errlen, src, key, "vcpus_per_pcpu", "\"vcpus_per_pcpu\" from 1 to 8");
		for (int k = 0; k < (v ? (int)json_integer_value(v) : 1); k++)
			for (int p = 0; p < n; p++) {
				if (sg->nvcpus >= IH_SC_MAX_VCPUS)
					return bad(err, errlen, src, key, "at most 64 vCPUs");
				sg->vcpu_pcpu[sg->nvcpus++] = pl[p];
			}
		v = json_object_get(g, "timer_hz");
		if (v && !(json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 10000))
			return bad_field(err, errlen, src, key, "timer_hz", "\"timer_hz\" from 0 to 10000");
		sg->timer_hz = v ? json_number_value(v) : (sg->kind == IH_SC_IDLE ? 1000.0 : 0.0);
		v = json_object_get(g, "timer_slop_us");
		if (v && !(json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 1000))
			return bad_field(err, errlen, src, key, "timer_slop_us", "\"timer_slop_us\" from 0 to 1000");
		sg->timer_slop_us = v ? (unsigned)json_integer_value(v) : 50;
		sc->nguests++;
	}

	devices = json_object_get(root, "devices");
	if (devices && !json_is_array(devices))
		return bad(err, errlen, src, "devices", "an array of device objects");
	json_array_foreach(devices, i, d) {
		const char *gname;
		unsigned gi;
		bool per_vcpu, poisson;
		double rate;
		json_int_t vector, count;
		uint64_t spike_every, spike_ns;
		enum ih_sc_device_kind kind;

		snprintf(key, sizeof(key), "devices[%zu]", i);
		if (!json_is_object(d))
			return bad(err, errlen, src, key, "an object");
		v = json_object_get(d, "kind");
		if (!json_is_string(v) || (strcmp(json_string_value(v), "passthrough") &&
					   strcmp(json_string_value(v), "irqfd")))
			return bad_field(err, errlen, src, key, "kind", "\"kind\": \"passthrough\" or \"irqfd\"");
		kind = strcmp(json_string_value(v), "irqfd") == 0 ? IH_SC_IRQFD : IH_SC_PASSTHROUGH;
		v = json_object_get(d, "guest");
		if (!json_is_string(v))
			return bad_field(err, errlen, src, key, "guest", "\"guest\": the name of a guest");
		gname = json_string_value(v);
		for (gi = 0; gi < sc->nguests && strcmp(sc->guests[gi].name, gname); gi++)
			;
		if (gi == sc->nguests)
			return bad_field(err, errlen, src, key, "guest", "\"guest\": the name of a guest defined in guests");
		v = json_object_get(d, "rate");
		if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 1e6)
			return bad_field(err, errlen, src, key, "rate", "\"rate\": interrupts per second in (0, 1000000]");
		rate = ov->has_rate ? ov->rate_hz : json_number_value(v);
		v = json_object_get(d, "arrival");
		if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "fixed") &&
						 strcmp(json_string_value(v), "poisson"))))
			return bad_field(err, errlen, src, key, "arrival", "\"arrival\": \"fixed\" or \"poisson\"");
		poisson = v && strcmp(json_string_value(v), "poisson") == 0;
		v = json_object_get(d, "vector");
		if (v && !(json_is_integer(v) && json_integer_value(v) >= 32 && json_integer_value(v) <= 255))
			return bad_field(err, errlen, src, key, "vector", "\"vector\" from 32 to 255");
		vector = v ? json_integer_value(v) : 48;
		v = json_object_get(d, "per_vcpu");
		per_vcpu = !v || json_is_true(v);
		v = json_object_get(d, "count");
		if (v && !(json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 16))
			return bad_field(err, errlen, src, key, "count", "\"count\" (devices per vCPU) from 1 to 16");
		count = v ? json_integer_value(v) : 1;
		/* Rare latency spikes (irqhop record --snapshot-over's test knob). */
		v = json_object_get(d, "spike_every");
		if (v && !(json_is_integer(v) && json_integer_value(v) >= 1))
			return bad_field(err, errlen, src, key, "spike_every", "\"spike_every\": an irq_id period >= 1");
		spike_every = v ? (uint64_t)json_integer_value(v) : 0;
		v = json_object_get(d, "spike_us");
		if (v && !(json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 1000000))
			return bad_field(err, errlen, src, key, "spike_us", "\"spike_us\": microseconds from 1 to 1000000");
		if (!v != !spike_every)
			return bad_field(err, errlen, src, key, v ? "spike_us" : "spike_every",
					 "\"spike_every\" and \"spike_us\" go together");
		spike_ns = v ? (uint64_t)json_integer_value(v) * 1000 : 0;
		for (j = 0; j < (per_vcpu ? sc->guests[gi].nvcpus : 1) * (size_t)count; j++) {
			struct ih_sc_device *sd;

			if (sc->ndevices >= IH_SC_MAX_DEVICES)
				return bad(err, errlen, src, key, "at most 64 devices in all");
			sd = &sc->devices[sc->ndevices++];
			sd->kind = kind;
			sd->guest = gi;
			sd->vcpu = (unsigned)(j % (per_vcpu ? sc->guests[gi].nvcpus : 1));
			sd->pcpu = sc->guests[gi].vcpu_pcpu[sd->vcpu];
			sd->rate_hz = rate;
			sd->poisson = poisson;
			sd->vector = (uint32_t)vector;
			sd->spike_every = spike_every;
			sd->spike_ns = spike_ns;
		}
	}
	return 0;
}

int ih_scenario_load(const char *name, const struct ih_sc_overrides *ov,
		     struct ih_scenario *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = NULL;
	const char *src = name;
	char *text = NULL;
	int rc;

	if (strchr(name, '/') == NULL && (strlen(name) < 5 || strcmp(name + strlen(name) - 5, ".json"))) {
		for (int i = 0; stock[i].name; i++)
			if (strcmp(stock[i].name, name) == 0) {
				root = json_loads(stock[i].json, 0, &jerr);
				src = stock[i].name;
				break;
			}
		if (!root) {
			char names[256] = "";

			for (int i = 0; ih_stock_scenarios[i]; i++) {
				strncat(names, i ? ", " : "", sizeof(names) - strlen(names) - 1);
				strncat(names, ih_stock_scenarios[i], sizeof(names) - strlen(names) - 1);
			}
			snprintf(err, errlen, "unknown scenario '%s' (stock scenarios: %s; or give a .json file)",
				 name, names);
			return -1;
		}
	} else {
		FILE *fp = fopen(name, "r");
		size_t n = 0;

		if (!fp) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			return -1;
		}
		text = malloc(IH_SC_MAX_FILE + 1);
		if (text)
			n = fread(text, 1, IH_SC_MAX_FILE + 1, fp);
		fclose(fp);
		if (!text) {
			snprintf(err, errlen, "%s: out of memory", name);
			return -1;
		}
		if (n > IH_SC_MAX_FILE) {
			snprintf(err, errlen, "%s: larger than %d bytes, not a scenario", name, IH_SC_MAX_FILE);
			free(text);
			return -1;
		}
		text[n] = '\0';
		root = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
		if (!root) {
			if (jerr.line > 0)
				snprintf(err, errlen, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
			else
				snprintf(err, errlen, "%s: %s", name, jerr.text);
			free(text);
			return -1;
		}
	}
	scan_text = text;
	rc = resolve(root, src, ov, out, err, errlen);
	scan_text = NULL;
	json_decref(root);
	free(text);
	return rc;
}

char *ih_scenario_to_json(const struct ih_scenario *sc)
{
	json_t *root = json_object(), *guests = json_array(), *devices = json_array();
	char *s;

	json_object_set_new(root, "name", json_string(sc->name));
	json_object_set_new(root, "label", json_string(sc->label));
	json_object_set_new(root, "pcpus", json_integer(sc->pcpus));
	json_object_set_new(root, "duration", json_real(sc->duration_s));
	json_object_set_new(root, "seed", json_integer((json_int_t)sc->seed));
	json_object_set_new(root, "tasklet", json_string(ih_tasklet_mode_name(sc->tasklet_mode)));
	json_object_set_new(root, "notifier", json_string(ih_notifier_mode_name(sc->notifier_mode)));
	json_object_set_new(root, "timeslice_ms", json_real((double)sc->timeslice_ns / 1e6));
	json_object_set_new(root, "workers", json_integer(sc->workers));
	for (unsigned i = 0; i < sc->nguests; i++) {
		const struct ih_sc_guest *g = &sc->guests[i];
		json_t *jg = json_object(), *pl = json_array();

		for (unsigned k = 0; k < g->nvcpus; k++)
			json_array_append_new(pl, json_integer(g->vcpu_pcpu[k]));
		json_object_set_new(jg, "name", json_string(g->name));
		json_object_set_new(jg, "kind", json_string(g->kind == IH_SC_IDLE ? "idle" : "busy"));
		json_object_set_new(jg, "vcpu_pcpus", pl);
		json_object_set_new(jg, "timer_hz", json_real(g->timer_hz));
		json_object_set_new(jg, "timer_slop_us", json_integer(g->timer_slop_us));
		json_array_append_new(guests, jg);
	}
	for (unsigned i = 0; i < sc->ndevices; i++) {
		const struct ih_sc_device *d = &sc->devices[i];
		json_t *jd = json_object();

		json_object_set_new(jd, "kind", json_string(d->kind == IH_SC_IRQFD ? "irqfd" : "passthrough"));
		json_object_set_new(jd, "guest", json_string(sc->guests[d->guest].name));
		json_object_set_new(jd, "vcpu", json_integer(d->vcpu));
		json_object_set_new(jd, "pcpu", json_integer(d->pcpu));
		json_object_set_new(jd, "rate", json_real(d->rate_hz));
		json_object_set_new(jd, "arrival", json_string(d->poisson ? "poisson" : "fixed"));
		json_object_set_new(jd, "vector", json_integer(d->vector));
		if (d->spike_every) {
			json_object_set_new(jd, "spike_every", json_integer((json_int_t)d->spike_every));
			json_object_set_new(jd, "spike_us", json_integer((json_int_t)(d->spike_ns / 1000)));
		}
		json_array_append_new(devices, jd);
	}
	json_object_set_new(root, "guests", guests);
	json_object_set_new(root, "devices", devices);
	s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}
