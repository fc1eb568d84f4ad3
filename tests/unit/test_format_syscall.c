/* Syscall lines built from hand-made events and their records. The
 * "tracee" is this process: the capture reads one's own memory the same, so
 * buffers and strings the source captures for the formatter live in the
 * test's own memory. The formatter reads only the record. */
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <linux/stat.h>
#include <poll.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "event.h"
#include "proctable.h"
#include "record.h"

#define NR_READ 0
#define NR_WRITE 1
#define NR_LSEEK 8
#define NR_MMAP 9
#define NR_BRK 12
#define NR_RT_SIGACTION 13
#define NR_IOCTL 16
#define NR_POLL 7
#define NR_GETPID 39
#define NR_CONNECT 42
#define NR_ACCEPT 43
#define NR_CLONE 56
#define NR_KILL 62
#define NR_FCNTL 72
#define NR_RENAME 82
#define NR_FUTEX 202
#define NR_EXIT_GROUP 231
#define NR_OPENAT 257
#define NR_SYMLINKAT 266
#define NR_GETRANDOM 318
#define NR_MEMFD_CREATE 319
#define NR_FILE_SETATTR 469

/* An address nothing is mapped at. */
#define BAD_POINTER 0x10

static char line[4096];
static char want[4096];

static cmp_event syscall_event(int32_t nr, int64_t ret)
{
    cmp_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = CMP_EV_SYSCALL;
    ev.pid = ev.tid = (int32_t)getpid();
    ev.nr = nr;
    ev.ret = ret;
    return ev;
}

static cmp_str str(const char *s)
{
    return (cmp_str){s, (uint32_t)strlen(s)};
}

