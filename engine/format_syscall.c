#include "event.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/futex.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "decode.h"
#include "record.h"
#include "syscall_table.h"
#include "xlat.h"

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
#define NR_CLONE 56
#define NR_GETRANDOM 318
#define NR_POLL 7
#define NR_SELECT 23
#define NR_PPOLL 271
#define NR_PSELECT6 270
#define NR_ARCH_PRCTL 158
#define NR_PRCTL 157
#define NR_FUTEX 202
#define NR_EXIT_GROUP 231
#define NR_EPOLL_CTL 233
#define NR_MAP_SHADOW_STACK 453

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))
/* Kinds whose memory the i386 ABI lays out otherwise. */
#define I386_LAYOUT_DIFFERS "TGH1EVj89@&%"
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
    int all_hex; /* quote every byte in hex, as strace does getrandom's */
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
    l->len += decode_strace_quote(data, len, truncated, l->all_hex, line_end(l), line_room(l));
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

/* A socket address as strace spells it out; 0 when the family is not one
 * it knows here, so the caller falls back to the decoded peer. */
static int put_strace_sockaddr(struct line *l, const uint8_t *b, size_t len)
{
    uint16_t family;
    if (len < sizeof(family))
        return 0;
    memcpy(&family, b, sizeof(family));
    const char *name = xlat_name(&xlat_address_families, family);
    if (family == AF_UNIX) {
        line_str(l, "{sa_family=AF_UNIX");
        if (len > 2) {
            const char *path = (const char *)b + 2;
            size_t room = len - 2;
            int abstract = path[0] == '\0';
            if (abstract) {
                path++;
                room--;
            }
            line_str(l, abstract ? ", sun_path=@" : ", sun_path=");
            line_quoted(l, path, abstract ? room : strnlen(path, room), 0);
        }
        line_put(l, "}", 1);
        return 1;
    }
    if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        char ip[INET_ADDRSTRLEN];
        memcpy(&in, b, sizeof(in));
        inet_ntop(AF_INET, &in.sin_addr, ip, sizeof(ip));
        line_printf(l, "{sa_family=AF_INET, sin_port=htons(%u), sin_addr=inet_addr(\"%s\")}",
                    ntohs(in.sin_port), ip);
        return 1;
    }
    if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        char ip[INET6_ADDRSTRLEN];
        memcpy(&in6, b, sizeof(in6));
        inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof(ip));
        line_printf(l,
                    "{sa_family=AF_INET6, sin6_port=htons(%u), sin6_flowinfo=htonl(%u), "
                    "inet_pton(AF_INET6, \"%s\", &sin6_addr), sin6_scope_id=%u}",
                    ntohs(in6.sin6_port), ntohl(in6.sin6_flowinfo), ip, in6.sin6_scope_id);
        return 1;
    }
    if (family == AF_NETLINK && len >= sizeof(struct sockaddr_nl)) {
        struct sockaddr_nl nl;
        memcpy(&nl, b, sizeof(nl));
        line_printf(l, "{sa_family=AF_NETLINK, nl_pid=%u, nl_groups=%08x}", nl.nl_pid,
                    nl.nl_groups);
        return 1;
    }
    if (name && len == sizeof(family)) {
        line_printf(l, "{sa_family=%s}", name);
        return 1;
    }
    return 0;
}

