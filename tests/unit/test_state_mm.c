/* The state's memory, fed synthetic records: what mmap, munmap, mremap and
 * brk do to an address space and to the run's totals, the events they
 * make, and whose memory a vfork child's mappings are. */
#include "state_feed.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>

#define PAGE 4096ull
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct mm_stats stats_of(struct task *t)
{
    struct mm_stats s;
    mm_stats(t->mm, &s);
    return s;
}

static void feed_mmap(struct task *t, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                      uint64_t ret)
{
    feed_begin(t, SYS_mmap, addr, len, (uint64_t)prot, (uint64_t)flags, (uint64_t)(int64_t)fd, 0);
    feed_call(t, (int64_t)ret);
}

static void feed_munmap(struct task *t, uint64_t addr, uint64_t len)
{
    feed(t, 0, SYS_munmap, addr, len, 0, 0);
}

static void feed_mremap(struct task *t, uint64_t old, uint64_t old_len, uint64_t new_len, int flags,
                        uint64_t new_addr, uint64_t ret)
{
    feed_begin(t, SYS_mremap, old, old_len, new_len, (uint64_t)flags, new_addr, 0);
    feed_call(t, (int64_t)ret);
}

static void test_mmap_munmap(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 101);
    const uint64_t a = 0x7f0000000000;
    seen_reset();
    /* mmap(NULL, 3 pages - 1, rw, private anon) = a: counted by the page */
    feed_mmap(t, 0, 3 * PAGE - 1, RW, ANON, -1, a);
    const struct seen_event *e = seen_nth(CMP_EV_MMAP, 0);
    CHECK_INT(e->addr, a);
    CHECK_INT(e->size, 3 * PAGE);
    CHECK_INT(e->end_addr, a + 3 * PAGE);
    CHECK_STR(e->prot, "rw-");
    CHECK_STR(e->map_type, "anon");
    CHECK_STR(e->filename, "");
    CHECK_INT(stats_of(t).mapped_bytes, 3 * PAGE);
    CHECK_INT(stats_of(t).regions, 1);

    /* munmap of the middle page: two regions are left */
    seen_reset();
    feed_munmap(t, a + PAGE, PAGE);
    e = seen_nth(CMP_EV_MUNMAP, 0);
    CHECK_INT(e->addr, a + PAGE);
    CHECK_INT(e->size, PAGE);
    CHECK_INT(stats_of(t).mapped_bytes, 2 * PAGE);
    CHECK_INT(stats_of(t).regions, 2);
    struct region scratch;
    CHECK(mm_find(t->mm, a, &scratch) != NULL);
    CHECK(mm_find(t->mm, a + PAGE, &scratch) == NULL);
    CHECK(mm_find(t->mm, a + 2 * PAGE, &scratch) != NULL);

    /* a file mapping is named by its fd's file, also in its munmap */
    const uint64_t f = 0x7f0000100000;
    feed_open(t, 3, "/lib/libx.so", O_RDONLY);
    seen_reset();
    feed_mmap(t, 0, 5000, PROT_READ | PROT_EXEC, MAP_PRIVATE, 3, f);
    e = seen_nth(CMP_EV_MMAP, 0);
    CHECK_INT(e->size, 2 * PAGE);
    CHECK_STR(e->prot, "r-x");
    CHECK_STR(e->map_type, "file");
    CHECK_STR(e->filename, "/lib/libx.so");
    CHECK_INT(stats_of(t).mapped_bytes, 4 * PAGE);
    feed_munmap(t, f, 2 * PAGE);
    CHECK_STR(seen_nth(CMP_EV_MUNMAP, 0)->filename, "/lib/libx.so");
    CHECK_INT(stats_of(t).mapped_bytes, 2 * PAGE);

    /* a failed mmap maps nothing, a failed munmap unmaps nothing */
    seen_reset();
    feed_mmap(t, 0, PAGE, RW, ANON, -1, (uint64_t)-ENOMEM);
    feed(t, -EINVAL, SYS_munmap, a, PAGE, 0, 0);
    CHECK_INT(seen_count, 0);
    CHECK_INT(stats_of(t).mapped_bytes, 2 * PAGE);
    CHECK_INT(stats_of(t).peak_mapped_bytes, 4 * PAGE);
    CHECK_INT(stats_of(t).peak_regions, 3);
}

