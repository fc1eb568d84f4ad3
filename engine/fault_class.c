#include "fault_class.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "decode.h"
#include "memregions.h"
#include "snapshot.h"

static const char *const kind_names[] = {[REGION_ANON] = "anon",
                                         [REGION_FILE] = "file",
                                         [REGION_HEAP] = "heap",
                                         [REGION_STACK] = "stack"};

/* The last range /proc/PID/maps described: faults come in runs, so one
 * read serves the whole run. */
static struct {
    bool valid;
    pid_t pid;
    uint64_t start, end;
    const char *region;
    char prot[4];
    char file[4096];
} cached;

void fault_class_reset(void)
{
    cached.valid = false;
}

static const char *const snapshot_kind_names[] = {[SNAP_ANON] = "anon",
                                                  [SNAP_FILE] = "file",
                                                  [SNAP_HEAP] = "heap",
                                                  [SNAP_STACK] = "stack",
                                                  [SNAP_KERNEL] = "other"};

static bool from_proc_maps(pid_t pid, uint64_t addr)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[4352];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        struct snapshot_region r;
        if (!snapshot_parse_map_line(line, &r))
            continue;
        found = addr >= r.start && addr < r.end;
        if (found) {
            cached.pid = pid;
            cached.start = r.start;
            cached.end = r.end;
            decode_prot_rwx((uint64_t)r.prot, cached.prot);
            cached.region = snapshot_kind_names[r.kind];
            snprintf(cached.file, sizeof(cached.file), "%s", r.kind == SNAP_FILE ? r.name : "");
        }
        free(r.name);
    }
    fclose(f);
    cached.valid = found;
    return found;
}

void fault_classify(struct mm *mm, pid_t pid, uint64_t addr, struct fault_class *out)
{
    out->file = NULL;
    if (mm) {
        struct region heap;
        const struct region *r = mm_find(mm, addr, &heap);
        if (r) {
            out->region = kind_names[r->kind];
            decode_prot_rwx((uint64_t)r->prot, out->prot);
            if (r->kind == REGION_FILE)
                out->file = r->name;
            return;
        }
    }
    if ((cached.valid && cached.pid == pid && addr >= cached.start && addr < cached.end) ||
        from_proc_maps(pid, addr)) {
        out->region = cached.region;
        memcpy(out->prot, cached.prot, sizeof(out->prot));
        /* The main stack grows without syscalls; remember where it is. */
        if (mm && strcmp(cached.region, "stack") == 0)
            mm_set_stack(mm, cached.start, cached.end);
        if (cached.file[0])
            out->file = cached.file;
        return;
    }
    out->region = "other";
    memcpy(out->prot, "---", 4);
}