/* Returns 0 when nothing could be decoded, so the caller shows the pointer. */
static int put_captured_sockaddr(struct line *l, const void *bytes, size_t len)
{
    if (put_strace_sockaddr(l, bytes, len))
        return 1;
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
    if (p && payload_has(p, PAYLOAD_SOCKADDR) && ptr != 0 &&
        put_strace_sockaddr(l, p->sockaddr, p->sockaddr_len))
        return;
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

#define FUTEX_OP_BITS 127u
#define FUTEX_PRIVATE_BIT 128u
#define FUTEX_CLOCK_REALTIME_BIT 256u

static void put_name_or_number(struct line *l, const struct xlat *set, uint64_t value)
{
    const char *name = xlat_name(set, value);
    if (name)
        line_str(l, name);
    else
        line_printf(l, "%llu", (unsigned long long)value);
}

static void put_flag_set(struct line *l, const struct xlat *set, uint64_t value)
{
    l->len += xlat_format_flags(set, value, line_end(l), line_room(l));
}

static void put_futex_op(struct line *l, uint64_t op)
{
    const char *name = xlat_name(&xlat_futex_ops, op & FUTEX_OP_BITS);
    if (!name || (op & ~(uint64_t)(FUTEX_OP_BITS | FUTEX_PRIVATE_BIT | FUTEX_CLOCK_REALTIME_BIT))) {
        line_printf(l, "%#llx", (unsigned long long)op);
        return;
    }
    line_str(l, name);
    if (op & FUTEX_PRIVATE_BIT)
        line_str(l, "_PRIVATE");
    if (op & FUTEX_CLOCK_REALTIME_BIT)
        line_str(l, "|FUTEX_CLOCK_REALTIME");
}

static void put_command(struct line *l, int32_t nr, uint64_t value)
{
    switch (nr) {
    case NR_FCNTL:
        put_name_or_number(l, &xlat_fcntl_cmds, value);
        break;
    case NR_EPOLL_CTL:
        put_name_or_number(l, &xlat_epoll_ctl_cmds, value);
        break;
    case NR_ARCH_PRCTL:
        put_name_or_number(l, &xlat_arch_prctl_cmds, value);
        break;
    case NR_FUTEX:
        put_futex_op(l, value);
        break;
    case NR_PRCTL:
        put_name_or_number(l, &xlat_prctl_options, value);
        break;
    default: {
        /* ioctl requests encode size and direction bits, readable in hex. */
        const char *name = xlat_name(&xlat_ioctl_cmds, value & 0xffffffffu);
        if (name)
            line_str(l, name);
        else
            line_printf(l, "%#llx", (unsigned long long)(value & 0xffffffffu));
        break;
    }
    }
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

/* ---- what the kernel filled in or the caller passed, as strace abbreviates it */

/* The captured bytes of argument i when at least `need` of them were read. */
static const uint8_t *shown_bytes(const cmp_event *ev, int i, size_t need)
{
    const struct captured_arg *a = shown_arg(ev, i);
    return a && a->len >= need ? a->bytes : NULL;
}

static uint64_t get_u64(const uint8_t *b, size_t off)
{
    uint64_t v;
    memcpy(&v, b + off, sizeof(v));
    return v;
}

static uint32_t get_u32(const uint8_t *b, size_t off)
{
    uint32_t v;
    memcpy(&v, b + off, sizeof(v));
    return v;
}

static const struct xlat_entry file_types[] = {
    {S_IFREG, "S_IFREG"}, {S_IFDIR, "S_IFDIR"}, {S_IFCHR, "S_IFCHR"},   {S_IFBLK, "S_IFBLK"},
    {S_IFIFO, "S_IFIFO"}, {S_IFLNK, "S_IFLNK"}, {S_IFSOCK, "S_IFSOCK"},
};
static const struct xlat file_type_set = {"file_types", file_types, COUNT(file_types)};

static void put_file_mode(struct line *l, uint32_t mode)
{
    const char *type = (mode & S_IFMT) ? xlat_name(&file_type_set, mode & S_IFMT) : "";
    if (!type) {
        line_printf(l, "%#03o", mode);
        return;
    }
    line_printf(l, "%s%s%s%s%s%#03o", type, type[0] ? "|" : "", (mode & S_ISUID) ? "S_ISUID|" : "",
                (mode & S_ISGID) ? "S_ISGID|" : "", (mode & S_ISVTX) ? "S_ISVTX|" : "",
                mode & ~(unsigned)(S_IFMT | S_ISUID | S_ISGID | S_ISVTX));
}

static void put_makedev(struct line *l, uint64_t dev)
{
    unsigned long long major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull);
    unsigned long long minor = (dev & 0xff) | ((dev >> 12) & ~0xffull);
    line_printf(l, "makedev(%#llx, %#llx)", major, minor);
}

/* struct stat (x86-64 layout): st_mode at 24, st_rdev at 40, st_size at 48. */
static void put_stat(struct line *l, const cmp_event *ev, int i)
{
    const uint8_t *b = ev->ret == 0 ? shown_bytes(ev, i, 56) : NULL;
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    uint32_t mode = get_u32(b, 24);
    line_str(l, "{st_mode=");
    put_file_mode(l, mode);
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        line_str(l, ", st_rdev=");
        put_makedev(l, get_u64(b, 40));
    } else {
        line_printf(l, ", st_size=%lld", (long long)get_u64(b, 48));
    }
    line_str(l, ", ...}");
}

/* struct statx: stx_mask at 0, stx_attributes at 8, stx_mode at 28, stx_size at 40. */
static void put_statx(struct line *l, const cmp_event *ev, int i)
{
    const uint8_t *b = ev->ret == 0 ? shown_bytes(ev, i, 48) : NULL;
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    uint16_t mode;
    memcpy(&mode, b + 28, sizeof(mode));
    line_str(l, "{stx_mask=");
    put_flag_set(l, &xlat_statx_mask, get_u32(b, 0));
    line_str(l, ", stx_attributes=");
    put_flag_set(l, &xlat_statx_attrs, get_u64(b, 8));
    line_str(l, ", stx_mode=");
    put_file_mode(l, mode);
    line_printf(l, ", stx_size=%llu, ...}", (unsigned long long)get_u64(b, 40));
}

/* strace's sets: the members by name, or what is missing after '~' when
 * more than half the bits are set. */
static void put_sigset_bits(struct line *l, uint64_t set)
{
    int inverted = __builtin_popcountll(set) > 32;
    if (inverted) {
        set = ~set;
        line_put(l, "~", 1);
    }
    line_put(l, "[", 1);
    int first = 1;
    for (int sig = 1; sig <= 64; sig++) {
        if (!(set & (1ull << (sig - 1))))
            continue;
        char buf[16];
        line_str(l, first ? "" : " ");
        line_str(l, xlat_sigset_name(sig, buf, sizeof(buf)));
        first = 0;
    }
    line_put(l, "]", 1);
}

static void put_sigset(struct line *l, const cmp_event *ev, int i, int at_exit)
{
    const uint8_t *b = (!at_exit || ev->ret == 0) ? shown_bytes(ev, i, 8) : NULL;
    if (ev->args[i] == 0)
        line_str(l, "NULL");
    else if (!b)
        put_pointer(l, ev->args[i]);
    else
        put_sigset_bits(l, get_u64(b, 0));
}

