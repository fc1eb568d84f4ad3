/* The injection bookkeeping, fed synthetic records: what state_events.lua's
 * hooks ask for (fail a write at its entry, change a read's result at its
 * exit, hold an fsync) lands in the record for the source to act on, is
 * reported as an inject event, and is what the state goes on with. */
#include "state_feed.h"

static void test_fail_at_entry(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 301);
    feed_open(t, 66, "/data/full", O_WRONLY);
    cmp_run_info before, after;
    state_totals(&before);
    seen_reset();
    /* write(66, buf, 10): the hook fails it with ENOSPC at the entry */
    feed_begin(t, SYS_write, 66, 0x1000, 10, 0, 0, 0);
    state_syscall_entry(t, 10);
    CHECK(t->call.skip);
    CHECK(t->call.set_ret);
    CHECK(t->call.want_exit);
    CHECK_INT(t->call.ret_value, -ENOSPC);
    CHECK_INT(t->call.delay_ns, 0);
    const struct seen_event *e = seen_nth(CMP_EV_INJECT, 0);
    CHECK_STR(e->op, "error");
    CHECK_STR(e->error, "ENOSPC");
    CHECK_INT(e->ret, -ENOSPC);
    CHECK_STR(e->fd_path, "/data/full");
    /* the kernel skipped it (its exit says -ENOSYS): no bytes were written */
    state_syscall_exit(t, -ENOSYS, 20);
    state_totals(&after);
    CHECK_INT(seen_of(CMP_EV_WRITE), 0);
    CHECK_INT(after.file_written_bytes - before.file_written_bytes, 0);
    CHECK_INT(after.syscalls - before.syscalls, 1);

    /* the next call starts clean: nothing injected into a write elsewhere */
    seen_reset();
    feed_open(t, 3, "/data/ok", O_WRONLY);
    feed_begin(t, SYS_write, 3, 0x1000, 10, 0, 0, 0);
    state_syscall_entry(t, 30);
    CHECK(!t->call.skip);
    CHECK(!t->call.set_ret);
    state_syscall_exit(t, 10, 40);
    CHECK_INT(seen_of(CMP_EV_INJECT), 0);
    CHECK_INT(seen_nth(CMP_EV_WRITE, 0)->bytes, 10);
}

/* A value returned from the entry: the kernel skips the call, and what the
 * program sees (4 bytes written) is what the state counts. */
static void test_return_at_entry(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 305);
    feed_open(t, 69, "/data/pretend", O_WRONLY);
    cmp_run_info before, after;
    state_totals(&before);
    seen_reset();
    feed_begin(t, SYS_pwrite64, 69, 0x1000, 10, 0, 0, 0);
    state_syscall_entry(t, 10);
    CHECK(t->call.skip);
    CHECK_INT(t->call.ret_value, 4);
    CHECK_STR(seen_nth(CMP_EV_INJECT, 0)->op, "return");
    state_syscall_exit(t, -ENOSYS, 20);
    state_totals(&after);
    const struct seen_event *e = seen_nth(CMP_EV_WRITE, 0);
    CHECK_INT(e->bytes, 4);
    CHECK_INT(e->fd, 69);
    CHECK_INT(after.file_written_bytes - before.file_written_bytes, 4);
}

static void test_return_at_exit(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 302);
    feed_open(t, 67, "/data/short", O_RDONLY);
    seen_reset();
    /* read(67, buf, 100) = 100, which the exit hook makes 3 */
    feed_begin(t, SYS_read, 67, 0x1000, 100, 0, 0, 0);
    state_syscall_entry(t, 10);
    CHECK(!t->call.set_ret);
    state_syscall_exit(t, 100, 20);
    CHECK(!t->call.skip);
    CHECK(t->call.set_ret);
    CHECK_INT(t->call.ret_value, 3);
    const struct seen_event *e = seen_nth(CMP_EV_INJECT, 0);
    CHECK_STR(e->op, "return");
    CHECK_INT(e->ret, 3);
    CHECK_INT(seen_nth(CMP_EV_READ, 0)->bytes, 3);
}

static void test_delay(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 303);
    seen_reset();
    feed_begin(t, SYS_fsync, 68, 0, 0, 0, 0, 0);
    state_syscall_entry(t, 10);
    CHECK_INT(t->call.delay_ns, 5000000);
    CHECK(!t->call.skip);
    CHECK(!t->call.set_ret);
    const struct seen_event *e = seen_nth(CMP_EV_INJECT, 0);
    CHECK_STR(e->op, "delay");
    CHECK_INT(e->delay_ns, 5000000);
    state_syscall_exit(t, 0, 20);
}

/* The command's own exec and what comes before it are not its program's:
 * hooks do not run there, so nothing is injected. */
static void test_not_before_exec(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 304);
    t->before_exec = true;
    seen_reset();
    feed_begin(t, SYS_write, 66, 0x1000, 10, 0, 0, 0);
    state_syscall_entry(t, 10);
    CHECK(!t->call.skip);
    CHECK_INT(seen_of(CMP_EV_INJECT), 0);
    state_syscall_exit(t, 10, 20);
}

int main(void)
{
    feed_init();
    test_fail_at_entry();
    test_return_at_entry();
    test_return_at_exit();
    test_delay();
    test_not_before_exec();
    return check_finish();
}
