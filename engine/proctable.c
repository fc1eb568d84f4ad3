#include "proctable.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fdtable.h"
#include "memregions.h"

/* Open addressing keyed by tid; tids are spread well enough for a mask. */
static struct task **slots;
static size_t slot_count; /* power of two */
static size_t used;

static size_t slot_of(pid_t tid, size_t mask)
{
    return ((size_t)tid * 2654435761u) & mask;
}

static void insert_slot(struct task **table, size_t count, struct task *t)
{
    size_t mask = count - 1;
    size_t i = slot_of(t->tid, mask);
    while (table[i])
        i = (i + 1) & mask;
    table[i] = t;
}

static void grow(void)
{
    size_t new_count = slot_count ? slot_count * 2 : 64;
    struct task **table = xcalloc(new_count, sizeof(*table));
    for (size_t i = 0; i < slot_count; i++)
        if (slots[i])
            insert_slot(table, new_count, slots[i]);
    free(slots);
    slots = table;
    slot_count = new_count;
}

static size_t find_slot(pid_t tid, bool *found)
{
    size_t mask = slot_count - 1;
    size_t i = slot_of(tid, mask);
    while (slots[i]) {
        if (slots[i]->tid == tid) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
    *found = false;
    return i;
}

struct task *proctable_find(pid_t tid)
{
    if (!slot_count)
        return NULL;
    bool found;
    size_t i = find_slot(tid, &found);
    return found ? slots[i] : NULL;
}

struct task *proctable_add(pid_t tid)
{
    if ((used + 1) * 2 > slot_count)
        grow();
    struct task *t = xcalloc(1, sizeof(*t));
    t->tid = tid;
    t->pid = tid;
    t->call.path_len = t->call.path2_len = -1;
    insert_slot(slots, slot_count, t);
    used++;
    return t;
}

/* Removing from a linear-probe table: re-insert the rest of the cluster. */
static void unlink_task(struct task *t)
{
    bool found;
    size_t i = find_slot(t->tid, &found);
    if (!found || slots[i] != t)
        return;
    size_t mask = slot_count - 1;
    slots[i] = NULL;
    used--;
    for (size_t j = (i + 1) & mask; slots[j]; j = (j + 1) & mask) {
        struct task *moved = slots[j];
        slots[j] = NULL;
        insert_slot(slots, slot_count, moved);
    }
}

void proctable_rekey(struct task *t, pid_t new_tid)
{
    unlink_task(t);
    t->tid = new_tid;
    insert_slot(slots, slot_count, t);
    used++;
}

void proctable_remove(struct task *t)
{
    unlink_task(t);
    if (t->fds)
        fdtable_unref(t->fds);
    if (t->mm)
        mm_unref(t->mm);
    if (t->proc)
        process_unref(t->proc);
    task_fs_unref(t->fs);
    payloads_reset(&t->call.cap);
    free(t);
}

size_t proctable_count(void)
{
    return used;
}

void proctable_each(void (*fn)(struct task *t, void *arg), void *arg)
{
    for (size_t i = 0; i < slot_count; i++)
        if (slots[i])
            fn(slots[i], arg);
}

size_t proctable_tids(pid_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < slot_count && n < cap; i++)
        if (slots[i])
            out[n++] = slots[i]->tid;
    return n;
}

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

struct task_fs *task_fs_new(const char *cwd)
{
    struct task_fs *fs = xcalloc(1, sizeof(*fs));
    fs->refs = 1;
    fs->cwd = xstrdup(cwd ? cwd : "");
    return fs;
}

struct task_fs *task_fs_ref(struct task_fs *fs)
{
    if (fs)
        fs->refs++;
    return fs;
}

void task_fs_unref(struct task_fs *fs)
{
    if (!fs || --fs->refs > 0)
        return;
    free(fs->cwd);
    free(fs);
}

void task_fs_set_cwd(struct task_fs *fs, const char *cwd)
{
    char *copy = xstrdup(cwd);
    free(fs->cwd);
    fs->cwd = copy;
}

struct process *process_new(pid_t pid, pid_t ppid, const char *exe)
{
    struct process *p = xcalloc(1, sizeof(*p));
    p->refs = 1;
    p->pid = pid;
    p->ppid = ppid;
    p->exe = xstrdup(exe ? exe : "");
    p->comm = xstrdup(basename_of(p->exe));
    p->exit_code = -1;
    p->alive = true;
    return p;
}

struct process *process_ref(struct process *p)
{
    p->refs++;
    return p;
}

void process_unref(struct process *p)
{
    if (--p->refs > 0)
        return;
    free(p->exe);
    free(p->comm);
    free(p->argv);
    free(p);
}

void process_set_program(struct process *p, const char *exe, const char *argv, size_t argv_len)
{
    free(p->exe);
    free(p->comm);
    free(p->argv);
    p->exe = xstrdup(exe);
    p->comm = xstrdup(basename_of(exe));
    p->argv = NULL;
    p->argv_len = 0;
    if (argv && argv_len) {
        p->argv = xcalloc(1, argv_len);
        memcpy(p->argv, argv, argv_len);
        p->argv_len = argv_len;
    }
}

const char *process_safe_name(const char *name, char *out, size_t cap)
{
    char quoted[256];
    size_t n = decode_quote(name, strlen(name), 0, quoted, sizeof(quoted));
    if (n >= sizeof(quoted))
        n = sizeof(quoted) - 1;
    /* drop the quotes; a cut-off rendering loses its closing one */
    size_t len = n >= 2 && quoted[n - 1] == '"' ? n - 2 : (n > 0 ? n - 1 : 0);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, quoted + (n > 0 ? 1 : 0), len);
    out[len] = '\0';
    return out;
}
