#include "event.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "decode.h"
#include "record.h"
#include "syscall_table.h"

/* Bytes of a data buffer or plain string shown before "...". */
#define DATA_SHOWN PAYLOAD_SHOWN_DATA
/* Of a path too long for the kernel, the start the record keeps. */
#define PATH_SHOWN (PAYLOAD_SHOWN_MAX - 1)
/* Room for a decoded socket address: a full unix path and some. */
#define SOCKADDR_TEXT 256

#define NR_MMAP 9
#define NR_BRK 12
#define NR_MREMAP 25
#define NR_SHMAT 30
#define NR_EXIT 60
#define NR_FCNTL 72
#define NR_ARCH_PRCTL 158
#define NR_FUTEX 202
#define NR_EXIT_GROUP 231
#define NR_EPOLL_CTL 233
#define NR_MAP_SHADOW_STACK 453

#define AT_FDCWD_VALUE (-100)
#define MAX_ERRNO 4095
/* O_CREAT and __O_TMPFILE: the only open flags that make the mode matter. */
#define OPEN_FLAGS_USING_MODE 020000100u
/* clone(2) keeps the child's exit signal in the low byte of its flags. */
#define CLONE_SIGNAL_MASK 0xffu

/* The line being built: counts past cap so the caller learns the full
 * length, as with snprintf. */
struct line {
    char *buf;
    size_t cap;
    size_t len;
};

static size_t line_room(const struct line *l)
{
    return l->len < l->cap ? l->cap - l->len : 0;
}

/* Where a writer may put its text; NULL goes with a room of zero. */
static char *line_end(const struct line *l)
{
    return line_room(l) ? l->buf + l->len : NULL;
}

static void line_put(struct line *l, const char *s, size_t n)
{
    size_t room = line_room(l);
    if (room > 0) {
        size_t copied = n < room - 1 ? n : room - 1;
        memcpy(l->buf + l->len, s, copied);
        l->buf[l->len + copied] = '\0';
    }
    l->len += n;
}

