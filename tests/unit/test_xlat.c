/* The named-value tables both ways: what the formatter writes, a reader of
 * strace's lines reads back to the same value. Expected names are strace
 * 6.1's own spelling of the same values on Debian 12. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "xlat.h"

static char buf[512];

static const char *flags(const struct xlat *x, uint64_t v)
{
    size_t n = xlat_format_flags(x, v, buf, sizeof(buf));
    CHECK_INT(n, strlen(buf));
    return buf;
}

/* Every value of every set reads back from its own name. */
static void round_trip(const struct xlat *x, bool as_flags)
{
    for (size_t i = 0; i < x->count; i++) {
        const struct xlat_entry *e = &x->entries[i];
        uint64_t v = ~0ull;
        CHECK(xlat_value(x, e->name, strlen(e->name), &v));
        CHECK(v == e->value);
        if (as_flags && e->value) {
            const char *text = flags(x, e->value);
            CHECK(xlat_parse_flags(x, text, strlen(text), &v));
            CHECK(v == e->value);
        }
    }
}

static void test_flags(void)
{
    CHECK_STR(flags(&xlat_at_flags, 0x1000), "AT_EMPTY_PATH");
    CHECK_STR(flags(&xlat_at_flags, 0), "0");
    CHECK_STR(flags(&xlat_access_modes, 0), "F_OK");
    CHECK_STR(flags(&xlat_access_modes, 5), "R_OK|X_OK");
    CHECK_STR(flags(&xlat_statx_mask, 0x17ff), "STATX_BASIC_STATS|STATX_MNT_ID");
    CHECK_STR(flags(&xlat_statx_mask, 0x25e),
              "STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_MTIME|STATX_SIZE");
    CHECK_STR(flags(&xlat_sigaction_flags, 0x14000000), "SA_RESTORER|SA_RESTART");
    CHECK_STR(flags(&xlat_sock_type_flags, 0x80800), "SOCK_CLOEXEC|SOCK_NONBLOCK");
    /* unknown bits stay, in hex */
    CHECK_STR(flags(&xlat_getrandom_flags, 0x11), "GRND_NONBLOCK|0x10");
    uint64_t v = 0;
    CHECK(xlat_parse_flags(&xlat_getrandom_flags, "GRND_NONBLOCK|0x10", 18, &v));
    CHECK(v == 0x11);
    CHECK(!xlat_parse_flags(&xlat_getrandom_flags, "GRND_NOPE", 9, &v));
    CHECK(!xlat_parse_flags(&xlat_getrandom_flags, "", 0, &v));
    /* the open flags in strace's order */
    size_t n = decode_open_flags(O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_DIRECTORY, buf, sizeof(buf));
    CHECK_INT(n, strlen(buf));
    CHECK_STR(buf, "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY");
    /* cut short, it still counts the whole */
    char small[6];
    CHECK_INT(xlat_format_flags(&xlat_access_modes, 6, small, sizeof(small)), 9);
    CHECK_STR(small, "R_OK|");
}

static void test_values(void)
{
    CHECK_STR(xlat_name(&xlat_whence, 2), "SEEK_END");
    CHECK_STR(xlat_name(&xlat_ioctl_cmds, 0x5401), "TCGETS");
    CHECK_STR(xlat_name(&xlat_ioctl_cmds, 0x5413), "TIOCGWINSZ");
    CHECK_STR(xlat_name(&xlat_address_families, 10), "AF_INET6");
    CHECK_STR(xlat_name(&xlat_fcntl_cmds, 1030), "F_DUPFD_CLOEXEC");
    CHECK_STR(xlat_name(&xlat_rlimit_resources, 3), "RLIMIT_STACK");
    CHECK(xlat_name(&xlat_whence, 99) == NULL);
    uint64_t v = 0;
    CHECK(xlat_value(&xlat_futex_ops, "FUTEX_WAKE", 10, &v) && v == 1);
    CHECK(!xlat_value(&xlat_futex_ops, "FUTEX_WAK", 9, &v));
}

