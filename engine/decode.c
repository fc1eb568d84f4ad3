#include "decode.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

/* Output that keeps counting past the end of buf, so every writer can
 * return the length it would have needed, as snprintf does. */
struct text {
    char *buf;
    size_t cap;
    size_t len;
};

static void text_put(struct text *t, const char *s, size_t n)
{
    if (t->cap > 0 && t->len < t->cap - 1) {
        size_t room = t->cap - 1 - t->len;
        size_t copied = n < room ? n : room;
        memcpy(t->buf + t->len, s, copied);
        t->buf[t->len + copied] = '\0';
    }
    t->len += n;
}

static void text_str(struct text *t, const char *s)
{
    text_put(t, s, strlen(s));
}

/* For short pieces only: numbers and addresses. */
__attribute__((format(printf, 2, 3))) static void text_printf(struct text *t, const char *fmt, ...)
{
    char piece[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof(piece), fmt, ap);
    va_end(ap);
    if (n > 0)
        text_put(t, piece, (size_t)n < sizeof(piece) ? (size_t)n : sizeof(piece) - 1);
}

static struct text text_start(char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    return (struct text){buf, cap, 0};
}

struct flag_name {
    uint64_t mask; /* every bit must be set for the name to apply */
    const char *name;
};

/* Names each flag in table order, then whatever bits are left in hex. */
static void put_flags(struct text *t, uint64_t flags, const struct flag_name *names, size_t count)
{
    int first = t->len == 0;
    for (size_t i = 0; i < count; i++) {
        if ((flags & names[i].mask) != names[i].mask)
            continue;
        if (!first)
            text_put(t, "|", 1);
        text_str(t, names[i].name);
        flags &= ~names[i].mask;
        first = 0;
    }
    if (flags) {
        if (!first)
            text_put(t, "|", 1);
        text_printf(t, "%#llx", (unsigned long long)flags);
    }
}

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Kernel values, spelled out because glibc defines O_LARGEFILE as 0 on
 * 64-bit targets while the kernel still reports the bit. Multi-bit flags come
 * before the single bits they contain. */
static const struct flag_name open_flag_names[] = {
    {0100, "O_CREAT"},        {0200, "O_EXCL"},         {0400, "O_NOCTTY"},
    {01000, "O_TRUNC"},       {02000, "O_APPEND"},      {04000, "O_NONBLOCK"},
    {04010000, "O_SYNC"},     {010000, "O_DSYNC"},      {020000, "O_ASYNC"},
    {040000, "O_DIRECT"},     {0100000, "O_LARGEFILE"}, {020200000, "O_TMPFILE"},
    {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},  {01000000, "O_NOATIME"},
    {02000000, "O_CLOEXEC"},  {010000000, "O_PATH"},
};

