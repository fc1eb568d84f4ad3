#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        abort();
    return p;
}

void *xrealloc(void *p, size_t size)
{
    void *grown = realloc(p, size);
    if (!grown)
        abort();
    return grown;
}

char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *copy = strdup(s);
    if (!copy)
        abort();
    return copy;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xcalloc(1, n + 1);
    if (s)
        memcpy(p, s, strnlen(s, n));
    return p;
}
