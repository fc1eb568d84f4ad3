#include "record.h"

void payloads_reset(struct syscall_payloads *p)
{
    for (uint32_t i = 0; i < p->fd_count; i++)
        snapshot_fd_free(&p->fds[i].info);
    p->fd_count = 0;
    p->have = p->missing = 0;
    p->shown_have = 0;
}

const struct captured_fd *payload_fd(const struct syscall_payloads *p, int fd)
{
    for (uint32_t i = 0; i < p->fd_count; i++)
        if (p->fds[i].fd == fd)
            return &p->fds[i];
    return NULL;
}

void payload_mark(struct syscall_payloads *p, uint32_t bit, int32_t *err_field, int err)
{
    if (err) {
        p->missing |= bit;
        if (err_field)
            *err_field = err;
    } else {
        p->have |= bit;
    }
}
