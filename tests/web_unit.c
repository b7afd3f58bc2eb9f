/*
 * web_unit.c - unit tests of the web slice without a network: the routing
 * table and matcher, id parsing, --listen parsing, content types, UTF-8
 * repair of JSON text, and the embedded asset set.
 */
#include "config.h"
#include "web/routes.h"
#include "web/pages/pages.h"
#include "tests/tap.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Routes PATH through the real table; returns the handler's pattern or
 * "none", and copies parameter NAME (if any) into param. */
static const char *route(const char *path, const char *name, char *param, size_t plen)
{
	static struct ih_web_request req;
	char buf[256];
	const struct ih_web_route *r;
	const char *v;

	memset(&req, 0, sizeof(req));
	snprintf(buf, sizeof(buf), "%s", path);
	r = ih_web_route_match(ih_web_routes, buf, &req);
	param[0] = '\0';
	if (r && name && (v = ih_web_param(&req, name)))
		snprintf(param, plen, "%s", v);
	return r ? r->pattern : "none";
}

int main(void)
{
	char p[64], err[256];
	int64_t id = 0;
	struct ih_web_config cfg;

	/* routing */
	ok(strcmp(route("/", NULL, p, sizeof(p)), "/") == 0, "/ is the index");
	ok(strcmp(route("/api/runs", NULL, p, sizeof(p)), "/api/runs") == 0, "/api/runs");
	ok(strcmp(route("/api/runs/42", "id", p, sizeof(p)), "/api/runs/{id}") == 0 &&
	   strcmp(p, "42") == 0, "/api/runs/42 captures id 42");
	ok(strcmp(route("/api/runs/7/hops", "id", p, sizeof(p)), "/api/runs/{id}/hops") == 0 &&
	   strcmp(p, "7") == 0, "/api/runs/7/hops captures id 7");
	ok(strcmp(route("/api/runs/abc", "id", p, sizeof(p)), "/api/runs/{id}") == 0 &&
	   strcmp(p, "abc") == 0, "a malformed id still routes (the handler answers 400)");
	ok(strcmp(route("/api/runs/", NULL, p, sizeof(p)), "none") == 0, "empty segment: no route");
	ok(strcmp(route("/api/runs/1/hops/x", NULL, p, sizeof(p)), "none") == 0, "extra segment: no route");
	ok(strcmp(route("/api", NULL, p, sizeof(p)), "none") == 0, "prefix only: no route");
	ok(strcmp(route("/api/runsx", NULL, p, sizeof(p)), "none") == 0, "longer literal: no route");
	ok(strcmp(route("//", NULL, p, sizeof(p)), "none") == 0, "// is not /");
	ok(strcmp(route("", NULL, p, sizeof(p)), "none") == 0, "empty path: no route");
	ok(strcmp(route("/assets/irqhop.css", "name", p, sizeof(p)), "/assets/{name}") == 0 &&
	   strcmp(p, "irqhop.css") == 0, "asset name captured");
	ok(strcmp(route("/assets/a/b.css", NULL, p, sizeof(p)), "none") == 0,
	   "assets are one segment deep");
	ok(strcmp(route("/runs/3", "id", p, sizeof(p)), "/runs/{id}") == 0, "/runs/3 page");
	ok(strcmp(route("/api/runs/3/hist", "id", p, sizeof(p)), "/api/runs/{id}/hist") == 0, "hist");
	ok(strcmp(route("/api/runs/3/steal/windows", "id", p, sizeof(p)), "/api/runs/{id}/steal/windows") == 0,
	   "steal windows");
	ok(strcmp(route("/api/runs/3/irqs/slowest", "id", p, sizeof(p)), "/api/runs/{id}/irqs/slowest") == 0,
	   "slowest routes before the {irq} pattern");
	ok(strcmp(route("/api/runs/3/irqs/sample", "id", p, sizeof(p)), "/api/runs/{id}/irqs/sample") == 0,
	   "sample routes before the {irq} pattern");
	ok(strcmp(route("/api/runs/3/irqs/77", "irq", p, sizeof(p)), "/api/runs/{id}/irqs/{irq}") == 0 &&
	   strcmp(p, "77") == 0, "one interrupt captures irq 77");
	ok(strcmp(route("/runs/3/irqs/77", "irq", p, sizeof(p)), "/runs/{id}/irqs/{irq}") == 0 &&
	   strcmp(p, "77") == 0, "waterfall page captures irq 77");
	ok(strcmp(route("/api/compare", NULL, p, sizeof(p)), "/api/compare") == 0, "compare API");
	ok(strcmp(route("/compare", NULL, p, sizeof(p)), "/compare") == 0, "compare page");
	ok(strcmp(route("/api/runs/3/irqs/77/x", NULL, p, sizeof(p)), "none") == 0, "below an interrupt: no route");

	/* query parameter lists of the routing table */
	ok(ih_web_word_in("path hop lo hi n", "hop") && ih_web_word_in("path hop lo hi n", "n") &&
	   ih_web_word_in("path hop lo hi n", "path"), "word_in finds first, middle and last words");
	ok(!ih_web_word_in("path hop lo hi n", "ho") && !ih_web_word_in("path hop lo hi n", "hops") &&
	   !ih_web_word_in("path hop", "") && !ih_web_word_in(NULL, "n"),
	   "word_in refuses prefixes, extensions, empty names and a NULL list");
	{
		int listed = 1;

		for (const struct ih_web_route *r = ih_web_routes; r->pattern; r++)
			if (strncmp(r->pattern, "/api/runs/{id}/irqs", 19) == 0 && r->pattern[19] == '\0')
				listed = ih_web_word_in(r->query, "lo") && ih_web_word_in(r->query, "hi");
		ok(listed, "the interrupts-in-a-range route accepts lo and hi");
	}

	/* ids */
	ok(ih_web_parse_id("1", &id) == 0 && id == 1, "id 1");
	ok(ih_web_parse_id("9223372036854775807", &id) == 0 && id == INT64_MAX, "id INT64_MAX");
	ok(ih_web_parse_id("9223372036854775808", &id) != 0, "id overflow refused");
	ok(ih_web_parse_id("99999999999999999999999", &id) != 0, "long id refused");
	ok(ih_web_parse_id("0", &id) != 0, "id 0 refused");
	ok(ih_web_parse_id("-1", &id) != 0, "negative id refused");
	ok(ih_web_parse_id("+1", &id) != 0, "signed id refused");
	ok(ih_web_parse_id("01", &id) != 0, "leading zero refused");
	ok(ih_web_parse_id("12x", &id) != 0, "trailing junk refused");
	ok(ih_web_parse_id(" 12", &id) != 0, "leading space refused");
	ok(ih_web_parse_id("", &id) != 0 && ih_web_parse_id(NULL, &id) != 0, "empty id refused");

	/* --listen */
	ih_web_config_init(&cfg);
	ok(cfg.addr.ss_family == AF_INET &&
	   ntohs(((struct sockaddr_in *)&cfg.addr)->sin_port) == 8080, "default 127.0.0.1:8080");
	ok(ih_web_parse_listen("127.0.0.1:0", &cfg, err, sizeof(err)) == 0 &&
	   ntohs(((struct sockaddr_in *)&cfg.addr)->sin_port) == 0, "127.0.0.1:0");
	ok(ih_web_parse_listen("[::1]:8081", &cfg, err, sizeof(err)) == 0 &&
	   cfg.addr.ss_family == AF_INET6 &&
	   ntohs(((struct sockaddr_in6 *)&cfg.addr)->sin6_port) == 8081, "[::1]:8081");
	ok(ih_web_parse_listen("127.0.0.1", &cfg, err, sizeof(err)) != 0, "missing port refused: %s", err);
	ok(ih_web_parse_listen("127.0.0.1:65536", &cfg, err, sizeof(err)) != 0, "port 65536 refused");
	ok(ih_web_parse_listen("127.0.0.1:80x", &cfg, err, sizeof(err)) != 0, "port junk refused");
	ok(ih_web_parse_listen("127.0.0.1:", &cfg, err, sizeof(err)) != 0, "empty port refused");
	ok(ih_web_parse_listen(":8080", &cfg, err, sizeof(err)) != 0, "empty address refused");
	ok(ih_web_parse_listen("::1:8080", &cfg, err, sizeof(err)) != 0, "bare IPv6 refused: %s", err);
	ok(ih_web_parse_listen("999.1.1.1:80", &cfg, err, sizeof(err)) != 0, "bad IPv4 refused: %s", err);

	/* content types */
	ok(strcmp(ih_web_content_type("a.html"), "text/html; charset=utf-8") == 0, "html type");
	ok(strcmp(ih_web_content_type("a.js"), "text/javascript; charset=utf-8") == 0, "js type");
	ok(strcmp(ih_web_content_type("a.css"), "text/css; charset=utf-8") == 0, "css type");
	ok(strcmp(ih_web_content_type("a.svg"), "image/svg+xml") == 0, "svg type");
	ok(strcmp(ih_web_content_type("README"), "application/octet-stream") == 0, "unknown type");

	/* JSON text */
	{
		json_t *j = ih_web_json_text("h\xc3\xa9llo", 6);
		ok(j && strcmp(json_string_value(j), "h\xc3\xa9llo") == 0, "valid UTF-8 kept");
		json_decref(j);
		j = ih_web_json_text("a\xff" "b\xc0\xaf", 5);
		ok(j && strcmp(json_string_value(j), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd") == 0,
		   "invalid bytes and overlong forms replaced by U+FFFD");
		json_decref(j);
		j = ih_web_json_text("\xed\xa0\x80", 3);
		ok(j && strcmp(json_string_value(j), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd") == 0,
		   "surrogate replaced");
		json_decref(j);
	}

	/* JSON text written by hand (the CDFs of /api/compare): numbers as
	 * JSON parses them back, fractions to 12 decimals, exactly rounded */
	{
		static const struct { uint64_t num, den; const char *want; } fr[] = {
			{ 0, 7, "0" }, { 7, 7, "1" }, { 1, 0, "0" }, { 1, 2, "0.5" }, { 1, 3, "0.333333333333" },
			{ 2, 3, "0.666666666667" }, { 1, 8, "0.125" }, { 1, 1000000000000000ull, "0" },
			{ 1, 2000000000000ull, "0.000000000001" }, { 999999999999999ull, 1000000000000000ull, "1" },
			{ 948455, 948456, "0.999998945655" }, { UINT64_MAX - 1, UINT64_MAX, "1" },
			{ 1, 948456, "0.000001054345" },
		};
		struct ih_web_text t = { 0 };
		int good = 1, parsed = 1;

		for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
			t.len = 0;
			ih_web_text_frac(&t, fr[i].num, fr[i].den);
			if (!t.s || strcmp(t.s, fr[i].want) != 0) {
				tap_diag("%llu / %llu: got %s, want %s", (unsigned long long)fr[i].num,
					 (unsigned long long)fr[i].den, t.s ? t.s : "(nothing)", fr[i].want);
				good = 0;
			}
		}
		ok(good, "fractions: 12 decimals rounded to nearest, 0 and 1 plain, no trailing zeros");
		/* Every fraction k / n of a CDF parses back within 1e-12 of it. */
		for (uint64_t n = 1; n <= 2000 && parsed; n += 37)
			for (uint64_t k = 0; k <= n && parsed; k++) {
				json_t *v;

				t.len = 0;
				ih_web_text_frac(&t, k, n);
				v = json_loads(t.s, JSON_DECODE_ANY, NULL);
				parsed = v && json_is_number(v) &&
					 fabs(json_number_value(v) - (double)k / (double)n) <= 1e-12;
				json_decref(v);
			}
		ok(parsed, "every k / n (n up to 2000) parses back as a JSON number within 1e-12");
		t.len = 0;
		ih_web_text_put(&t, "[", 1);
		ih_web_text_i64(&t, INT64_MIN);
		ih_web_text_put(&t, ",", 1);
		ih_web_text_i64(&t, 0);
		ih_web_text_put(&t, ",", 1);
		ih_web_text_i64(&t, INT64_MAX);
		ih_web_text_put(&t, ",", 1);
		{
			json_t *s = json_string("a\"b");

			ih_web_text_json(&t, s);
			json_decref(s);
		}
		ih_web_text_put(&t, "]", 1);
		ok(!t.oom && strcmp(t.s, "[-9223372036854775808,0,9223372036854775807,\"a\\\"b\"]") == 0,
		   "integers at both ends and an escaped string: %s", t.s);
		ih_web_text_free(&t);
		ok(!t.s && !t.len && !t.cap, "freed text is empty again");
	}

	/* embedded assets: every page and script is there, with a known type */
	{
		static const char *const need[] = {
			"index.html", "run.html", "explorer.html", "irq.html", "compare.html", "irqhop.css",
			"irqhop.js", "charts.js", "runs.js", "run.js", "explorer.js", "irq.js", "compare.js",
			"uPlot.esm.js", "uPlot.min.css",
		};
		int n = 0, typed = 1;

		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			ok(ih_embedded_find(ih_web_assets, need[i]) != NULL, "asset %s embedded", need[i]);
		for (const struct ih_embedded *a = ih_web_assets; a->name; a++, n++)
			if (strcmp(ih_web_content_type(a->name), "application/octet-stream") == 0)
				typed = 0;
		ok(typed, "every embedded asset has a known content type (%d assets)", n);
	}
	return tap_done();
}
