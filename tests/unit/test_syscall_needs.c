/* The syscall table's classes and needs: what stops the tracee for the state
 * is derived from the table, so the table must say exactly what the state's
 * own dispatch handles (state_needs runs that dispatch). */
#include "check.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "event.h"
#include "interest.h"
#include "state.h"
#include "syscall_table.h"

#define STATE_NEED_BITS                                                                            \
    (SYSCALL_NEED_STOP | SYSCALL_NEED_IO | SYSCALL_NEED_ENTRY | SYSCALL_NEED_NO_EXIT |             \
     SYSCALL_NEED_NEW_FD | SYSCALL_NEED_CWD | SYSCALL_NEED_CLOSES | SYSCALL_NEED_STARTS)

static const char *name_of(int32_t nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    return d ? d->name : "(unassigned)";
}

/* Every number, both ways: a syscall the state handles without the table's
 * flag would run unseen (its fds or memory missed); a flag the state does
 * not act on stops the tracee for nothing. */
static void test_table_matches_state(void)
{
    int handled = 0;
    for (int32_t nr = -1; nr <= SYSCALL_TABLE_SIZE; nr++) {
        unsigned state = state_needs(nr);
        unsigned table = syscall_needs(nr) & STATE_NEED_BITS;
        check_count++;
        if (state != table) {
            check_failures++;
            fprintf(stderr, "%s (%d): the state needs 0x%x, the table says 0x%x\n", name_of(nr),
                    (int)nr, state, table);
        }
        if (state)
            handled++;
        /* Handled at entry means the syscall stops: always, or with I/O. */
        if (state & SYSCALL_NEED_ENTRY)
            CHECK(state & (SYSCALL_NEED_STOP | SYSCALL_NEED_IO));
        CHECK((state & (SYSCALL_NEED_STOP | SYSCALL_NEED_IO)) !=
              (SYSCALL_NEED_STOP | SYSCALL_NEED_IO));
    }
    /* The dispatch answers at all: opens, closes, mmaps, reads. */
    CHECK(handled > 60);
    CHECK(state_needs(SYS_openat) & SYSCALL_NEED_STOP);
    CHECK(state_needs(SYS_openat) & SYSCALL_NEED_ENTRY);
    CHECK(state_needs(SYS_close) == (SYSCALL_NEED_STOP | SYSCALL_NEED_CLOSES));
    CHECK(state_needs(SYS_dup2) == (SYSCALL_NEED_STOP | SYSCALL_NEED_CLOSES));
    CHECK(state_needs(SYS_dup) == SYSCALL_NEED_STOP);
    CHECK(state_needs(SYS_execve) & SYSCALL_NEED_STARTS);
    CHECK(state_needs(SYS_clone) & SYSCALL_NEED_STARTS);
    CHECK(!(state_needs(SYS_wait4) & SYSCALL_NEED_STARTS));
    CHECK(state_needs(SYS_mmap) == SYSCALL_NEED_STOP);
    CHECK(state_needs(SYS_read) == SYSCALL_NEED_IO);
    CHECK(state_needs(SYS_sendto) == (SYSCALL_NEED_IO | SYSCALL_NEED_ENTRY));
    CHECK(state_needs(SYS_exit_group) == SYSCALL_NEED_NO_EXIT);
    CHECK(state_needs(SYS_getpid) == 0);
    CHECK(state_needs(SYS_newfstatat) == 0);
}

/* The fd a closing call closes comes from the table's argument kinds. */
static void test_closed_fd_args(void)
{
    CHECK(syscall_closed_fd_arg(SYS_close) == 0);
    CHECK(syscall_closed_fd_arg(SYS_dup2) == 1);
    CHECK(syscall_closed_fd_arg(SYS_dup3) == 1);
    CHECK(syscall_closed_fd_arg(436) == SYSCALL_CLOSES_RANGE); /* close_range */
    CHECK(syscall_closed_fd_arg(SYS_dup) == SYSCALL_CLOSES_NONE);
    CHECK(syscall_closed_fd_arg(SYS_read) == SYSCALL_CLOSES_NONE);
    CHECK(syscall_closed_fd_arg(-1) == SYSCALL_CLOSES_NONE);
}

/* What stops is derived from the table: the state's syscalls always, the
 * I/O ones once a script wants I/O events, nothing else. */
static void test_interest_is_derived(void)
{
    interest_init();
    CHECK(!interest_all());
    CHECK(!interest_io());
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        bool stop = (state_needs(nr) & SYSCALL_NEED_STOP) != 0;
        check_count++;
        if (interest_has(nr) != stop) {
            check_failures++;
            fprintf(stderr, "%s (%d): stops %d, the state needs it %d\n", name_of(nr), (int)nr,
                    interest_has(nr), stop);
        }
    }
    interest_add_event(CMP_EV_OPEN); /* made of syscalls that stop anyway */
    CHECK(!interest_io());
    CHECK(!interest_has(SYS_read));
    interest_add_event(CMP_EV_RECV);
    CHECK(interest_io());
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        bool stop = (state_needs(nr) & (SYSCALL_NEED_STOP | SYSCALL_NEED_IO)) != 0;
        check_count++;
        if (interest_has(nr) != stop) {
            check_failures++;
            fprintf(stderr, "%s (%d): stops %d with I/O wanted, the state needs it %d\n",
                    name_of(nr), (int)nr, interest_has(nr), stop);
        }
    }
    interest_init();
    interest_add_syscall(SYS_getpid);
    CHECK(interest_has(SYS_getpid));
    CHECK(!interest_has(SYS_gettid));
    interest_add_syscall(-1);
    CHECK(interest_all());
    CHECK(interest_has(SYS_gettid));
    interest_init();
}