static uint64_t addr_of(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static const char *render(const cmp_event *ev)
{
    size_t n = cmp_format_syscall(ev, line, sizeof(line));
    CHECK_INT(n, strlen(line));
    return line;
}

static struct task *self;

/* ev's syscall as the ptrace source records it for a script that formats
 * (its memory captured at entry, and at exit unless ev is an entry), and
 * its event as the state makes it: paths from the record unless given. */
static cmp_event recorded(const cmp_event *ev, unsigned want)
{
    if (!self)
        self = proctable_add(getpid());
    struct syscall_call *c = &self->call;
    c->nr = ev->nr;
    memcpy(c->args, ev->args, sizeof(c->args));
    capture_entry(self, want);
    if (ev->type != CMP_EV_ENTER)
        capture_exit(self, ev->ret, want);
    cmp_event e = *ev;
    if (!e.path.ptr && c->path_len >= 0)
        e.path = (cmp_str){c->path, (uint32_t)c->path_len};
    if (!e.path2.ptr && c->path2_len >= 0)
        e.path2 = (cmp_str){c->path2, (uint32_t)c->path2_len};
    e.payloads = &c->cap;
    return e;
}

static const char *format(const cmp_event *ev)
{
    cmp_event e = recorded(ev, CAPTURE_SHOWN);
    return render(&e);
}

static void test_open(void)
{
    cmp_event ev = syscall_event(NR_OPENAT, 3);
    ev.args[0] = (uint64_t)(int64_t)-100;
    ev.args[1] = 0x1000; /* never read: the decoded path is given */
    ev.args[2] = O_RDONLY | O_CLOEXEC;
    ev.args[3] = 0777;
    ev.path = str("/etc/hosts");
    CHECK_STR(format(&ev), "openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC) = 3");

    ev.type = CMP_EV_ENTER;
    CHECK_STR(format(&ev), "openat(AT_FDCWD, \"/etc/hosts\", O_RDONLY|O_CLOEXEC)");

    /* The mode shows only when the flags can create a file. */
    ev = syscall_event(NR_OPENAT, 4);
    ev.args[0] = 3;
    ev.args[2] = O_WRONLY | O_CREAT | O_TRUNC;
    ev.args[3] = 0644;
    ev.path = str("out \"1\".txt");
    CHECK_STR(format(&ev), "openat(3, \"out \\\"1\\\".txt\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4");
    ev.args[2] = O_RDWR | O_TMPFILE;
    ev.args[3] = 0;
    CHECK_STR(format(&ev), "openat(3, \"out \\\"1\\\".txt\", O_RDWR|O_TMPFILE, 000) = 4");

    /* Without a decoded path, it is read from the tracee. */
    static const char path[] = "/tmp/new\tfile";
    ev = syscall_event(NR_OPENAT, -ENOENT);
    ev.args[0] = (uint64_t)(int64_t)-100;
    ev.args[1] = addr_of(path);
    ev.args[2] = O_RDONLY;
    CHECK_STR(
        format(&ev),
        "openat(AT_FDCWD, \"/tmp/new\\tfile\", O_RDONLY) = -1 ENOENT (No such file or directory)");

    ev.args[1] = BAD_POINTER;
    ev.ret = -EFAULT;
    CHECK_STR(format(&ev), "openat(AT_FDCWD, 0x10, O_RDONLY) = -1 EFAULT (Bad address)");
    ev.args[1] = 0;
    CHECK_STR(format(&ev), "openat(AT_FDCWD, NULL, O_RDONLY) = -1 EFAULT (Bad address)");
}

static void test_two_paths(void)
{
    cmp_event ev = syscall_event(NR_RENAME, 0);
    ev.path = str("a.tmp");
    ev.path2 = str("a");
    CHECK_STR(format(&ev), "rename(\"a.tmp\", \"a\") = 0");

    static const char target[] = "../lib/libz.so.1";
    static const char link_path[] = "libz.so";
    ev = syscall_event(NR_SYMLINKAT, -EEXIST);
    ev.args[0] = addr_of(target);
    ev.args[1] = (uint64_t)(int64_t)-100;
    ev.args[2] = addr_of(link_path);
    ev.path = str("../lib/libz.so.1");
    CHECK_STR(format(&ev),
              "symlinkat(\"../lib/libz.so.1\", AT_FDCWD, \"libz.so\") = -1 EEXIST (File exists)");
}

static void test_read_write(void)
{
    static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\nbin:x:1:1::/:/sbin/nologin\n";
    cmp_event ev = syscall_event(NR_READ, 1234);
    ev.args[0] = 3;
    ev.args[1] = addr_of(passwd);
    ev.args[2] = 4096;
    CHECK_STR(format(&ev), "read(3, \"root:x:0:0:root:/root:/bin/bash\\n\"..., 4096) = 1234");

    ev.ret = 4;
    CHECK_STR(format(&ev), "read(3, \"root\", 4096) = 4");

    /* A kernel-filled buffer is not read before the call, nor after a
     * failure; at the end of the file it is strace's empty string. */
    ev.ret = 0;
    CHECK_STR(format(&ev), "read(3, \"\", 4096) = 0");
    snprintf(want, sizeof(want), "read(3, %p, 4096) = -1 EAGAIN (Resource temporarily unavailable)",
             (const void *)passwd);
    ev.ret = -EAGAIN;
    CHECK_STR(format(&ev), want);
    snprintf(want, sizeof(want), "read(3, %p, 4096)", (const void *)passwd);
    ev.type = CMP_EV_ENTER;
    CHECK_STR(format(&ev), want);

    ev = syscall_event(NR_WRITE, 6);
    ev.args[0] = 1;
    ev.args[1] = addr_of("hello\n");
    ev.args[2] = 6;
    CHECK_STR(format(&ev), "write(1, \"hello\\n\", 6) = 6");
    /* The caller's data is there at entry already. */
    ev.type = CMP_EV_ENTER;
    CHECK_STR(format(&ev), "write(1, \"hello\\n\", 6)");

    static const char bytes[] = "\x1b[1mA\xff";
    ev = syscall_event(NR_WRITE, 6);
    ev.args[0] = 2;
    ev.args[1] = addr_of(bytes);
    ev.args[2] = 6;
    CHECK_STR(format(&ev), "write(2, \"\\33[1mA\\377\", 6) = 6");

    ev.args[1] = addr_of(passwd);
    ev.args[2] = sizeof(passwd) - 1;
    ev.ret = (int64_t)sizeof(passwd) - 1;
    CHECK_STR(format(&ev), "write(2, \"root:x:0:0:root:/root:/bin/bash\\n\"..., 59) = 59");

    ev.args[1] = BAD_POINTER;
    ev.args[2] = 6;
    ev.ret = -EFAULT;
    CHECK_STR(format(&ev), "write(2, 0x10, 6) = -1 EFAULT (Bad address)");

    ev.args[1] = addr_of(bytes);
    ev.args[2] = 0;
    ev.ret = 0;
    CHECK_STR(format(&ev), "write(2, \"\", 0) = 0");

    /* 'B' as a first argument, sized by the return value. */
    static const char random_bytes[] = "\x01\x02\x03\x04";
    ev = syscall_event(NR_GETRANDOM, 4);
    ev.args[0] = addr_of(random_bytes);
    ev.args[1] = 4;
    ev.args[2] = 0;
    CHECK_STR(format(&ev), "getrandom(\"\\x01\\x02\\x03\\x04\", 4, 0) = 4");
}

static void test_strings(void)
{
    static const char long_name[] = "a-name-that-is-longer-than-thirty-two-bytes";
    cmp_event ev = syscall_event(NR_MEMFD_CREATE, 5);
    ev.args[0] = addr_of(long_name);
    ev.args[1] = 1;
    CHECK_STR(format(&ev), "memfd_create(\"a-name-that-is-longer-than-thirt\"..., 1) = 5");

    static const char exact[] = "0123456789abcdef0123456789abcdef";
    ev.args[0] = addr_of(exact);
    CHECK_STR(format(&ev), "memfd_create(\"0123456789abcdef0123456789abcdef\", 1) = 5");
}

static void test_memory(void)
{
    cmp_event ev = syscall_event(NR_MMAP, 0x7f1234560000);
    ev.args[1] = 8192;
    ev.args[2] = PROT_READ | PROT_WRITE;
    ev.args[3] = MAP_PRIVATE | MAP_ANONYMOUS;
    ev.args[4] = (uint64_t)(int64_t)-1;
    ev.args[5] = 0;
    CHECK_STR(format(&ev), "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, "
                           "0) = 0x7f1234560000");
    ev.ret = -ENOMEM;
    CHECK_STR(format(&ev), "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, "
                           "0) = -1 ENOMEM (Cannot allocate memory)");

    ev = syscall_event(NR_MMAP, 0x7f0000001000);
    ev.args[0] = 0x7f0000001000;
    ev.args[1] = 4096;
    ev.args[2] = PROT_READ | PROT_EXEC;
    ev.args[3] = MAP_PRIVATE | MAP_FIXED | MAP_DENYWRITE;
    ev.args[4] = 3;
    ev.args[5] = 0x2000;
    CHECK_STR(format(&ev), "mmap(0x7f0000001000, 4096, PROT_READ|PROT_EXEC, "
                           "MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x2000) = 0x7f0000001000");

    ev = syscall_event(NR_BRK, 0x555555559000);
    CHECK_STR(format(&ev), "brk(NULL) = 0x555555559000");
}

static void test_sockets(void)
{
    cmp_event ev = syscall_event(NR_CONNECT, -ECONNREFUSED);
    ev.args[0] = 3;
    ev.args[1] = 0x1000; /* never read: the decoded address is given */
    ev.args[2] = 16;
    ev.sockaddr = str("127.0.0.1:8000");
    CHECK_STR(format(&ev),
              "connect(3, {127.0.0.1:8000}, 16) = -1 ECONNREFUSED (Connection refused)");
    ev.ret = -EINPROGRESS;
    ev.sockaddr = str("[2001:db8::1]:443");
    CHECK_STR(format(&ev),
              "connect(3, {[2001:db8::1]:443}, 16) = -1 EINPROGRESS (Operation now in progress)");

    /* Read from the tracee: an abstract name with a NUL inside. */
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    memcpy(sun.sun_path, "\0bus\0x", 6);
    ev = syscall_event(NR_CONNECT, 0);
    ev.args[0] = 4;
    ev.args[1] = addr_of(&sun);
    ev.args[2] = offsetof(struct sockaddr_un, sun_path) + 6;
    CHECK_STR(format(&ev), "connect(4, {sa_family=AF_UNIX, sun_path=@\"bus\\0x\"}, 8) = 0");

    /* Unix paths are escaped inside the braces. */
    strcpy(sun.sun_path, "/tmp/a\nb");
    ev.args[2] = sizeof(sun);
    CHECK_STR(format(&ev), "connect(4, {sa_family=AF_UNIX, sun_path=\"/tmp/a\\nb\"}, 110) = 0");
    ev.sockaddr = str("/run/\x1b.sock");
    /* Without the address's bytes (a log gave only its text), the text. */
    ev.payloads = NULL;
    CHECK_STR(render(&ev), "connect(4, {/run/\\x1b.sock}, 110) = 0");

    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
    ev = syscall_event(NR_CONNECT, 0);
    ev.args[0] = 5;
    ev.args[1] = addr_of(&sin);
    ev.args[2] = sizeof(sin);
    CHECK_STR(format(&ev), "connect(5, {sa_family=AF_INET, sin_port=htons(53), "
                           "sin_addr=inet_addr(\"10.1.2.3\")}, 16) = 0");
    /* Too short to decode, or unreadable: the pointer. */
    ev.args[2] = 1;
    snprintf(want, sizeof(want), "connect(5, %p, 1) = 0", (void *)&sin);
    CHECK_STR(format(&ev), want);
    ev.args[1] = BAD_POINTER;
    ev.args[2] = 16;
    CHECK_STR(format(&ev), "connect(5, 0x10, 16) = 0");

    /* accept's peer and length exist only once it returned. */
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(5555)};
    inet_pton(AF_INET, "10.0.0.2", &peer.sin_addr);
    socklen_t peer_len = sizeof(peer);
    ev = syscall_event(NR_ACCEPT, 7);
    ev.args[0] = 3;
    ev.args[1] = addr_of(&peer);
    ev.args[2] = addr_of(&peer_len);
    CHECK_STR(format(&ev), "accept(3, {sa_family=AF_INET, sin_port=htons(5555), "
                           "sin_addr=inet_addr(\"10.0.0.2\")}, [16]) = 7");
    ev.ret = -EAGAIN;
    snprintf(want, sizeof(want), "accept(3, %p, %p) = -1 EAGAIN (Resource temporarily unavailable)",
             (void *)&peer, (void *)&peer_len);
    CHECK_STR(format(&ev), want);
    ev.type = CMP_EV_ENTER;
    snprintf(want, sizeof(want), "accept(3, %p, %p)", (void *)&peer, (void *)&peer_len);
    CHECK_STR(format(&ev), want);
    ev = syscall_event(NR_ACCEPT, 7);
    ev.args[0] = 3;
    CHECK_STR(format(&ev), "accept(3, NULL, NULL) = 7");
}

