#include "check.h"

#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>

#include "event.h"
#include "syscall_table.h"

static void test_entries(void)
{
    const struct syscall_desc *d = syscall_desc(0);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->name, "read");
        CHECK_STR(d->args, "dBu");
    }
    d = syscall_desc(59);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->name, "execve");
        CHECK_STR(d->args, "pxx");
    }
    d = syscall_desc(257);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->name, "openat");
        CHECK_STR(d->args, "Dpom");
    }
    d = syscall_desc(435);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->name, "clone3");
        CHECK_STR(d->args, "xu");
    }
    d = syscall_desc(462);
    CHECK(d != NULL);
    if (d)
        CHECK_STR(d->name, "mseal");
    d = syscall_desc(469);
    CHECK(d != NULL);
    if (d) {
        CHECK_STR(d->name, "file_setattr");
        CHECK(d->args == NULL);
    }
    d = syscall_desc(42);
    CHECK(d != NULL);
    if (d)
        CHECK_STR(d->args, "dau");

    CHECK(syscall_desc(400) == NULL);
    CHECK(syscall_desc(335) == NULL);
    CHECK(syscall_desc(423) == NULL);
    CHECK(syscall_desc(470) == NULL);
    CHECK(syscall_desc(SYSCALL_TABLE_SIZE) == NULL);
    CHECK(syscall_desc(-1) == NULL);
}

/* Every assigned number is named, and the names agree with the C library's
 * numbering wherever its headers know the syscall. */
static void test_coverage(void)
{
    int named = 0;
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        const struct syscall_desc *d = syscall_desc(nr);
        if (!d)
            continue;
        named++;
        CHECK(d->name[0] != '\0');
        CHECK(!d->args || strlen(d->args) <= 6);
        CHECK(!d->args || strspn(d->args, "dDpsbBiuxomPFaAScf-") == strlen(d->args));
    }
    CHECK_INT(named, 470 - (423 - 335 + 1));
    for (int32_t nr = 0; nr < 470; nr++)
        if (nr < 335 || nr > 423)
            CHECK(syscall_desc(nr) != NULL);

    CHECK_INT(cmp_syscall_number("write"), SYS_write);
    CHECK_INT(cmp_syscall_number("exit_group"), SYS_exit_group);
    CHECK_INT(cmp_syscall_number("newfstatat"), SYS_newfstatat);
    CHECK_INT(cmp_syscall_number("pidfd_open"), SYS_pidfd_open);
    CHECK_INT(cmp_syscall_number("close_range"), SYS_close_range);
    CHECK_INT(cmp_syscall_number("set_mempolicy_home_node"), 450);
    CHECK_INT(cmp_syscall_number("cachestat"), 451);
    CHECK_INT(cmp_syscall_number("file_getattr"), 468);
}

static void test_syscall_names(void)
{
    CHECK_STR(cmp_syscall_name(0), "read");
    CHECK_STR(cmp_syscall_name(231), "exit_group");
    CHECK_STR(cmp_syscall_name(469), "file_setattr");
    CHECK(cmp_syscall_name(400) == NULL);
    CHECK(cmp_syscall_name(-5) == NULL);
    CHECK(cmp_syscall_name(100000) == NULL);

    CHECK_INT(cmp_syscall_number("read"), 0);
    CHECK_INT(cmp_syscall_number("openat"), 257);
    CHECK_INT(cmp_syscall_number("clone3"), 435);
    CHECK_INT(cmp_syscall_number("mseal"), 462);
    CHECK_INT(cmp_syscall_number("file_setattr"), 469);
    CHECK_INT(cmp_syscall_number("no_such_call"), -1);
    CHECK_INT(cmp_syscall_number(""), -1);
    CHECK_INT(cmp_syscall_number(NULL), -1);
}

static void test_errno_names(void)
{
    CHECK_STR(cmp_errno_name(1), "EPERM");
    CHECK_STR(cmp_errno_name(ENOENT), "ENOENT");
    CHECK_STR(cmp_errno_name(11), "EAGAIN");
    CHECK_STR(cmp_errno_name(28), "ENOSPC");
    CHECK_STR(cmp_errno_name(111), "ECONNREFUSED");
    CHECK_STR(cmp_errno_name(133), "EHWPOISON");
    CHECK_STR(cmp_errno_name(512), "ERESTARTSYS");
    CHECK_STR(cmp_errno_name(516), "ERESTART_RESTARTBLOCK");
    CHECK(cmp_errno_name(0) == NULL);
    CHECK(cmp_errno_name(-2) == NULL);
    CHECK(cmp_errno_name(41) == NULL); /* a hole in the numbering */
    CHECK(cmp_errno_name(134) == NULL);
    CHECK(cmp_errno_name(517) == NULL);

    CHECK_INT(cmp_errno_number("ENOSPC"), 28);
    CHECK_INT(cmp_errno_number("EPERM"), 1);
    CHECK_INT(cmp_errno_number("ECONNREFUSED"), 111);
    CHECK_INT(cmp_errno_number("EHWPOISON"), 133);
    CHECK_INT(cmp_errno_number("ERESTARTSYS"), 512);
    CHECK_INT(cmp_errno_number("EWOULDBLOCK"), 11);
    CHECK_INT(cmp_errno_number("EDEADLOCK"), 35);
    CHECK_INT(cmp_errno_number("ENOTSUP"), 95);
    CHECK_INT(cmp_errno_number("ENOPE"), -1);
    CHECK_INT(cmp_errno_number("enoent"), -1);
    CHECK_INT(cmp_errno_number(NULL), -1);

    for (int32_t err = 1; err < 600; err++) {
        const char *name = cmp_errno_name(err);
        if (name)
            CHECK_INT(cmp_errno_number(name), err);
    }
}

static void test_signal_names(void)
{
    CHECK_STR(cmp_signal_name(1), "SIGHUP");
    CHECK_STR(cmp_signal_name(SIGKILL), "SIGKILL");
    CHECK_STR(cmp_signal_name(9), "SIGKILL");
    CHECK_STR(cmp_signal_name(11), "SIGSEGV");
    CHECK_STR(cmp_signal_name(16), "SIGSTKFLT");
    CHECK_STR(cmp_signal_name(17), "SIGCHLD");
    CHECK_STR(cmp_signal_name(31), "SIGSYS");
    CHECK_STR(cmp_signal_name(32), "SIGRT_0");
    CHECK_STR(cmp_signal_name(35), "SIGRT_3");
    CHECK_STR(cmp_signal_name(64), "SIGRT_32");
    CHECK(cmp_signal_name(0) == NULL);
    CHECK(cmp_signal_name(65) == NULL);
    CHECK(cmp_signal_name(-9) == NULL);
}

int main(void)
{
    test_entries();
    test_coverage();
    test_syscall_names();
    test_errno_names();
    test_signal_names();
    return check_finish();
}
