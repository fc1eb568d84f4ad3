/* int80: a 64-bit program making 32-bit syscalls through int $0x80.
 *
 *   int80 write PATH TEXT   open(PATH, O_WRONLY|O_CREAT|O_TRUNC, 0644), write TEXT
 *                           (strlen bytes) and close, all through int $0x80
 *   int80 exec              open /dev/null (x86-64), then execve("/bin/true",
 *                           {"true", "from-int80"}) through int $0x80
 *   int80 thread            an i386 clone(CLONE_THREAD|CLONE_VM|...) whose child
 *                           exits at once through int $0x80 exit; prints "thread TID"
 *   int80 signal            signal(SIGUSR1, SIG_IGN) through int $0x80: an old
 *                           i386 call with no x86-64 twin
 *   int80 mmap              mmap2 of 3 anonymous pages, then munmap, through
 *                           int $0x80; prints "mapped ADDR" (hex)
 *   int80 connect IP PORT   socketcall(SYS_SOCKET) for TCP, then
 *                           socketcall(SYS_CONNECT) to IP:PORT; prints
 *                           "connect: ERRNO-NAME" or "connect: ok"
 *   int80 x32               getpid through the x32 ABI (the x86-64 entry with
 *                           bit 30 set in the number; ENOSYS where x32 is off)
 *
 * The i386 ABI takes 32-bit pointers, so everything the kernel reads lives
 * in a MAP_32BIT mapping. Exits 77 when the kernel has no i386 emulation. */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* i386 syscall numbers (arch/x86/entry/syscalls/syscall_32.tbl). */
#define I386_EXIT 1
#define I386_WRITE 4
#define I386_OPEN 5
#define I386_CLOSE 6
#define I386_EXECVE 11
#define I386_GETPID 20
#define I386_SIGNAL 48
#define I386_MUNMAP 91
#define I386_SOCKETCALL 102
#define I386_CLONE 120
#define I386_MMAP2 192
/* socketcall's sub-calls (linux/net.h) */
#define SOCKETCALL_SOCKET 1
#define SOCKETCALL_CONNECT 3

/* x32: x86-64 numbers with this bit set. */
#define X32_SYSCALL_BIT 0x40000000L

#define LOW_SIZE 65536
#define STACK_SIZE 16384