/* Capture letters are positional and agree with the argument kinds that
 * show the same memory; only syscalls the state needs have any. */
static void test_capture(void)
{
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        const struct syscall_desc *d = syscall_desc(nr);
        if (!d || !d->capture)
            continue;
        const char *cap = d->capture;
        size_t n = strlen(cap);
        CHECK(n >= 1 && n <= 6);
        CHECK(strspn(cap, SYSCALL_CAPTURE_LETTERS) == n);
        CHECK(cap[n - 1] != '-');
        CHECK(d->needs & (SYSCALL_NEED_STOP | SYSCALL_NEED_IO));
        CHECK(d->args && strlen(d->args) >= n);
        for (size_t i = 0; d->args && i < n; i++) {
            char c = cap[i];
            if (c == SYSCALL_CAPTURE_PATH || c == SYSCALL_CAPTURE_SOCKADDR_IN ||
                c == SYSCALL_CAPTURE_SOCKADDR_OUT) {
                check_count++;
                if (d->args[i] != c) {
                    check_failures++;
                    fprintf(stderr, "%s: capture '%c' at argument %zu of kind '%c'\n", d->name, c,
                            i, d->args[i]);
                }
            }
            if (c == SYSCALL_CAPTURE_FD || c == SYSCALL_CAPTURE_RING_FD)
                CHECK(d->args[i] == 'd' || d->args[i] == 'D');
        }
    }
    CHECK_STR(syscall_desc(SYS_openat)->capture, "-p");
    CHECK_STR(syscall_desc(SYS_pipe2)->capture, "F");
    CHECK_STR(syscall_desc(SYS_socketpair)->capture, "---F");
    CHECK_STR(syscall_desc(SYS_accept4)->capture, "dA");
    CHECK_STR(syscall_desc(SYS_sendto)->capture, "d---a");
    CHECK_STR(syscall_desc(SYS_mmap)->capture, "----R");
    CHECK_STR(syscall_desc(435)->capture, "C");
    CHECK(syscall_desc(SYS_getpid)->capture == NULL);
}

static void test_classes(void)
{
    unsigned known = 0;
    for (unsigned bit = 1; bit != 0 && bit < 1u << 16; bit <<= 1) {
        const char *name = syscall_class_name(bit);
        if (!name)
            continue;
        known |= bit;
        CHECK_INT(syscall_class_by_name(name), bit);
    }
    CHECK_INT(known, (1u << 9) - 1);
    CHECK_INT(syscall_class_by_name("nosuch"), 0);
    CHECK_INT(syscall_class_by_name(NULL), 0);
    CHECK(syscall_class_name(0) == NULL);
    CHECK(syscall_class_name(3) == NULL);

    int classified = 0;
    for (int32_t nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        CHECK((syscall_classes(nr) & ~known) == 0);
        if (syscall_classes(nr))
            classified++;
    }
    CHECK(classified > 250);
    CHECK_INT(syscall_classes(SYS_openat), SYSCALL_CLASS_FD | SYSCALL_CLASS_FILE);
    CHECK_INT(syscall_classes(SYS_stat), SYSCALL_CLASS_FILE);
    CHECK_INT(syscall_classes(SYS_read), SYSCALL_CLASS_FD);
    CHECK_INT(syscall_classes(SYS_connect), SYSCALL_CLASS_NETWORK);
    CHECK_INT(syscall_classes(SYS_clone), SYSCALL_CLASS_PROCESS);
    CHECK_INT(syscall_classes(SYS_execve) & SYSCALL_CLASS_PROCESS, SYSCALL_CLASS_PROCESS);
    CHECK_INT(syscall_classes(SYS_munmap), SYSCALL_CLASS_MEMORY);
    CHECK_INT(syscall_classes(SYS_kill), SYSCALL_CLASS_SIGNAL | SYSCALL_CLASS_PROCESS);
    CHECK_INT(syscall_classes(SYS_semop), SYSCALL_CLASS_IPC);
    CHECK_INT(syscall_classes(SYS_setuid), SYSCALL_CLASS_CREDS);
    CHECK_INT(syscall_classes(SYS_clock_gettime), SYSCALL_CLASS_CLOCK);
    CHECK_INT(syscall_classes(SYS_getpid), 0);
    CHECK_INT(syscall_classes(400), 0);
    CHECK_INT(syscall_classes(-1), 0);
}

int main(void)
{
    test_table_matches_state();
    test_closed_fd_args();
    test_interest_is_derived();
    test_capture();
    test_classes();
    return check_finish();
}
