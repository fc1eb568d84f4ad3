#include "check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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
        CHECK_STR(d->args, "pVj");
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
        CHECK_STR(d->args, ";u");
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
        CHECK(!d->args || strspn(d->args, SYSCALL_KIND_LETTERS) == strlen(d->args));
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

/* ---- the i386 ABI ------------------------------------------------------------ */

/* i386 numbers, from the kernel's arch/x86/entry/syscalls/syscall_32.tbl. */
#define I386_EXIT 1
#define I386_FORK 2
#define I386_READ 3
#define I386_WRITE 4
#define I386_OPEN 5
#define I386_CLOSE 6
#define I386_WAITPID 7
#define I386_CREAT 8
#define I386_UNLINK 10
#define I386_EXECVE 11
#define I386_KILL 37
#define I386_RENAME 38
#define I386_MKDIR 39
#define I386_DUP 41
#define I386_PIPE 42
#define I386_BRK 45
#define I386_SIGNAL 48
#define I386_DUP2 63
#define I386_OLD_MMAP 90
#define I386_MUNMAP 91
#define I386_SOCKETCALL 102
#define I386_IPC 117
#define I386_CLONE 120
#define I386_LLSEEK 140
#define I386_PREAD64 180
#define I386_VFORK 190
#define I386_MMAP2 192
#define I386_STAT64 195
#define I386_GETUID32 199
#define I386_EXIT_GROUP 252
#define I386_OPENAT 295
#define I386_DUP3 330
#define I386_PIPE2 331
#define I386_RECVMMSG 337
#define I386_EXECVEAT 358
#define I386_SOCKET 359
#define I386_CONNECT 362
#define I386_OPENAT2 437

/* Fake tracee memory: one block at a fixed address. */
struct fake_mem {
    uint64_t addr;
    const void *data;
    size_t len;
};

static bool fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const struct fake_mem *m = ctx;
    if (addr < m->addr || addr + len > m->addr + m->len)
        return false;
    memcpy(buf, (const char *)m->data + (addr - m->addr), len);
    return true;
}

/* Translates with arguments 1, 2, 3, ... so that each lands where it must. */
static int32_t translated(int32_t nr, struct syscall_i386_call *out)
{
    static const uint64_t args[6] = {11, 12, 13, 14, 15, 16};
    if (!syscall_i386_translate(nr, args, NULL, NULL, out))
        return -1;
    return out->nr;
}

static void check_same(int32_t i386_nr, int32_t x86_64_nr, const char *name)
{
    struct syscall_i386_call out;
    CHECK_INT(translated(i386_nr, &out), x86_64_nr);
    CHECK_STR(syscall_i386_name(i386_nr), name);
    for (int i = 0; i < 6; i++)
        CHECK_INT(out.args[i], 11 + i);
}

static void test_i386_same_arguments(void)
{
    check_same(I386_EXIT, SYS_exit, "exit");
    check_same(I386_FORK, SYS_fork, "fork");
    check_same(I386_READ, SYS_read, "read");
    check_same(I386_WRITE, SYS_write, "write");
    check_same(I386_OPEN, SYS_open, "open");
    check_same(I386_CLOSE, SYS_close, "close");
    check_same(I386_CREAT, SYS_creat, "creat");
    check_same(I386_UNLINK, SYS_unlink, "unlink");
    check_same(I386_EXECVE, SYS_execve, "execve");
    check_same(I386_KILL, SYS_kill, "kill");
    check_same(I386_RENAME, SYS_rename, "rename");
    check_same(I386_MKDIR, SYS_mkdir, "mkdir");
    check_same(I386_DUP, SYS_dup, "dup");
    check_same(I386_DUP2, SYS_dup2, "dup2");
    check_same(I386_DUP3, SYS_dup3, "dup3");
    check_same(I386_PIPE, SYS_pipe, "pipe");
    check_same(I386_PIPE2, SYS_pipe2, "pipe2");
    check_same(I386_BRK, SYS_brk, "brk");
    check_same(I386_MUNMAP, SYS_munmap, "munmap");
    check_same(I386_VFORK, SYS_vfork, "vfork");
    check_same(I386_EXIT_GROUP, SYS_exit_group, "exit_group");
    check_same(I386_OPENAT, SYS_openat, "openat");
    check_same(I386_EXECVEAT, SYS_execveat, "execveat");
    check_same(I386_SOCKET, SYS_socket, "socket");
    check_same(I386_CONNECT, SYS_connect, "connect");
    check_same(I386_OPENAT2, 437, "openat2");
    check_same(I386_STAT64, SYS_stat, "stat64");
    check_same(I386_GETUID32, SYS_getuid, "getuid32");
}

