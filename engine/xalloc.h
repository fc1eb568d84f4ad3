/* Allocation that cannot fail quietly: the tracer's state is small, and
 * running on with a hole in it would report wrong facts, so out of memory
 * aborts (a spawned tracee dies with us; an attached one is released). */
#ifndef COMPENDIUM_XALLOC_H
#define COMPENDIUM_XALLOC_H

#include <stddef.h>

void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* NULL stays NULL. */
char *xstrdup(const char *s);
/* The first n bytes of s (or fewer, to a NUL), NUL-terminated; NULL s gives "". */
char *xstrndup(const char *s, size_t n);
/* The first n bytes of s (or fewer, to a NUL), NUL-terminated; NULL s gives "". */
char *xstrndup(const char *s, size_t n);

#endif
