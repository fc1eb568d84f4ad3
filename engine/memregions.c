#include "memregions.h"
#include "snapshot.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE_SIZE_BYTES 4096u
#define PAGE_MASK_BYTES ((uint64_t)PAGE_SIZE_BYTES - 1)

struct mm {
    int refs;
    /* Sorted by address, non-overlapping: binary search serves fault lookups,
     * and the few hundred regions of a typical process keep memmove cheap. */
    struct region *regions;
    size_t count, cap;
    uint64_t mapped_bytes, peak_mapped_bytes, peak_regions;
    /* mapped_bytes split by what the pages are (enum mm_use), and peaks */
    uint64_t use_bytes[USE_COUNT], peak_use_bytes[USE_COUNT];
    bool heap_known; /* a brk value was seen, so heap_start holds */
    uint64_t heap_start, heap_end, peak_heap_bytes;
    bool heap_end_rounded; /* heap_end is the break rounded up to a page (a snapshot) */
    bool stack_known;
    struct region stack; /* kept apart: the main stack was never mmapped */
};

static uint64_t page_round(uint64_t len)
{
    if (len > UINT64_MAX - PAGE_MASK_BYTES)
        return UINT64_MAX & ~PAGE_MASK_BYTES;
    return (len + PAGE_MASK_BYTES) & ~PAGE_MASK_BYTES;
}

/* End of [addr, addr + len rounded to pages), saturating at the top. */
static uint64_t range_end(uint64_t addr, uint64_t len)
{
    uint64_t size = page_round(len);
    return addr > UINT64_MAX - size ? UINT64_MAX : addr + size;
}

/* What a mapping's pages are: memory the program can use (anonymous
 * mappings it may access), a file's pages (code and data, which the page
 * cache holds), or an address range reserved with no access at all. */
static enum mm_use use_of(const struct region *r)
{
    if (r->prot == PROT_NONE)
        return USE_RESERVED;
    return r->kind == REGION_FILE ? USE_FILE : USE_ANON;
}

/* Adds (sign 1) or takes away (-1) r's bytes from the mapped totals. */
static void account(struct mm *mm, const struct region *r, int sign)
{
    uint64_t size = r->end - r->start;
    if (sign > 0) {
        mm->mapped_bytes += size;
        mm->use_bytes[use_of(r)] += size;
    } else {
        mm->mapped_bytes -= size;
        mm->use_bytes[use_of(r)] -= size;
    }
}

static uint64_t heap_bytes(const struct mm *mm)
{
    return mm->heap_end > mm->heap_start ? mm->heap_end - mm->heap_start : 0;
}

/* ---- the sorted array --------------------------------------------------------- */

/* Index of the first region ending after addr (the one holding addr, if any). */
static size_t first_ending_after(const struct mm *mm, uint64_t addr)
{
    size_t lo = 0, hi = mm->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mm->regions[mid].end > addr)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Takes ownership of r.name. */
static void insert_at(struct mm *mm, size_t i, struct region r)
{
    if (mm->count == mm->cap) {
        size_t cap = mm->cap ? mm->cap * 2 : 32;
        mm->regions = xrealloc(mm->regions, cap * sizeof(*mm->regions));
        mm->cap = cap;
    }
    memmove(mm->regions + i + 1, mm->regions + i, (mm->count - i) * sizeof(*mm->regions));
    mm->regions[i] = r;
    mm->count++;
    account(mm, &r, 1);
}

/* Inserts r where it belongs; nothing may overlap it. */
static void insert_sorted(struct mm *mm, struct region r)
{
    insert_at(mm, first_ending_after(mm, r.start), r);
}

/* Drops regions [i, j) from the array without freeing their names. */
static void remove_span(struct mm *mm, size_t i, size_t j)
{
    if (i == j)
        return;
    for (size_t k = i; k < j; k++)
        account(mm, &mm->regions[k], -1);
    memmove(mm->regions + i, mm->regions + j, (mm->count - j) * sizeof(*mm->regions));
    mm->count -= j - i;
}

/* Makes addr a region boundary, cutting the region that straddles it. */
static void split_at(struct mm *mm, uint64_t addr)
{
    size_t i = first_ending_after(mm, addr);
    if (i == mm->count || mm->regions[i].start >= addr)
        return;
    struct region upper = mm->regions[i];
    upper.start = addr;
    upper.name = xstrdup(upper.name);
    mm->regions[i].end = addr;
    account(mm, &upper, -1); /* insert_at adds it back */
    insert_at(mm, i + 1, upper);
}

/* The regions covering [start, end) after cutting at both ends: [*first, *last). */
static void span_of(struct mm *mm, uint64_t start, uint64_t end, size_t *first, size_t *last)
{
    split_at(mm, start);
    split_at(mm, end);
    size_t i = first_ending_after(mm, start);
    size_t j = i;
    while (j < mm->count && mm->regions[j].start < end)
        j++;
    *first = i;
    *last = j;
}

