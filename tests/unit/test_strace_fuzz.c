/* The strace line parser on damaged input: lines of a real log (strace -f
 * -ttt -T -yy of the spawn test program, paths shortened) cut short,
 * with bytes changed, dropped or doubled, thousands of times from a fixed
 * seed; -r, -ff, -v struct and status=... lines among them, and the
 * socket addresses -v decodes. Each mutated line sits in a buffer of its own exact size, so that
 * under ASan a read past its end is caught; whatever the bytes, the parser
 * gives a kind, and the text it points to lies inside the line. The lines
 * as strace wrote them are all understood, with the kind they are. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "check.h"
#include "fuzz_random.h"
#include "strace_source.h"

static const struct {
    const char *text;
    enum strace_line_kind kind;
} lines[] = {
    {"8452  1796130925.062321 execve(\"/p/spawn\", [\"/p/spawn\"], 0x7ffc920760d0 /* 37 vars */) "
     "= 0 <0.000209>",
     STRACE_CALL},
    {"8452  1796130925.062679 brk(NULL)       = 0x55cfbe70e000 <0.000011>", STRACE_CALL},
    {"8452  1796130925.062846 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, "
     "-1, 0) = 0x7fc7e96ed000 <0.000013>",
     STRACE_CALL},
    {"8452  1796130925.062900 access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file or "
     "directory) <0.000012>",
     STRACE_CALL},
    {"8452  1796130925.063248 read(3</usr/lib/x86_64-linux-gnu/libc.so.6>, "
     "\"\\177ELF\\2\\1\\1\\3\\0\\0\", 832) = 832 <0.000009>",
     STRACE_CALL},
    {"8452  1796130925.064151 pipe2([3<pipe:[7825222]>, 4<pipe:[7825222]>], O_CLOEXEC) = 0 "
     "<0.000017>",
     STRACE_CALL},
    {"8452  1796130925.064216 clone(child_stack=NULL, "
     "flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7fc7e94fda10) = 8453 "
     "<0.000093>",
     STRACE_CALL},
    {"8453  1796130925.064362 set_robust_list(0x7fc7e94fda20, 24 <unfinished ...>", STRACE_UNFIN},
    {"8452  1796130925.064373 rt_sigaction(SIGRT_1, {sa_handler=0x7fc7e9586720, sa_mask=[], "
     "sa_flags=SA_RESTORER|SA_ONSTACK|SA_RESTART|SA_SIGINFO, sa_restorer=0x7fc7e953c050},  "
     "<unfinished ...>",
     STRACE_UNFIN},
    {"8453  1796130925.064390 <... set_robust_list resumed>) = 0 <0.000020>", STRACE_RESUMED},
    {"8452  1796130925.064782 <... clone3 resumed> => {parent_tid=[8454]}, 88) = 8454 <0.000036>",
     STRACE_RESUMED},
    {"8452  1796130925.057606 sendfile(4</d/copy2.bin>, 3</d/out.bin>, [100] => [200], 100) = "
     "100 <0.000025>",
     STRACE_CALL},
    {"8454  1796130925.065063 write(4<pipe:[7825222]>, \"hello\", 5 <unfinished ...>",
     STRACE_UNFIN},
    {"8452  1796130925.065401 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=8453, "
     "si_uid=0, si_status=0, si_utime=0, si_stime=0} ---",
     STRACE_SIGNAL},
    {"8453  1796130925.065500 connect(3<TCP:[127.0.0.1:40000->127.0.0.1:8080]>, "
     "{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0 "
     "<0.000030>",
     STRACE_CALL},
    {"8452  1796130925.065600 wait4(-1,  <unfinished ...>", STRACE_UNFIN},
    {"8452  1796130925.065700 <... wait4 resumed>0x7ffc, 0, NULL) = ? ERESTARTSYS (To be "
     "restarted if SA_RESTART is set) <0.000100>",
     STRACE_RESUMED},
    {"8454  1796130925.065800 exit(0)                 = ?", STRACE_CALL},
    {"8454  1796130925.065900 +++ exited with 0 +++", STRACE_EXITED},
    {"8453  1796130925.066000 +++ killed by SIGSEGV (core dumped) +++", STRACE_KILLED},
    {"12:01:02.123456 openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 3", STRACE_CALL},
    {"write(1, \"x\\n\", 2)                      = 2", STRACE_CALL},
    /* -r (padded gaps), with and without -f */
    {"     0.000141 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = "
     "0x7f31395db000",
     STRACE_CALL},
    {"14505      0.000269 brk(NULL)           = 0x563cae285000", STRACE_CALL},
    {"21853      0.000017 <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = "
     "21854 <0.203199>",
     STRACE_RESUMED},
    /* the default abbreviated structs, and -v's whole ones */
    {"28496 1796133167.671130 newfstatat(3</etc/ld.so.cache>, \"\", {st_mode=S_IFREG|0644, "
     "st_size=44915, ...}, AT_EMPTY_PATH) = 0 <0.000003>",
     STRACE_CALL},
    {"23274 accept4(3, {sa_family=AF_INET6, sin6_port=htons(34324), sin6_flowinfo=htonl(0), "
     "inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, [28], SOCK_CLOEXEC) = 5",
     STRACE_CALL},
    {"23274 bind(8, {sa_family=AF_UNIX, sun_path=@\"abstractname\"}, 15) = 0", STRACE_CALL},
    {"20201 1796133346.162637 <... accept resumed>{sa_family=AF_INET, sin_port=htons(57730), "
     "sin_addr=inet_addr(\"127.0.0.1\")}, [16]) = 4<TCP:[127.0.0.1:59413->127.0.0.1:57730]> "
     "<0.005858>",
     STRACE_RESUMED},
    {"28496 1796133167.667818 dup2(3<pipe:[8567393]>, 0</dev/null<char 1:3>> <unfinished ...>",
     STRACE_UNFIN},
    /* -e status=...: a call's rest on a line of its own */
    {")                                       = 3</usr/lib/locale/C.utf8/LC_MONETARY> <0.000091>",
     STRACE_CONTINUED},
    {"\"\", 16320)                              = 0 <0.000008>", STRACE_CONTINUED},
    {"{st_dev=makedev(0xfe, 0), st_ino=320482, st_mode=S_IFREG|0644, st_nlink=1, st_size=50, "
     "st_atime=1796114321 /* 2026-12-01T08:38:41.466538636+0000 */, st_atime_nsec=466538636}, "
     "AT_EMPTY_PATH) = 0 <0.000005>",
     STRACE_CONTINUED},
    {"16305 1796135359.265636 +++ superseded by execve in pid 16306 +++", STRACE_SUPERSEDED},
    {"3009  sendmmsg(4<UDP:[127.0.0.1:51883->127.0.0.1:42962]>, [{msg_hdr={msg_name=NULL, "
     "msg_namelen=0, msg_iov=[{iov_base=\"aa\"..., iov_len=100}], msg_iovlen=1, "
     "msg_controllen=0, msg_flags=0}, msg_len=100}], 1, 0) = 1",
     STRACE_CALL},
    /* -ff: no pid, the file names it */
    {"1796133253.226819 set_robust_list(0x7f57f91d0a20, 24) = 0", STRACE_CALL},
};
#define LINES (sizeof(lines) / sizeof(lines[0]))

