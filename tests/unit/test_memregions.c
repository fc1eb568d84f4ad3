#include "check.h"

#include <sys/mman.h>

#include "memregions.h"

#define PAGE 4096ull
#define BASE 0x7f0000000000ull
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* Compares the whole region list against "start-end prot kind name;" text,
 * with addresses in pages from BASE, so a test states the layout at a glance. */
static const char *layout(const struct mm *mm)
{
    static char text[1024];
    size_t used = 0;
    text[0] = '\0';
    const struct region *r;
    for (uint64_t i = 0; (r = mm_region_at(mm, i)) != NULL; i++)
        used += (size_t)snprintf(text + used, sizeof(text) - used, "%llu-%llu %d %d %s;",
                                 (unsigned long long)((r->start - BASE) / PAGE),
                                 (unsigned long long)((r->end - BASE) / PAGE), r->prot, r->kind,
                                 r->name ? r->name : "-");
    return text;
}

static uint64_t page(uint64_t n)
{
    return BASE + n * PAGE;
}

static void test_unmap_middle_splits(void)
{
    struct mm *mm = mm_new();
    mm_map(mm, page(0), 10 * PAGE, RW, ANON, NULL);
    CHECK_STR(layout(mm), "0-10 3 0 -;");
    CHECK_INT(mm_unmap(mm, page(3), 2 * PAGE), 2 * PAGE);
    CHECK_STR(layout(mm), "0-3 3 0 -;5-10 3 0 -;");

    struct mm_stats s;
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 8 * PAGE);
    CHECK_INT(s.peak_mapped_bytes, 10 * PAGE);
    CHECK_INT(s.regions, 2);
    CHECK_INT(s.peak_regions, 2);
    mm_unref(mm);
}

static void test_unmap_edges(void)
{
    struct mm *mm = mm_new();
    mm_map(mm, page(0), 4 * PAGE, RW, ANON, NULL);
    CHECK_INT(mm_unmap(mm, page(0), PAGE), PAGE);
    CHECK_STR(layout(mm), "1-4 3 0 -;");
    /* A partial page at the tail rounds up to the whole page. */
    CHECK_INT(mm_unmap(mm, page(3), 100), PAGE);
    CHECK_STR(layout(mm), "1-3 3 0 -;");
    CHECK_INT(mm_unmap(mm, page(20), PAGE), 0);
    CHECK_INT(mm_unmap(mm, page(1), 0), 0);

    /* One munmap across a gap takes the ends of both neighbours. */
    mm_map(mm, page(5), 3 * PAGE, PROT_READ, ANON, NULL);
    CHECK_INT(mm_unmap(mm, page(2), 4 * PAGE), 2 * PAGE);
    CHECK_STR(layout(mm), "1-2 3 0 -;6-8 1 0 -;");
    CHECK_INT(mm_unmap(mm, page(0), 100 * PAGE), 3 * PAGE);
    CHECK_STR(layout(mm), "");
    mm_unref(mm);
}

static void test_map_fixed_replaces(void)
{
    struct mm *mm = mm_new();
    mm_map(mm, page(0), 10 * PAGE, RW, ANON, NULL);
    mm_map(mm, page(2), 3 * PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, "/lib/libc.so.6");
    CHECK_STR(layout(mm), "0-2 3 0 -;2-5 5 1 /lib/libc.so.6;5-10 3 0 -;");

    /* Covering one region whole and two in part. */
    mm_map(mm, page(1), 6 * PAGE, PROT_NONE, ANON | MAP_FIXED, NULL);
    CHECK_STR(layout(mm), "0-1 3 0 -;1-7 0 0 -;7-10 3 0 -;");

    struct mm_stats s;
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 10 * PAGE);
    CHECK_INT(s.peak_mapped_bytes, 10 * PAGE);
    CHECK_INT(s.regions, 3);
    CHECK_INT(s.peak_regions, 3);

    /* Lengths round up to whole pages. */
    mm_map(mm, page(20), 1, RW, ANON, NULL);
    CHECK_STR(layout(mm), "0-1 3 0 -;1-7 0 0 -;7-10 3 0 -;20-21 3 0 -;");
    mm_unref(mm);
}

