#include "check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "decode.h"

static char out[512];

static const char *open_flags(uint64_t flags)
{
    decode_open_flags(flags, out, sizeof(out));
    return out;
}

static const char *mmap_prot(uint64_t prot)
{
    decode_mmap_prot(prot, out, sizeof(out));
    return out;
}

static const char *mmap_flags(uint64_t flags)
{
    decode_mmap_flags(flags, out, sizeof(out));
    return out;
}

static const char *clone_flags(uint64_t flags)
{
    decode_clone_flags(flags, out, sizeof(out));
    return out;
}

static const char *quote(const char *data, size_t len, int truncated)
{
    decode_quote(data, len, truncated, out, sizeof(out));
    return out;
}

static int family;

static const char *sockaddr(const void *addr, size_t len)
{
    family = -1;
    decode_sockaddr(addr, len, out, sizeof(out), &family);
    return out;
}

static void test_open_flags(void)
{
    CHECK_STR(open_flags(0), "O_RDONLY");
    CHECK_STR(open_flags(1), "O_WRONLY");
    CHECK_STR(open_flags(2), "O_RDWR");
    CHECK_STR(open_flags(3), "O_ACCMODE");
    CHECK_STR(open_flags(O_RDONLY | O_CLOEXEC), "O_RDONLY|O_CLOEXEC");
    CHECK_STR(open_flags(O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC),
              "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
    CHECK_STR(open_flags(O_RDWR | O_CREAT | O_EXCL | O_NOCTTY | O_APPEND | O_NONBLOCK),
              "O_RDWR|O_CREAT|O_EXCL|O_NOCTTY|O_APPEND|O_NONBLOCK");
    CHECK_STR(open_flags(O_RDONLY | O_DIRECT | O_DIRECTORY | O_NOFOLLOW | O_NOATIME),
              "O_RDONLY|O_DIRECT|O_NOFOLLOW|O_NOATIME|O_DIRECTORY");
    /* The kernel's O_LARGEFILE, which glibc defines as 0 on x86-64. */
    CHECK_STR(open_flags(0100000 | O_RDWR), "O_RDWR|O_LARGEFILE");
    CHECK_STR(open_flags(O_WRONLY | O_DSYNC), "O_WRONLY|O_DSYNC");
    CHECK_STR(open_flags(O_WRONLY | O_SYNC), "O_WRONLY|O_SYNC");
    CHECK_STR(open_flags(O_PATH | O_CLOEXEC), "O_RDONLY|O_CLOEXEC|O_PATH");
    CHECK_STR(open_flags(O_RDWR | O_TMPFILE), "O_RDWR|O_TMPFILE");
    CHECK_STR(open_flags(O_RDONLY | 0x80000000u), "O_RDONLY|0x80000000");
    CHECK_STR(open_flags(O_RDWR | O_CREAT | 0x40000000u), "O_RDWR|O_CREAT|0x40000000");
}

static void test_mmap(void)
{
    CHECK_STR(mmap_prot(0), "PROT_NONE");
    CHECK_STR(mmap_prot(PROT_READ), "PROT_READ");
    CHECK_STR(mmap_prot(PROT_READ | PROT_WRITE | PROT_EXEC), "PROT_READ|PROT_WRITE|PROT_EXEC");
    CHECK_STR(mmap_prot(PROT_READ | 0x100), "PROT_READ|0x100");

    CHECK_STR(mmap_flags(MAP_PRIVATE | MAP_ANONYMOUS), "MAP_PRIVATE|MAP_ANONYMOUS");
    CHECK_STR(mmap_flags(MAP_SHARED), "MAP_SHARED");
    CHECK_STR(mmap_flags(MAP_SHARED_VALIDATE | MAP_SYNC), "MAP_SHARED_VALIDATE|MAP_SYNC");
    CHECK_STR(mmap_flags(MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE),
              "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE");
    CHECK_STR(mmap_flags(MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE),
              "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_STACK");
    CHECK_STR(mmap_flags(MAP_PRIVATE | MAP_FIXED_NOREPLACE), "MAP_PRIVATE|MAP_FIXED_NOREPLACE");
    CHECK_STR(mmap_flags(MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21u << 26)),
              "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB");
    CHECK_STR(mmap_flags(MAP_SHARED | MAP_HUGETLB | (30u << 26)),
              "MAP_SHARED|MAP_HUGETLB|MAP_HUGE_1GB");
    CHECK_STR(mmap_flags(0x8), "MAP_DROPPABLE");
    CHECK_STR(mmap_flags(0x5 | MAP_ANONYMOUS), "0x5|MAP_ANONYMOUS");
    CHECK_STR(mmap_flags(MAP_PRIVATE | 0x200), "MAP_PRIVATE|0x200");

    char rwx[4];
    decode_prot_rwx(PROT_READ | PROT_WRITE, rwx);
    CHECK_STR(rwx, "rw-");
    decode_prot_rwx(PROT_READ | PROT_EXEC, rwx);
    CHECK_STR(rwx, "r-x");
    decode_prot_rwx(0, rwx);
    CHECK_STR(rwx, "---");
}

