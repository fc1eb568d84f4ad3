/* strace's -e trace=SET (engine/strace_flags.c): what each form selects,
 * by the syscall table, what it refuses, and that no input crashes it. */
#include "check.h"
#include "event.h"
#include "fuzz_random.h"
#include "strace_flags.h"

#include <stdlib.h>

static int selected(const uint8_t *set)
{
    int n = 0;
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        n += set[nr];
    return n;
}

static int named(void)
{
    int n = 0;
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        n += syscall_desc(nr) != NULL;
    return n;
}

/* The set one expression selects; false when it is refused. */
static bool select_one(const char *expr, uint8_t *set, char *why)
{
    memset(set, 0, SYSCALL_TABLE_SIZE);
    why[0] = '\0';
    return strace_trace_select(expr, set, why, 512);
}

static void test_forms(void)
{
    uint8_t set[SYSCALL_TABLE_SIZE];
    char why[512];
    int openat = cmp_syscall_number("openat"), close_nr = cmp_syscall_number("close");

    CHECK(select_one("trace=openat,close", set, why));
    CHECK(selected(set) == 2 && set[openat] && set[close_nr]);
    CHECK(select_one("openat", set, why) && selected(set) == 1 && set[openat]);
    CHECK(select_one("t=close", set, why) && selected(set) == 1 && set[close_nr]);
    CHECK(select_one("trace=all", set, why) && selected(set) == named());
    CHECK(select_one("trace=none", set, why) && selected(set) == 0);
    CHECK(select_one("trace=!none", set, why) && selected(set) == named());
    CHECK(select_one("trace=!openat", set, why) && selected(set) == named() - 1 && !set[openat]);

    /* a class is the table's class, by strace's name or the table's */
    unsigned file = syscall_class_by_name("file"), fd = syscall_class_by_name("fd");
    int files = 0, fds = 0;
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
        files += (syscall_classes(nr) & file) != 0;
        fds += (syscall_classes(nr) & fd) != 0;
    }
    CHECK(files > 20 && fds > 20);
    CHECK(select_one("trace=%file", set, why) && selected(set) == files && set[openat]);
    CHECK(select_one("trace=file", set, why) && selected(set) == files);
    CHECK(select_one("trace=%desc", set, why) && selected(set) == fds && set[close_nr]);
    CHECK(select_one("trace=%fd", set, why) && selected(set) == fds);
    CHECK(select_one("trace=%net", set, why) && set[cmp_syscall_number("connect")]);
    CHECK(select_one("trace=!%file", set, why) && selected(set) == named() - files);

    /* a regex against the names */
    CHECK(select_one("trace=/^(openat|close)$", set, why) && selected(set) == 2);
    CHECK(select_one("trace=/^open", set, why) && set[openat] && set[cmp_syscall_number("open")]);

    /* ?NAME selects nothing quietly */
    CHECK(select_one("trace=?nosuch,close", set, why) && selected(set) == 1 && set[close_nr]);
}

static void test_refusals(void)
{
    uint8_t set[SYSCALL_TABLE_SIZE];
    char why[512];
    const struct {
        const char *expr, *says;
    } cases[] = {
        {"trace=opne", "no syscall named 'opne'"},
        {"trace=%stat", "no syscall class '%stat'"},
        {"trace=/(", "is not a regular expression"},
        {"trace=/^zzz", "matches no syscall"},
        {"status=failed", "strace's qualifier is not supported"},
        {"nosuch=1", "no such qualifier"},
        {"trace=", "an empty syscall name"},
        {"trace=openat,", "an empty syscall name"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CHECK(!select_one(cases[i].expr, set, why));
        CHECK(strstr(why, cases[i].says) != NULL);
        CHECK(strchr(why, '\n') == NULL);
    }
}

/* Random expressions of the syntax's own characters: each is taken or
 * refused with a reason, never a crash (ASan watches). */
static void test_fuzz(void)
{
    static const char alphabet[] = "trace=!?%/,^$()[]*+.|openatclosefiledsnw\\ ";
    uint8_t set[SYSCALL_TABLE_SIZE];
    char why[512], expr[64];
    fuzz_rng = 0x5eed5eed;
    int taken = 0;
    for (int round = 0; round < 20000; round++) {
        size_t len = below(sizeof(expr) - 1);
        for (size_t i = 0; i < len; i++)
            expr[i] = alphabet[below(sizeof(alphabet) - 1)];
        expr[len] = '\0';
        bool ok = select_one(expr, set, why);
        taken += ok;
        if (!ok)
            CHECK(why[0] != '\0');
    }
    CHECK(taken > 0);
}

int main(void)
{
    test_forms();
    test_refusals();
    test_fuzz();
    return check_finish();
}
