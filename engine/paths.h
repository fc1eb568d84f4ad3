/* Making the paths a tracee passes absolute, the way the kernel would see
 * them (lexically: symlinks are not resolved). */
#ifndef COMPENDIUM_PATHS_H
#define COMPENDIUM_PATHS_H

#include <stddef.h>

/* Joins base and path (path wins when absolute) and removes ".", ".." and
 * repeated slashes. Returns the length written, or 0 (and "") when the
 * result does not fit in cap-1 bytes: a path is never shortened. */
size_t path_join_normalize(const char *base, const char *path, char *out, size_t cap);

#endif
