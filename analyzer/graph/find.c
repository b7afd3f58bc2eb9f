/*
 * analyzer/graph/find.c - the CTF traces under irqhop analyze's TRACE
 * arguments (a trace folder, an LTTng session output, or an lttng-relayd
 * output tree with one trace per host), each checked before Babeltrace
 * reads it: its metadata (libbabeltrace2 2.0.4 spins forever on a metadata
 * file cut inside a packet) and its UUID (to refuse a trace already
 * analyzed before decoding anything).
 */
#include "config.h"
#include "analyzer/graph/priv.h"
#include "analyzer/store/snapshot.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Packet header of LTTng's packetized metadata (CTF 1.8 "metadata packet"),
 * native byte order. */
struct an_meta_hdr {
	uint32_t magic;
	uint8_t uuid[16];
	uint32_t checksum;
	uint32_t content_size;	/* bits */
	uint32_t packet_size;	/* bits */
};
#define AN_META_MAGIC 0x75D11D57u

/* Whether TEXT's env block says domain = "kernel" (LTTng's kernel traces). */
static bool an_env_kernel(const char *text)
{
	const char *p = strstr(text, "domain");

	for (; p; p = strstr(p + 6, "domain")) {
		const char *q = p + 6;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '=')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		return strncmp(q, "\"kernel\"", 8) == 0;
	}
	return false;
}

/* Whether the first metadata packet (header H just read from F) says the
 * trace is a kernel one: LTTng writes the env block there.  Never fails
 * (false when unreadable). */
static bool an_packet_kernel(FILE *f, const struct an_meta_hdr *h)
{
	char buf[65536];
	size_t len = h->content_size / 8 > sizeof(*h) ? h->content_size / 8 - sizeof(*h) : 0, n;

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	n = fread(buf, 1, len, f);
	/* The header's last bytes (compression, encryption, checksum schemes,
	 * version) are read too: no NUL may end the text early. */
	for (size_t i = 0; i < n; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[n] = '\0';
	return an_env_kernel(buf);
}

/* Finds the trace UUID of a plain-text metadata file F (`uuid = "..."`, the
 * first one, in the trace block) into OUT (37 bytes); "" when none; and
 * whether its env says it is a kernel trace. */
static void an_text_uuid(FILE *f, char *out, bool *kernel)
{
	char buf[65536];
	size_t n;
	const char *p;

	out[0] = '\0';
	if (fseeko(f, 0, SEEK_SET) != 0)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	*kernel = an_env_kernel(buf);
	p = strstr(buf, "uuid");
	while (p) {
		const char *q = p + 4;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '=') {
			q++;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '"' && strlen(q + 1) >= 36 && q[37] == '"') {
				for (int i = 0; i < 36; i++)
					out[i] = (char)tolower((unsigned char)q[1 + i]);
				out[36] = '\0';
				return;
			}
		}
		p = strstr(p + 4, "uuid");
	}
}

/* Checks that a packetized metadata file ends on a packet boundary:
 * libbabeltrace2 2.0.4 spins forever on a metadata file cut inside a packet
 * (a copy interrupted, a disk full), so this is refused up front.  Plain-text
 * metadata is left to Babeltrace.  Returns 0, or -1 after printing. */