static void test_process(void)
{
    cmp_event ev = syscall_event(NR_EXIT_GROUP, 0);
    CHECK_STR(format(&ev), "exit_group(0) = ?");
    ev.type = CMP_EV_ENTER;
    ev.args[0] = 3;
    CHECK_STR(format(&ev), "exit_group(3) = ?");

    ev = syscall_event(NR_CLONE, 1234);
    ev.args[0] = 0x01200000 | SIGCHLD;
    ev.args[3] = 0x7f00000009d0;
    CHECK_STR(format(&ev), "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|"
                           "SIGCHLD, child_tidptr=0x7f00000009d0) = 1234");
    ev.args[0] = SIGCHLD;
    ev.args[3] = 0;
    CHECK_STR(format(&ev), "clone(child_stack=NULL, flags=SIGCHLD) = 1234");
    ev.args[0] = 0x100 | 0x4000;
    CHECK_STR(format(&ev), "clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK) = 1234");

    ev = syscall_event(NR_GETPID, 42);
    CHECK_STR(format(&ev), "getpid() = 42");

    ev = syscall_event(NR_KILL, 0);
    ev.args[0] = 123;
    ev.args[1] = SIGTERM;
    CHECK_STR(format(&ev), "kill(123, SIGTERM) = 0");
    ev.args[1] = 0;
    CHECK_STR(format(&ev), "kill(123, 0) = 0");
    ev.args[0] = (uint32_t)-1; /* an int, zero-extended to 64 bits */
    ev.args[1] = 99;
    ev.ret = -EINVAL;
    CHECK_STR(format(&ev), "kill(-1, 99) = -1 EINVAL (Invalid argument)");

    ev = syscall_event(NR_RT_SIGACTION, 0);
    ev.args[0] = 34;
    ev.args[1] = 0x7ffd0000;
    ev.args[3] = 8;
    CHECK_STR(format(&ev), "rt_sigaction(SIGRT_2, 0x7ffd0000, NULL, 8) = 0");
}