static void test_map_fixed(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 102);
    const uint64_t a = 0x7f0000200000;
    feed_mmap(t, 0, 4 * PAGE, RW, ANON, -1, a);
    /* MAP_FIXED over the second page: replaced, not added */
    feed_mmap(t, a + PAGE, PAGE, PROT_READ, ANON | MAP_FIXED, -1, a + PAGE);
    CHECK_INT(stats_of(t).mapped_bytes, 4 * PAGE);
    CHECK_INT(stats_of(t).regions, 3);
    struct region scratch;
    const struct region *r = mm_find(t->mm, a + PAGE, &scratch);
    CHECK(r && r->prot == PROT_READ && r->start == a + PAGE && r->end == a + 2 * PAGE);

    /* a file over the last two pages and one beyond */
    feed_open(t, 3, "/data/blob", O_RDONLY);
    feed_mmap(t, a + 2 * PAGE, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, 3, a + 2 * PAGE);
    CHECK_INT(stats_of(t).mapped_bytes, 5 * PAGE);
    CHECK_INT(stats_of(t).regions, 3);
    r = mm_find(t->mm, a + 3 * PAGE, &scratch);
    CHECK(r && r->kind == REGION_FILE && r->name && strcmp(r->name, "/data/blob") == 0);
    CHECK_INT(stats_of(t).peak_mapped_bytes, 5 * PAGE);
}

static void test_mremap(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 103);
    const uint64_t a = 0x7f0000400000, b = 0x7f0000800000;
    feed_mmap(t, 0, 2 * PAGE, RW, ANON, -1, a);

    /* grow in place: 2 pages to 4; the events say the old range went and
     * the new one, with the old protection, came */
    seen_reset();
    feed_mremap(t, a, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, 0, a);
    CHECK_INT(stats_of(t).mapped_bytes, 4 * PAGE);
    CHECK_INT(stats_of(t).regions, 1);
    const struct seen_event *e = seen_nth(CMP_EV_MUNMAP, 0);
    CHECK_INT(e->addr, a);
    CHECK_INT(e->size, 2 * PAGE);
    e = seen_nth(CMP_EV_MMAP, 0);
    CHECK_INT(e->addr, a);
    CHECK_INT(e->size, 4 * PAGE);
    CHECK_STR(e->prot, "rw-");

    /* shrink to one page */
    feed_mremap(t, a, 4 * PAGE, PAGE, 0, 0, a);
    CHECK_INT(stats_of(t).mapped_bytes, PAGE);
    struct region scratch;
    CHECK(mm_find(t->mm, a + PAGE, &scratch) == NULL);

    /* move (and grow) to b: nothing is left at a */
    feed_mremap(t, a, PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, b, b);
    CHECK(mm_find(t->mm, a, &scratch) == NULL);
    const struct region *r = mm_find(t->mm, b + PAGE, &scratch);
    CHECK(r && r->start == b && r->end == b + 2 * PAGE && r->prot == RW);
    CHECK_INT(stats_of(t).mapped_bytes, 2 * PAGE);
    CHECK_INT(stats_of(t).peak_mapped_bytes, 4 * PAGE);

    /* a moved file mapping keeps its file, in the region and the events */
    const uint64_t f = 0x7f0000a00000, g = 0x7f0000c00000;
    feed_open(t, 3, "/data/moved", O_RDONLY);
    feed_mmap(t, 0, PAGE, PROT_READ, MAP_SHARED, 3, f);
    seen_reset();
    feed_mremap(t, f, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, g, g);
    r = mm_find(t->mm, g, &scratch);
    CHECK(r && r->kind == REGION_FILE && r->name && strcmp(r->name, "/data/moved") == 0);
    CHECK_STR(seen_nth(CMP_EV_MUNMAP, 0)->filename, "/data/moved");
    CHECK_STR(seen_nth(CMP_EV_MMAP, 0)->filename, "/data/moved");
    CHECK_INT(seen_nth(CMP_EV_MMAP, 0)->addr, g);
}

/* MREMAP_DONTUNMAP moves the pages and leaves the old range mapped (it
 * reads as new memory): both ranges are the process's now, and the old one
 * was not unmapped. */