static int an_check_metadata(struct an_trace *t)
{
	const char *dir = t->dir;
	char path[PATH_MAX];
	struct an_meta_hdr h;
	struct stat sb;
	uint64_t off = 0;
	FILE *f;
	DIR *d;
	struct dirent *de;
	int ret = -1;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &sb) != 0) {
		fprintf(stderr, AN_PREFIX "trace %s: cannot read metadata: %s\n", dir, strerror(errno));
		goto end;
	}
	/* Bounded: each step advances by at least one header. */
	while (off < (uint64_t)sb.st_size) {
		if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(&h, sizeof(h), 1, f) != 1) {
			fprintf(stderr, AN_PREFIX "trace %s: metadata is truncated (cut inside a packet header)\n", dir);
			goto end;
		}
		if (h.magic != AN_META_MAGIC) {
			if (off == 0) {
				an_text_uuid(f, t->uuid, &t->kernel_domain);
				break;	/* plain-text metadata */
			}
			fprintf(stderr, AN_PREFIX "trace %s: metadata is corrupt (bad packet magic at byte %" PRIu64 ")\n",
				dir, off);
			goto end;
		}
		if (h.packet_size < 8 * sizeof(h) || h.content_size > h.packet_size ||
		    off + h.packet_size / 8 > (uint64_t)sb.st_size) {
			fprintf(stderr, AN_PREFIX "trace %s: metadata is truncated or corrupt (packet at byte %" PRIu64
				" runs past the end of the file)\n", dir, off);
			goto end;
		}
		if (off == 0)
			t->kernel_domain = an_packet_kernel(f, &h);
		if (off == 0)
			snprintf(t->uuid, sizeof(t->uuid),
				 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
				 h.uuid[0], h.uuid[1], h.uuid[2], h.uuid[3], h.uuid[4], h.uuid[5], h.uuid[6],
				 h.uuid[7], h.uuid[8], h.uuid[9], h.uuid[10], h.uuid[11], h.uuid[12], h.uuid[13],
				 h.uuid[14], h.uuid[15]);
		off += h.packet_size / 8;
	}
	/* Stream files, for the progress estimate. */
	d = opendir(dir);
	while (d && (de = readdir(d)) != NULL) {
		char p[PATH_MAX];
		struct stat fsb;

		if (de->d_name[0] == '.' || strcmp(de->d_name, "metadata") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &fsb) == 0 && S_ISREG(fsb.st_mode))
			t->bytes += (uint64_t)fsb.st_size;
	}
	if (d)
		closedir(d);
	if (t->uuid[0]) {
		char folder[256], err[512];
		int r = ih_store_snapshot_find(dir, folder, sizeof(folder), NULL, err, sizeof(err));

		if (r < 0) {
			fprintf(stderr, AN_PREFIX "trace %s: %s\n", dir, err);
			goto end;
		}
		if (r > 0) {	/* one session's snapshots share its UUID */
			size_t n = strlen(t->uuid);

			snprintf(t->uuid + n, sizeof(t->uuid) - n, "#%s", folder);
		}
	}
	ret = 0;
end:
	if (f)
		fclose(f);
	return ret;
}

struct an_found an_found;

/* nftw callback: records the folder of each metadata file.  Returns 1 (stop
 * the walk) when out of memory or when there are too many. */
static int an_find_metadata(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	if (type != FTW_F || strcmp(path + ftw->base, "metadata") != 0)
		return 0;
	if (an_found.n == AN_MAX_TRACES) {
		an_found.too_many = true;
		return 1;
	}
	if (an_found.n == an_found.cap) {
		int cap = an_found.cap ? an_found.cap * 2 : 8;
		struct an_trace *t = realloc(an_found.t, (size_t)cap * sizeof(*t));

		if (!t) {
			an_found.oom = true;
			return 1;
		}
		an_found.t = t;
		an_found.cap = cap;
	}
	memset(&an_found.t[an_found.n], 0, sizeof(an_found.t[0]));
	an_found.t[an_found.n].dir = strndup(path, ftw->base ? (size_t)ftw->base - 1 : 0);
	if (!an_found.t[an_found.n].dir) {
		an_found.oom = true;
		return 1;
	}
	an_found.n++;
	return 0;
}

void an_found_free(void)
{
	for (int i = 0; i < an_found.n; i++)
		free(an_found.t[i].dir);
	free(an_found.t);
	memset(&an_found, 0, sizeof(an_found));
}

static int an_by_dir(const void *a, const void *b)
{
	return strcmp(((const struct an_trace *)a)->dir, ((const struct an_trace *)b)->dir);
}

/* Done before involving Babeltrace, whose own messages for these cases are
 * long. */
int an_check_trace(const char *trace)
{
	struct stat sb;
	int first = an_found.n, r;

	if (stat(trace, &sb) != 0) {
		fprintf(stderr, AN_PREFIX "trace %s: %s\n", trace, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fprintf(stderr, AN_PREFIX "trace %s: not a folder (give the trace's output folder)\n", trace);
		return -1;
	}
	r = nftw(trace, an_find_metadata, 16, FTW_PHYS);
	if (r < 0) {
		fprintf(stderr, AN_PREFIX "trace %s: cannot read: %s\n", trace, strerror(errno));
		return -1;
	}
	if (an_found.too_many) {
		fprintf(stderr, AN_PREFIX "trace %s: more than %d CTF traces\n", trace, AN_MAX_TRACES);
		return -1;
	}
	if (r > 0 || an_found.oom) {
		fprintf(stderr, AN_PREFIX "trace %s: out of memory\n", trace);
		return -1;
	}
	if (an_found.n == first) {
		fprintf(stderr, AN_PREFIX "no CTF trace in %s (no metadata file under it)\n", trace);
		return -1;
	}
	/* By folder name, so the runs' order (and ids) do not depend on the
	 * order the file system lists the folders in. */
	qsort(an_found.t + first, (size_t)(an_found.n - first), sizeof(*an_found.t), an_by_dir);
	for (int i = first; i < an_found.n; i++)
		if (an_check_metadata(&an_found.t[i]))
			return -1;
	return 0;
}