static void test_commands_and_ints(void)
{
    cmp_event ev = syscall_event(NR_FCNTL, 0);
    ev.args[0] = 3;
    ev.args[1] = 2;
    ev.args[2] = 1;
    CHECK_STR(format(&ev), "fcntl(3, F_SETFD, FD_CLOEXEC) = 0");
    ev.args[1] = 1030;
    ev.args[2] = 10;
    ev.ret = 11;
    CHECK_STR(format(&ev), "fcntl(3, F_DUPFD_CLOEXEC, 10) = 11");
    ev.args[1] = 999;
    CHECK_STR(format(&ev), "fcntl(3, 999, 0xa) = 11");

    ev = syscall_event(NR_FUTEX, 0);
    ev.args[0] = 0x7f00000010;
    ev.args[1] = 128; /* FUTEX_WAIT|FUTEX_PRIVATE_FLAG */
    ev.args[2] = 2;
    CHECK_STR(format(&ev), "futex(0x7f00000010, FUTEX_WAIT_PRIVATE, 2, NULL) = 0");
    ev.args[1] = 9 | 128 | 256;
    CHECK_STR(format(&ev), "futex(0x7f00000010, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 2, "
                           "NULL, 0) = 0");
    ev.args[5] = 0xffffffff;
    CHECK_STR(format(&ev), "futex(0x7f00000010, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 2, "
                           "NULL, FUTEX_BITSET_MATCH_ANY) = 0");
    /* a timeout is the struct the caller passed */
    struct timespec ts = {.tv_sec = 1, .tv_nsec = 500};
    ev.args[1] = 128;
    ev.args[3] = addr_of(&ts);
    CHECK_STR(format(&ev),
              "futex(0x7f00000010, FUTEX_WAIT_PRIVATE, 2, {tv_sec=1, tv_nsec=500}) = 0");

    ev = syscall_event(NR_IOCTL, -ENOTTY);
    ev.args[0] = 1;
    ev.args[1] = 0x5401;
    ev.args[2] = 0x7ffc0000;
    CHECK_STR(format(&ev),
              "ioctl(1, TCGETS, 0x7ffc0000) = -1 ENOTTY (Inappropriate ioctl for device)");

    ev = syscall_event(NR_LSEEK, 100);
    ev.args[0] = 3;
    ev.args[1] = (uint64_t)(int64_t)-10;
    ev.args[2] = SEEK_END;
    CHECK_STR(format(&ev), "lseek(3, -10, SEEK_END) = 100");
    ev.args[1] = 0x100000000;
    ev.args[2] = SEEK_SET;
    ev.ret = 0x100000000;
    CHECK_STR(format(&ev), "lseek(3, 4294967296, SEEK_SET) = 4294967296");

    ev = syscall_event(NR_POLL, 0);
    ev.args[0] = 0x7ffc0010;
    ev.args[1] = 1;
    ev.args[2] = 0xffffffff; /* timeout -1, as a 32-bit int */
    CHECK_STR(format(&ev), "poll(0x7ffc0010, 1, -1) = 0 (Timeout)");
}

static void test_unknown(void)
{
    /* A number with no name: six raw arguments. */
    cmp_event ev = syscall_event(400, -ENOSYS);
    ev.args[0] = 1;
    ev.args[1] = 0xff;
    CHECK_STR(format(&ev),
              "syscall_400(0x1, 0xff, 0, 0, 0, 0) = -1 ENOSYS (Function not implemented)");

    /* Named but without argument kinds. */
    ev = syscall_event(NR_FILE_SETATTR, 0);
    ev.args[0] = 3;
    CHECK_STR(format(&ev), "file_setattr(0x3, 0, 0, 0, 0, 0) = 0");

    /* An errno with no name, and a negative value beyond the errno range. */
    ev = syscall_event(NR_GETPID, -600);
    CHECK_STR(format(&ev), "getpid() = -1 errno=600");
    ev.ret = -5000;
    CHECK_STR(format(&ev), "getpid() = -5000");
    ev.ret = -512;
    CHECK_STR(format(&ev), "getpid() = ? ERESTARTSYS (To be restarted if SA_RESTART is set)");

    /* Events not tied to a syscall give an empty line. */
    ev = syscall_event(-1, 0);
    ev.type = CMP_EV_EXIT;
    line[0] = 'x';
    CHECK_INT(cmp_format_syscall(&ev, line, sizeof(line)), 0);
    CHECK_STR(line, "");
    CHECK_INT(cmp_format_syscall(NULL, line, sizeof(line)), 0);
}

