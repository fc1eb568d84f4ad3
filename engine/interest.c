#include "interest.h"

#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>

#include "event.h"
#include "syscall_table.h"

static uint8_t wanted[SYSCALL_TABLE_SIZE];
static bool wanted_all;
static bool io_wanted;

/* Adds every syscall whose table entry has one of the needs. */
static void add_needing(unsigned needs)
{
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        if (syscall_needs(nr) & needs)
            wanted[nr] = 1;
}

void interest_init(void)
{
    memset(wanted, 0, sizeof(wanted));
    wanted_all = io_wanted = false;
    /* fds made by syscalls the state does not see are learnt from /proc on
     * first use. */
    add_needing(SYSCALL_NEED_STOP);
}

void interest_add_event(int type)
{
    switch (type) {
    case CMP_EV_READ:
    case CMP_EV_WRITE:
    case CMP_EV_SEND:
    case CMP_EV_RECV:
        io_wanted = true;
        add_needing(SYSCALL_NEED_IO);
        break;
    default:
        break; /* produced by syscalls the state traces anyway, or by events */
    }
}

void interest_add_syscall(int32_t nr)
{
    if (nr < 0) {
        wanted_all = true;
        io_wanted = true;
    } else if (nr < SYSCALL_TABLE_SIZE) {
        wanted[nr] = 1;
    }
}

bool interest_has(int32_t nr)
{
    if (wanted_all)
        return true;
    return nr >= 0 && nr < SYSCALL_TABLE_SIZE && wanted[nr];
}

bool interest_all(void)
{
    return wanted_all;
}

bool interest_io(void)
{
    if (io_wanted)
        return true;
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        if ((syscall_needs(nr) & SYSCALL_NEED_IO) && !wanted[nr])
            return false;
    return true;
}

int interest_install_seccomp(bool set_no_new_privs)
{
    /* Rules are for the x86-64 ABI only. Every syscall of another ABI (i386
     * through int $0x80, and x32, which libseccomp sends to the same action)
     * stops: the tracer decodes it or counts it as undecoded. Adding the x86
     * arch to the filter would let the uninteresting ones run free, but a
     * rule there is given by name, and an i386 syscall that libseccomp (or
     * the i386 table) does not know would then run unseen. */
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return -ENOMEM;
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(0));
    if (rc == 0)
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, set_no_new_privs ? 1 : 0);
    for (int32_t nr = 0; rc == 0 && nr < SYSCALL_TABLE_SIZE; nr++) {
        if (!wanted[nr] || !syscall_desc(nr))
            continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
        if (rc == -EDOM || rc == -EINVAL)
            rc = 0; /* a number this libseccomp does not know: it still runs */
    }
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}