static bool inside(const char *p, size_t len, const char *buf, size_t cap)
{
    return !p || (p >= buf && p + len <= buf + cap);
}

/* Parses len bytes in a buffer of exactly that size; the pointers checked. */
static enum strace_line_kind parse_exact(const char *text, size_t len)
{
    char *buf = malloc(len ? len : 1);
    memcpy(buf, text, len);
    struct strace_line l;
    strace_parse_line(buf, len, &l);
    CHECK(inside(l.name, l.name_len, buf, len));
    CHECK(inside(l.args, l.args_len, buf, len));
    CHECK(inside(l.ret, l.ret_len, buf, len));
    free(buf);
    return l.kind;
}

/* Addresses as strace -v prints them, and what they are. */
static const struct {
    const char *text;
    int family;
    const char *addr; /* inet_ntop's text, or the unix path ("@" abstract) */
    int port;
} addrs[] = {
    {"{sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr(\"127.0.0.1\")}", AF_INET,
     "127.0.0.1", 8080},
    {"{sa_family=AF_INET6, sin6_port=htons(51639), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "
     "\"::1\", &sin6_addr), sin6_scope_id=0}",
     AF_INET6, "::1", 51639},
    {"{sa_family=AF_UNIX, sun_path=\"/run/u.sock\"}", AF_UNIX, "/run/u.sock", 0},
    {"{sa_family=AF_UNIX, sun_path=@\"abstractname\"}", AF_UNIX, "@abstractname", 0},
};
#define ADDRS (sizeof(addrs) / sizeof(addrs[0]))

