/* Memory regions of one address space: what mmap/munmap/mremap/mprotect/brk
 * did, so faults can be classified and memory totals reported. An address
 * space is shared by tasks cloned with CLONE_VM and replaced at exec. */
#ifndef COMPENDIUM_MEMREGIONS_H
#define COMPENDIUM_MEMREGIONS_H

#include <stdbool.h>
#include <stdint.h>

enum region_kind { REGION_ANON = 0, REGION_FILE = 1, REGION_HEAP = 2, REGION_STACK = 3 };

struct region {
    uint64_t start, end; /* [start, end), page aligned */
    int prot;            /* PROT_* */
    int flags;           /* MAP_* as passed */
    int kind;            /* enum region_kind */
    char *name;          /* file path for REGION_FILE, else NULL */
};

struct mm;

struct mm *mm_new(void);
struct mm *mm_ref(struct mm *mm);
void mm_unref(struct mm *mm);
/* fork without CLONE_VM: an independent copy of the regions and heap. */
struct mm *mm_clone(const struct mm *mm);

/* A successful mmap at addr (the return value). len is rounded up to pages.
 * Existing regions under it are replaced (MAP_FIXED). name NULL = anonymous. */
void mm_map(struct mm *mm, uint64_t addr, uint64_t len, int prot, int flags, const char *name);
/* Returns the bytes of tracked regions that were removed. */
uint64_t mm_unmap(struct mm *mm, uint64_t addr, uint64_t len);
void mm_protect(struct mm *mm, uint64_t addr, uint64_t len, int prot);
/* A successful mremap: the old range moves/resizes to new_addr/new_len,
 * keeping prot, kind and name. */
void mm_remap(struct mm *mm, uint64_t old_addr, uint64_t old_len, uint64_t new_addr,
              uint64_t new_len);
/* brk's return value (the current break). The first value seen sets the
 * heap start. Returns the change of the heap size in bytes. */
int64_t mm_brk(struct mm *mm, uint64_t new_brk);
struct snapshot;
/* What an attached process had mapped: its anonymous and file mappings
 * become regions, [heap] the heap, [stack] the stack; the kernel's own
 * ([vdso], [vvar], ...) are left out. The peaks start from there. */
void mm_apply_snapshot(struct mm *mm, const struct snapshot *s);
/* Marks the stack region for fault classification (from /proc/PID/maps or
 * the initial stack pointer's page). */
void mm_set_stack(struct mm *mm, uint64_t start, uint64_t end);

/* The region that holds addr, or NULL. The heap is reported as a region of
 * kind REGION_HEAP spanning [heap start, current break). */
const struct region *mm_find(const struct mm *mm, uint64_t addr, struct region *heap_scratch);

/* What mapped pages are: anonymous memory the program may access, a file's
 * pages, or a reservation without access (PROT_NONE). */
enum mm_use { USE_ANON = 0, USE_FILE = 1, USE_RESERVED = 2, USE_COUNT = 3 };

struct mm_stats {
    uint64_t mapped_bytes, peak_mapped_bytes;
    uint64_t regions, peak_regions;
    uint64_t heap_bytes, peak_heap_bytes;
    uint64_t use_bytes[USE_COUNT], peak_use_bytes[USE_COUNT]; /* mapped_bytes by enum mm_use */
};
void mm_stats(const struct mm *mm, struct mm_stats *out);

/* Iteration in address order: i from 0 while it returns non-NULL. */
const struct region *mm_region_at(const struct mm *mm, uint64_t i);

#endif