static void test_clone_flags(void)
{
    CHECK_STR(clone_flags(0), "0");
    CHECK_STR(clone_flags(0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000 | 0x100000 |
                          0x200000),
              "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|"
              "CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID");
    CHECK_STR(clone_flags(0x4000 | 0x100), "CLONE_VM|CLONE_VFORK");
    CHECK_STR(clone_flags(0x10000000 | 0x20000000 | 0x40000000),
              "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET");
    CHECK_STR(clone_flags(0x200000000ull | 0x1000), "CLONE_PIDFD|CLONE_INTO_CGROUP");
    /* The exit signal byte is not a flag. */
    CHECK_STR(clone_flags(0x1200000 | 17), "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|0x11");
}

static void test_sockaddr_inet(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(443)};
    inet_pton(AF_INET, "93.184.216.34", &sin.sin_addr);
    CHECK_STR(sockaddr(&sin, sizeof(sin)), "93.184.216.34:443");
    CHECK_INT(family, AF_INET);
    CHECK_INT(decode_sockaddr(&sin, sizeof(sin), out, sizeof(out), NULL), 17);

    /* Port and address are the first 8 bytes; sin_zero may be cut off. */
    CHECK_STR(sockaddr(&sin, 8), "93.184.216.34:443");
    CHECK_STR(sockaddr(&sin, 7), "family=2");
    CHECK_INT(family, AF_INET);

    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(8080)};
    inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
    CHECK_STR(sockaddr(&sin6, sizeof(sin6)), "[::1]:8080");
    CHECK_INT(family, AF_INET6);
    inet_pton(AF_INET6, "2001:db8::5", &sin6.sin6_addr);
    CHECK_STR(sockaddr(&sin6, sizeof(sin6)), "[2001:db8::5]:8080");
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6.sin6_addr);
    CHECK_STR(sockaddr(&sin6, sizeof(sin6)), "[::ffff:127.0.0.1]:8080");
    inet_pton(AF_INET6, "fe80::1", &sin6.sin6_addr);
    sin6.sin6_scope_id = 2;
    CHECK_STR(sockaddr(&sin6, sizeof(sin6)), "[fe80::1%2]:8080");
    /* The old 24-byte form has no scope id. */
    CHECK_STR(sockaddr(&sin6, 24), "[fe80::1]:8080");
    CHECK_STR(sockaddr(&sin6, 23), "family=10");
}

static void test_sockaddr_unix(void)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strcpy(sun.sun_path, "/run/x.sock");
    CHECK_STR(sockaddr(&sun, sizeof(sun)), "/run/x.sock");
    CHECK_INT(family, AF_UNIX);
    /* A length that stops before the NUL still gives the path. */
    CHECK_STR(sockaddr(&sun, offsetof(struct sockaddr_un, sun_path) + 4), "/run");

    memset(sun.sun_path, 0, sizeof(sun.sun_path));
    memcpy(sun.sun_path, "\0abs\0x", 6);
    CHECK_STR(sockaddr(&sun, offsetof(struct sockaddr_un, sun_path) + 6), "@abs@x");
    /* Abstract names run to the length, trailing NULs included. */
    CHECK_STR(sockaddr(&sun, offsetof(struct sockaddr_un, sun_path) + 8), "@abs@x@@");

    CHECK_STR(sockaddr(&sun, sizeof(sa_family_t)), "unnamed");
    CHECK_INT(family, AF_UNIX);

    /* Unix paths are copied as they are, escaping is left to the caller. */
    strcpy(sun.sun_path, "/tmp/a\nb");
    CHECK_STR(sockaddr(&sun, sizeof(sun)), "/tmp/a\nb");
}

