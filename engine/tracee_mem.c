#include "tracee_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define PAGE_SIZE_BYTES 4096u

ssize_t tracee_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
    if (addr == 0)
        return -EFAULT;
    size_t done = 0;
    /* process_vm_readv stops at the first unreadable page but reports a
     * partial read only at iovec boundaries, so read page by page. */
    while (done < len) {
        uint64_t at = addr + done;
        size_t chunk = PAGE_SIZE_BYTES - (size_t)(at % PAGE_SIZE_BYTES);
        if (chunk > len - done)
            chunk = len - done;
        struct iovec local = {(char *)buf + done, chunk};
        struct iovec remote = {(void *)(uintptr_t)at, chunk};
        ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
        if (n <= 0) {
            if (done > 0)
                break;
            return n < 0 ? -errno : -EFAULT;
        }
        done += (size_t)n;
        if ((size_t)n < chunk)
            break;
    }
    return (ssize_t)done;
}

ssize_t tracee_read_string(pid_t tid, uint64_t addr, char *buf, size_t cap, int *truncated)
{
    if (truncated)
        *truncated = 0;
    if (cap == 0)
        return -EINVAL;
    buf[0] = '\0';
    size_t done = 0;
    while (done < cap - 1) {
        uint64_t at = addr + done;
        size_t chunk = PAGE_SIZE_BYTES - (size_t)(at % PAGE_SIZE_BYTES);
        if (chunk > cap - 1 - done)
            chunk = cap - 1 - done;
        ssize_t n = tracee_read(tid, at, buf + done, chunk);
        if (n <= 0) {
            if (done > 0)
                break;
            return n < 0 ? n : -EFAULT;
        }
        char *nul = memchr(buf + done, '\0', (size_t)n);
        if (nul)
            return (ssize_t)(nul - buf);
        done += (size_t)n;
        if ((size_t)n < chunk)
            break;
    }
    buf[done] = '\0';
    if (truncated && done == cap - 1)
        *truncated = 1;
    return (ssize_t)done;
}