/* The kernel's struct sigaction: handler, flags, restorer, mask. */
static void put_sigaction(struct line *l, const cmp_event *ev, int i, int at_exit)
{
    const uint8_t *b = (!at_exit || ev->ret == 0) ? shown_bytes(ev, i, 32) : NULL;
    if (ev->args[i] == 0) {
        line_str(l, "NULL");
        return;
    }
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    uint64_t handler = get_u64(b, 0), flags = get_u64(b, 8);
    line_str(l, "{sa_handler=");
    if (handler == 0)
        line_str(l, "SIG_DFL");
    else if (handler == 1)
        line_str(l, "SIG_IGN");
    else
        put_pointer(l, handler);
    line_str(l, ", sa_mask=");
    put_sigset_bits(l, get_u64(b, 24));
    line_str(l, ", sa_flags=");
    put_flag_set(l, &xlat_sigaction_flags, flags);
    if (flags & 0x04000000u) { /* SA_RESTORER */
        line_str(l, ", sa_restorer=");
        put_pointer(l, get_u64(b, 16));
    }
    line_put(l, "}", 1);
}

static void put_rlim(struct line *l, uint64_t v)
{
    if (v == UINT64_MAX)
        line_str(l, "RLIM64_INFINITY");
    else if (v > 1024 && v % 1024 == 0)
        line_printf(l, "%llu*1024", (unsigned long long)(v / 1024));
    else
        line_printf(l, "%llu", (unsigned long long)v);
}

static void put_rlimit(struct line *l, const cmp_event *ev, int i, int at_exit)
{
    const uint8_t *b = (!at_exit || ev->ret == 0) ? shown_bytes(ev, i, 16) : NULL;
    if (ev->args[i] == 0) {
        line_str(l, "NULL");
        return;
    }
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    line_str(l, "{rlim_cur=");
    put_rlim(l, get_u64(b, 0));
    line_str(l, ", rlim_max=");
    put_rlim(l, get_u64(b, 8));
    line_put(l, "}", 1);
}

static void put_timespec(struct line *l, const cmp_event *ev, int i)
{
    const uint8_t *b = shown_bytes(ev, i, 16);
    if (ev->args[i] == 0)
        line_str(l, "NULL");
    else if (!b)
        put_pointer(l, ev->args[i]);
    else
        line_printf(l, "{tv_sec=%lld, tv_nsec=%lld}", (long long)get_u64(b, 0),
                    (long long)get_u64(b, 8));
}

/* A wait status as strace spells it out: [{WIFEXITED(s) && WEXITSTATUS(s) == 0}]. */
static void put_wait_status(struct line *l, const cmp_event *ev, int i)
{
    const uint8_t *b = ev->ret > 0 ? shown_bytes(ev, i, 4) : NULL;
    if (ev->args[i] == 0) {
        line_str(l, "NULL");
        return;
    }
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    int s = (int)get_u32(b, 0);
    line_str(l, "[{");
    if (WIFEXITED(s)) {
        line_printf(l, "WIFEXITED(s) && WEXITSTATUS(s) == %d", WEXITSTATUS(s));
    } else if (WIFSIGNALED(s)) {
        line_str(l, "WIFSIGNALED(s) && WTERMSIG(s) == ");
        put_signal(l, (uint64_t)WTERMSIG(s));
        if (WCOREDUMP(s))
            line_str(l, " && WCOREDUMP(s)");
    } else if (WIFSTOPPED(s)) {
        line_str(l, "WIFSTOPPED(s) && WSTOPSIG(s) == ");
        put_signal(l, (uint64_t)WSTOPSIG(s));
    } else {
        line_printf(l, "%#x", s);
    }
    line_str(l, "}]");
}

/* An int the caller passes or the kernel fills in, as [N]. */
static void put_int_ref(struct line *l, const cmp_event *ev, int i, int at_exit)
{
    const uint8_t *b = (!at_exit || ev->ret >= 0) ? shown_bytes(ev, i, 4) : NULL;
    if (ev->args[i] == 0)
        line_str(l, "NULL");
    else if (!b)
        put_pointer(l, ev->args[i]);
    else
        line_printf(l, "[%d]", (int)get_u32(b, 0));
}

/* struct utsname's first two fields (65 bytes each), then "...". */
static void put_utsname(struct line *l, const cmp_event *ev, int i)
{
    const uint8_t *b = ev->ret == 0 ? shown_bytes(ev, i, 130) : NULL;
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    line_str(l, "{sysname=");
    line_quoted(l, (const char *)b, strnlen((const char *)b, 65), 0);
    line_str(l, ", nodename=");
    line_quoted(l, (const char *)b + 65, strnlen((const char *)b + 65, 65), 0);
    line_str(l, ", ...}");
}

/* A CPU mask the kernel filled (ret bytes): the CPUs in it, [0 1]. */
static void put_cpu_mask(struct line *l, const cmp_event *ev, int i)
{
    const struct captured_arg *a = ev->ret > 0 ? shown_arg(ev, i) : NULL;
    if (!a) {
        put_pointer(l, ev->args[i]);
        return;
    }
    line_put(l, "[", 1);
    int first = 1;
    for (size_t byte = 0; byte < a->len; byte++)
        for (int bit = 0; bit < 8; bit++)
            if (a->bytes[byte] & (1u << bit)) {
                line_printf(l, "%s%zu", first ? "" : " ", byte * 8 + (size_t)bit);
                first = 0;
            }
    line_put(l, "]", 1);
}