size_t decode_open_flags(uint64_t flags, char *buf, size_t cap)
{
    static const char *const access_names[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
    struct text t = text_start(buf, cap);
    text_str(&t, access_names[flags & 3]);
    put_flags(&t, flags & ~(uint64_t)3, open_flag_names, COUNT(open_flag_names));
    return t.len;
}

static const struct flag_name prot_names[] = {
    {0x1, "PROT_READ"},
    {0x2, "PROT_WRITE"},
    {0x4, "PROT_EXEC"},
    {0x8, "PROT_SEM"},
    {0x01000000, "PROT_GROWSDOWN"},
    {0x02000000, "PROT_GROWSUP"},
};

size_t decode_mmap_prot(uint64_t prot, char *buf, size_t cap)
{
    struct text t = text_start(buf, cap);
    if (prot == 0)
        text_str(&t, "PROT_NONE");
    else
        put_flags(&t, prot, prot_names, COUNT(prot_names));
    return t.len;
}

/* The low bits hold the mapping type, a value rather than flags. */
#define MAP_TYPE_BITS 0x0fu

static const struct flag_name map_flag_names[] = {
    {0x10, "MAP_FIXED"},      {0x20, "MAP_ANONYMOUS"},
    {0x40, "MAP_32BIT"},      {0x100, "MAP_GROWSDOWN"},
    {0x800, "MAP_DENYWRITE"}, {0x1000, "MAP_EXECUTABLE"},
    {0x2000, "MAP_LOCKED"},   {0x4000, "MAP_NORESERVE"},
    {0x8000, "MAP_POPULATE"}, {0x10000, "MAP_NONBLOCK"},
    {0x20000, "MAP_STACK"},   {0x40000, "MAP_HUGETLB"},
    {0x80000, "MAP_SYNC"},    {0x100000, "MAP_FIXED_NOREPLACE"},
};

/* With MAP_HUGETLB, bits 26-31 hold log2 of the huge page size. */
#define MAP_HUGETLB_BIT 0x40000u
#define MAP_HUGE_SHIFT_BITS 26
#define MAP_HUGE_MASK 0x3fu

static void put_huge_size(struct text *t, unsigned shift)
{
    static const char *const units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
    text_printf(t, "|MAP_HUGE_%llu%s", 1ull << (shift % 10), units[shift / 10]);
}

size_t decode_mmap_flags(uint64_t flags, char *buf, size_t cap)
{
    static const char *const type_names[] = {[0x1] = "MAP_SHARED",
                                             [0x2] = "MAP_PRIVATE",
                                             [0x3] = "MAP_SHARED_VALIDATE",
                                             [0x8] = "MAP_DROPPABLE"};
    struct text t = text_start(buf, cap);
    uint64_t type = flags & MAP_TYPE_BITS;
    if (type < COUNT(type_names) && type_names[type])
        text_str(&t, type_names[type]);
    else
        text_printf(&t, "%#llx", (unsigned long long)type);
    uint64_t rest = flags & ~(uint64_t)MAP_TYPE_BITS;
    unsigned huge_shift = (unsigned)(rest >> MAP_HUGE_SHIFT_BITS) & MAP_HUGE_MASK;
    if ((rest & MAP_HUGETLB_BIT) && huge_shift)
        rest &= ~((uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT_BITS);
    else
        huge_shift = 0;
    put_flags(&t, rest, map_flag_names, COUNT(map_flag_names));
    if (huge_shift)
        put_huge_size(&t, huge_shift);
    return t.len;
}

static const struct flag_name clone_flag_names[] = {
    {0x80, "CLONE_NEWTIME"},
    {0x100, "CLONE_VM"},
    {0x200, "CLONE_FS"},
    {0x400, "CLONE_FILES"},
    {0x800, "CLONE_SIGHAND"},
    {0x1000, "CLONE_PIDFD"},
    {0x2000, "CLONE_PTRACE"},
    {0x4000, "CLONE_VFORK"},
    {0x8000, "CLONE_PARENT"},
    {0x10000, "CLONE_THREAD"},
    {0x20000, "CLONE_NEWNS"},
    {0x40000, "CLONE_SYSVSEM"},
    {0x80000, "CLONE_SETTLS"},
    {0x100000, "CLONE_PARENT_SETTID"},
    {0x200000, "CLONE_CHILD_CLEARTID"},
    {0x400000, "CLONE_DETACHED"},
    {0x800000, "CLONE_UNTRACED"},
    {0x1000000, "CLONE_CHILD_SETTID"},
    {0x2000000, "CLONE_NEWCGROUP"},
    {0x4000000, "CLONE_NEWUTS"},
    {0x8000000, "CLONE_NEWIPC"},
    {0x10000000, "CLONE_NEWUSER"},
    {0x20000000, "CLONE_NEWPID"},
    {0x40000000, "CLONE_NEWNET"},
    {0x80000000, "CLONE_IO"},
    {0x100000000ull, "CLONE_CLEAR_SIGHAND"},
    {0x200000000ull, "CLONE_INTO_CGROUP"},
};

size_t decode_clone_flags(uint64_t flags, char *buf, size_t cap)
{
    struct text t = text_start(buf, cap);
    if (flags == 0)
        text_str(&t, "0");
    else
        put_flags(&t, flags, clone_flag_names, COUNT(clone_flag_names));
    return t.len;
}

void decode_prot_rwx(uint64_t prot, char out[4])
{
    out[0] = (prot & 0x1) ? 'r' : '-';
    out[1] = (prot & 0x2) ? 'w' : '-';
    out[2] = (prot & 0x4) ? 'x' : '-';
    out[3] = '\0';
}

/* The bytes after sa_family, read field by field because the caller's
 * buffer carries no alignment guarantee. */
static void put_inet(struct text *t, const unsigned char *addr, size_t len)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    memcpy(&sin, addr, len < sizeof(sin) ? len : sizeof(sin));
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
    text_printf(t, "%s:%u", host, (unsigned)ntohs(sin.sin_port));
}

static void put_inet6(struct text *t, const unsigned char *addr, size_t len)
{
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof(sin6));
    memcpy(&sin6, addr, len < sizeof(sin6) ? len : sizeof(sin6));
    char host[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &sin6.sin6_addr, host, sizeof(host));
    text_printf(t, "[%s", host);
    if (len >= sizeof(sin6) && sin6.sin6_scope_id)
        text_printf(t, "%%%u", (unsigned)sin6.sin6_scope_id);
    text_printf(t, "]:%u", (unsigned)ntohs(sin6.sin6_port));
}

