#include "native.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct native_record *native_buf_push(struct native_buf *b)
{
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->recs = xrealloc(b->recs, b->cap * sizeof(*b->recs));
    }
    struct native_record *r = &b->recs[b->len++];
    memset(r, 0, sizeof(*r));
    r->seq = (uint32_t)(b->len - 1);
    return r;
}

static int by_time(const void *a, const void *b)
{
    const struct native_record *x = a, *y = b;
    if (x->ts_ns != y->ts_ns)
        return x->ts_ns < y->ts_ns ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void native_buf_sort(struct native_buf *b)
{
    bool sorted = true;
    for (size_t i = 1; i < b->len && sorted; i++)
        sorted = b->recs[i - 1].ts_ns <= b->recs[i].ts_ns;
    if (!sorted)
        qsort(b->recs, b->len, sizeof(*b->recs), by_time);
}

void native_buf_clear(struct native_buf *b)
{
    b->len = 0;
}

void native_buf_free(struct native_buf *b)
{
    free(b->recs);
    memset(b, 0, sizeof(*b));
}