static void test_i386_reshaped_arguments(void)
{
    struct syscall_i386_call out;
    /* clone(flags, newsp, parent_tid, tls, child_tid) on i386;
     * clone(flags, newsp, parent_tid, child_tid, tls) on x86-64. */
    CHECK_INT(translated(I386_CLONE, &out), SYS_clone);
    CHECK_INT(out.args[0], 11);
    CHECK_INT(out.args[1], 12);
    CHECK_INT(out.args[2], 13);
    CHECK_INT(out.args[3], 15);
    CHECK_INT(out.args[4], 14);
    CHECK_INT(out.args[5], 0);

    /* mmap2's offset counts 4096-byte pages. */
    const uint64_t mmap2_args[6] = {0x10000, 8192, 3, 2, 4, 3};
    CHECK(syscall_i386_translate(I386_MMAP2, mmap2_args, NULL, NULL, &out));
    CHECK_INT(out.nr, SYS_mmap);
    CHECK_INT(out.args[0], 0x10000);
    CHECK_INT(out.args[1], 8192);
    CHECK_INT(out.args[4], 4);
    CHECK_INT(out.args[5], 3 * 4096);

    /* waitpid(pid, status, options) is wait4 without rusage. */
    CHECK_INT(translated(I386_WAITPID, &out), SYS_wait4);
    CHECK_INT(out.args[2], 13);
    CHECK_INT(out.args[3], 0);

    /* Split 64-bit offsets: pread64's low half first, _llseek's high first. */
    const uint64_t pread_args[6] = {3, 0x1000, 100, 0x89abcdef, 0x1, 0};
    CHECK(syscall_i386_translate(I386_PREAD64, pread_args, NULL, NULL, &out));
    CHECK_INT(out.nr, SYS_pread64);
    CHECK_INT(out.args[2], 100);
    CHECK(out.args[3] == 0x189abcdefull);
    const uint64_t llseek_args[6] = {3, 0x2, 0x10, 0x1000, 1, 0};
    CHECK(syscall_i386_translate(I386_LLSEEK, llseek_args, NULL, NULL, &out));
    CHECK_INT(out.nr, SYS_lseek);
    CHECK(out.args[1] == 0x200000010ull);
    CHECK_INT(out.args[2], 1);

    /* Only the low half of a register is the argument: a 64-bit program's
     * int $0x80 leaves whatever it had in the upper ones. */
    const uint64_t dirty[6] = {0xdeadbeef00000007ull, 0xffffffff00001000ull, 0x1234567800000005ull};
    CHECK(syscall_i386_translate(I386_WRITE, dirty, NULL, NULL, &out));
    CHECK_INT(out.args[0], 7);
    CHECK_INT(out.args[1], 0x1000);
    CHECK_INT(out.args[2], 5);
    const uint64_t at_fdcwd[6] = {0xffffff9cu, 0x1000, 0, 0};
    CHECK(syscall_i386_translate(I386_OPENAT, at_fdcwd, NULL, NULL, &out));
    CHECK_INT((int32_t)out.args[0], -100);
}

