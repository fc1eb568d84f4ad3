#include "inject.h"

#include "event.h"

struct inject_request inject_pending;

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