static void line_str(struct line *l, const char *s)
{
    line_put(l, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void line_printf(struct line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line_end(l), line_room(l), fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n;
}

static void line_quoted(struct line *l, const char *data, size_t len, int truncated)
{
    l->len += decode_quote(data, len, truncated, line_end(l), line_room(l));
}

static void put_pointer(struct line *l, uint64_t ptr)
{
    if (ptr == 0)
        line_str(l, "NULL");
    else
        line_printf(l, "%#llx", (unsigned long long)ptr);
}

/* An int argument usually arrives zero-extended from 32 bits, a 64-bit one
 * (an offset) fills the register: show each as its own width would. */
static void put_signed(struct line *l, uint64_t value)
{
    if (value >> 32 == 0)
        line_printf(l, "%d", (int)(int32_t)(uint32_t)value);
    else
        line_printf(l, "%lld", (long long)(int64_t)value);
}

static void put_signal(struct line *l, uint64_t sig)
{
    const char *name = cmp_signal_name((int32_t)sig);
    if (name)
        line_str(l, name);
    else
        line_printf(l, "%d", (int)(int32_t)sig);
}

/* What the record holds of argument i's memory, NULL when it was not
 * captured or could not be read (the pointer is shown then). Lines render
 * from the record only, so a recording shows what the live run showed. */
static const struct captured_arg *shown_arg(const cmp_event *ev, int i)
{
    const struct syscall_payloads *p = ev->payloads;
    if (!p || !(p->shown_have & (1u << i)) || p->shown[i].err)
        return NULL;
    return &p->shown[i];
}

/* A string of which the record kept len bytes: those past `shown` are the
 * mark that it goes on. */
static void put_shown_string(struct line *l, const cmp_event *ev, int i, size_t shown)
{
    const struct captured_arg *a = shown_arg(ev, i);
    if (ev->args[i] == 0)
        line_str(l, "NULL");
    else if (!a)
        put_pointer(l, ev->args[i]);
    else
        line_quoted(l, (const char *)a->bytes, a->len < shown ? a->len : shown, a->len > shown);
}

/* A buffer of size bytes, of which the record kept the first. */
static void put_shown_buffer(struct line *l, const cmp_event *ev, int i, uint64_t size)
{
    const struct captured_arg *a = shown_arg(ev, i);
    if (ev->args[i] == 0)
        line_str(l, "NULL");
    else if (!a)
        put_pointer(l, ev->args[i]);
    else
        line_quoted(l, (const char *)a->bytes, a->len, a->len < size);
}

/* A decoded address as "{...}", escaped like a string but unquoted. */
static void put_braced(struct line *l, const char *text, size_t len)
{
    char quoted[SOCKADDR_TEXT * 4 + 8];
    int truncated = len > SOCKADDR_TEXT;
    if (truncated)
        len = SOCKADDR_TEXT;
    size_t n = decode_quote(text, len, 0, quoted, sizeof(quoted));
    line_put(l, "{", 1);
    line_put(l, quoted + 1, n - 2);
    line_str(l, truncated ? "...}" : "}");
}

/* Returns 0 when nothing could be decoded, so the caller shows the pointer. */
static int put_captured_sockaddr(struct line *l, const void *bytes, size_t len)
{
    struct sockaddr_storage addr;
    char text[SOCKADDR_TEXT];
    int family;
    if (len == 0 || len > sizeof(addr))
        return 0;
    memcpy(&addr, bytes, len);
    size_t w = decode_sockaddr(&addr, len, text, sizeof(text), &family);
    if (w == 0)
        return 0;
    put_braced(l, text, w < sizeof(text) ? w : sizeof(text) - 1);
    return 1;
}

static void put_sockaddr_in(struct line *l, const cmp_event *ev, uint64_t ptr)
{
    const struct syscall_payloads *p = ev->payloads;
    if (ev->sockaddr.ptr && ev->sockaddr.len > 0)
        put_braced(l, ev->sockaddr.ptr, ev->sockaddr.len);
    else if (ptr == 0)
        line_str(l, "NULL");
    else if (!p || !payload_has(p, PAYLOAD_SOCKADDR) ||
             !put_captured_sockaddr(l, p->sockaddr, p->sockaddr_len))
        put_pointer(l, ptr);
}

/* An address the kernel filled in, known only once the call succeeded.
 * Returns the length the kernel stored, or -1 when the address was not shown. */
static int64_t put_sockaddr_out(struct line *l, const cmp_event *ev, int i)
{
    uint64_t ptr = ev->args[i];
    uint64_t len_ptr = i + 1 < 6 ? ev->args[i + 1] : 0;
    const struct captured_arg *a = shown_arg(ev, i);
    if (ev->type != CMP_EV_SYSCALL || ev->ret < 0 || ptr == 0 || len_ptr == 0 || !a ||
        !put_captured_sockaddr(l, a->bytes, a->len)) {
        put_pointer(l, ptr);
        return -1;
    }
    return (int64_t)a->value;
}

struct command_name {
    uint64_t value;
    const char *name;
};

static const struct command_name fcntl_commands[] = {
    {0, "F_DUPFD"},          {1, "F_GETFD"},
    {2, "F_SETFD"},          {3, "F_GETFL"},
    {4, "F_SETFL"},          {5, "F_GETLK"},
    {6, "F_SETLK"},          {7, "F_SETLKW"},
    {8, "F_SETOWN"},         {9, "F_GETOWN"},
    {10, "F_SETSIG"},        {11, "F_GETSIG"},
    {15, "F_SETOWN_EX"},     {16, "F_GETOWN_EX"},
    {36, "F_OFD_GETLK"},     {37, "F_OFD_SETLK"},
    {38, "F_OFD_SETLKW"},    {1024, "F_SETLEASE"},
    {1025, "F_GETLEASE"},    {1026, "F_NOTIFY"},
    {1027, "F_DUPFD_QUERY"}, {1030, "F_DUPFD_CLOEXEC"},
    {1031, "F_SETPIPE_SZ"},  {1032, "F_GETPIPE_SZ"},
    {1033, "F_ADD_SEALS"},   {1034, "F_GET_SEALS"},
};

static const struct command_name epoll_ctl_commands[] = {
    {1, "EPOLL_CTL_ADD"},
    {2, "EPOLL_CTL_DEL"},
    {3, "EPOLL_CTL_MOD"},
};

static const struct command_name arch_prctl_commands[] = {
    {0x1001, "ARCH_SET_GS"}, {0x1002, "ARCH_SET_FS"},    {0x1003, "ARCH_GET_FS"},
    {0x1004, "ARCH_GET_GS"}, {0x1011, "ARCH_GET_CPUID"}, {0x1012, "ARCH_SET_CPUID"},
};

static const char *const futex_commands[] = {
    "FUTEX_WAIT",           "FUTEX_WAKE",        "FUTEX_FD",          "FUTEX_REQUEUE",
    "FUTEX_CMP_REQUEUE",    "FUTEX_WAKE_OP",     "FUTEX_LOCK_PI",     "FUTEX_UNLOCK_PI",
    "FUTEX_TRYLOCK_PI",     "FUTEX_WAIT_BITSET", "FUTEX_WAKE_BITSET", "FUTEX_WAIT_REQUEUE_PI",
    "FUTEX_CMP_REQUEUE_PI", "FUTEX_LOCK_PI2",
};
#define FUTEX_PRIVATE_BIT 128u
#define FUTEX_CLOCK_REALTIME_BIT 256u

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const char *command_name(const struct command_name *names, size_t count, uint64_t value)
{
    for (size_t i = 0; i < count; i++)
        if (names[i].value == value)
            return names[i].name;
    return NULL;
}

static void put_futex_op(struct line *l, uint64_t op)
{
    uint64_t cmd = op & ~(uint64_t)(FUTEX_PRIVATE_BIT | FUTEX_CLOCK_REALTIME_BIT);
    if (cmd >= COUNT(futex_commands)) {
        line_printf(l, "%llu", (unsigned long long)op);
        return;
    }
    line_str(l, futex_commands[cmd]);
    if (op & FUTEX_PRIVATE_BIT)
        line_str(l, "_PRIVATE");
    if (op & FUTEX_CLOCK_REALTIME_BIT)
        line_str(l, "|FUTEX_CLOCK_REALTIME");
}

static void put_command(struct line *l, int32_t nr, uint64_t value)
{
    const char *name = NULL;
    switch (nr) {
    case NR_FCNTL:
        name = command_name(fcntl_commands, COUNT(fcntl_commands), value);
        break;
    case NR_EPOLL_CTL:
        name = command_name(epoll_ctl_commands, COUNT(epoll_ctl_commands), value);
        break;
    case NR_ARCH_PRCTL:
        name = command_name(arch_prctl_commands, COUNT(arch_prctl_commands), value);
        break;
    case NR_FUTEX:
        put_futex_op(l, value);
        return;
    default:
        /* ioctl requests encode size and direction bits, readable in hex. */
        line_printf(l, "%#llx", (unsigned long long)value);
        return;
    }
    if (name)
        line_str(l, name);
    else
        line_printf(l, "%llu", (unsigned long long)value);
}

static void put_clone_flags(struct line *l, uint64_t flags)
{
    uint64_t sig = flags & CLONE_SIGNAL_MASK;
    uint64_t rest = flags & ~(uint64_t)CLONE_SIGNAL_MASK;
    if (rest || !sig)
        l->len += decode_clone_flags(rest, line_end(l), line_room(l));
    if (rest && sig)
        line_put(l, "|", 1);
    if (sig)
        put_signal(l, sig);
}

/* Unused slots, and a mode the open flags make meaningless (as strace). */
static int arg_hidden(const cmp_event *ev, const char *kinds, int i)
{
    if (kinds[i] == '-')
        return 1;
    return kinds[i] == 'm' && i > 0 && kinds[i - 1] == 'o' &&
           !(ev->args[i - 1] & OPEN_FLAGS_USING_MODE);
}

/* What has been seen of the call so far, for kinds that depend on it. */
struct arg_state {
    int paths_seen;
    int64_t stored_addr_len; /* from the 'A' before, -1 when not shown */
};

static void put_arg(struct line *l, const cmp_event *ev, int i, char kind, struct arg_state *st)
{
    uint64_t v = ev->args[i];
    uint64_t next = i + 1 < 6 ? ev->args[i + 1] : 0;
    int64_t addr_len = st->stored_addr_len;
    st->stored_addr_len = -1;

    switch (kind) {
    case 'd':
        line_printf(l, "%d", (int)(int32_t)v);
        break;
    case 'D':
        if ((int32_t)v == AT_FDCWD_VALUE)
            line_str(l, "AT_FDCWD");
        else
            line_printf(l, "%d", (int)(int32_t)v);
        break;
    case 'p': {
        const cmp_str *known = st->paths_seen == 0   ? &ev->path
                               : st->paths_seen == 1 ? &ev->path2
                                                     : NULL;
        st->paths_seen++;
        if (known && known->ptr)
            line_quoted(l, known->ptr, known->len, 0);
        else
            put_shown_string(l, ev, i, PATH_SHOWN);
        break;
    }
    case 's':
        put_shown_string(l, ev, i, DATA_SHOWN);
        break;
    case 'b':
        put_shown_buffer(l, ev, i, next);
        break;
    case 'B':
        if (ev->type == CMP_EV_SYSCALL && ev->ret > 0)
            put_shown_buffer(l, ev, i, (uint64_t)ev->ret);
        else
            put_pointer(l, v);
        break;
    case 'i':
        put_signed(l, v);
        break;
    case 'u':
        line_printf(l, "%llu", (unsigned long long)v);
        break;
    case 'o':
        l->len += decode_open_flags(v, line_end(l), line_room(l));
        break;
    case 'm':
        line_printf(l, "%#03llo", (unsigned long long)v);
        break;
    case 'P':
        l->len += decode_mmap_prot(v, line_end(l), line_room(l));
        break;
    case 'F':
        l->len += decode_mmap_flags(v, line_end(l), line_room(l));
        break;
    case 'c':
        put_clone_flags(l, v);
        break;
    case 'a':
        put_sockaddr_in(l, ev, v);
        break;
    case 'A':
        st->stored_addr_len = put_sockaddr_out(l, ev, i);
        break;
    case 'S':
        put_signal(l, v);
        break;
    case 'f':
        put_command(l, ev->nr, v);
        break;
    default: /* 'x' */
        if (addr_len >= 0)
            line_printf(l, "[%lld]", (long long)addr_len);
        else
            put_pointer(l, v);
        break;
    }
}

static int returns_address(int32_t nr)
{
    return nr == NR_MMAP || nr == NR_BRK || nr == NR_MREMAP || nr == NR_SHMAT ||
           nr == NR_MAP_SHADOW_STACK;
}

static void put_return(struct line *l, const cmp_event *ev)
{
    if (ev->nr == NR_EXIT || ev->nr == NR_EXIT_GROUP) {
        line_str(l, " = ?");
        return;
    }
    if (ev->ret < 0 && ev->ret >= -MAX_ERRNO) {
        const char *name = cmp_errno_name((int32_t)-ev->ret);
        if (name)
            line_printf(l, " = -1 %s", name);
        else
            line_printf(l, " = -1 errno=%lld", (long long)-ev->ret);
    } else if (returns_address(ev->nr)) {
        line_printf(l, " = %#llx", (unsigned long long)ev->ret);
    } else {
        line_printf(l, " = %lld", (long long)ev->ret);
    }
}

size_t cmp_format_syscall(const cmp_event *ev, char *buf, size_t cap)
{
    struct line l = {buf, cap, 0};
    if (cap > 0)
        buf[0] = '\0';
    if (!ev || ev->nr < 0)
        return 0;

    /* An int $0x80 call shows as the x86-64 syscall it means, marked. */
    if (ev->abi == CMP_ABI_I386)
        line_str(&l, "[i386] ");
    const struct syscall_desc *desc = syscall_desc(ev->nr);
    if (desc)
        line_printf(&l, "%s(", desc->name);
    else
        line_printf(&l, "syscall_%d(", (int)ev->nr);

    if (!desc || !desc->args) {
        for (int i = 0; i < 6; i++)
            line_printf(&l, "%s%#llx", i ? ", " : "", (unsigned long long)ev->args[i]);
    } else {
        struct arg_state st = {0, -1};
        int shown = 0;
        for (int i = 0; i < 6 && desc->args[i]; i++) {
            if (arg_hidden(ev, desc->args, i))
                continue;
            if (shown++)
                line_put(&l, ", ", 2);
            put_arg(&l, ev, i, desc->args[i], &st);
        }
    }
    line_put(&l, ")", 1);

    if (ev->type != CMP_EV_ENTER)
        put_return(&l, ev);
    return l.len;
}