/* int $0x80 from 64-bit code also zeroes r8-r11. */
static long int80(long nr, uint32_t a, uint32_t b, uint32_t c)
{
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(nr), "b"(a), "c"(b), "d"(c)
                     : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

/* i386 clone(flags, newsp, parent_tid, tls, child_tid). The child runs on
 * newsp, touches no memory and ends itself with the i386 exit. */
static long clone_i386(uint32_t flags, uint32_t newsp, uint32_t parent_tid, uint32_t child_tid)
{
    long ret;
    __asm__ volatile("int $0x80\n\t"
                     "test %%eax, %%eax\n\t"
                     "jnz 1f\n\t"
                     "movl $1, %%eax\n\t" /* I386_EXIT */
                     "xorl %%ebx, %%ebx\n\t"
                     "int $0x80\n\t"
                     "ud2\n\t"
                     "1:"
                     : "=a"(ret)
                     : "a"((long)I386_CLONE), "b"(flags), "c"(newsp), "d"(parent_tid), "S"(0),
                       "D"(child_tid)
                     : "memory", "r8", "r9", "r10", "r11");
    return ret;
}

static char *low;   /* below 4 GiB */
static size_t used; /* of low */

static uint32_t low_copy(const void *data, size_t len)
{
    char *at = low + used;
    memcpy(at, data, len);
    used += (len + 15) & ~(size_t)15;
    return (uint32_t)(uintptr_t)at;
}

static uint32_t low_string(const char *s)
{
    return low_copy(s, strlen(s) + 1);
}

static int fail(const char *what, long ret)
{
    fprintf(stderr, "int80: %s: %s\n", what, strerror((int)-ret));
    return 1;
}

static int do_write(const char *path, const char *text)
{
    long fd = int80(I386_OPEN, low_string(path), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return fail("open", fd);
    size_t len = strlen(text);
    long n = int80(I386_WRITE, (uint32_t)fd, low_copy(text, len), (uint32_t)len);
    if (n != (long)len)
        return fail("write", n < 0 ? n : -EIO);
    long rc = int80(I386_CLOSE, (uint32_t)fd, 0, 0);
    return rc < 0 ? fail("close", rc) : 0;
}

static int do_exec(void)
{
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0)
        return fail("open /dev/null", -errno);
    uint32_t argv[3] = {low_string("true"), low_string("from-int80"), 0};
    uint32_t envp[1] = {0};
    long rc = int80(I386_EXECVE, low_string("/bin/true"), low_copy(argv, sizeof(argv)),
                    low_copy(envp, sizeof(envp)));
    return fail("execve /bin/true", rc);
}

static int do_thread(void)
{
    char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (stack == MAP_FAILED)
        return fail("mmap stack", -errno);
    /* The kernel stores the tid here at clone and clears it (with a futex
     * wake) when the thread is gone. */
    uint32_t tid_at = low_copy(&(uint32_t){0}, sizeof(uint32_t));
    volatile uint32_t *tid = (volatile uint32_t *)(uintptr_t)tid_at;
    uint32_t flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                     CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    long rc = clone_i386(flags, (uint32_t)(uintptr_t)(stack + STACK_SIZE), tid_at, tid_at);
    if (rc < 0)
        return fail("clone", rc);
    printf("thread %ld\n", rc);
    fflush(stdout);
    uint32_t seen;
    while ((seen = *tid) != 0)
        syscall(SYS_futex, tid, FUTEX_WAIT, seen, NULL, NULL, 0);
    return 0;
}

static int do_signal(void)
{
    long rc = int80(I386_SIGNAL, SIGUSR1, (uint32_t)(uintptr_t)SIG_IGN, 0);
    return rc < 0 ? fail("signal", rc) : 0;
}

static int do_mmap(void)
{
    long addr;
    /* mmap2(NULL, 3 pages, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0):
     * the sixth argument goes in ebp, saved below the red zone. */
    __asm__ volatile("lea -128(%%rsp), %%rsp\n\t"
                     "push %%rbp\n\t"
                     "xorl %%ebp, %%ebp\n\t"
                     "int $0x80\n\t"
                     "pop %%rbp\n\t"
                     "lea 128(%%rsp), %%rsp"
                     : "=a"(addr)
                     : "a"((long)I386_MMAP2), "b"(0), "c"(3 * 4096), "d"(PROT_READ | PROT_WRITE),
                       "S"(MAP_PRIVATE | MAP_ANONYMOUS), "D"(-1)
                     : "memory", "r8", "r9", "r10", "r11");
    if (addr < 0 && addr > -4096)
        return fail("mmap2", addr);
    printf("mapped %lx\n", (unsigned long)(uint32_t)addr);
    fflush(stdout);
    long rc = int80(I386_MUNMAP, (uint32_t)addr, 3 * 4096, 0);
    return rc < 0 ? fail("munmap", rc) : 0;
}

static int do_connect(const char *ip, const char *port)
{
    uint32_t socket_args[3] = {AF_INET, SOCK_STREAM, 0};
    long fd =
        int80(I386_SOCKETCALL, SOCKETCALL_SOCKET, low_copy(socket_args, sizeof(socket_args)), 0);
    if (fd < 0)
        return fail("socket", fd);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1) {
        fprintf(stderr, "int80: not an IPv4 address: %s\n", ip);
        return 2;
    }
    uint32_t connect_args[3] = {(uint32_t)fd, low_copy(&sin, sizeof(sin)), sizeof(sin)};
    long rc =
        int80(I386_SOCKETCALL, SOCKETCALL_CONNECT, low_copy(connect_args, sizeof(connect_args)), 0);
    printf("connect: %s\n", rc == 0 ? "ok" : strerrorname_np((int)-rc));
    return 0;
}

static int do_x32(void)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(X32_SYSCALL_BIT | SYS_getpid)
                     : "memory", "rcx", "r11");
    return ret == getpid() || ret == -ENOSYS ? 0 : fail("x32 getpid", ret < 0 ? ret : -EIO);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: int80 write PATH TEXT | exec | thread | signal | mmap | connect IP "
                        "PORT | x32\n");
        return 2;
    }
    if (int80(I386_GETPID, 0, 0, 0) != getpid()) {
        fprintf(stderr, "int80: this kernel runs no i386 syscalls\n");
        return 77;
    }
    low = mmap(NULL, LOW_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1,
               0);
    if (low == MAP_FAILED)
        return fail("mmap", -errno);
    if (strcmp(argv[1], "write") == 0 && argc == 4)
        return do_write(argv[2], argv[3]);
    if (strcmp(argv[1], "exec") == 0)
        return do_exec();
    if (strcmp(argv[1], "thread") == 0)
        return do_thread();
    if (strcmp(argv[1], "signal") == 0)
        return do_signal();
    if (strcmp(argv[1], "mmap") == 0)
        return do_mmap();
    if (strcmp(argv[1], "connect") == 0 && argc == 4)
        return do_connect(argv[2], argv[3]);
    if (strcmp(argv[1], "x32") == 0)
        return do_x32();
    fprintf(stderr, "int80: unknown action %s\n", argv[1]);
    return 2;
}
