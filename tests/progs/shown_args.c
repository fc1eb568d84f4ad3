/* Syscalls whose -v lines show the memory their arguments point to: a
 * buffer and a string longer than what is shown ("..."), a buffer of
 * exactly that size, pointers that cannot be read (shown as hex), buffers
 * the kernel filled, socket addresses passed in (bind, connect, sendto) and
 * written out (accept, getsockname, recvfrom) with the lengths the kernel
 * stored, and a path too long for the kernel. Prints the fds it made, one
 * "NAME=FD" per line, so that a test can build the lines it expects.
 *
 *   shown_args DIR [WRITES]
 *
 * DIR: a directory for two unix sockets (DIR/stream, DIR/dgram); WRITES:
 * that many more 8-byte writes to /dev/null, last. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* An address nothing is mapped at. */
#define BAD_POINTER ((void *)0x10)

static struct sockaddr_un unix_address(const char *dir, const char *name)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s", dir, name);
    return sun;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: shown_args DIR [WRITES]\n");
        return 2;
    }
    const char *dir = argv[1];
    int writes = argc > 2 ? atoi(argv[2]) : 0;
    char data[100], buf[128];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)('a' + i % 26);

    int null = open("/dev/null", O_WRONLY);
    if (write(null, data, sizeof(data)) != sizeof(data) || write(null, data, 32) != 32)
        return 1;
    syscall(SYS_write, null, BAD_POINTER, 6);
    int memfd = (int)syscall(SYS_memfd_create, "a-name-that-is-longer-than-thirty-two-bytes", 0);
    syscall(SYS_memfd_create, BAD_POINTER, 0);

    int p[2];
    if (pipe(p) != 0 || write(p[1], "kernel\n", 7) != 7 || read(p[0], buf, 64) != 7)
        return 1;
    if (write(p[1], data, sizeof(data)) != sizeof(data) ||
        read(p[0], buf, sizeof(data)) != sizeof(data))
        return 1;

    struct sockaddr_un stream = unix_address(dir, "stream");
    int server = socket(AF_UNIX, SOCK_STREAM, 0);
    if (bind(server, (struct sockaddr *)&stream, sizeof(stream)) != 0 || listen(server, 1) != 0)
        return 1;
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(client, (struct sockaddr *)&stream, sizeof(stream)) != 0)
        return 1;
    struct sockaddr_un peer;
    socklen_t peer_len = sizeof(peer);
    int conn = accept(server, (struct sockaddr *)&peer, &peer_len);
    struct sockaddr_un name;
    socklen_t name_len = sizeof(name);
    if (conn < 0 || getsockname(server, (struct sockaddr *)&name, &name_len) != 0)
        return 1;

    struct sockaddr_un dgram = unix_address(dir, "dgram");
    int receiver = socket(AF_UNIX, SOCK_DGRAM, 0);
    int sender = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (bind(receiver, (struct sockaddr *)&dgram, sizeof(dgram)) != 0 ||
        sendto(sender, "ping", 4, 0, (struct sockaddr *)&dgram, sizeof(dgram)) != 4)
        return 1;
    struct sockaddr_un from;
    socklen_t from_len = sizeof(from);
    if (recvfrom(receiver, buf, 64, 0, (struct sockaddr *)&from, &from_len) != 4)
        return 1;

    /* A path of 5000 bytes: the kernel refuses it (ENAMETOOLONG). */
    char *long_path = malloc(5001);
    memset(long_path, 'x', 5000);
    long_path[5000] = '\0';
    open(long_path, O_RDONLY);
    free(long_path);

    for (int i = 0; i < writes; i++)
        if (write(null, "12345678", 8) != 8)
            return 1;
    printf("null=%d\nmemfd=%d\npipe=%d,%d\nserver=%d\nclient=%d\nconn=%d\nreceiver=%d\nsender=%d\n",
           null, memfd, p[0], p[1], server, client, conn, receiver, sender);
    return 0;
}