static void test_protect_splits_in_three(void)
{
    struct mm *mm = mm_new();
    mm_map(mm, page(0), 3 * PAGE, RW, MAP_PRIVATE, "/data/file");
    mm_protect(mm, page(1), PAGE, PROT_READ);
    CHECK_STR(layout(mm), "0-1 3 1 /data/file;1-2 1 1 /data/file;2-3 3 1 /data/file;");
    /* Each piece owns its name. */
    CHECK(mm_region_at(mm, 0)->name != mm_region_at(mm, 1)->name);

    /* Across pieces and beyond the end: only tracked bytes change. */
    mm_protect(mm, page(1), 10 * PAGE, PROT_NONE);
    CHECK_STR(layout(mm), "0-1 3 1 /data/file;1-2 0 1 /data/file;2-3 0 1 /data/file;");

    struct mm_stats s;
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 3 * PAGE);
    CHECK_INT(s.regions, 3);
    CHECK_INT(s.peak_regions, 3);
    mm_unref(mm);
}

static void test_remap(void)
{
    struct mm *mm = mm_new();
    mm_map(mm, page(0), 2 * PAGE, PROT_READ, MAP_PRIVATE, "/data/file");

    /* Move. */
    mm_remap(mm, page(0), 2 * PAGE, page(10), 2 * PAGE);
    CHECK_STR(layout(mm), "10-12 1 1 /data/file;");

    /* Grow in place, then shrink. */
    mm_remap(mm, page(10), 2 * PAGE, page(10), 5 * PAGE);
    CHECK_STR(layout(mm), "10-15 1 1 /data/file;");
    mm_remap(mm, page(10), 5 * PAGE, page(10), PAGE);
    CHECK_STR(layout(mm), "10-11 1 1 /data/file;");

    /* Move and grow a range mprotect had split: pieces keep their prot, the
     * growth takes the last piece's. */
    mm_map(mm, page(20), 2 * PAGE, RW, ANON, NULL);
    mm_protect(mm, page(21), PAGE, PROT_READ);
    mm_remap(mm, page(20), 2 * PAGE, page(30), 4 * PAGE);
    CHECK_STR(layout(mm), "10-11 1 1 /data/file;30-31 3 0 -;31-34 1 0 -;");

    /* Moving onto an existing mapping replaces it (MREMAP_FIXED). */
    mm_remap(mm, page(10), PAGE, page(33), PAGE);
    CHECK_STR(layout(mm), "30-31 3 0 -;31-33 1 0 -;33-34 1 1 /data/file;");

    /* old_len 0 duplicates a shared mapping; the original stays. */
    mm_map(mm, page(40), PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, NULL);
    mm_remap(mm, page(40), 0, page(50), PAGE);
    CHECK_STR(layout(mm), "30-31 3 0 -;31-33 1 0 -;33-34 1 1 /data/file;40-41 3 0 -;50-51 3 0 -;");

    /* A source mapped before tracing began still lands as an anonymous region. */
    mm_remap(mm, page(60), PAGE, page(70), 2 * PAGE);
    CHECK_STR(layout(mm),
              "30-31 3 0 -;31-33 1 0 -;33-34 1 1 /data/file;40-41 3 0 -;50-51 3 0 -;70-72 0 0 -;");

    struct mm_stats s;
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 8 * PAGE);
    CHECK_INT(s.regions, 6);
    CHECK_INT(s.peak_regions, 6);
    CHECK_INT(s.peak_mapped_bytes, 8 * PAGE);
    mm_unref(mm);
}

static void test_brk(void)
{
    const uint64_t heap = 0x555555559000ull;
    struct mm *mm = mm_new();
    struct mm_stats s;

    /* The first value only sets where the heap starts. */
    CHECK_INT(mm_brk(mm, heap), 0);
    mm_stats(mm, &s);
    CHECK_INT(s.heap_bytes, 0);
    CHECK_INT(s.peak_heap_bytes, 0);

    CHECK_INT(mm_brk(mm, heap + 0x21000), 0x21000);
    CHECK_INT(mm_brk(mm, heap + 0x21000), 0);
    CHECK_INT(mm_brk(mm, heap + 0x10000), -0x11000);
    mm_stats(mm, &s);
    CHECK_INT(s.heap_bytes, 0x10000);
    CHECK_INT(s.peak_heap_bytes, 0x21000);
    /* The heap is no mapping. */
    CHECK_INT(s.mapped_bytes, 0);
    CHECK_INT(s.regions, 0);

    struct region scratch;
    const struct region *r = mm_find(mm, heap + 5, &scratch);
    CHECK(r == &scratch);
    CHECK_INT(r ? r->kind : -1, REGION_HEAP);
    CHECK_INT(r ? r->start : 0, heap);
    CHECK_INT(r ? r->end : 0, heap + 0x10000);
    CHECK(mm_find(mm, heap + 0x10000, &scratch) == NULL);
    CHECK(mm_find(mm, heap - 1, &scratch) == NULL);

    CHECK_INT(mm_brk(mm, heap + 0x30000), 0x20000);
    mm_stats(mm, &s);
    CHECK_INT(s.heap_bytes, 0x30000);
    CHECK_INT(s.peak_heap_bytes, 0x30000);
    mm_unref(mm);
}