/* Forgets everything in [start, end); returns the bytes that were tracked. */
static uint64_t clear_range(struct mm *mm, uint64_t start, uint64_t end)
{
    size_t i, j;
    span_of(mm, start, end, &i, &j);
    uint64_t removed = 0;
    for (size_t k = i; k < j; k++) {
        removed += mm->regions[k].end - mm->regions[k].start;
        free(mm->regions[k].name);
    }
    remove_span(mm, i, j);
    return removed;
}

static void update_peaks(struct mm *mm)
{
    if (mm->mapped_bytes > mm->peak_mapped_bytes)
        mm->peak_mapped_bytes = mm->mapped_bytes;
    if (mm->count > mm->peak_regions)
        mm->peak_regions = mm->count;
    if (heap_bytes(mm) > mm->peak_heap_bytes)
        mm->peak_heap_bytes = heap_bytes(mm);
    for (int u = 0; u < USE_COUNT; u++)
        if (mm->use_bytes[u] > mm->peak_use_bytes[u])
            mm->peak_use_bytes[u] = mm->use_bytes[u];
}

/* ---- address spaces ------------------------------------------------------------- */

struct mm *mm_new(void)
{
    struct mm *mm = xcalloc(1, sizeof(*mm));
    mm->refs = 1;
    return mm;
}

struct mm *mm_ref(struct mm *mm)
{
    mm->refs++;
    return mm;
}

void mm_unref(struct mm *mm)
{
    if (!mm || --mm->refs > 0)
        return;
    for (size_t i = 0; i < mm->count; i++)
        free(mm->regions[i].name);
    free(mm->regions);
    free(mm);
}

struct mm *mm_clone(const struct mm *mm)
{
    struct mm *copy = xcalloc(1, sizeof(*copy));
    *copy = *mm;
    copy->refs = 1;
    copy->regions = NULL;
    copy->count = copy->cap = 0;
    if (mm->count) {
        copy->regions = xcalloc(mm->count, sizeof(*copy->regions));
        copy->cap = copy->count = mm->count;
        for (size_t i = 0; i < mm->count; i++) {
            copy->regions[i] = mm->regions[i];
            copy->regions[i].name = xstrdup(mm->regions[i].name);
        }
    }
    /* The child's peaks start from what it inherits, not from the parent's
     * history, so summing peaks over address spaces counts nothing twice. */
    copy->peak_mapped_bytes = copy->mapped_bytes;
    copy->peak_regions = copy->count;
    copy->peak_heap_bytes = heap_bytes(copy);
    memcpy(copy->peak_use_bytes, copy->use_bytes, sizeof(copy->use_bytes));
    return copy;
}

static int kind_of(int flags, const char *name)
{
    if (name)
        return REGION_FILE;
    return (flags & (MAP_STACK | MAP_GROWSDOWN)) ? REGION_STACK : REGION_ANON;
}

void mm_map(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags, const char *name)
{
    uint64_t end = range_end(addr, len);
    if (end <= addr)
        return;
    /* Copy the name first: it may belong to a region about to be replaced. */
    struct region r = {addr, end, prot, flags, kind_of(flags, name), xstrdup(name)};
    clear_range(mm, addr, end);
    insert_sorted(mm, r);
    update_peaks(mm);
}

uint64_t mm_unmap(struct mm *mm, uint64_t addr, uint64_t len)
{
    uint64_t end = range_end(addr, len);
    if (end <= addr)
        return 0;
    uint64_t removed = clear_range(mm, addr, end);
    update_peaks(mm);
    return removed;
}

void mm_protect(struct mm *mm, uint64_t addr, uint64_t len, int prot)
{
    uint64_t end = range_end(addr, len);
    if (end <= addr)
        return;
    size_t i, j;
    span_of(mm, addr, end, &i, &j);
    for (size_t k = i; k < j; k++) {
        account(mm, &mm->regions[k], -1);
        mm->regions[k].prot = prot;
        account(mm, &mm->regions[k], 1);
    }
    update_peaks(mm);
}

/* mremap with old_len 0 duplicates a shared mapping and leaves the original. */
static void remap_duplicate(struct mm *mm, uint64_t old_addr, uint64_t new_addr, uint64_t new_end)
{
    size_t i = first_ending_after(mm, old_addr);
    struct region r = {new_addr, new_end, 0, MAP_SHARED | MAP_ANONYMOUS, REGION_ANON, NULL};
    if (i < mm->count && mm->regions[i].start <= old_addr) {
        r.prot = mm->regions[i].prot;
        r.flags = mm->regions[i].flags;
        r.kind = mm->regions[i].kind;
        r.name = xstrdup(mm->regions[i].name);
    }
    clear_range(mm, new_addr, new_end);
    insert_sorted(mm, r);
}

