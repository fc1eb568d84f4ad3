/* Memory as syscalls change it: brk, mmap, munmap, mremap, mprotect, and
 * the run's memory totals. memregions.c keeps an address space's regions;
 * this file knows which syscall does what to them, and when an address
 * space's peaks are counted: once, by whoever owns it (a vfork child
 * borrowing its parent's memory counts nothing of its own). */
#include <limits.h>
#include <linux/sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "memregions.h"
#include "state_internal.h"
#include "xalloc.h"

#ifndef MREMAP_DONTUNMAP /* Linux 5.7 */
#define MREMAP_DONTUNMAP 4
#endif

void state_mm_fold(struct mm *mm)
{
    struct mm_stats s;
    mm_stats(mm, &s);
    state_counts.heap_bytes += s.peak_heap_bytes;
    state_counts.mmap_bytes += s.peak_mapped_bytes;
    state_counts.mmap_regions += s.peak_regions;
    for (int u = 0; u < USE_COUNT; u++)
        state_counts.map_use[u] += s.peak_use_bytes[u];
}

/* ---- address spaces of tasks --------------------------------------------- */

void state_mm_spawn(struct task *parent, struct task *child, uint64_t clone_flags)
{
    bool thread = (clone_flags & CLONE_THREAD) != 0;
    child->mm = (clone_flags & CLONE_VM) ? mm_ref(parent->mm) : mm_clone(parent->mm);
    /* A vfork child borrows its parent's memory until it execs: its totals
     * belong to the parent. */
    child->mm_borrowed = thread ? parent->mm_borrowed : (clone_flags & CLONE_VM) != 0;
}

void state_mm_exec(struct task *t)
{
    if (!t->mm_borrowed)
        state_mm_fold(t->mm);
    mm_unref(t->mm);
    t->mm = mm_new();
    t->mm_borrowed = false;
}

void state_mm_exit(struct task *t)
{
    if (t->mm && !t->mm_borrowed)
        state_mm_fold(t->mm);
}

void state_mm_attach(struct task *leader, const struct snapshot *s)
{
    mm_apply_snapshot(leader->mm, s);
    /* What the process had when the trace began, for the run to tell
     * apart (the totals count it too: the peaks start from there). */
    struct mm_stats m;
    mm_stats(leader->mm, &m);
    state_counts.attach_heap += m.heap_bytes;
    state_counts.attach_mmap += m.mapped_bytes;
    state_counts.attach_regions += m.regions;
    for (int u = 0; u < USE_COUNT; u++)
        state_counts.attach_map_use[u] += m.use_bytes[u];
}

/* The processes folded by state_finish whose leader was gone. */
struct leaderless {
    const struct process **procs;
    size_t count;
};

static bool counts_at_finish(const struct task *t)
{
    return t->mm && !t->mm_borrowed && !t->exited && t->proc;
}

static void fold_leader(struct task *t, void *arg)
{
    (void)arg;
    if (counts_at_finish(t) && t->proc->pid == t->tid) {
        state_mm_fold(t->mm);
        t->exited = true;
    }
}

/* A process whose leader exited before its threads has no leader to fold
 * it: its first thread met does, once. */
static void fold_leaderless(struct task *t, void *arg)
{
    struct leaderless *done = arg;
    if (!counts_at_finish(t) || proctable_find(t->proc->pid))
        return;
    for (size_t i = 0; i < done->count; i++)
        if (done->procs[i] == t->proc)
            return;
    done->procs = xrealloc(done->procs, (done->count + 1) * sizeof(*done->procs));
    done->procs[done->count++] = t->proc;
    state_mm_fold(t->mm);
}

void state_finish(void)
{
    /* One fold per process: its leader, or one task when the leader is gone. */
    proctable_each(fold_leader, NULL);
    struct leaderless done = {NULL, 0};
    proctable_each(fold_leaderless, &done);
    free(done.procs);
}

/* ---- syscalls ---------------------------------------------------------------- */

/* The file mapped at addr, copied before the region goes away. */
static const char *mapped_file(struct task *t, uint64_t addr, char *buf, size_t cap)
{
    struct region scratch;
    const struct region *r = mm_find(t->mm, addr, &scratch);
    if (!r || r->kind != REGION_FILE || !r->name)
        return NULL;
    snprintf(buf, cap, "%s", r->name);
    return buf;
}

bool state_mm_at_exit(struct task *t, int64_t ret, uint64_t now)
{
    const uint64_t *a = t->call.args;
    switch (t->call.nr) {
    case SYS_mmap: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        const char *file = NULL;
        if (!(a[3] & MAP_ANONYMOUS)) {
            state_fd_notice_ring(t, (int)a[4], now);
            struct ofd *d = state_fd_lookup(t, (int)a[4]);
            file = d ? d->path : "?";
        }
        mm_map(t->mm, (uint64_t)ret, a[1], (int)a[2], (int)a[3], file);
        state_emit_mmap(t, (uint64_t)ret, a[1], (int)a[2], file, now);
        return true;
    }
    case SYS_munmap: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        char name[PATH_MAX];
        const char *file = mapped_file(t, a[0], name, sizeof(name));
        mm_unmap(t->mm, a[0], a[1]);
        state_emit_munmap(t, a[0], a[1], file, now);
        return true;
    }
    case SYS_mremap: {
        STATE_NEEDS(SYSCALL_NEED_STOP);
        struct region scratch;
        const struct region *old = mm_find(t->mm, a[0], &scratch);
        int prot = old ? old->prot : 0;
        int flags = old ? old->flags : MAP_PRIVATE | MAP_ANONYMOUS;
        char name[PATH_MAX];
        const char *file = mapped_file(t, a[0], name, sizeof(name));
        mm_remap(t->mm, a[0], a[1], (uint64_t)ret, a[2]);
        /* MREMAP_DONTUNMAP moves the pages but leaves the old range mapped,
         * as it was (reading as new memory): nothing was unmapped. */
        if (a[3] & MREMAP_DONTUNMAP)
            mm_map(t->mm, a[0], a[1], prot, flags, file);
        else
            state_emit_munmap(t, a[0], a[1], file, now);
        state_emit_mmap(t, (uint64_t)ret, a[2], prot, file, now);
        return true;
    }
    case SYS_mprotect:
    case SYS_pkey_mprotect:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        mm_protect(t->mm, a[0], a[1], (int)a[2]);
        return true;
    case SYS_brk:
        STATE_NEEDS(SYSCALL_NEED_STOP);
        state_emit_brk(t, ret, mm_brk(t->mm, (uint64_t)ret), now);
        return true;
    default:
        return false;
    }
}