static void test_mremap_dontunmap(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 115);
    const uint64_t a = 0x7f0000e00000, b = 0x7f0000f00000;
    feed_mmap(t, 0, 2 * PAGE, PROT_READ, ANON, -1, a);
    seen_reset();
    feed_mremap(t, a, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, b);
    CHECK_INT(stats_of(t).mapped_bytes, 4 * PAGE);
    CHECK_INT(stats_of(t).regions, 2);
    struct region scratch;
    const struct region *r = mm_find(t->mm, a + PAGE, &scratch);
    CHECK(r && r->start == a && r->end == a + 2 * PAGE && r->prot == PROT_READ);
    r = mm_find(t->mm, b, &scratch);
    CHECK(r && r->start == b && r->end == b + 2 * PAGE && r->prot == PROT_READ);
    CHECK_INT(seen_of(CMP_EV_MUNMAP), 0);
    CHECK_INT(seen_of(CMP_EV_MMAP), 1);
    CHECK_INT(seen_nth(CMP_EV_MMAP, 0)->addr, b);
    CHECK_STR(seen_nth(CMP_EV_MMAP, 0)->prot, "r--");

    /* a file mapping's old range stays the file's */
    const uint64_t f = 0x7f0001e00000, g = 0x7f0001f00000;
    feed_open(t, 3, "/data/shm", O_RDWR);
    feed_mmap(t, 0, PAGE, RW, MAP_SHARED, 3, f);
    feed_mremap(t, f, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0, g);
    r = mm_find(t->mm, f, &scratch);
    CHECK(r && r->kind == REGION_FILE && r->name && strcmp(r->name, "/data/shm") == 0);
    r = mm_find(t->mm, g, &scratch);
    CHECK(r && r->kind == REGION_FILE && r->name && strcmp(r->name, "/data/shm") == 0);
    CHECK_INT(stats_of(t).mapped_bytes, 6 * PAGE);
}

static void test_brk(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 104);
    const uint64_t h = 0x555555559000;
    seen_reset();
    /* brk(NULL) = h: where the heap starts, no growth yet */
    feed(t, (int64_t)h, SYS_brk, 0, 0, 0, 0);
    CHECK_INT(seen_of(CMP_EV_BRK), 0);
    feed(t, (int64_t)(h + 0x21000), SYS_brk, h + 0x21000, 0, 0, 0);
    feed(t, (int64_t)(h + 0x1000), SYS_brk, h + 0x1000, 0, 0, 0);
    /* a refused brk returns the break unchanged: no event */
    feed(t, (int64_t)(h + 0x1000), SYS_brk, h + 0x100000000, 0, 0, 0);
    CHECK_INT(seen_of(CMP_EV_BRK), 2);
    const struct seen_event *e = seen_nth(CMP_EV_BRK, 0);
    CHECK_INT(e->growth_bytes, 0x21000);
    CHECK_INT(e->ret, h + 0x21000);
    CHECK_INT(seen_nth(CMP_EV_BRK, 1)->growth_bytes, -0x20000);
    CHECK_INT(stats_of(t).heap_bytes, 0x1000);
    CHECK_INT(stats_of(t).peak_heap_bytes, 0x21000);

    /* the exit counts the peak */
    cmp_run_info before, after;
    state_totals(&before);
    state_exit(t, 0, 0, false, 30);
    state_totals(&after);
    CHECK_INT(after.heap_bytes - before.heap_bytes, 0x21000);
    CHECK_INT(after.mmap_bytes - before.mmap_bytes, 0);
}

/* A vfork child runs in its parent's address space until it execs: what it
 * maps is the parent's (where the kernel counts it), and counted once, with
 * the parent. After the exec it has memory of its own. */
