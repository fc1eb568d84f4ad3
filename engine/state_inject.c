/* Injection bookkeeping: what the hooks asked to do to a syscall (fail it,
 * make it return a value, hold it), decided here and recorded in the
 * syscall's record for the source to act on. The state never changes a
 * tracee itself: a source that cannot stop a task refuses such scripts
 * before anything runs. */
#include "inject.h"
#include "state_internal.h"

void state_inject_clear(struct syscall_call *c)
{
    c->skip = c->set_ret = false;
    c->delay_ns = 0;
}

void state_inject_before_hooks(void)
{
    inject_take();
}

int64_t state_inject_after_hooks(struct task *t, bool at_entry, int64_t ret, uint64_t now)
{
    struct inject_request req = inject_take();
    struct syscall_call *c = &t->call;
    if ((req.action & CMP_INJECT_DELAY) && req.delay_ns > 0) {
        c->delay_ns = req.delay_ns;
        state_emit_inject(t, "delay", 0, req.delay_ns, now);
    }
    if (!(req.action & CMP_INJECT_RETURN))
        return ret;
    if (at_entry) {
        c->skip = true;
        c->want_exit = true; /* even exit_group returns when skipped */
    }
    c->set_ret = true;
    c->ret_value = req.value;
    /* An inject event, so that nobody takes an injected failure for a real one. */
    bool error = req.value < 0 && req.value >= -4095;
    state_emit_inject(t, error ? "error" : "return", req.value, 0, now);
    return req.value;
}

int64_t state_inject_result(const struct syscall_call *c, int64_t ret)
{
    return c->skip ? c->ret_value : ret;
}