/* execve's argv: the strings the source read, NUL-separated, value the count. */
static void put_argv(struct line *l, const cmp_event *ev, int i)
{
    const struct captured_arg *a = shown_arg(ev, i);
    if (ev->args[i] == 0) {
        line_str(l, "NULL");
        return;
    }
    if (!a) {
        put_pointer(l, ev->args[i]);
        return;
    }
    line_put(l, "[", 1);
    size_t at = 0;
    uint64_t n = 0;
    while (at < a->len && n < a->value) {
        const char *s = (const char *)a->bytes + at;
        size_t len = strnlen(s, a->len - at);
        if (at + len >= a->len)
            break; /* cut short by the room the record keeps */
        line_str(l, n ? ", " : "");
        line_quoted(l, s, len < DATA_SHOWN ? len : DATA_SHOWN, len > DATA_SHOWN);
        at += len + 1;
        n++;
    }
    if (n < a->value)
        line_str(l, n ? ", ..." : "...");
    line_put(l, "]", 1);
}

static void put_env_count(struct line *l, const cmp_event *ev, int i)
{
    const struct captured_arg *a = shown_arg(ev, i);
    put_pointer(l, ev->args[i]);
    if (a && ev->args[i])
        line_printf(l, " /* %llu var%s */", (unsigned long long)a->value, a->value == 1 ? "" : "s");
}

static void put_dirents(struct line *l, const cmp_event *ev, int i)
{
    const struct captured_arg *a = ev->ret >= 0 ? shown_arg(ev, i) : NULL;
    put_pointer(l, ev->args[i]);
    if (a)
        line_printf(l, " /* %llu entries */", (unsigned long long)a->value);
}

/* The two fds pipe/pipe2/socketpair made. */
static void put_fd_pair(struct line *l, const cmp_event *ev, int i)
{
    const struct syscall_payloads *p = ev->payloads;
    if (ev->ret == 0 && p && payload_has(p, PAYLOAD_FD_PAIR))
        line_printf(l, "[%d, %d]", p->fd_pair[0], p->fd_pair[1]);
    else
        put_pointer(l, ev->args[i]);
}

/* A string the kernel wrote, NUL included in the ret bytes (getcwd). */
static void put_filled_path(struct line *l, const cmp_event *ev, int i)
{
    const struct captured_arg *a = ev->ret > 0 ? shown_arg(ev, i) : NULL;
    if (!a) {
        put_pointer(l, ev->args[i]);
        return;
    }
    size_t len = strnlen((const char *)a->bytes, a->len);
    line_quoted(l, (const char *)a->bytes, len, len == a->len && (uint64_t)ev->ret > a->len);
}

/* socket(2)'s type: the type by name, then SOCK_CLOEXEC and SOCK_NONBLOCK. */
static void put_socket_type(struct line *l, uint64_t v)
{
    put_name_or_number(l, &xlat_socket_types, v & 0xf);
    if (v & ~(uint64_t)0xf) {
        line_put(l, "|", 1);
        put_flag_set(l, &xlat_sock_type_flags, v & ~(uint64_t)0xf);
    }
}

/* The option name of setsockopt/getsockopt, read by the level before it. */
static void put_sockopt_name(struct line *l, const cmp_event *ev, int i)
{
    uint64_t level = ev->args[i - 1];
    const struct xlat *set = level == 1   ? &xlat_sockopt_names
                             : level == 6 ? &xlat_tcp_options
                                          : NULL;
    if (set)
        put_name_or_number(l, set, ev->args[i]);
    else
        line_printf(l, "%llu", (unsigned long long)ev->args[i]);
}

/* statx's flags: the sync type (its low bits' value) first, then AT_*. */
static void put_statx_flags(struct line *l, uint64_t v)
{
    static const char *const sync_types[] = {"AT_STATX_SYNC_AS_STAT", "AT_STATX_FORCE_SYNC",
                                             "AT_STATX_DONT_SYNC", "0x6000"};
    line_str(l, sync_types[(v >> 13) & 3]);
    uint64_t rest = v & ~(uint64_t)0x6000;
    if (rest) {
        line_put(l, "|", 1);
        put_flag_set(l, &xlat_at_flags, rest);
    }
}

/* fcntl's third argument, as its command reads it. */
static void put_fcntl_arg(struct line *l, const cmp_event *ev, int i)
{
    uint64_t v = ev->args[i];
    switch (ev->args[1]) {
    case F_SETFD:
        put_flag_set(l, &xlat_fd_flags, v);
        break;
    case F_SETFL:
        l->len += decode_open_flags(v, line_end(l), line_room(l));
        break;
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_SETOWN:
    case F_SETSIG:
    case F_SETPIPE_SZ:
        line_printf(l, "%d", (int)(int32_t)v);
        break;
    default:
        put_pointer(l, v);
        break;
    }
}