static void test_find(void)
{
    struct mm *mm = mm_new();
    struct region scratch;
    mm_map(mm, page(0), 2 * PAGE, RW, ANON, NULL);
    mm_map(mm, page(4), PAGE, PROT_READ, MAP_PRIVATE, "/data/file");
    mm_map(mm, page(8), 4 * PAGE, RW, ANON | MAP_STACK, NULL);
    mm_set_stack(mm, page(100), page(133));

    const struct region *r = mm_find(mm, page(1) + 17, &scratch);
    CHECK_INT(r ? r->kind : -1, REGION_ANON);
    CHECK_INT(r ? r->start : 0, page(0));
    r = mm_find(mm, page(4), &scratch);
    CHECK_INT(r ? r->kind : -1, REGION_FILE);
    CHECK_STR(r ? r->name : NULL, "/data/file");
    r = mm_find(mm, page(12) - 1, &scratch);
    CHECK_INT(r ? r->kind : -1, REGION_STACK);
    r = mm_find(mm, page(132), &scratch);
    CHECK_INT(r ? r->kind : -1, REGION_STACK);
    CHECK_INT(r ? r->start : 0, page(100));
    CHECK_INT(r ? r->end : 0, page(133));

    CHECK(mm_find(mm, page(2), &scratch) == NULL);
    CHECK(mm_find(mm, page(5), &scratch) == NULL);
    CHECK(mm_find(mm, page(133), &scratch) == NULL);
    CHECK(mm_find(mm, 0, &scratch) == NULL);

    /* The main stack is known for faults but counts as no mapping. */
    struct mm_stats s;
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 7 * PAGE);
    CHECK_INT(s.regions, 3);
    mm_unref(mm);
}

static void test_stats(void)
{
    struct mm *mm = mm_new();
    struct mm_stats s;
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 0);
    CHECK_INT(s.peak_mapped_bytes, 0);
    CHECK_INT(s.regions, 0);
    CHECK_INT(s.peak_regions, 0);
    CHECK_INT(s.heap_bytes, 0);
    CHECK_INT(s.peak_heap_bytes, 0);

    mm_map(mm, page(0), 3 * PAGE, RW, ANON, NULL);
    mm_map(mm, page(10), 5 * PAGE, RW, ANON, NULL);
    mm_map(mm, page(20), 1, RW, ANON, NULL);
    mm_unmap(mm, page(10), 5 * PAGE);
    mm_protect(mm, page(1), PAGE, PROT_READ);
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 4 * PAGE);
    CHECK_INT(s.peak_mapped_bytes, 9 * PAGE);
    CHECK_INT(s.regions, 4);
    CHECK_INT(s.peak_regions, 4);

    mm_unmap(mm, page(0), 30 * PAGE);
    mm_stats(mm, &s);
    CHECK_INT(s.mapped_bytes, 0);
    CHECK_INT(s.peak_mapped_bytes, 9 * PAGE);
    CHECK_INT(s.regions, 0);
    CHECK_INT(s.peak_regions, 4);
    mm_unref(mm);
}

/* mapped_bytes split by use: a reservation without access, the part of it
 * made writable, a file mapping; each with its own peak, through protect,
 * remap, unmap and a clone. */
