/* analyzer/store/snapshot.c - see analyzer/store/snapshot.h. */
#include "config.h"
#include "analyzer/store/snapshot.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SNAP_MAX_UP 5

int ih_store_snapshot_find(const char *trace_dir, char *folder, size_t folder_len, char **label, char *err,
			   size_t errlen)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct stat sb;
	json_error_t jerr;
	json_t *doc = NULL, *lab;
	const char *base;
	int ret = -1;

	if (label)
		*label = NULL;
	if (!trace_dir || snprintf(dir, sizeof(dir), "%s", trace_dir) >= (int)sizeof(dir))
		return 0;
	for (int up = 0; up <= SNAP_MAX_UP; up++) {
		char *slash;

		snprintf(path, sizeof(path), "%s/trigger.json", dir);
		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			break;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir || up == SNAP_MAX_UP)
			return 0;
		*slash = '\0';
	}
	doc = json_load_file(path, 0, &jerr);
	if (!doc || !json_is_object(doc) || !json_is_integer(json_object_get(doc, "snapshot")) ||
	    !json_is_integer(json_object_get(doc, "irq_id"))) {
		snprintf(err, errlen, "snapshot tag %s: %s", path,
			 doc ? "not a trigger record of irqhop record (no snapshot or irq_id)" : jerr.text);
		goto end;
	}
	base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	snprintf(folder, folder_len, "%s", base);
	lab = json_object_get(doc, "label");
	if (label && json_is_string(lab) && !(*label = strdup(json_string_value(lab)))) {
		snprintf(err, errlen, "out of memory");
		goto end;
	}
	ret = 1;
end:
	json_decref(doc);
	return ret;
}