/* How many arguments strace shows of a call whose count depends on a command. */
static int arg_count(const cmp_event *ev, int table_count)
{
    if (ev->nr == NR_FCNTL) {
        switch (ev->args[1]) {
        case F_GETFD:
        case F_GETFL:
        case F_GETOWN:
        case F_GETSIG:
        case F_GETLEASE:
        case F_GETPIPE_SZ:
        case 1034: /* F_GET_SEALS */
            return 2;
        default:
            return 3;
        }
    }
    return table_count;
}

/* The length of an address the kernel stored, as strace: [in => out] when
 * it differs from the room the caller offered (captured at entry). */
static void put_addr_len(struct line *l, const cmp_event *ev, int i, int64_t stored)
{
    const uint8_t *offered = shown_bytes(ev, i, 4);
    if (stored < 0)
        put_pointer(l, ev->args[i]);
    else if (offered && get_u32(offered, 0) != (uint64_t)stored)
        line_printf(l, "[%u => %lld]", get_u32(offered, 0), (long long)stored);
    else
        line_printf(l, "[%lld]", (long long)stored);
}

/* socket(2)'s protocol, named as its family reads it. */
static void put_protocol(struct line *l, uint64_t family, uint64_t v)
{
    const struct xlat *set = family == AF_INET || family == AF_INET6 ? &xlat_ip_protocols
                             : family == AF_NETLINK                  ? &xlat_netlink_protocols
                                                                     : NULL;
    if (set)
        put_name_or_number(l, set, v & 0xffffffffu);
    else
        line_printf(l, "%d", (int)(int32_t)v);
}

/* struct pollfd[nfds] (fd, events, revents: 8 bytes each), as read at the
 * exit (the kernel wrote only the revents) or else at entry. */
static void put_pollfds(struct line *l, const cmp_event *ev, int i)
{
    const struct captured_arg *a = shown_arg(ev, i);
    uint64_t nfds = ev->args[i + 1];
    if (!a || ev->args[i] == 0 || a->len < nfds * 8 || nfds == 0) {
        put_pointer(l, ev->args[i]);
        return;
    }
    line_put(l, "[", 1);
    for (uint64_t k = 0; k < nfds; k++) {
        int16_t events;
        memcpy(&events, a->bytes + k * 8 + 4, sizeof(events));
        line_printf(l, "%s{fd=%d, events=", k ? ", " : "", (int)get_u32(a->bytes, k * 8));
        put_flag_set(l, &xlat_poll_events, (uint16_t)events);
        line_put(l, "}", 1);
    }
    line_put(l, "]", 1);
}

/* What poll returned: the entries with revents, "([{fd=3, revents=POLLIN}])". */
static void put_poll_revents(struct line *l, const cmp_event *ev)
{
    const struct captured_arg *a = shown_arg(ev, 0);
    uint64_t nfds = ev->args[1];
    if (!a || ev->ret <= 0 || a->len < nfds * 8)
        return;
    line_str(l, " ([");
    int first = 1;
    for (uint64_t k = 0; k < nfds; k++) {
        int16_t revents;
        memcpy(&revents, a->bytes + k * 8 + 6, sizeof(revents));
        if (!revents)
            continue;
        line_printf(l, "%s{fd=%d, revents=", first ? "" : ", ", (int)get_u32(a->bytes, k * 8));
        put_flag_set(l, &xlat_poll_events, (uint16_t)revents);
        line_put(l, "}", 1);
        first = 0;
    }
    line_str(l, "])");
}

/* An iovec array as the source keeps it (capture.c): per element its
 * iov_len (8 bytes) and the first of the bytes shown of it, value the
 * element count. The bytes shown of each element: its length, or for what
 * the kernel filled, what is left of ret. */
/* The iovec records from byte `at` of a, count elements, the first
 * `left` bytes of data over them shown. */
static void put_iovec_records(struct line *l, const struct captured_arg *a, size_t at,
                              uint64_t count, uint64_t left)
{
    uint64_t k = 0;
    line_put(l, "[", 1);
    for (; k < count && at + 8 <= a->len; k++) {
        uint64_t len = get_u64(a->bytes, at);
        uint64_t data = len < left ? len : left;
        size_t kept = data < DATA_SHOWN ? (size_t)data : DATA_SHOWN;
        if (at + 8 + kept > a->len)
            break;
        line_str(l, k ? ", {iov_base=" : "{iov_base=");
        line_quoted(l, (const char *)a->bytes + at + 8, kept, data > DATA_SHOWN);
        line_printf(l, ", iov_len=%llu}", (unsigned long long)len);
        left -= data;
        at += 8 + kept;
    }
    if (k < count)
        line_str(l, k ? ", ..." : "...");
    line_put(l, "]", 1);
}

static void put_iovecs(struct line *l, const cmp_event *ev, int i, int filled)
{
    const struct captured_arg *a = shown_arg(ev, i);
    if (!a || (filled && ev->ret < 0))
        put_pointer(l, ev->args[i]);
    else
        put_iovec_records(l, a, 0, a->value, filled ? (uint64_t)ev->ret : UINT64_MAX);
}

/* A struct msghdr as capture.c keeps it: name, control, namelen|flags<<32,
 * iovlen, controllen, then the iovecs. Names and control data are shown as
 * pointers. */
