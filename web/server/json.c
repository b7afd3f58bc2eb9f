/*
 * web/server/json.c - database rows and trace text as JSON values.
 */
#include "config.h"
#include "web/server/internal.h"

#include <stdlib.h>
#include <string.h>

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


/* ---- JSON text written by hand ---------------------------------------- */

/* Makes room for N more bytes (and a NUL); sets oom and returns 0 when it
 * cannot. */
static int ih_web_text_room(struct ih_web_text *t, size_t n)
{
	size_t cap;
	char *s;

	if (t->oom)
		return 0;
	if (t->len + n + 1 <= t->cap)
		return 1;
	cap = t->cap ? t->cap : 4096;
	while (cap < t->len + n + 1)
		cap *= 2;
	s = realloc(t->s, cap);
	if (!s) {
		t->oom = 1;
		return 0;
	}
	t->s = s;
	t->cap = cap;
	return 1;
}

void ih_web_text_put(struct ih_web_text *t, const char *s, size_t n)
{
	if (!ih_web_text_room(t, n))
		return;
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

void ih_web_text_i64(struct ih_web_text *t, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	/* The magnitude as unsigned: INT64_MIN has no positive int64_t. */
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	ih_web_text_put(t, p, (size_t)(buf + sizeof(buf) - p));
}

void ih_web_text_frac(struct ih_web_text *t, uint64_t num, uint64_t den)
{
	static const uint64_t one = 1000000000000ull; /* 12 decimals */
	char buf[16];
	uint64_t v;
	int n = 12;

	if (!den || !num) {
		ih_web_text_put(t, "0", 1);
		return;
	}
	if (num >= den) {
		ih_web_text_put(t, "1", 1);
		return;
	}
	/* Rounded to nearest, exactly (num < den, so no overflow in 128 bits). */
	v = (uint64_t)(((unsigned __int128)num * one + den / 2) / den);
	if (v >= one) {
		ih_web_text_put(t, "1", 1);
		return;
	}
	if (v == 0) {
		ih_web_text_put(t, "0", 1);
		return;
	}
	while (v % 10 == 0) {
		v /= 10;
		n--;
	}
	buf[0] = '0';
	buf[1] = '.';
	for (int i = n; i > 0; i--, v /= 10)
		buf[1 + i] = (char)('0' + v % 10);
	ih_web_text_put(t, buf, (size_t)n + 2);
}

void ih_web_text_json(struct ih_web_text *t, const json_t *v)
{
	size_t n = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

	if (!n) {
		t->oom = 1;
		return;
	}
	if (!ih_web_text_room(t, n))
		return;
	if (json_dumpb(v, t->s + t->len, n, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) != n) {
		t->oom = 1;
		return;
	}
	t->len += n;
	t->s[t->len] = '\0';
}

void ih_web_text_free(struct ih_web_text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}