static void test_sockaddr_other(void)
{
    struct sockaddr_nl snl = {.nl_family = AF_NETLINK, .nl_pid = 1234, .nl_groups = 5};
    CHECK_STR(sockaddr(&snl, sizeof(snl)), "netlink:pid=1234,groups=5");
    CHECK_INT(family, AF_NETLINK);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    CHECK_STR(sockaddr(&kernel, sizeof(kernel)), "netlink:pid=0,groups=0");
    CHECK_STR(sockaddr(&snl, 8), "family=16");

    struct sockaddr any = {.sa_family = AF_PACKET};
    CHECK_STR(sockaddr(&any, sizeof(any)), "family=17");
    CHECK_INT(family, AF_PACKET);

    /* Too short to hold a family at all. */
    CHECK_INT(decode_sockaddr(&any, 1, out, sizeof(out), &family), 0);
    CHECK_STR(out, "");
    CHECK_INT(family, 0);
    CHECK_INT(decode_sockaddr(NULL, 16, out, sizeof(out), &family), 0);
    CHECK_INT(family, 0);
}

static void test_truncated_output(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
    inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
    char small[6] = "xxxxx";
    CHECK_INT(decode_sockaddr(&sin, sizeof(sin), small, sizeof(small), NULL), 11);
    CHECK_STR(small, "10.0.");
    CHECK_INT(decode_open_flags(O_WRONLY | O_CREAT, small, sizeof(small)), 16);
    CHECK_STR(small, "O_WRO");
    CHECK_INT(decode_quote("abc", 3, 1, small, sizeof(small)), 8);
    CHECK_STR(small, "\"abc\"");
    /* cap 0 writes nothing at all. */
    CHECK_INT(decode_mmap_prot(PROT_READ, small, 0), 9);
    CHECK_STR(small, "\"abc\"");
}

static void test_sock_type(void)
{
    CHECK_STR(decode_sock_type(AF_INET, SOCK_STREAM, 0), "tcp4");
    CHECK_STR(decode_sock_type(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP), "tcp4");
    CHECK_STR(decode_sock_type(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), "udp4");
    CHECK_STR(decode_sock_type(AF_INET6, SOCK_STREAM, IPPROTO_TCP), "tcp6");
    CHECK_STR(decode_sock_type(AF_INET6, SOCK_DGRAM, IPPROTO_UDP), "udp6");
    CHECK_STR(decode_sock_type(AF_INET, SOCK_RAW, IPPROTO_ICMP), "raw4");
    CHECK_STR(decode_sock_type(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6), "raw6");
    CHECK_STR(decode_sock_type(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "unix");
    CHECK_STR(decode_sock_type(AF_UNIX, SOCK_DGRAM, 0), "unix-dgram");
    CHECK_STR(decode_sock_type(AF_UNIX, SOCK_SEQPACKET, 0), "unix-seqpacket");
    CHECK_STR(decode_sock_type(AF_NETLINK, SOCK_RAW, 0), "netlink");
    CHECK_STR(decode_sock_type(AF_PACKET, SOCK_RAW, 768), "packet");
    CHECK_STR(decode_sock_type(AF_INET, SOCK_DGRAM, IPPROTO_ICMP), "socket");
    CHECK_STR(decode_sock_type(AF_INET, SOCK_STREAM, IPPROTO_SCTP), "socket");
    CHECK_STR(decode_sock_type(AF_BLUETOOTH, SOCK_STREAM, 0), "socket");
}

static void test_quote(void)
{
    CHECK_STR(quote("hello\n", 6, 0), "\"hello\\n\"");
    CHECK_STR(quote("a\tb\rc", 5, 0), "\"a\\tb\\rc\"");
    CHECK_STR(quote("say \"hi\" \\o/", 12, 0), "\"say \\\"hi\\\" \\\\o/\"");
    CHECK_STR(quote("\x1b[0m", 4, 0), "\"\\x1b[0m\"");
    CHECK_STR(quote("\xff\x7f\x01", 3, 0), "\"\\xff\\x7f\\x01\"");
    CHECK_STR(quote("a\0b", 3, 0), "\"a\\x00b\"");
    CHECK_STR(quote("root:x:0:0", 10, 1), "\"root:x:0:0\"...");
    CHECK_STR(quote("", 0, 0), "\"\"");
    CHECK_INT(decode_quote("\n", 1, 0, out, sizeof(out)), 4);
}

int main(void)
{
    test_open_flags();
    test_mmap();
    test_clone_flags();
    test_sockaddr_inet();
    test_sockaddr_unix();
    test_sockaddr_other();
    test_truncated_output();
    test_sock_type();
    test_quote();
    return check_finish();
}