static void put_msghdr(struct line *l, const cmp_event *ev, int i, int filled)
{
    const struct captured_arg *a = shown_arg(ev, i);
    if (!a || a->len < 40 || (filled && ev->ret < 0)) {
        put_pointer(l, ev->args[i]);
        return;
    }
    uint64_t name = get_u64(a->bytes, 0), control = get_u64(a->bytes, 8);
    uint64_t lens = get_u64(a->bytes, 16), iovlen = get_u64(a->bytes, 24);
    line_str(l, "{msg_name=");
    put_pointer(l, name);
    line_printf(l, ", msg_namelen=%u, msg_iov=", (unsigned)(uint32_t)lens);
    put_iovec_records(l, a, 40, iovlen, filled ? (uint64_t)ev->ret : UINT64_MAX);
    line_printf(l, ", msg_iovlen=%llu", (unsigned long long)iovlen);
    if (control) {
        line_str(l, ", msg_control=");
        put_pointer(l, control);
    }
    line_printf(l, ", msg_controllen=%llu, msg_flags=", (unsigned long long)get_u64(a->bytes, 32));
    put_flag_set(l, &xlat_msg_flags, lens >> 32);
    line_put(l, "}", 1);
}

/* struct sysinfo, every field (strace abbreviates none of them). */
static void put_sysinfo(struct line *l, const cmp_event *ev, int i)
{
    const uint8_t *b = ev->ret == 0 ? shown_bytes(ev, i, 108) : NULL;
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    uint16_t procs;
    memcpy(&procs, b + 80, sizeof(procs));
    line_printf(l, "{uptime=%lld, loads=[%llu, %llu, %llu]", (long long)get_u64(b, 0),
                (unsigned long long)get_u64(b, 8), (unsigned long long)get_u64(b, 16),
                (unsigned long long)get_u64(b, 24));
    static const char *const sizes[] = {"totalram",  "freeram",   "sharedram",
                                        "bufferram", "totalswap", "freeswap"};
    for (size_t k = 0; k < COUNT(sizes); k++)
        line_printf(l, ", %s=%llu", sizes[k], (unsigned long long)get_u64(b, 32 + 8 * k));
    line_printf(l, ", procs=%u, totalhigh=%llu, freehigh=%llu, mem_unit=%u}", procs,
                (unsigned long long)get_u64(b, 88), (unsigned long long)get_u64(b, 96),
                get_u32(b, 104));
}

/* A loff_t the caller passed, and where the kernel moved it: [0] => [100]. */
static void put_offset(struct line *l, const cmp_event *ev, int i)
{
    const struct captured_arg *a = shown_arg(ev, i);
    if (ev->args[i] == 0) {
        line_str(l, "NULL");
    } else if (!a || a->len < 8) {
        put_pointer(l, ev->args[i]);
    } else {
        line_printf(l, "[%lld]", (long long)get_u64(a->bytes, 0));
        if (a->len >= 16)
            line_printf(l, " => [%lld]", (long long)get_u64(a->bytes, 8));
    }
}

/* struct clone_args, as strace shows the fields its flags make used. */
static void put_clone_args(struct line *l, const cmp_event *ev, int i)
{
    const uint8_t *b = shown_bytes(ev, i, 64);
    if (!b) {
        put_pointer(l, ev->args[i]);
        return;
    }
    uint64_t flags = get_u64(b, 0);
    line_str(l, "{flags=");
    l->len += decode_clone_flags(flags, line_end(l), line_room(l));
    if (flags & 0x1000u) { /* CLONE_PIDFD */
        line_str(l, ", pidfd=");
        put_pointer(l, get_u64(b, 8));
    }
    if (flags & (0x1000000u | 0x200000u)) { /* CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID */
        line_str(l, ", child_tid=");
        put_pointer(l, get_u64(b, 16));
    }
    if (flags & 0x100000u) { /* CLONE_PARENT_SETTID */
        line_str(l, ", parent_tid=");
        put_pointer(l, get_u64(b, 24));
    }
    line_str(l, ", exit_signal=");
    if (get_u64(b, 32))
        put_signal(l, get_u64(b, 32));
    else
        line_put(l, "0", 1);
    line_str(l, ", stack=");
    put_pointer(l, get_u64(b, 40));
    line_printf(l, ", stack_size=%#llx", (unsigned long long)get_u64(b, 48));
    if (flags & 0x80000u) { /* CLONE_SETTLS */
        line_str(l, ", tls=");
        put_pointer(l, get_u64(b, 56));
    }
    line_put(l, "}", 1);
    if ((flags & 0x100000u) && ev->type == CMP_EV_SYSCALL && ev->ret > 0)
        line_printf(l, " => {parent_tid=[%lld]}", (long long)ev->ret);
}

