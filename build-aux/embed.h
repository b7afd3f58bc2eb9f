/* embed.h - files compiled into the binary by build-aux/embed.sh. */
#ifndef IH_EMBED_H
#define IH_EMBED_H
#include <stddef.h>

struct ih_embedded {
	const char *name;          /* basename of the source file */
	const unsigned char *data; /* its bytes, followed by one NUL */
	size_t size;               /* byte count, without the NUL */
};

/* Returns the entry named NAME in TABLE (NULL-terminated), or NULL. */
const struct ih_embedded *ih_embedded_find(const struct ih_embedded *table, const char *name);
#endif