/* An int $0x80 call arrives as the x86-64 syscall it means, marked. */
static void test_i386(void)
{
    cmp_event ev = syscall_event(NR_WRITE, 6);
    ev.abi = CMP_ABI_I386;
    ev.args[0] = 1;
    ev.args[1] = addr_of("hello\n");
    ev.args[2] = 6;
    CHECK_STR(format(&ev), "[i386] write(1, \"hello\\n\", 6) = 6");
    ev.type = CMP_EV_ENTER;
    CHECK_STR(format(&ev), "[i386] write(1, \"hello\\n\", 6)");

    /* an i386 struct stat64 is not x86-64's: its pointer, not a misread */
    struct stat st;
    memset(&st, 0, sizeof(st));
    st.st_mode = S_IFREG | 0644;
    ev = syscall_event(262, 0);
    ev.abi = CMP_ABI_I386;
    ev.args[0] = 3;
    ev.args[1] = addr_of("");
    ev.args[2] = addr_of(&st);
    ev.args[3] = 0x1000;
    snprintf(want, sizeof(want), "[i386] newfstatat(3, \"\", %p, AT_EMPTY_PATH) = 0", (void *)&st);
    CHECK_STR(format(&ev), want);
}

static void test_truncation(void)
{
    cmp_event call = syscall_event(NR_WRITE, 6);
    call.args[0] = 1;
    call.args[1] = addr_of("hello\n");
    call.args[2] = 6;
    cmp_event ev = recorded(&call, CAPTURE_SHOWN);
    const char *full = "write(1, \"hello\\n\", 6) = 6";

    char small[12];
    memset(small, 'z', sizeof(small));
    CHECK_INT(cmp_format_syscall(&ev, small, sizeof(small)), strlen(full));
    CHECK_STR(small, "write(1, \"h");

    /* Every cut leaves a terminated prefix of the full line. */
    for (size_t cap = 1; cap <= strlen(full) + 1; cap++) {
        char cut[64];
        memset(cut, 'z', sizeof(cut));
        CHECK_INT(cmp_format_syscall(&ev, cut, cap), strlen(full));
        CHECK_INT(strlen(cut), cap - 1);
        CHECK(strncmp(cut, full, cap - 1) == 0);
        CHECK(cut[cap] == 'z');
    }

    CHECK_INT(cmp_format_syscall(&ev, NULL, 0), strlen(full));
}

/* Sets argument i's captured bytes in a record made by hand. */
static void set_shown(struct syscall_payloads *p, int i, const void *bytes, uint32_t len)
{
    p->shown_have |= 1u << i;
    p->shown[i].err = 0;
    p->shown[i].len = len;
    memcpy(p->shown[i].bytes, bytes, len);
}

/* Lines come from the record alone: memory changed (or gone) after the
 * capture, as in a recording replayed later, does not change them. */
static void test_record_only(void)
{
    char buf[16] = "captured\n";
    cmp_event ev = syscall_event(NR_WRITE, 9);
    ev.args[0] = 1;
    ev.args[1] = addr_of(buf);
    ev.args[2] = 9;
    cmp_event rec = recorded(&ev, CAPTURE_SHOWN);
    memcpy(buf, "changed!\n", 9);
    CHECK_STR(render(&rec), "write(1, \"captured\\n\", 9) = 9");

    /* A record made by hand, as a recording's reader makes it: its
     * pointers lead nowhere here. */
    struct syscall_payloads p;
    memset(&p, 0, sizeof(p));
    set_shown(&p, 1, "ping", 4);
    ev = syscall_event(NR_WRITE, 4);
    ev.args[0] = 5;
    ev.args[1] = BAD_POINTER;
    ev.args[2] = 4;
    ev.payloads = &p;
    CHECK_STR(render(&ev), "write(5, \"ping\", 4) = 4");
    /* a string: one byte more than shown is the mark that it goes on */
    ev = syscall_event(NR_MEMFD_CREATE, 3);
    ev.args[0] = BAD_POINTER;
    ev.payloads = &p;
    char name[33];
    memset(name, 'n', sizeof(name));
    set_shown(&p, 0, name, sizeof(name));
    CHECK_STR(render(&ev), "memfd_create(\"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\"..., 0) = 3");
    /* what could not be read shows as the pointer */
    p.shown[0].err = EFAULT;
    CHECK_STR(render(&ev), "memfd_create(0x10, 0) = 3");

    /* An address the kernel stored: its bytes and the length it stored. */
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(80)};
    inet_pton(AF_INET, "192.0.2.1", &in.sin_addr);
    memset(&p, 0, sizeof(p));
    set_shown(&p, 1, &in, sizeof(in));
    p.shown[1].value = sizeof(in);
    ev = syscall_event(NR_ACCEPT, 4);
    ev.args[0] = 3;
    ev.args[1] = BAD_POINTER;
    ev.args[2] = 0x20;
    ev.payloads = &p;
    CHECK_STR(render(&ev), "accept(3, {sa_family=AF_INET, sin_port=htons(80), "
                           "sin_addr=inet_addr(\"192.0.2.1\")}, [16]) = 4");
    /* an address passed in, from the record's socket address */
    memset(&p, 0, sizeof(p));
    p.have = PAYLOAD_SOCKADDR;
    p.sockaddr_len = sizeof(in);
    memcpy(p.sockaddr, &in, sizeof(in));
    ev = syscall_event(NR_CONNECT, 0);
    ev.args[0] = 3;
    ev.args[1] = BAD_POINTER;
    ev.args[2] = sizeof(in);
    ev.payloads = &p;
    CHECK_STR(render(&ev), "connect(3, {sa_family=AF_INET, sin_port=htons(80), "
                           "sin_addr=inet_addr(\"192.0.2.1\")}, 16) = 0");

    /* No record at all: every pointer as it is. */
    ev.payloads = NULL;
    CHECK_STR(render(&ev), "connect(3, 0x10, 16) = 0");
    ev = syscall_event(NR_READ, 4);
    ev.args[0] = 3;
    ev.args[1] = addr_of(buf);
    ev.args[2] = 4;
    snprintf(want, sizeof(want), "read(3, %p, 4) = 4", (void *)buf);
    CHECK_STR(render(&ev), want);
}