void mm_remap(struct mm *mm, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
              uint64_t new_len)
{
    uint64_t new_end = range_end(new_addr, new_len);
    if (new_end <= new_addr)
        return;
    uint64_t new_size = new_end - new_addr;
    uint64_t old_size = page_round(old_len);
    if (old_len == 0) {
        remap_duplicate(mm, old_addr, new_addr, new_end);
        update_peaks(mm);
        return;
    }

    /* Lift the old pieces out (names and all), clear the target, and set
     * them down again at the same offsets from new_addr. */
    size_t i, j;
    span_of(mm, old_addr, range_end(old_addr, old_len), &i, &j);
    size_t moved = j - i;
    struct region *pieces = NULL;
    if (moved) {
        pieces = xcalloc(moved, sizeof(*pieces));
        memcpy(pieces, mm->regions + i, moved * sizeof(*pieces));
        remove_span(mm, i, j);
    }
    clear_range(mm, new_addr, new_end);

    if (!moved) {
        /* The source was never seen (mapped before tracing began). */
        struct region r = {new_addr, new_end, 0, MAP_PRIVATE | MAP_ANONYMOUS, REGION_ANON, NULL};
        insert_sorted(mm, r);
    }
    for (size_t k = 0; k < moved; k++) {
        struct region r = pieces[k];
        uint64_t start_offset = r.start - old_addr;
        uint64_t end_offset = r.end - old_addr;
        bool grows_here = k + 1 == moved && new_size > old_size;
        if (start_offset >= new_size) { /* shrunk away */
            free(r.name);
            continue;
        }
        r.start = new_addr + start_offset;
        r.end = end_offset >= new_size || grows_here ? new_end : new_addr + end_offset;
        insert_sorted(mm, r);
    }
    free(pieces);
    update_peaks(mm);
}

int64_t mm_brk(struct mm *mm, uint64_t new_brk)
{
    if (!mm->heap_known) {
        mm->heap_known = true;
        mm->heap_start = mm->heap_end = new_brk;
        return 0;
    }
    /* A snapshot knows the break only to the page: the first value seen in
     * that page is where it was, not a change. */
    bool same_page =
        mm->heap_end_rounded && new_brk <= mm->heap_end && mm->heap_end - new_brk < PAGE_SIZE_BYTES;
    mm->heap_end_rounded = false;
    int64_t growth = same_page ? 0 : (int64_t)(new_brk - mm->heap_end);
    mm->heap_end = new_brk;
    update_peaks(mm);
    return growth;
}

void mm_apply_snapshot(struct mm *mm, const struct snapshot *s)
{
    for (size_t i = 0; i < s->region_count; i++) {
        const struct snapshot_region *sr = &s->regions[i];
        if (sr->kind == SNAP_STACK)
            mm_set_stack(mm, sr->start, sr->end);
        if (sr->kind != SNAP_ANON && sr->kind != SNAP_FILE)
            continue; /* the heap is the break's; the kernel's pages are no one's mapping */
        bool file = sr->kind == SNAP_FILE;
        int flags = (sr->shared ? MAP_SHARED : MAP_PRIVATE) | (file ? 0 : MAP_ANONYMOUS);
        struct region r = {sr->start,
                           sr->end,
                           sr->prot,
                           flags,
                           file ? REGION_FILE : REGION_ANON,
                           xstrdup(file ? sr->name : NULL)};
        clear_range(mm, r.start, r.end);
        insert_sorted(mm, r);
    }
    if (s->heap_known) {
        mm->heap_known = true;
        mm->heap_start = s->heap_start;
        mm->heap_end = s->heap_end;
        mm->heap_end_rounded = true;
    }
    update_peaks(mm);
}

void mm_set_stack(struct mm *mm, uint64_t start, uint64_t end)
{
    mm->stack_known = end > start;
    mm->stack = (struct region){.start = start,
                                .end = end,
                                .prot = PROT_READ | PROT_WRITE,
                                .flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN,
                                .kind = REGION_STACK};
}

const struct region *mm_find(const struct mm *mm, uint64_t addr, struct region *heap_scratch)
{
    size_t i = first_ending_after(mm, addr);
    if (i < mm->count && mm->regions[i].start <= addr)
        return &mm->regions[i];
    if (heap_scratch && mm->heap_known && addr >= mm->heap_start && addr < mm->heap_end) {
        *heap_scratch = (struct region){.start = mm->heap_start,
                                        .end = mm->heap_end,
                                        .prot = PROT_READ | PROT_WRITE,
                                        .flags = MAP_PRIVATE | MAP_ANONYMOUS,
                                        .kind = REGION_HEAP};
        return heap_scratch;
    }
    if (mm->stack_known && addr >= mm->stack.start && addr < mm->stack.end)
        return &mm->stack;
    return NULL;
}

void mm_stats(const struct mm *mm, struct mm_stats *out)
{
    out->mapped_bytes = mm->mapped_bytes;
    out->peak_mapped_bytes = mm->peak_mapped_bytes;
    out->regions = mm->count;
    out->peak_regions = mm->peak_regions;
    out->heap_bytes = heap_bytes(mm);
    out->peak_heap_bytes = mm->peak_heap_bytes;
    for (int u = 0; u < USE_COUNT; u++) {
        out->use_bytes[u] = mm->use_bytes[u];
        out->peak_use_bytes[u] = mm->peak_use_bytes[u];
    }
}

const struct region *mm_region_at(const struct mm *mm, uint64_t i)
{
    return i < mm->count ? &mm->regions[i] : NULL;
}
