#include "strace_flags.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "event.h"

/* strace's class names where they differ from the table's. */
static const struct {
    const char *strace, *table;
} class_aliases[] = {{"desc", "fd"}, {"net", "network"}};

/* strace's qualifiers other than trace: named in the refusal, so that a
 * user of one knows it is strace's and not taken, rather than misspelt. */
static const char *const other_qualifiers[] = {
    "abbrev",    "a",        "verbose",    "v",      "raw",         "x",      "signal", "signals",
    "s",         "read",     "reads",      "r",      "write",       "writes", "w",      "fault",
    "inject",    "kvm",      "decode-fds", "status", "quiet",       "q",      "silent", "silence",
    "trace-fds", "trace-fd", "fd",         "fds",    "decode-pids", "e",
};

static unsigned class_bit(const char *name)
{
    for (size_t i = 0; i < sizeof(class_aliases) / sizeof(class_aliases[0]); i++)
        if (strcmp(name, class_aliases[i].strace) == 0)
            name = class_aliases[i].table;
    return syscall_class_by_name(name);
}

static const char *nr_name(int nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    return d ? d->name : NULL;
}

/* Marks what one item selects in pick; the count of syscalls it selects,
 * or -1 (why says) for a regex that does not compile. */
static int select_item(const char *item, uint8_t pick[SYSCALL_TABLE_SIZE], char *why, size_t cap)
{
    int n = 0;
    if (strcmp(item, "all") == 0 || strcmp(item, "none") == 0) {
        for (int nr = 0; nr < SYSCALL_TABLE_SIZE && item[0] == 'a'; nr++)
            if (nr_name(nr)) {
                pick[nr] = 1;
                n++;
            }
        return item[0] == 'a' ? n : 1;
    }
    if (item[0] == '/') {
        regex_t re;
        int err = regcomp(&re, item + 1, REG_EXTENDED | REG_NOSUB);
        if (err) {
            char msg[128];
            regerror(err, &re, msg, sizeof(msg));
            snprintf(why, cap, "-e trace: '%s' is not a regular expression: %s", item + 1, msg);
            return -1;
        }
        for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
            if (nr_name(nr) && regexec(&re, nr_name(nr), 0, NULL, 0) == 0) {
                pick[nr] = 1;
                n++;
            }
        regfree(&re);
        return n;
    }
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        if (nr_name(nr) && strcmp(nr_name(nr), item) == 0) {
            pick[nr] = 1;
            return 1;
        }
    /* %class, and strace's older bare class names */
    unsigned bit = class_bit(item[0] == '%' ? item + 1 : item);
    for (int nr = 0; bit && nr < SYSCALL_TABLE_SIZE; nr++)
        if (syscall_classes(nr) & bit) {
            pick[nr] = 1;
            n++;
        }
    return n;
}

static void unknown_item(const char *item, char *why, size_t cap)
{
    if (item[0] == '%')
        snprintf(why, cap,
                 "-e trace: no syscall class '%s' (there are %%file, %%desc, %%network, "
                 "%%process, %%memory, %%signal, %%ipc, %%creds, %%clock)",
                 item);
    else if (item[0] == '/')
        snprintf(why, cap, "-e trace: the regular expression '%s' matches no syscall", item + 1);
    else if (!*item)
        snprintf(why, cap, "-e trace: an empty syscall name");
    else
        snprintf(why, cap, "-e trace: no syscall named '%s'", item);
}

bool strace_trace_select(const char *expr, uint8_t set[SYSCALL_TABLE_SIZE], char *why, size_t cap)
{
    const char *list = expr;
    const char *eq = strchr(expr, '=');
    if (eq) {
        size_t qlen = (size_t)(eq - expr);
        if (!((qlen == 5 && strncmp(expr, "trace", 5) == 0) || (qlen == 1 && expr[0] == 't'))) {
            bool strace_has = false;
            for (size_t i = 0; i < sizeof(other_qualifiers) / sizeof(other_qualifiers[0]); i++)
                if (strlen(other_qualifiers[i]) == qlen &&
                    strncmp(expr, other_qualifiers[i], qlen) == 0)
                    strace_has = true;
            snprintf(why, cap, "-e %.*s=...: %s; compendium takes only -e trace=SET", (int)qlen,
                     expr,
                     strace_has ? "strace's qualifier is not supported" : "no such qualifier");
            return false;
        }
        list = eq + 1;
    }
    bool negate = list[0] == '!';
    if (negate)
        list++;
    uint8_t pick[SYSCALL_TABLE_SIZE] = {0};
    char item[256];
    const char *p = list;
    do {
        size_t n = strcspn(p, ",");
        if (n >= sizeof(item)) {
            snprintf(why, cap, "-e trace: a name of %zu characters is no syscall's", n);
            return false;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        bool optional = item[0] == '?';
        int got = select_item(item + optional, pick, why, cap);
        if (got < 0)
            return false;
        if (got == 0 && !optional) {
            unknown_item(item, why, cap);
            return false;
        }
        p += n;
    } while (*p++ == ',');
    for (int nr = 0; nr < SYSCALL_TABLE_SIZE; nr++)
        if (nr_name(nr) && pick[nr] != negate)
            set[nr] = 1;
    return true;
}

/* Room for six argument letters and the NUL, per syscall: built once. */
static char fd_args[SYSCALL_TABLE_SIZE][8];

const char *cmp_syscall_fd_args(int32_t nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    if (!d || !d->args)
        return NULL;
    char *out = fd_args[nr];
    if (!out[0]) {
        size_t i = 0;
        for (; d->args[i] && i < 6; i++)
            out[i] = d->args[i] == 'd' || d->args[i] == 'D' ? d->args[i] : '-';
        out[i] = '\0';
        if (i == 0)
            return "";
    }
    return out;
}

const char *cmp_syscall_arg_kinds(int32_t nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    return d ? d->args : NULL;
}

/* A new fd as the return value: what the state learns as NEW_FD, but for
 * the calls that write a pair out and return 0. */
int32_t cmp_syscall_returns_fd(int32_t nr)
{
    const struct syscall_desc *d = syscall_desc(nr);
    return d && (d->needs & SYSCALL_NEED_NEW_FD) &&
           !(d->capture && strchr(d->capture, SYSCALL_CAPTURE_FD_PAIR));
}