/* Nothing is captured for a line nobody formats: a hook's decoded fields
 * (CAPTURE_DECODED) do not read strings or buffers. */
static void test_not_wanted(void)
{
    static const char name[] = "memfd";
    cmp_event ev = syscall_event(NR_MEMFD_CREATE, 3);
    ev.args[0] = addr_of(name);
    cmp_event rec = recorded(&ev, CAPTURE_DECODED);
    CHECK_INT(rec.payloads->shown_have, 0);
    snprintf(want, sizeof(want), "memfd_create(%p, 0) = 3", (const void *)name);
    CHECK_STR(render(&rec), want);

    char buf[8] = "abc";
    ev = syscall_event(NR_READ, 3);
    ev.args[0] = 0;
    ev.args[1] = addr_of(buf);
    ev.args[2] = 8;
    rec = recorded(&ev, 0);
    CHECK_INT(rec.payloads->shown_have, 0);
    rec = recorded(&ev, CAPTURE_SHOWN);
    CHECK_INT(rec.payloads->shown_have, 1u << 1);
}

/* Buffers cut where their memory ends, and a path too long for the
 * kernel, which shows only its start. */
static void test_edges(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *two =
        mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(two != MAP_FAILED);
    munmap(two + page, (size_t)page);
    char *tail = two + page - 5;
    memcpy(tail, "edge!", 5);
    cmp_event ev = syscall_event(NR_WRITE, -EFAULT);
    ev.args[0] = 1;
    ev.args[1] = addr_of(tail);
    ev.args[2] = 20;
    CHECK_STR(format(&ev), "write(1, \"edge!\"..., 20) = -1 EFAULT (Bad address)");
    /* a string whose end cannot be read is no string */
    ev = syscall_event(NR_MEMFD_CREATE, -EFAULT);
    ev.args[0] = addr_of(tail);
    snprintf(want, sizeof(want), "memfd_create(%p, 0) = -1 EFAULT (Bad address)", (void *)tail);
    CHECK_STR(format(&ev), want);
    munmap(two, (size_t)page);

    static char long_path[5001];
    memset(long_path, 'x', 5000);
    ev = syscall_event(NR_OPENAT, -ENAMETOOLONG);
    ev.args[0] = (uint64_t)(int64_t)-100;
    ev.args[1] = addr_of(long_path);
    ev.args[2] = O_RDONLY;
    char shown[PAYLOAD_SHOWN_MAX];
    memset(shown, 'x', PAYLOAD_SHOWN_MAX - 1);
    shown[PAYLOAD_SHOWN_MAX - 1] = '\0';
    snprintf(want, sizeof(want),
             "openat(AT_FDCWD, \"%s\"..., O_RDONLY) = -1 ENAMETOOLONG (File name too long)", shown);
    CHECK_STR(format(&ev), want);
}

