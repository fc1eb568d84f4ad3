#include "decode.h"

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "xlat.h"

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

/* Names each flag in table order, then whatever bits are left in hex. */
static void put_flags(struct text *t, uint64_t flags, const struct xlat *set)
{
    const struct xlat_entry *names = set->entries;
    size_t count = set->count;
    int first = t->len == 0;
    for (size_t i = 0; i < count; i++) {
        if (names[i].value == 0 || (flags & names[i].value) != names[i].value)
            continue;
        if (!first)
            text_put(t, "|", 1);
        text_str(t, names[i].name);
        flags &= ~names[i].value;
        first = 0;
    }
    if (flags) {
        if (!first)
            text_put(t, "|", 1);
        text_printf(t, "%#llx", (unsigned long long)flags);
    }
}

size_t decode_open_flags(uint64_t flags, char *buf, size_t cap)
{
    struct text t = text_start(buf, cap);
    text_str(&t, xlat_name(&xlat_open_access, flags & 3));
    put_flags(&t, flags & ~(uint64_t)3, &xlat_open_flags);
    return t.len;
}

size_t decode_mmap_prot(uint64_t prot, char *buf, size_t cap)
{
    return xlat_format_flags(&xlat_mmap_prot, prot, buf, cap);
}

/* The low bits hold the mapping type, a value rather than flags. */
#define MAP_TYPE_BITS 0x0fu

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
    struct text t = text_start(buf, cap);
    uint64_t type = flags & MAP_TYPE_BITS;
    const char *type_name = xlat_name(&xlat_mmap_types, type);
    if (type_name)
        text_str(&t, type_name);
    else
        text_printf(&t, "%#llx", (unsigned long long)type);
    uint64_t rest = flags & ~(uint64_t)MAP_TYPE_BITS;
    unsigned huge_shift = (unsigned)(rest >> MAP_HUGE_SHIFT_BITS) & MAP_HUGE_MASK;
    if ((rest & MAP_HUGETLB_BIT) && huge_shift)
        rest &= ~((uint64_t)MAP_HUGE_MASK << MAP_HUGE_SHIFT_BITS);
    else
        huge_shift = 0;
    put_flags(&t, rest, &xlat_mmap_flags);
    if (huge_shift)
        put_huge_size(&t, huge_shift);
    return t.len;
}

size_t decode_clone_flags(uint64_t flags, char *buf, size_t cap)
{
    struct text t = text_start(buf, cap);
    if (flags == 0)
        text_str(&t, "0");
    else
        put_flags(&t, flags, &xlat_clone_flags);
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

size_t decode_strace_quote(const char *data, size_t len, int truncated, int all_hex, char *buf,
                           size_t cap)
{
    struct text t = text_start(buf, cap);
    text_put(&t, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        char named = 0;
        switch (all_hex ? 0 : c) {
        case '"':
        case '\\':
            named = (char)c;
            break;
        case '\f':
            named = 'f';
            break;
        case '\n':
            named = 'n';
            break;
        case '\r':
            named = 'r';
            break;
        case '\t':
            named = 't';
            break;
        case '\v':
            named = 'v';
            break;
        default:
            break;
        }
        if (named) {
            char two[2] = {'\\', named};
            text_put(&t, two, 2);
        } else if (all_hex) {
            text_printf(&t, "\\x%02x", c);
        } else if (c >= ' ' && c < 0x7f) {
            text_put(&t, (const char *)&c, 1);
        } else if (i + 1 < len && data[i + 1] >= '0' && data[i + 1] <= '7') {
            /* A digit after it would read as part of a short escape. */
            text_printf(&t, "\\%03o", c);
        } else {
            text_printf(&t, "\\%o", c);
        }
    }
    text_put(&t, "\"", 1);
    if (truncated)
        text_put(&t, "...", 3);
    return t.len;
}
