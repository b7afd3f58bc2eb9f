/*
 * collector/record/outdir.c - the output directory of irqhop record (see
 * outdir.h): prepared before the session is created, removed again (only
 * what we made) when the recording fails.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "collector/record/outdir.h"

#define PFX "irqhop record: "

/* Makes output (or the default name) absolute, refuses an existing
 * non-empty directory or a non-directory, and creates what is missing
 * (mkdir -p).  Returns 0, or 1 after printing the problem. */
int ih_outdir_prepare(const char *output, struct ih_outdir *d)
{
	char name[64], cwd[PATH_MAX];
	struct stat st;
	char *p;

	memset(d, 0, sizeof(*d));
	if (!output) {
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(name, sizeof(name), "irqhop-trace-%Y%m%d-%H%M%S", &tm);
		output = name;
	}
	if (output[0] == '/') {
		if (snprintf(d->path, sizeof(d->path), "%s", output) >= (int)sizeof(d->path))
			goto toolong;
	} else {
		if (!getcwd(cwd, sizeof(cwd))) {
			fprintf(stderr, PFX "cannot get the current directory: %s\n", strerror(errno));
			return 1;
		}
		if (snprintf(d->path, sizeof(d->path), "%s/%s", cwd, output) >= (int)sizeof(d->path))
			goto toolong;
	}
	/* Trailing slashes would give LTTng and our messages two spellings. */
	for (size_t n = strlen(d->path); n > 1 && d->path[n - 1] == '/'; n--)
		d->path[n - 1] = '\0';

	if (stat(d->path, &st) == 0) {
		DIR *dir;
		struct dirent *e;
		int empty = 1;

		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, PFX "%s exists and is not a directory\n", d->path);
			return 1;
		}
		dir = opendir(d->path);
		if (!dir) {
			fprintf(stderr, PFX "cannot read directory %s: %s\n", d->path, strerror(errno));
			return 1;
		}
		while ((e = readdir(dir)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				empty = 0;
				break;
			}
		closedir(dir);
		if (!empty) {
			fprintf(stderr, PFX "output directory %s exists and is not empty\n", d->path);
			return 1;
		}
		if (access(d->path, W_OK) != 0) {
			fprintf(stderr, PFX "cannot write to %s: %s\n", d->path, strerror(errno));
			return 1;
		}
		return 0;
	} else if (errno != ENOENT) {
		fprintf(stderr, PFX "cannot use %s: %s\n", d->path, strerror(errno));
		return 1;
	}
	/* mkdir -p, remembering the first (topmost) directory we made. */
	for (p = d->path + 1;; p++) {
		int last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(d->path, 0777) == 0) {
			if (!d->created[0])
				snprintf(d->created, sizeof(d->created), "%s", d->path);
		} else if (errno != EEXIST) {
			fprintf(stderr, PFX "cannot create directory %s: %s\n", d->path, strerror(errno));
			if (!last)
				*p = '/';
			return 1;
		}
		if (last)
			break;
		*p = '/';
	}
	return 0;
toolong:
	fprintf(stderr, PFX "output path is too long\n");
	return 1;
}

static const char *rm_root;

/* nftw callback: removes everything under rm_root, and rm_root itself only
 * when it is the topmost directory we created.  An entry that cannot be
 * removed is skipped (returning 0 keeps the walk going). */
static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0 && strcmp(path, rm_root) != 0)
		return 0;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* After a failure: deletes what the failed recording wrote under the output
 * directory, and the directories we created for it.  Failures to delete are
 * ignored (the error already reported is the one that matters); FTW_PHYS and
 * FTW_MOUNT keep it from following links or crossing into other mounts. */
void ih_outdir_undo(const struct ih_outdir *d)
{
	const char *top = d->created[0] ? d->created : d->path;

	rm_root = top;
	nftw(top, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (!d->created[0])
		mkdir(d->path, 0777);  /* it existed (empty) before: keep it */
}

static int has_metadata;

/* nftw callback: stops the walk (returns 1) at the first file named
 * "metadata".  Never fails. */
static int find_metadata(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (flag == FTW_F && strcmp(path + ftw->base, "metadata") == 0) {
		has_metadata = 1;
		return 1;
	}
	return 0;
}

/* 1 when the directory holds a CTF trace (a metadata file somewhere), 0
 * otherwise, including when it cannot be read. */
int ih_outdir_has_trace(const char *path)
{
	has_metadata = 0;
	nftw(path, find_metadata, 16, FTW_PHYS);
	return has_metadata;
}