/* Kinds that are one of xlat.h's sets: a 32-bit value, named or as flags. */
static const struct {
    char kind;
    bool flags;
    const struct xlat *set;
} named_kinds[] = {
    {'n', true, &xlat_at_flags},          {'J', true, &xlat_faccessat_flags},
    {'k', true, &xlat_statx_mask},        {'e', true, &xlat_access_modes},
    {'w', false, &xlat_whence},           {'v', false, &xlat_address_families},
    {'l', false, &xlat_socket_levels},    {'M', true, &xlat_msg_flags},
    {'g', true, &xlat_getrandom_flags},   {'W', true, &xlat_wait_options},
    {'r', false, &xlat_rlimit_resources}, {'C', false, &xlat_clock_ids},
    {'y', false, &xlat_fadvise_advice},   {'q', false, &xlat_sigprocmask_how},
    {'I', false, &xlat_madvise_advice},   {'6', true, &xlat_open_flags},
    {'7', true, &xlat_sock_type_flags},
};

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

    /* The i386 ABI lays these out otherwise (32-bit pointers and times):
     * its calls show them as the pointers they are. */
    if (ev->abi == CMP_ABI_I386 && strchr(I386_LAYOUT_DIFFERS, kind))
        kind = 'x';
    for (size_t k = 0; k < COUNT(named_kinds); k++) {
        if (named_kinds[k].kind != kind)
            continue;
        if (named_kinds[k].flags)
            put_flag_set(l, named_kinds[k].set, v & 0xffffffffu);
        else
            put_name_or_number(l, named_kinds[k].set, v & 0xffffffffu);
        return;
    }
    switch (kind) {
    case 'd':
        line_printf(l, "%d", (int)(int32_t)v);
        break;
    case 'D': {
        const char *special = xlat_name(&xlat_dirfds, (uint64_t)(int64_t)(int32_t)v);
        if (special)
            line_str(l, special);
        else
            line_printf(l, "%d", (int)(int32_t)v);
        break;
    }
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
        else if (ev->type == CMP_EV_SYSCALL && ev->ret == 0 && v != 0)
            line_str(l, "\"\""); /* nothing was read: strace shows the empty string */
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
    case 'h':
        if (v == 0)
            line_str(l, "0");
        else
            line_printf(l, "%#llx", (unsigned long long)v);
        break;
    case 'N':
        put_statx_flags(l, v & 0xffffffffu);
        break;
    case 't':
        put_socket_type(l, v & 0xffffffffu);
        break;
    case 'O':
        put_sockopt_name(l, ev, i);
        break;
    case 'T':
        put_stat(l, ev, i);
        break;
    case 'X':
        put_statx(l, ev, i);
        break;
    case 'G':
        put_sigaction(l, ev, i, 0);
        break;
    case 'H':
        put_sigaction(l, ev, i, 1);
        break;
    case 'Q':
        put_sigset(l, ev, i, 0);
        break;
    case 'R':
        put_sigset(l, ev, i, 1);
        break;
    case 'L':
        put_rlimit(l, ev, i, 0);
        break;
    case 'K':
        put_rlimit(l, ev, i, 1);
        break;
    case '1':
        put_timespec(l, ev, i);
        break;
    case '2':
        put_utsname(l, ev, i);
        break;
    case '4':
        put_cpu_mask(l, ev, i);
        break;
    case '5':
        put_filled_path(l, ev, i);
        break;
    case 'Z':
        put_wait_status(l, ev, i);
        break;
    case 'z':
        put_int_ref(l, ev, i, 0);
        break;
    case 'U':
        put_int_ref(l, ev, i, 1);
        break;
    case 'E':
        put_dirents(l, ev, i);
        break;
    case 'V':
        put_argv(l, ev, i);
        break;
    case 'j':
        put_env_count(l, ev, i);
        break;
    case 'Y':
        put_fd_pair(l, ev, i);
        break;
    case '3':
        put_fcntl_arg(l, ev, i);
        break;
    case '0':
        put_protocol(l, ev->args[0], v);
        break;
    case ':':
        put_pollfds(l, ev, i);
        break;
    case '8':
        put_iovecs(l, ev, i, 0);
        break;
    case '9':
        put_iovecs(l, ev, i, 1);
        break;
    case ';':
        put_clone_args(l, ev, i);
        break;
    case '<':
    case '>':
        put_offset(l, ev, i);
        break;
    case '@':
        put_msghdr(l, ev, i, 0);
        break;
    case '%':
        put_sysinfo(l, ev, i);
        break;
    case '&':
        put_msghdr(l, ev, i, 1);
        break;
    default: /* 'x' */
        put_addr_len(l, ev, i, addr_len);
        break;
    }
}

static int returns_address(int32_t nr)
{
    return nr == NR_MMAP || nr == NR_BRK || nr == NR_MREMAP || nr == NR_SHMAT ||
           nr == NR_MAP_SHADOW_STACK;
}

/* What strace adds after some results. */
static void put_return_note(struct line *l, const cmp_event *ev)
{
    switch (ev->nr) {
    case NR_POLL:
    case NR_SELECT:
    case NR_PPOLL:
    case NR_PSELECT6:
        if (ev->ret == 0)
            line_str(l, " (Timeout)");
        break;
    default:
        break;
    }
}

static int returns_flags(const cmp_event *ev)
{
    return ev->nr == NR_FCNTL && ev->ret > 0 && (ev->args[1] == F_GETFL || ev->args[1] == F_GETFD);
}