static void test_i386_multiplexers(void)
{
    struct syscall_i386_call out;
    /* socketcall(SYS_CONNECT, {fd, addr, len}) */
    const uint32_t connect_words[3] = {5, 0x20000, 16};
    struct fake_mem mem = {0x30000, connect_words, sizeof(connect_words)};
    const uint64_t connect_args[6] = {3, 0x30000};
    CHECK(syscall_i386_translate(I386_SOCKETCALL, connect_args, fake_read, &mem, &out));
    CHECK_INT(out.nr, SYS_connect);
    CHECK_INT(out.args[0], 5);
    CHECK_INT(out.args[1], 0x20000);
    CHECK_INT(out.args[2], 16);
    CHECK_STR(out.name, "connect");
    /* SYS_SEND is sendto without an address; it reads 4 words, no more. */
    const uint32_t send_words[4] = {5, 0x20000, 9, 0};
    mem = (struct fake_mem){0x30000, send_words, sizeof(send_words)};
    const uint64_t send_args[6] = {9, 0x30000};
    CHECK(syscall_i386_translate(I386_SOCKETCALL, send_args, fake_read, &mem, &out));
    CHECK_INT(out.nr, SYS_sendto);
    CHECK_INT(out.args[2], 9);
    CHECK_INT(out.args[4], 0);
    /* Arguments that cannot be read, and a sub-call with a 32-bit struct
     * array the state would misread, are not decoded, but named. */
    const uint64_t unreadable[6] = {3, 0x90000};
    CHECK(!syscall_i386_translate(I386_SOCKETCALL, unreadable, fake_read, &mem, &out));
    CHECK_STR(out.name, "socketcall");
    const uint64_t recvmmsg_args[6] = {19, 0x30000};
    CHECK(!syscall_i386_translate(I386_SOCKETCALL, recvmmsg_args, fake_read, &mem, &out));
    CHECK_STR(out.name, "socketcall:recvmmsg");
    const uint64_t bad_call[6] = {99, 0x30000};
    CHECK(!syscall_i386_translate(I386_SOCKETCALL, bad_call, fake_read, &mem, &out));

    /* The old mmap takes its six arguments as a struct of u32. */
    const uint32_t mmap_words[6] = {0, 4096, 3, 0x22, 0xffffffffu, 0};
    mem = (struct fake_mem){0x40000, mmap_words, sizeof(mmap_words)};
    const uint64_t mmap_args[6] = {0x40000};
    CHECK(syscall_i386_translate(I386_OLD_MMAP, mmap_args, fake_read, &mem, &out));
    CHECK_INT(out.nr, SYS_mmap);
    CHECK_INT(out.args[1], 4096);
    CHECK_INT(out.args[3], 0x22);
    CHECK_INT((int32_t)out.args[4], -1);

    /* ipc(SHMGET, key, size, flags) */
    const uint64_t shmget_args[6] = {23, 0x1234, 8192, 0600};
    CHECK(syscall_i386_translate(I386_IPC, shmget_args, NULL, NULL, &out));
    CHECK_INT(out.nr, SYS_shmget);
    CHECK_INT(out.args[0], 0x1234);
    CHECK_INT(out.args[1], 8192);
    CHECK_INT(out.args[2], 0600);
    const uint64_t msgrcv_v0[6] = {12, 1, 2, 3, 0x1000};
    CHECK(!syscall_i386_translate(I386_IPC, msgrcv_v0, NULL, NULL, &out));
}

static void test_i386_coverage(void)
{
    struct syscall_i386_call out;
    /* Old calls with no x86-64 twin, and struct arrays laid out for 32 bits. */
    CHECK_INT(translated(I386_SIGNAL, &out), -1);
    CHECK_STR(out.name, "signal");
    CHECK_INT(translated(I386_RECVMMSG, &out), -1);
    CHECK_STR(out.name, "recvmmsg");
    /* Unassigned and out-of-range numbers are not decoded and have no name. */
    CHECK_INT(translated(222, &out), -1);
    CHECK(out.name == NULL);
    CHECK_INT(translated(SYSCALL_I386_TABLE_SIZE, &out), -1);
    CHECK_INT(translated(-1, &out), -1);
    CHECK(syscall_i386_name(-1) == NULL);

    /* Every number the table decodes lands on a syscall the x86-64 table
     * knows, and most of the i386 table is decoded. */
    int named = 0, decoded = 0;
    for (int32_t nr = 0; nr < SYSCALL_I386_TABLE_SIZE; nr++) {
        if (!syscall_i386_name(nr))
            continue;
        named++;
        uint64_t args[6] = {0};
        if (syscall_i386_translate(nr, args, NULL, NULL, &out)) {
            decoded++;
            CHECK(syscall_desc(out.nr) != NULL);
        }
    }
    CHECK(named > 440);
    CHECK(decoded > named - 40);
}

int main(void)
{
    test_entries();
    test_coverage();
    test_syscall_names();
    test_errno_names();
    test_signal_names();
    test_i386_same_arguments();
    test_i386_reshaped_arguments();
    test_i386_multiplexers();
    test_i386_coverage();
    return check_finish();
}
