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

/* Filled by cmp_host_inject while hooks run; the engine clears it before
 * dispatching an enter or exit event and reads it afterwards. */
extern struct inject_request inject_pending;

/* Returns what the hooks asked for since the last call, and clears it. */
struct inject_request inject_take(void);

/* At a syscall-entry or seccomp stop: the kernel skips the syscall
 * (orig_rax = -1) and the tracee sees value in rax. */
bool inject_skip_syscall(pid_t tid, int64_t value);
/* At a syscall-exit stop: the syscall returns value instead. */
bool inject_set_return(pid_t tid, int64_t value);

#endif
