/* Fault injection: what enter/exit hooks asked to do to the syscall being
 * dispatched (c.inject, c.inject_return, c.delay). */
#ifndef COMPENDIUM_INJECT_H
#define COMPENDIUM_INJECT_H

#include <stdbool.h>
#include <stdint.h>

struct inject_request {
    int32_t action;    /* enum cmp_inject_action bits; 0: nothing asked */
    int64_t value;     /* CMP_INJECT_RETURN: what the syscall returns */
    uint64_t delay_ns; /* CMP_INJECT_DELAY */
};

/* Filled by cmp_host_inject while hooks run; the engine clears it before
 * dispatching an enter or exit event and reads it afterwards. */
extern struct inject_request inject_pending;

#endif
