/* tcp_loopback: a TCP conversation over 127.0.0.1 between two threads.
 *
 * The main thread (the server) listens on 127.0.0.1, port 0, and prints
 * "PORT <n>\n". A second thread (the client) connects to 127.0.0.1:<n> and
 * sends exactly 3000 bytes: 1000 with send, 1000 with sendto (no address),
 * 1000 with sendmsg. The server accepts, receives all 3000 with recv, recvfrom
 * and read (how the bytes split across calls is up to the kernel), then
 * replies 700 bytes with write; the client receives the 700 with recv.
 * After joining the client, the server prints "CLIENT <p>\n", p the client's
 * local port. Every socket is closed; exit 0.
 *
 * What a tracer must report: connect{sock_type "tcp4",
 * remote_addr "127.0.0.1:<n>"} on the client thread; send events summing to
 * 3000 and recv events summing to 700 on the client thread (peer
 * 127.0.0.1:<n>); recv events summing to 3000 and send events summing to 700
 * on the main thread (peer 127.0.0.1:<p>). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static struct sockaddr_in server_addr;
static int client_port;

static void die(const char *what)
{
    fprintf(stderr, "tcp_loopback: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void check(ssize_t got, ssize_t want, const char *what)
{
    if (got < 0)
        die(what);
    if (got != want) {
        fprintf(stderr, "tcp_loopback: %s: %zd bytes instead of %zd\n", what, got, want);
        exit(1);
    }
}

static void *client(void *arg)
{
    (void)arg;
    static char buf[1000];
    memset(buf, 'c', sizeof(buf));
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        die("socket");
    if (connect(s, (struct sockaddr *)&server_addr, sizeof(server_addr)) != 0)
        die("connect");
    struct sockaddr_in me;
    socklen_t len = sizeof(me);
    if (getsockname(s, (struct sockaddr *)&me, &len) != 0)
        die("getsockname");
    client_port = ntohs(me.sin_port);

    /* blocking sockets: each call sends everything it is given */
    check(send(s, buf, 1000, 0), 1000, "send");
    check(sendto(s, buf, 1000, 0, NULL, 0), 1000, "sendto");
    struct iovec iov[2] = {{buf, 400}, {buf + 400, 600}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    check(sendmsg(s, &msg, 0), 1000, "sendmsg");

    char reply[700];
    size_t got = 0;
    while (got < sizeof(reply)) {
        ssize_t n = recv(s, reply + got, sizeof(reply) - got, 0);
        if (n <= 0)
            die("recv reply");
        got += (size_t)n;
    }
    if (close(s) != 0)
        die("close client");
    return NULL;
}

int main(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0)
        die("socket");
    server_addr.sin_family = AF_INET;
    server_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server_addr.sin_port = 0;
    if (bind(ls, (struct sockaddr *)&server_addr, sizeof(server_addr)) != 0)
        die("bind");
    if (listen(ls, 1) != 0)
        die("listen");
    socklen_t len = sizeof(server_addr);
    if (getsockname(ls, (struct sockaddr *)&server_addr, &len) != 0)
        die("getsockname");
    printf("PORT %d\n", ntohs(server_addr.sin_port));
    fflush(stdout);

    pthread_t th;
    int err = pthread_create(&th, NULL, client, NULL);
    if (err != 0) {
        errno = err;
        die("pthread_create");
    }

    struct sockaddr_in peer;
    len = sizeof(peer);
    int s = accept(ls, (struct sockaddr *)&peer, &len);
    if (s < 0)
        die("accept");

    /* 3000 bytes: recv, then recvfrom, then read, in turn until all arrived */
    static char buf[3000];
    size_t got = 0;
    for (int turn = 0; got < sizeof(buf); turn++) {
        ssize_t n;
        if (turn % 3 == 0)
            n = recv(s, buf + got, sizeof(buf) - got, 0);
        else if (turn % 3 == 1)
            n = recvfrom(s, buf + got, sizeof(buf) - got, 0, NULL, NULL);
        else
            n = read(s, buf + got, sizeof(buf) - got);
        if (n <= 0) {
            if (n == 0)
                errno = ECONNRESET;
            die("receive");
        }
        got += (size_t)n;
    }

    static char reply[700];
    memset(reply, 's', sizeof(reply));
    check(write(s, reply, sizeof(reply)), 700, "write reply");

    err = pthread_join(th, NULL);
    if (err != 0) {
        errno = err;
        die("pthread_join");
    }
    if (close(s) != 0 || close(ls) != 0)
        die("close");
    printf("CLIENT %d\n", client_port);
    return 0;
}