/* The structs strace abbreviates, as its default view prints them. */
static void test_strace_structs(void)
{
    struct stat st;
    memset(&st, 0, sizeof(st));
    st.st_mode = S_IFREG | 0644;
    st.st_size = 1234;
    cmp_event ev = syscall_event(262, 0); /* newfstatat */
    ev.args[0] = 3;
    ev.args[1] = addr_of("");
    ev.args[2] = addr_of(&st);
    ev.args[3] = 0x1000;
    CHECK_STR(format(&ev),
              "newfstatat(3, \"\", {st_mode=S_IFREG|0644, st_size=1234, ...}, AT_EMPTY_PATH) = 0");
    st.st_mode = S_IFCHR | 0666;
    st.st_rdev = makedev(1, 3);
    CHECK_STR(format(&ev), "newfstatat(3, \"\", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), "
                           "...}, AT_EMPTY_PATH) = 0");
    ev.ret = -ENOENT; /* nothing was written */
    snprintf(want, sizeof(want),
             "newfstatat(3, \"\", %p, AT_EMPTY_PATH) = -1 ENOENT (No such file or directory)",
             (void *)&st);
    CHECK_STR(format(&ev), want);

    struct statx stx;
    memset(&stx, 0, sizeof(stx));
    stx.stx_mask = 0x17ff;
    stx.stx_mode = S_IFDIR | 0755;
    stx.stx_size = 4096;
    ev = syscall_event(332, 0); /* statx */
    ev.args[0] = (uint64_t)(int64_t)-100;
    ev.args[1] = addr_of("/etc");
    ev.args[2] = 0x100 | 0x800;
    ev.args[3] = 0x25e;
    ev.args[4] = addr_of(&stx);
    CHECK_STR(format(&ev),
              "statx(AT_FDCWD, \"/etc\", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|"
              "AT_NO_AUTOMOUNT, STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_MTIME|"
              "STATX_SIZE, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, "
              "stx_mode=S_IFDIR|0755, stx_size=4096, ...}) = 0");

    /* the kernel's struct sigaction: handler, flags, restorer, mask */
    uint64_t act[4] = {0x5500, 0x14000000, 0x7f00, (1ull << (SIGCHLD - 1)) | 1};
    uint64_t old[4] = {0, 0, 0, 0};
    ev = syscall_event(NR_RT_SIGACTION, 0);
    ev.args[0] = SIGCHLD;
    ev.args[1] = addr_of(act);
    ev.args[2] = addr_of(old);
    ev.args[3] = 8;
    CHECK_STR(format(&ev),
              "rt_sigaction(SIGCHLD, {sa_handler=0x5500, sa_mask=[HUP CHLD], "
              "sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f00}, {sa_handler=SIG_DFL, "
              "sa_mask=[], sa_flags=0}, 8) = 0");

    /* sets with more than half the signals are shown by what they lack */
    uint64_t all_but = ~((1ull << 31) | (1ull << 32));
    uint64_t was = 0;
    ev = syscall_event(14, 0); /* rt_sigprocmask */
    ev.args[0] = SIG_SETMASK;
    ev.args[1] = addr_of(&all_but);
    ev.args[2] = addr_of(&was);
    ev.args[3] = 8;
    CHECK_STR(format(&ev), "rt_sigprocmask(SIG_SETMASK, ~[RTMIN RT_1], [], 8) = 0");

    uint64_t lim[2] = {8192 * 1024, UINT64_MAX};
    ev = syscall_event(302, 0); /* prlimit64 */
    ev.args[1] = 3;
    ev.args[3] = addr_of(lim);
    CHECK_STR(
        format(&ev),
        "prlimit64(0, RLIMIT_STACK, NULL, {rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}) = 0");

    int status = 3 << 8;
    ev = syscall_event(61, 1234); /* wait4 */
    ev.args[0] = (uint64_t)(int64_t)-1;
    ev.args[1] = addr_of(&status);
    CHECK_STR(format(&ev), "wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL) = 1234");
    status = SIGKILL;
    CHECK_STR(format(&ev),
              "wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], 0, NULL) = 1234");

    /* argv's strings, cut as strings are; envp by its count */
    char *argv[] = {"ls", "-la", "a string longer than thirty-two bytes", NULL};
    char *envp[] = {"A=1", "B=2", NULL};
    ev = syscall_event(59, 0); /* execve */
    ev.args[0] = addr_of("/bin/ls");
    ev.args[1] = addr_of(argv);
    ev.args[2] = addr_of(envp);
    snprintf(want, sizeof(want),
             "execve(\"/bin/ls\", [\"ls\", \"-la\", \"a string longer than thirty-two \"...], %p "
             "/* 2 vars */) = 0",
             (void *)envp);
    CHECK_STR(format(&ev), want);

    int fds[2] = {3, 4};
    ev = syscall_event(293, 0); /* pipe2 */
    ev.args[0] = addr_of(fds);
    ev.args[1] = O_CLOEXEC;
    CHECK_STR(format(&ev), "pipe2([3, 4], O_CLOEXEC) = 0");
    ev.args[1] = 0;
    CHECK_STR(format(&ev), "pipe2([3, 4], 0) = 0");

    struct pollfd pfd[2] = {{.fd = 5, .events = POLLIN | POLLPRI},
                            {.fd = 3, .events = POLLOUT, .revents = POLLOUT}};
    ev = syscall_event(NR_POLL, 1);
    ev.args[0] = addr_of(pfd);
    ev.args[1] = 2;
    ev.args[2] = 199;
    CHECK_STR(format(&ev),
              "poll([{fd=5, events=POLLIN|POLLPRI}, {fd=3, events=POLLOUT}], 2, 199) = 1 "
              "([{fd=3, revents=POLLOUT}])");

    char a[40], b[8];
    memset(a, 'a', sizeof(a));
    memcpy(b, "\177ELF\2\1\0\0", 8);
    struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    ev = syscall_event(20, 48); /* writev */
    ev.args[0] = 1;
    ev.args[1] = addr_of(iov);
    ev.args[2] = 2;
    CHECK_STR(format(&ev),
              "writev(1, [{iov_base=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..., iov_len=40}, "
              "{iov_base=\"\\177ELF\\2\\1\\0\\0\", iov_len=8}], 2) = 48");
    ev = syscall_event(19, 42); /* readv: only the ret bytes the kernel filled */
    ev.args[0] = 3;
    ev.args[1] = addr_of(iov);
    ev.args[2] = 2;
    CHECK_STR(format(&ev),
              "readv(3, [{iov_base=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"..., iov_len=40}, "
              "{iov_base=\"\\177E\", iov_len=8}], 2) = 42");

    char cwd[] = "/tmp/work";
    ev = syscall_event(79, sizeof(cwd)); /* getcwd */
    ev.args[0] = addr_of(cwd);
    ev.args[1] = 4096;
    CHECK_STR(format(&ev), "getcwd(\"/tmp/work\", 4096) = 10");

    ev = syscall_event(41, 5); /* socket */
    ev.args[0] = AF_INET;
    ev.args[1] = SOCK_STREAM | SOCK_CLOEXEC;
    ev.args[2] = 6;
    CHECK_STR(format(&ev), "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 5");
    ev.args[0] = AF_UNIX;
    ev.args[2] = 0;
    CHECK_STR(format(&ev), "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 5");

    /* a struct clone_args, and the tid the kernel stored */
    uint64_t args[11] = {0x3d0f00, 0, 0x7f10, 0x7f10, 0, 0x7f00, 0x7fff00, 0x7f20};
    ev = syscall_event(435, 4321); /* clone3 */
    ev.args[0] = addr_of(args);
    ev.args[1] = 88;
    CHECK_STR(format(&ev), "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|"
                           "CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, "
                           "child_tid=0x7f10, parent_tid=0x7f10, exit_signal=0, stack=0x7f00, "
                           "stack_size=0x7fff00, tls=0x7f20} => {parent_tid=[4321]}, 88) = 4321");
}

