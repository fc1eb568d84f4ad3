#include "fault_class.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "decode.h"
#include "memregions.h"

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
        uint64_t start, end;
        char perms[5] = "";
        int name_at = 0;
        if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %*s %*s %*s %n", &start, &end, perms,
                   &name_at) < 3 ||
            addr < start || addr >= end)
            continue;
        found = true;
        char *name = name_at > 0 ? line + name_at : line + strlen(line);
        name[strcspn(name, "\n")] = '\0';
        cached.pid = pid;
        cached.start = start;
        cached.end = end;
        snprintf(cached.prot, sizeof(cached.prot), "%c%c%c", perms[0], perms[1], perms[2]);
        cached.file[0] = '\0';
        if (strncmp(name, "[stack", 6) == 0)
            cached.region = "stack";
        else if (strcmp(name, "[heap]") == 0)
            cached.region = "heap";
        else if (name[0] == '/') {
            cached.region = "file";
            snprintf(cached.file, sizeof(cached.file), "%s", name);
        } else if (name[0] == '\0')
            cached.region = "anon";
        else
            cached.region = "other"; /* [vdso], [vvar], ... */
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
