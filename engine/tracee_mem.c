#include "tracee_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAGE_SIZE_BYTES 4096u
#define MEM_SLOTS 16

/* Why /proc/TID/mem and not process_vm_readv: process_vm_readv pins the
 * pages the way the tracee's own access would, so a page that is not present
 * is faulted in and a userfaultfd-registered one waits, in uninterruptible
 * sleep, for a handler thread that may be stopped by us. A /proc/TID/mem read
 * faults without the right to wait (the kernel's remote access), and such a
 * page fails at once with EIO. One fd per task, opened on first use and kept:
 * the fd holds the address space it was opened on, so exec and exit close it. */
static struct {
    pid_t tid;
    int fd;
    uint64_t used;
} slots[MEM_SLOTS];
static uint64_t clock_ticks;

static void slot_close(int i)
{
    close(slots[i].fd);
    slots[i].tid = 0;
    slots[i].fd = -1;
    slots[i].used = 0;
}

/* The cached fd of tid, or a fresh one in a free or the least recently
 * used slot. */
static int mem_fd(pid_t tid, bool *fresh)
{
    int victim = 0;
    for (int i = 0; i < MEM_SLOTS; i++) {
        if (slots[i].tid == tid && tid != 0) {
            slots[i].used = ++clock_ticks;
            *fresh = false;
            return slots[i].fd;
        }
        if (slots[i].used < slots[victim].used)
            victim = i;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && (errno == EMFILE || errno == ENFILE) && slots[victim].tid != 0) {
        slot_close(victim);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        return -errno;
    if (slots[victim].tid != 0)
        slot_close(victim);
    slots[victim].tid = tid;
    slots[victim].fd = fd;
    slots[victim].used = ++clock_ticks;
    *fresh = true;
    return fd;
}

void tracee_mem_forget(pid_t tid)
{
    for (int i = 0; i < MEM_SLOTS; i++)
        if (slots[i].tid == tid && tid != 0)
            slot_close(i);
}

void tracee_mem_forget_all(void)
{
    for (int i = 0; i < MEM_SLOTS; i++)
        if (slots[i].tid != 0)
            slot_close(i);
}

static bool refused;

void tracee_mem_refuse(void)
{
    refused = true;
}

ssize_t tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
    if (refused)
        return -ESRCH;
    if (addr == 0)
        return -EFAULT;
    if (len == 0)
        return 0;
    if (addr > (uint64_t)INT64_MAX - len)
        return -EFAULT;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool fresh;
        int fd = mem_fd(tid, &fresh);
        if (fd < 0)
            return fd;
        /* The read stops at the first page it cannot read and returns
         * what came before it. */
        ssize_t n = pread(fd, buf, len, (off_t)addr);
        if (n > 0)
            return n;
        int err = n < 0 ? errno : 0;
        /* 0: the address space the fd was opened on is gone (a tid seen
         * again after an exit we did not hear of): open it anew, once. */
        if (n == 0 && !fresh) {
            tracee_mem_forget(tid);
            continue;
        }
        return err == 0 || err == EIO || err == EINVAL ? -EFAULT : -err;
    }
    return -EFAULT;
}

ssize_t tracee_read_string(pid_t tid, uint64_t addr, char *buf, size_t cap, int *truncated)
{
    if (truncated)
        *truncated = 0;
    if (cap == 0)
        return -EINVAL;
    buf[0] = '\0';
    size_t done = 0;
    /* Page by page, so that nothing past the page holding the NUL is read. */
    while (done < cap - 1) {
        uint64_t at = addr + done;
        size_t chunk = PAGE_SIZE_BYTES - (size_t)(at % PAGE_SIZE_BYTES);
        if (chunk > cap - 1 - done)
            chunk = cap - 1 - done;
        ssize_t n = tracee_read(tid, at, buf + done, chunk);
        if (n <= 0) {
            /* The end of the string is unreadable: what came before it is
             * not the string. */
            buf[0] = '\0';
            return n < 0 ? n : -EFAULT;
        }
        char *nul = memchr(buf + done, '\0', (size_t)n);
        if (nul)
            return (ssize_t)(nul - buf);
        done += (size_t)n;
        if ((size_t)n < chunk) {
            buf[0] = '\0';
            return -EFAULT;
        }
    }
    buf[done] = '\0';
    if (truncated)
        *truncated = 1;
    return (ssize_t)done;
}