static void test_vfork_borrowing(void)
{
    const uint64_t a = 0x7f0001000000, b = 0x7f0002000000, c = 0x7f0003000000;
    struct task *p = feed_root(FEED_TID_BASE + 105);
    feed_mmap(p, 0, PAGE, RW, ANON, -1, a);

    seen_reset();
    struct task *child = feed_clone(p, SYS_vfork, 0, FEED_TID_BASE + 106);
    CHECK_INT(seen_of(CMP_EV_SPAWN_PROCESS), 1);
    CHECK(child->mm == p->mm);
    CHECK(child->mm_borrowed);
    CHECK(!p->mm_borrowed);
    seen_reset();
    feed_mmap(child, 0, 2 * PAGE, RW, ANON, -1, b);
    CHECK_INT(seen_nth(CMP_EV_MMAP, 0)->pid, child->tid);
    CHECK_INT(stats_of(p).mapped_bytes, 3 * PAGE);

    cmp_run_info start, now;
    state_totals(&start);
    feed_exec(child, "/bin/true", "/bin/true");
    CHECK(child->mm != p->mm);
    CHECK(!child->mm_borrowed);
    CHECK_INT(stats_of(child).mapped_bytes, 0);
    CHECK_INT(stats_of(p).mapped_bytes, 3 * PAGE);
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, 0); /* the parent's, counted with it */

    feed_mmap(child, 0, 4 * PAGE, RW, ANON, -1, c);
    CHECK_INT(stats_of(p).mapped_bytes, 3 * PAGE);
    state_exit(child, 0, 0, false, 40);
    proctable_remove(child);
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, 4 * PAGE);
    state_exit(p, 0, 0, false, 50);
    proctable_remove(p);
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, 7 * PAGE);
    CHECK_INT(now.mmap_regions - start.mmap_regions, 3);

    /* a vfork child that exits without exec had nothing of its own */
    p = feed_root(FEED_TID_BASE + 107);
    feed_mmap(p, 0, PAGE, RW, ANON, -1, a);
    child = feed_clone(p, SYS_vfork, 0, FEED_TID_BASE + 108);
    feed_mmap(child, 0, PAGE, RW, ANON, -1, b);
    state_totals(&start);
    state_exit(child, 127, 0, false, 60);
    proctable_remove(child);
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, 0);
    CHECK_INT(stats_of(p).mapped_bytes, 2 * PAGE);
    state_exit(p, 0, 0, false, 70);
    proctable_remove(p);
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, 2 * PAGE);

    /* a thread of a vfork child borrows too */
    p = feed_root(FEED_TID_BASE + 109);
    child = feed_clone(p, SYS_vfork, 0, FEED_TID_BASE + 110);
    struct task *thread = feed_clone(
        child, SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD,
        FEED_TID_BASE + 111);
    CHECK(thread->mm == p->mm);
    CHECK(thread->mm_borrowed);
}

/* Threads share one address space, counted once whichever exits last; a
 * fork's copy is counted apart. */
static void test_threads_and_fork(void)
{
    feed_forget_all();
    const uint64_t a = 0x7f0004000000, b = 0x7f0005000000;
    struct task *p = feed_root(FEED_TID_BASE + 112);
    struct task *thread =
        feed_clone(p, SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD,
                   FEED_TID_BASE + 113);
    feed_mmap(thread, 0, 2 * PAGE, RW, ANON, -1, a);
    CHECK_INT(stats_of(p).mapped_bytes, 2 * PAGE);

    struct task *forked = feed_clone(p, SYS_fork, 0, FEED_TID_BASE + 114);
    CHECK(forked->mm != p->mm);
    feed_mmap(forked, 0, PAGE, RW, ANON, -1, b);
    CHECK_INT(stats_of(p).mapped_bytes, 2 * PAGE);
    CHECK_INT(stats_of(forked).mapped_bytes, 3 * PAGE);
    feed_munmap(forked, a, 2 * PAGE);
    CHECK_INT(stats_of(p).mapped_bytes, 2 * PAGE);

    cmp_run_info start, now;
    state_totals(&start);
    state_exit(p, 0, 0, false, 30); /* the leader first: the thread still uses it */
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, 0);
    proctable_remove(p);
    state_exit(thread, 0, 0, false, 31);
    proctable_remove(thread);
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, 2 * PAGE);

    /* what is still alive at the end is counted by state_finish: once per
     * process, also for one whose leader is gone before its threads */
    struct task *q = feed_root(FEED_TID_BASE + 116);
    struct task *q1 =
        feed_clone(q, SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD,
                   FEED_TID_BASE + 117);
    feed_clone(q, SYS_clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD,
               FEED_TID_BASE + 118);
    feed_mmap(q1, 0, 8 * PAGE, RW, ANON, -1, a);
    state_exit(q, 0, 0, false, 32);
    proctable_remove(q);
    state_totals(&start);
    state_finish();
    state_totals(&now);
    CHECK_INT(now.mmap_bytes - start.mmap_bytes, (3 + 8) * PAGE);
}

int main(void)
{
    feed_init();
    test_mmap_munmap();
    test_map_fixed();
    test_mremap();
    test_mremap_dontunmap();
    test_brk();
    test_vfork_borrowing();
    test_threads_and_fork();
    return check_finish();
}
