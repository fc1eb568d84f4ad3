/* io_variants DIR: the I/O syscalls that move several buffers or move data
 * between fds without user space, each with a known byte count.
 *
 * - UDP on 127.0.0.1: sendmmsg of 3 datagrams of 100, 200 and 300 bytes
 *   (600 bytes, one send event); recvmmsg of the same 3 (600 bytes, one recv
 *   event).
 * - splice: 64 bytes written into a pipe, then spliced from the pipe into
 *   DIR/spliced.bin (a read of 64 on the pipe, a write of 64 on the file).
 * - tee: 32 bytes written into pipe A, tee'd into pipe B (read 32 on A,
 *   write 32 on B).
 * Prints nothing; exits 0, or 1 with a message when a step misbehaves. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void check(int ok, const char *what)
{
    if (!ok) {
        perror(what);
        exit(1);
    }
}

static void udp_mmsg(void)
{
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    int tx = socket(AF_INET, SOCK_DGRAM, 0);
    check(rx >= 0 && tx >= 0, "socket");
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    check(bind(rx, (struct sockaddr *)&addr, sizeof(addr)) == 0, "bind");
    check(getsockname(rx, (struct sockaddr *)&addr, &len) == 0, "getsockname");
    check(connect(tx, (struct sockaddr *)&addr, sizeof(addr)) == 0, "connect");

    static char out[3][300], in[3][300];
    struct iovec out_iov[3], in_iov[3];
    struct mmsghdr out_msgs[3], in_msgs[3];
    memset(out_msgs, 0, sizeof(out_msgs));
    memset(in_msgs, 0, sizeof(in_msgs));
    for (int i = 0; i < 3; i++) {
        memset(out[i], 'a' + i, sizeof(out[i]));
        out_iov[i] = (struct iovec){out[i], (size_t)(i + 1) * 100};
        out_msgs[i].msg_hdr.msg_iov = &out_iov[i];
        out_msgs[i].msg_hdr.msg_iovlen = 1;
        in_iov[i] = (struct iovec){in[i], sizeof(in[i])};
        in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
        in_msgs[i].msg_hdr.msg_iovlen = 1;
    }
    check(sendmmsg(tx, out_msgs, 3, 0) == 3, "sendmmsg");
    check(recvmmsg(rx, in_msgs, 3, MSG_WAITFORONE, NULL) == 3, "recvmmsg");
    check(in_msgs[0].msg_len == 100, "recvmmsg sizes");
    close(tx);
    close(rx);
}

static void splice_and_tee(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/spliced.bin", dir);
    int file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int a[2], b[2];
    check(file >= 0 && pipe(a) == 0 && pipe(b) == 0, "open/pipe");
    char buf[64];
    memset(buf, 'x', sizeof(buf));
    check(write(a[1], buf, 64) == 64, "write pipe");
    check(splice(a[0], NULL, file, NULL, 64, 0) == 64, "splice");
    check(write(a[1], buf, 32) == 32, "write pipe");
    check(tee(a[0], b[1], 32, 0) == 32, "tee");
    close(file);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: io_variants DIR\n");
        return 2;
    }
    udp_mmsg();
    splice_and_tee(argv[1]);
    return 0;
}