static void test_errno_texts(void)
{
    CHECK_STR(xlat_errno_text(ENOENT), "No such file or directory");
    CHECK_STR(xlat_errno_text(ENOTTY), "Inappropriate ioctl for device");
    CHECK_STR(xlat_errno_text(512), "To be restarted if SA_RESTART is set");
    CHECK(xlat_errno_text(0) == NULL);
    CHECK(xlat_errno_text(600) == NULL);
    const char *t = "Bad address";
    CHECK_INT(xlat_errno_by_text(t, strlen(t)), EFAULT);
    CHECK_INT(xlat_errno_by_text("nope", 4), -1);
    /* every errno with a text reads back to itself */
    for (int32_t e = 1; e < 520; e++) {
        const char *text = xlat_errno_text(e);
        if (text && strncmp(text, "Unknown", 7) != 0 && e != EAGAIN && e != EDEADLK &&
            e != EOPNOTSUPP)
            CHECK_INT(xlat_errno_by_text(text, strlen(text)), e);
    }
}

static void test_sigset_names(void)
{
    char b[16];
    CHECK_STR(xlat_sigset_name(17, b, sizeof(b)), "CHLD");
    CHECK_STR(xlat_sigset_name(32, b, sizeof(b)), "RTMIN");
    CHECK_STR(xlat_sigset_name(33, b, sizeof(b)), "RT_1");
    CHECK(xlat_sigset_name(65, b, sizeof(b)) == NULL);
}

static void test_strace_quote(void)
{
    /* strace's escapes: octal, three digits before an octal digit */
    size_t n = decode_strace_quote("\177ELF\2\1\0\0003", 9, 1, 0, buf, sizeof(buf));
    CHECK_INT(n, strlen(buf));
    CHECK_STR(buf, "\"\\177ELF\\2\\1\\0\\0003\"...");
    decode_strace_quote("a\tb\"\\\n\v\f\r", 9, 0, 0, buf, sizeof(buf));
    CHECK_STR(buf, "\"a\\tb\\\"\\\\\\n\\v\\f\\r\"");
    decode_strace_quote("\x76\xc1", 2, 0, 1, buf, sizeof(buf));
    CHECK_STR(buf, "\"\\x76\\xc1\"");
}

int main(void)
{
    const struct xlat *flag_sets[] = {
        &xlat_open_flags,      &xlat_mmap_prot,       &xlat_mmap_flags,   &xlat_clone_flags,
        &xlat_at_flags,        &xlat_faccessat_flags, &xlat_statx_mask,   &xlat_statx_attrs,
        &xlat_sock_type_flags, &xlat_sigaction_flags, &xlat_wait_options, &xlat_getrandom_flags,
        &xlat_poll_events,     &xlat_msg_flags,       &xlat_fd_flags,
    };
    const struct xlat *value_sets[] = {
        &xlat_whence,        &xlat_fcntl_cmds,      &xlat_ioctl_cmds,      &xlat_address_families,
        &xlat_socket_types,  &xlat_futex_ops,       &xlat_sigprocmask_how, &xlat_rlimit_resources,
        &xlat_clock_ids,     &xlat_fadvise_advice,  &xlat_socket_levels,   &xlat_sockopt_names,
        &xlat_tcp_options,   &xlat_arch_prctl_cmds, &xlat_epoll_ctl_cmds,  &xlat_madvise_advice,
        &xlat_prctl_options,
    };
    for (size_t i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++)
        round_trip(flag_sets[i], true);
    for (size_t i = 0; i < sizeof(value_sets) / sizeof(value_sets[0]); i++)
        round_trip(value_sets[i], false);
    test_flags();
    test_values();
    test_errno_texts();
    test_sigset_names();
    test_strace_quote();
    return check_finish();
}