/* Abstract names may hold NULs; like ss, show them as '@'. */
static void put_unix(struct text *t, const unsigned char *addr, size_t len)
{
    size_t offset = offsetof(struct sockaddr_un, sun_path);
    if (len > sizeof(struct sockaddr_un))
        len = sizeof(struct sockaddr_un);
    if (len <= offset) {
        text_str(t, "unnamed");
        return;
    }
    const char *path = (const char *)addr + offset;
    size_t path_len = len - offset;
    if (path[0] != '\0') {
        text_put(t, path, strnlen(path, path_len));
        return;
    }
    text_put(t, "@", 1);
    for (size_t i = 1; i < path_len; i++)
        text_put(t, path[i] ? &path[i] : "@", 1);
}

static void put_netlink(struct text *t, const unsigned char *addr)
{
    struct sockaddr_nl snl;
    memcpy(&snl, addr, sizeof(snl));
    text_printf(t, "netlink:pid=%u,groups=%u", (unsigned)snl.nl_pid, (unsigned)snl.nl_groups);
}

size_t decode_sockaddr(const void *addr, size_t len, char *buf, size_t cap, int *family)
{
    struct text t = text_start(buf, cap);
    sa_family_t fam = 0;
    if (!addr || len < sizeof(fam)) {
        if (family)
            *family = 0;
        return 0;
    }
    memcpy(&fam, addr, sizeof(fam));
    if (family)
        *family = fam;

    const unsigned char *bytes = addr;
    /* Families are decoded only when the fields shown are all present. */
    if (fam == AF_INET && len >= offsetof(struct sockaddr_in, sin_zero))
        put_inet(&t, bytes, len);
    else if (fam == AF_INET6 && len >= offsetof(struct sockaddr_in6, sin6_scope_id))
        put_inet6(&t, bytes, len);
    else if (fam == AF_UNIX)
        put_unix(&t, bytes, len);
    else if (fam == AF_NETLINK && len >= sizeof(struct sockaddr_nl))
        put_netlink(&t, bytes);
    else
        text_printf(&t, "family=%u", (unsigned)fam);
    return t.len;
}

const char *decode_sock_type(int family, int type, int protocol)
{
    /* SOCK_CLOEXEC and SOCK_NONBLOCK ride in the high bits of type. */
    int base = type & 0xf;
    int inet6 = family == AF_INET6;
    switch (family) {
    case AF_INET:
    case AF_INET6:
        if (base == SOCK_STREAM &&
            (protocol == 0 || protocol == IPPROTO_TCP || protocol == IPPROTO_MPTCP))
            return inet6 ? "tcp6" : "tcp4";
        if (base == SOCK_DGRAM &&
            (protocol == 0 || protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE))
            return inet6 ? "udp6" : "udp4";
        if (base == SOCK_RAW)
            return inet6 ? "raw6" : "raw4";
        return "socket";
    case AF_UNIX:
        if (base == SOCK_STREAM)
            return "unix";
        if (base == SOCK_DGRAM)
            return "unix-dgram";
        if (base == SOCK_SEQPACKET)
            return "unix-seqpacket";
        return "socket";
    case AF_NETLINK:
        return "netlink";
    case AF_PACKET:
        return "packet";
    default:
        return "socket";
    }
}

size_t decode_quote(const char *data, size_t len, int truncated, char *buf, size_t cap)
{
    struct text t = text_start(buf, cap);
    text_put(&t, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        switch (c) {
        case '"':
            text_put(&t, "\\\"", 2);
            break;
        case '\\':
            text_put(&t, "\\\\", 2);
            break;
        case '\n':
            text_put(&t, "\\n", 2);
            break;
        case '\t':
            text_put(&t, "\\t", 2);
            break;
        case '\r':
            text_put(&t, "\\r", 2);
            break;
        default:
            if (c < 0x20 || c >= 0x7f)
                text_printf(&t, "\\x%02x", c);
            else
                text_put(&t, (const char *)&c, 1);
        }
    }
    text_put(&t, "\"", 1);
    if (truncated)
        text_put(&t, "...", 3);
    return t.len;
}
