/* Fault injection: what enter/exit hooks asked to do to the syscall being
 * dispatched (c.inject, c.inject_return, c.delay), and the register
 * changes that make the tracee see it. */
#ifndef COMPENDIUM_INJECT_H
#define COMPENDIUM_INJECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct inject_request {
    int32_t action;    /* enum cmp_inject_action bits; 0: nothing asked */
    int64_t value;     /* CMP_INJECT_RETURN: what the syscall returns */
    uint64_t delay_ns; /* CMP_INJECT_DELAY */
};

/* Returns what the hooks asked for (through cmp_host_inject) since the
 * last call, and clears it: called before and after an enter or exit
 * event's hooks run. */
struct inject_request inject_take(void);

/* Makes the tracee see value as the syscall's result: at a syscall-entry
 * or seccomp stop with skip (the kernel then skips the syscall), at a
 * syscall-exit stop without. */
bool inject_result(pid_t tid, bool skip, int64_t value);

#endif
