#include "inject.h"

#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "event.h"

static struct inject_request inject_pending;

void cmp_host_inject(int32_t action, int64_t value, uint64_t delay_ns)
{
    if (action & CMP_INJECT_RETURN) {
        inject_pending.action |= CMP_INJECT_RETURN;
        inject_pending.value = value;
    }
    if (action & CMP_INJECT_DELAY) {
        inject_pending.action |= CMP_INJECT_DELAY;
        inject_pending.delay_ns = delay_ns;
    }
}

struct inject_request inject_take(void)
{
    struct inject_request req = inject_pending;
    memset(&inject_pending, 0, sizeof(inject_pending));
    return req;
}

/* Since Linux 4.8 an orig_rax of -1 skips the syscall at a seccomp stop as
 * at a syscall-entry stop; the kernel then leaves rax alone, so setting
 * both at once gives the result even if the exit stop never came. */
bool inject_result(pid_t tid, bool skip, int64_t value)
{
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, tid, 0L, &regs) != 0)
        return false;
    if (skip)
        regs.orig_rax = (unsigned long long)-1;
    regs.rax = (unsigned long long)value;
    return ptrace(PTRACE_SETREGS, tid, 0L, &regs) == 0;
}
