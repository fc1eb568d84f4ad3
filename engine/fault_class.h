/* Which kind of memory a page fault touched: the task's tracked regions
 * first, /proc/PID/maps for what the syscalls never showed (the main stack,
 * mappings made before an attach). */
#ifndef COMPENDIUM_FAULT_CLASS_H
#define COMPENDIUM_FAULT_CLASS_H

#include <stdint.h>
#include <sys/types.h>

struct mm;

struct fault_class {
    const char *region; /* heap | anon | file | stack | other */
    char prot[4];       /* "rw-", "---" when unknown */
    const char *file;   /* the mapped file for region "file", else NULL */
};

/* mm may be NULL (the task is gone): only /proc can tell then. The result
 * points into storage valid until the next call. */
void fault_classify(struct mm *mm, pid_t pid, uint64_t addr, struct fault_class *out);
/* Forgets what /proc said (an address space changed). */
void fault_class_reset(void);

#endif