static void put_return(struct line *l, const cmp_event *ev)
{
    if (ev->nr == NR_EXIT || ev->nr == NR_EXIT_GROUP) {
        line_str(l, " = ?");
        return;
    }
    if (ev->type == CMP_EV_ENTER)
        return;
    if (ev->ret < 0 && ev->ret >= -MAX_ERRNO) {
        int32_t err = (int32_t)-ev->ret;
        const char *name = cmp_errno_name(err);
        const char *text = xlat_errno_text(err);
        /* The restart codes never reach the program: strace marks them "?". */
        line_str(l, err >= 512 && name ? " = ? " : " = -1 ");
        if (name)
            line_str(l, name);
        else
            line_printf(l, "errno=%d", (int)err);
        if (text)
            line_printf(l, " (%s)", text);
    } else if (returns_address(ev->nr)) {
        line_printf(l, " = %#llx", (unsigned long long)ev->ret);
    } else if (returns_flags(ev)) {
        line_printf(l, " = %#llx (flags ", (unsigned long long)ev->ret);
        if (ev->args[1] == F_GETFL)
            l->len += decode_open_flags((uint64_t)ev->ret, line_end(l), line_room(l));
        else
            put_flag_set(l, &xlat_fd_flags, (uint64_t)ev->ret);
        line_put(l, ")", 1);
    } else {
        line_printf(l, " = %lld", (long long)ev->ret);
        put_return_note(l, ev);
        if (ev->nr == NR_POLL)
            put_poll_revents(l, ev);
    }
}

/* clone(2) as strace names its arguments: the stack and flags, then the
 * pointers the flags make the kernel use. */
static void put_clone_call(struct line *l, const cmp_event *ev)
{
    uint64_t flags = ev->args[0] & ~(uint64_t)CLONE_SIGNAL_MASK;
    line_str(l, "child_stack=");
    put_pointer(l, ev->args[1]);
    line_str(l, ", flags=");
    put_clone_flags(l, ev->args[0]);
    if (flags & (0x100000u | 0x1000u)) { /* CLONE_PARENT_SETTID, CLONE_PIDFD */
        line_str(l, ", parent_tid=");
        if ((flags & 0x100000u) && ev->type == CMP_EV_SYSCALL && ev->ret > 0)
            line_printf(l, "[%lld]", (long long)ev->ret); /* the kernel stored the child's tid */
        else
            put_pointer(l, ev->args[2]);
    }
    if (flags & 0x80000u) { /* CLONE_SETTLS */
        line_str(l, ", tls=");
        put_pointer(l, ev->args[4]);
    }
    if (flags & (0x1000000u | 0x200000u)) { /* CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID */
        line_str(l, ", child_tidptr=");
        put_pointer(l, ev->args[3]);
    }
}

static void put_bitset(struct line *l, uint64_t v)
{
    if ((uint32_t)v == 0xffffffffu)
        line_str(l, "FUTEX_BITSET_MATCH_ANY");
    else
        line_printf(l, "%#x", (unsigned)v);
}

/* futex(2): the arguments its command uses, as strace shows them. */
static void put_futex_call(struct line *l, const cmp_event *ev)
{
    const uint64_t *a = ev->args;
    put_pointer(l, a[0]);
    line_str(l, ", ");
    put_futex_op(l, a[1]);
    switch (a[1] & FUTEX_OP_BITS) {
    case FUTEX_WAIT:
        line_printf(l, ", %u, ", (unsigned)a[2]);
        put_timespec(l, ev, 3);
        break;
    case FUTEX_LOCK_PI:
    case 13: /* FUTEX_LOCK_PI2 */
        line_str(l, ", ");
        put_timespec(l, ev, 3);
        break;
    case FUTEX_WAIT_BITSET:
        line_printf(l, ", %u, ", (unsigned)a[2]);
        put_timespec(l, ev, 3);
        line_str(l, ", ");
        put_bitset(l, a[5]);
        break;
    case FUTEX_WAKE_BITSET:
        line_printf(l, ", %u, ", (unsigned)a[2]);
        put_bitset(l, a[5]);
        break;
    case FUTEX_REQUEUE:
        line_printf(l, ", %u, %u, ", (unsigned)a[2], (unsigned)a[3]);
        put_pointer(l, a[4]);
        break;
    case FUTEX_CMP_REQUEUE:
    case FUTEX_CMP_REQUEUE_PI:
    case FUTEX_WAKE_OP:
        line_printf(l, ", %u, %u, ", (unsigned)a[2], (unsigned)a[3]);
        put_pointer(l, a[4]);
        line_printf(l, ", %u", (unsigned)a[5]);
        break;
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI:
        break;
    default:
        line_printf(l, ", %u", (unsigned)a[2]);
        break;
    }
}

size_t cmp_format_syscall(const cmp_event *ev, char *buf, size_t cap)
{
    struct line l = {buf, cap, 0, ev && ev->nr == NR_GETRANDOM};
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

    if (ev->nr == NR_CLONE) {
        put_clone_call(&l, ev);
    } else if (ev->nr == NR_FUTEX) {
        put_futex_call(&l, ev);
    } else if (!desc || !desc->args) {
        for (int i = 0; i < 6; i++)
            line_printf(&l, "%s%#llx", i ? ", " : "", (unsigned long long)ev->args[i]);
    } else {
        struct arg_state st = {0, -1};
        int shown = 0;
        int count = arg_count(ev, (int)strlen(desc->args));
        for (int i = 0; i < count && i < 6 && desc->args[i]; i++) {
            if (arg_hidden(ev, desc->args, i))
                continue;
            if (shown++)
                line_put(&l, ", ", 2);
            put_arg(&l, ev, i, desc->args[i], &st);
        }
    }
    line_put(&l, ")", 1);

    put_return(&l, ev);
    return l.len;
}