static void check_addr(size_t i)
{
    uint8_t out[128];
    uint32_t n = strace_parse_sockaddr(addrs[i].text, strlen(addrs[i].text), out);
    char text[INET6_ADDRSTRLEN + 2] = "";
    int port = 0;
    if (addrs[i].family == AF_INET) {
        struct sockaddr_in sin;
        memcpy(&sin, out, sizeof(sin));
        CHECK(n == sizeof(sin) && sin.sin_family == AF_INET);
        inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
        port = ntohs(sin.sin_port);
    } else if (addrs[i].family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, out, sizeof(sin6));
        CHECK(n == sizeof(sin6) && sin6.sin6_family == AF_INET6);
        inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof(text));
        port = ntohs(sin6.sin6_port);
    } else {
        struct sockaddr_un sun;
        memcpy(&sun, out, sizeof(sun));
        size_t off = offsetof(struct sockaddr_un, sun_path);
        CHECK(sun.sun_family == AF_UNIX && n > off);
        bool abstract = sun.sun_path[0] == '\0';
        snprintf(text, sizeof(text), "%s%.*s", abstract ? "@" : "",
                 (int)(n - off - !abstract - abstract), sun.sun_path + abstract);
    }
    if (strcmp(text, addrs[i].addr) != 0 || port != addrs[i].port)
        fprintf(stderr, "address %zu: %s port %d\n", i, text, port);
    CHECK(strcmp(text, addrs[i].addr) == 0 && port == addrs[i].port);
}

static const char noise[] = "()[]{}<>\"\\,=|-.: ?+x0123456789ENOENT";

int main(void)
{
    fuzz_rng = 0x2545f4914f6cdd1dull;
    for (size_t i = 0; i < LINES; i++) {
        enum strace_line_kind k = parse_exact(lines[i].text, strlen(lines[i].text));
        if (k != lines[i].kind)
            fprintf(stderr, "line %zu: kind %d, want %d\n", i, (int)k, (int)lines[i].kind);
        CHECK(k == lines[i].kind);
    }
    char m[1024];
    for (int round = 0; round < 200000; round++) {
        const char *t = lines[below(LINES)].text;
        size_t len = strlen(t);
        memcpy(m, t, len);
        int edits = 1 + (int)below(4);
        for (int e = 0; e < edits && len > 0; e++) {
            size_t at = below(len);
            switch (below(4)) {
            case 0: /* cut short */
                len = at;
                break;
            case 1: /* a byte changed */
                m[at] = below(2) ? noise[below(sizeof(noise) - 1)] : (char)below(256);
                break;
            case 2: /* a byte dropped */
                memmove(m + at, m + at + 1, len - at - 1);
                len--;
                break;
            default: /* a byte doubled */
                if (len + 1 < sizeof(m)) {
                    memmove(m + at + 1, m + at, len - at);
                    len++;
                }
            }
        }
        parse_exact(m, len);
    }
    for (size_t i = 0; i < ADDRS; i++)
        check_addr(i);
    uint8_t addr[128];
    CHECK(strace_parse_sockaddr("0x7ffd1234", 10, addr) == 0);
    CHECK(strace_parse_sockaddr("{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}", 52, addr) ==
          0);
    for (int round = 0; round < 100000; round++) {
        const char *t = addrs[below(ADDRS)].text;
        size_t len = strlen(t);
        memcpy(m, t, len);
        for (int e = 0, edits = 1 + (int)below(3); e < edits && len > 0; e++) {
            size_t at = below(len);
            if (below(2))
                len = at;
            else
                m[at] = noise[below(sizeof(noise) - 1)];
        }
        char *buf = malloc(len ? len : 1);
        memcpy(buf, m, len);
        CHECK(strace_parse_sockaddr(buf, len, addr) <= sizeof(addr));
        free(buf);
    }
    CHECK(strace_log_looks("", 0) == false);
    CHECK(strace_log_looks("hello, world\n", 13) == false);
    return check_finish();
}