static void test_uses(void)
{
    struct mm *mm = mm_new();
    struct mm_stats s;
    mm_map(mm, page(0), 64 * PAGE, PROT_NONE, ANON | MAP_NORESERVE, NULL);
    mm_protect(mm, page(0), 4 * PAGE, RW);
    mm_map(mm, page(100), 3 * PAGE, PROT_READ, MAP_PRIVATE, "/data");
    mm_stats(mm, &s);
    CHECK_INT(s.use_bytes[USE_ANON], 4 * PAGE);
    CHECK_INT(s.use_bytes[USE_FILE], 3 * PAGE);
    CHECK_INT(s.use_bytes[USE_RESERVED], 60 * PAGE);
    CHECK_INT(s.peak_use_bytes[USE_RESERVED], 64 * PAGE);
    CHECK_INT(s.mapped_bytes, 67 * PAGE);

    /* A file mapping made inaccessible is a reservation; a moved one keeps its use. */
    mm_protect(mm, page(100), PAGE, PROT_NONE);
    mm_remap(mm, page(0), 4 * PAGE, page(200), 8 * PAGE);
    mm_stats(mm, &s);
    CHECK_INT(s.use_bytes[USE_ANON], 8 * PAGE);
    CHECK_INT(s.use_bytes[USE_FILE], 2 * PAGE);
    CHECK_INT(s.use_bytes[USE_RESERVED], 61 * PAGE);
    CHECK_INT(s.peak_use_bytes[USE_ANON], 8 * PAGE);
    CHECK_INT(s.peak_use_bytes[USE_FILE], 3 * PAGE);

    mm_unmap(mm, page(0), 300 * PAGE);
    mm_stats(mm, &s);
    CHECK_INT(s.use_bytes[USE_ANON] + s.use_bytes[USE_FILE] + s.use_bytes[USE_RESERVED], 0);
    CHECK_INT(s.peak_use_bytes[USE_RESERVED], 64 * PAGE);

    /* A child's peaks start from what it inherits. */
    mm_map(mm, page(0), 2 * PAGE, RW, ANON, NULL);
    struct mm *child = mm_clone(mm);
    mm_stats(child, &s);
    CHECK_INT(s.use_bytes[USE_ANON], 2 * PAGE);
    CHECK_INT(s.peak_use_bytes[USE_ANON], 2 * PAGE);
    CHECK_INT(s.peak_use_bytes[USE_RESERVED], 0);
    mm_unref(child);
    mm_unref(mm);
}

static void test_clone_and_ref(void)
{
    struct mm *parent = mm_new();
    mm_map(parent, page(0), 8 * PAGE, RW, ANON, NULL);
    mm_map(parent, page(10), 2 * PAGE, PROT_READ, MAP_PRIVATE, "/data/file");
    mm_unmap(parent, page(0), 6 * PAGE);
    mm_brk(parent, 0x1000000);
    mm_brk(parent, 0x1003000);

    struct mm *child = mm_clone(parent);
    CHECK_STR(layout(child), "6-8 3 0 -;10-12 1 1 /data/file;");
    CHECK(mm_region_at(child, 1)->name != mm_region_at(parent, 1)->name);

    /* The child's peaks start from what it inherited. */
    struct mm_stats s;
    mm_stats(child, &s);
    CHECK_INT(s.mapped_bytes, 4 * PAGE);
    CHECK_INT(s.peak_mapped_bytes, 4 * PAGE);
    CHECK_INT(s.regions, 2);
    CHECK_INT(s.peak_regions, 2);
    CHECK_INT(s.heap_bytes, 0x3000);
    CHECK_INT(s.peak_heap_bytes, 0x3000);

    mm_unmap(child, page(10), 2 * PAGE);
    mm_map(child, page(20), PAGE, RW, ANON, NULL);
    CHECK_INT(mm_brk(child, 0x1001000), -0x2000);
    CHECK_STR(layout(child), "6-8 3 0 -;20-21 3 0 -;");
    CHECK_STR(layout(parent), "6-8 3 0 -;10-12 1 1 /data/file;");
    mm_stats(parent, &s);
    CHECK_INT(s.heap_bytes, 0x3000);
    CHECK_INT(s.peak_mapped_bytes, 10 * PAGE);

    /* CLONE_VM: one address space, two references. */
    struct mm *shared = mm_ref(child);
    CHECK(shared == child);
    mm_unref(child);
    mm_map(shared, page(30), PAGE, RW, ANON, NULL);
    CHECK_STR(layout(shared), "6-8 3 0 -;20-21 3 0 -;30-31 3 0 -;");
    mm_unref(shared);
    mm_unref(parent);
}

int main(void)
{
    test_unmap_middle_splits();
    test_unmap_edges();
    test_map_fixed_replaces();
    test_protect_splits_in_three();
    test_remap();
    test_brk();
    test_find();
    test_stats();
    test_uses();
    test_clone_and_ref();
    return check_finish();
}