/* A struct msghdr with its iovecs: all of what is sent, what was received. */
static void test_msghdr(void)
{
    char a[] = "hello", b[] = " world";
    struct iovec iov[2] = {{a, 5}, {b, 6}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    cmp_event ev = syscall_event(46, 11); /* sendmsg */
    ev.args[0] = 6;
    ev.args[1] = addr_of(&m);
    ev.args[2] = MSG_NOSIGNAL;
    CHECK_STR(format(&ev),
              "sendmsg(6, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hello\", "
              "iov_len=5}, {iov_base=\" world\", iov_len=6}], msg_iovlen=2, "
              "msg_controllen=0, msg_flags=0}, MSG_NOSIGNAL) = 11");
    ev = syscall_event(47, 7); /* recvmsg: the ret bytes the kernel filled */
    ev.args[0] = 6;
    ev.args[1] = addr_of(&m);
    m.msg_flags = MSG_TRUNC;
    CHECK_STR(format(&ev),
              "recvmsg(6, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hello\", "
              "iov_len=5}, {iov_base=\" w\", iov_len=6}], msg_iovlen=2, "
              "msg_controllen=0, msg_flags=MSG_TRUNC}, 0) = 7");
}

/* An offset the kernel moves shows as passed and as moved: [100] => [200]. */
static void test_offsets(void)
{
    off_t off = 100;
    struct task *t = self ? self : (self = proctable_add(getpid()));
    struct syscall_call *c = &t->call;
    cmp_event ev = syscall_event(40, 100); /* sendfile */
    ev.args[0] = 5;
    ev.args[1] = 4;
    ev.args[2] = addr_of(&off);
    ev.args[3] = 100;
    c->nr = ev.nr;
    memcpy(c->args, ev.args, sizeof(c->args));
    capture_entry(t, CAPTURE_SHOWN);
    off = 200;
    capture_exit(t, 100, CAPTURE_SHOWN);
    ev.payloads = &c->cap;
    CHECK_STR(render(&ev), "sendfile(5, 4, [100] => [200], 100) = 100");
    /* copy_file_range's offsets as the caller passed them */
    off = 0;
    ev = syscall_event(326, 100);
    ev.args[0] = 4;
    ev.args[1] = addr_of(&off);
    ev.args[2] = 5;
    ev.args[4] = 100;
    CHECK_STR(format(&ev), "copy_file_range(4, [0], 5, NULL, 100, 0) = 100");
}

static void test_sysinfo(void)
{
    struct sysinfo info;
    memset(&info, 0, sizeof(info));
    info.uptime = 18796;
    info.loads[0] = 541280;
    info.totalram = 25324732416;
    info.procs = 170;
    info.mem_unit = 1;
    cmp_event ev = syscall_event(99, 0);
    ev.args[0] = addr_of(&info);
    CHECK_STR(format(&ev),
              "sysinfo({uptime=18796, loads=[541280, 0, 0], totalram=25324732416, "
              "freeram=0, sharedram=0, bufferram=0, totalswap=0, freeswap=0, procs=170, "
              "totalhigh=0, freehigh=0, mem_unit=1}) = 0");
}

/* The room offered for an address and what the kernel stored: [in => out]. */
static void test_address_length(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(80)};
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    socklen_t len = 16;
    struct task *t = self ? self : (self = proctable_add(getpid()));
    struct syscall_call *c = &t->call;
    cmp_event ev = syscall_event(51, 0); /* getsockname */
    ev.args[0] = 3;
    ev.args[1] = addr_of(&sin);
    ev.args[2] = addr_of(&len);
    /* entry with 128 offered, exit with 16 stored */
    len = 128;
    c->nr = ev.nr;
    memcpy(c->args, ev.args, sizeof(c->args));
    capture_entry(t, CAPTURE_SHOWN);
    len = 16;
    capture_exit(t, 0, CAPTURE_SHOWN);
    ev.payloads = &c->cap;
    CHECK_STR(render(&ev), "getsockname(3, {sa_family=AF_INET, sin_port=htons(80), "
                           "sin_addr=inet_addr(\"127.0.0.1\")}, [128 => 16]) = 0");
}

int main(void)
{
    test_open();
    test_two_paths();
    test_read_write();
    test_strings();
    test_memory();
    test_sockets();
    test_process();
    test_commands_and_ints();
    test_unknown();
    test_i386();
    test_truncation();
    test_record_only();
    test_not_wanted();
    test_edges();
    test_strace_structs();
    test_address_length();
    test_offsets();
    test_msghdr();
    test_sysinfo();
    return check_finish();
}
