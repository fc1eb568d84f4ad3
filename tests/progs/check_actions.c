/* check_actions: does what its arguments say, in order, and prints one line
 * per action with what happened, so a test can compare exact facts:
 *
 *   write:PATH      create/truncate PATH, write "x\n"     "write PATH: ok"
 *   read:PATH       open PATH for reading, read it        "read PATH: ok" / ": ENOENT"
 *   rename:A:B      rename A to B                         "rename A B: ok"
 *   unlink:PATH     remove PATH                           "unlink PATH: ok"
 *   mkdir:PATH      create a directory                    "mkdir PATH: ok"
 *   fchmod:PATH     open PATH read-only, fchmod 0644 and   "fchmod PATH: ok"
 *                   fchown to the current owner through it
 *   xattr:PATH      set the attribute trusted.compendium  "xattr PATH: ok"
 *                   on PATH, then fsetxattr and remove it
 *                   through a read-only fd
 *   cd:PATH         change the working directory          "cd PATH: ok"
 *   exec:PROG       fork, exec PROG, wait                 "exec PROG: exit N"
 *   connect:IP:PORT TCP connect (IPv4)                    "connect IP:PORT: ECONNREFUSED"
 *   sendto:IP:PORT  one UDP datagram (IPv4)               "sendto IP:PORT: ENETUNREACH"
 *   alloc:BYTES     map BYTES anonymous and touch them    "alloc BYTES: ok"
 *   fork:N          start N children that exit at once    "fork N: ok"
 *   exit:N          exit with status N now
 *
 * A connect or sendto to a peer outside 127.0.0.0/8 is made only inside a
 * network namespace with no interface but lo (unshare -n): nothing may
 * leave the machine. Elsewhere it prints "... : not isolated" and exits 3. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

static void result(const char *what, int ok)
{
    printf("%s: %s\n", what, ok ? "ok" : strerrorname_np(errno));
}

/* True when lo is the only network interface: an empty namespace. */
static int isolated(void)
{
    struct if_nameindex *ifs = if_nameindex();
    if (!ifs)
        return 0;
    int only_lo = 1;
    for (struct if_nameindex *i = ifs; i->if_index != 0; i++)
        if (strcmp(i->if_name, "lo") != 0)
            only_lo = 0;
    if_freenameindex(ifs);
    return only_lo;
}

/* "IP:PORT" → addr; returns 0 when it is not an IPv4 address and port. */
static int parse_peer(const char *text, struct sockaddr_in *addr)
{
    char ip[64];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof(ip))
        return 0;
    memcpy(ip, text, (size_t)(colon - text));
    ip[colon - text] = '\0';
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)atoi(colon + 1));
    return inet_pton(AF_INET, ip, &addr->sin_addr) == 1;
}

static void network(const char *verb, const char *peer)
{
    char what[256];
    snprintf(what, sizeof(what), "%s %s", verb, peer);
    struct sockaddr_in addr;
    if (!parse_peer(peer, &addr)) {
        printf("%s: not an IPv4 peer\n", what);
        exit(2);
    }
    int loopback = (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
    if (!loopback && !isolated()) {
        printf("%s: not isolated\n", what);
        exit(3);
    }
    int udp = strcmp(verb, "sendto") == 0;
    int s = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
    int ok;
    if (udp)
        ok = sendto(s, "x", 1, 0, (struct sockaddr *)&addr, sizeof(addr)) == 1;
    else
        ok = connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    result(what, ok);
    close(s);
}

static void run_program(const char *prog)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(prog, prog, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("exec %s: exit %d\n", prog, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void allocate(const char *arg)
{
    size_t bytes = (size_t)strtoull(arg, NULL, 10);
    char what[64];
    snprintf(what, sizeof(what), "alloc %zu", bytes);
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        result(what, 0);
        return;
    }
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = 1;
    result(what, 1);
}

static void start_children(const char *arg)
{
    int n = atoi(arg);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
    }
    printf("fork %d: ok\n", n);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        char *action = argv[i];
        char *arg = strchr(action, ':');
        if (!arg) {
            fprintf(stderr, "check_actions: %s: expected ACTION:ARGUMENT\n", action);
            return 2;
        }
        *arg++ = '\0';
        char what[8192];
        if (strcmp(action, "write") == 0) {
            snprintf(what, sizeof(what), "write %s", arg);
            int fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            result(what, fd >= 0 && write(fd, "x\n", 2) == 2);
            if (fd >= 0)
                close(fd);
        } else if (strcmp(action, "read") == 0) {
            snprintf(what, sizeof(what), "read %s", arg);
            char buf[64];
            int fd = open(arg, O_RDONLY);
            result(what, fd >= 0 && read(fd, buf, sizeof(buf)) >= 0);
            if (fd >= 0)
                close(fd);
        } else if (strcmp(action, "rename") == 0) {
            char *to = strchr(arg, ':');
            if (!to)
                return 2;
            *to++ = '\0';
            snprintf(what, sizeof(what), "rename %s %s", arg, to);
            result(what, rename(arg, to) == 0);
        } else if (strcmp(action, "unlink") == 0) {
            snprintf(what, sizeof(what), "unlink %s", arg);
            result(what, unlink(arg) == 0);
        } else if (strcmp(action, "mkdir") == 0) {
            snprintf(what, sizeof(what), "mkdir %s", arg);
            result(what, mkdir(arg, 0755) == 0);
        } else if (strcmp(action, "fchmod") == 0) {
            snprintf(what, sizeof(what), "fchmod %s", arg);
            int fd = open(arg, O_RDONLY);
            result(what, fd >= 0 && fchmod(fd, 0644) == 0 && fchown(fd, getuid(), getgid()) == 0);
            if (fd >= 0)
                close(fd);
        } else if (strcmp(action, "xattr") == 0) {
            snprintf(what, sizeof(what), "xattr %s", arg);
            int fd = open(arg, O_RDONLY);
            result(what, setxattr(arg, "trusted.compendium", "1", 1, 0) == 0 && fd >= 0 &&
                             fsetxattr(fd, "trusted.compendium", "2", 1, 0) == 0 &&
                             fremovexattr(fd, "trusted.compendium") == 0);
            if (fd >= 0)
                close(fd);
        } else if (strcmp(action, "cd") == 0) {
            snprintf(what, sizeof(what), "cd %s", arg);
            result(what, chdir(arg) == 0);
        } else if (strcmp(action, "exec") == 0) {
            run_program(arg);
        } else if (strcmp(action, "connect") == 0 || strcmp(action, "sendto") == 0) {
            network(action, arg);
        } else if (strcmp(action, "alloc") == 0) {
            allocate(arg);
        } else if (strcmp(action, "fork") == 0) {
            start_children(arg);
        } else if (strcmp(action, "exit") == 0) {
            return atoi(arg);
        } else {
            fprintf(stderr, "check_actions: unknown action %s\n", action);
            return 2;
        }
    }
    return 0;
}
