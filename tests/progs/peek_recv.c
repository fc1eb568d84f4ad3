/* Over a TCP connection on 127.0.0.1, sends 100 bytes, then the server
 * peeks at them with recv, recvfrom, recvmsg and recvmmsg (MSG_PEEK) before
 * reading them with one plain recv: 100 bytes received, however often
 * they were peeked at. Prints the peer's address. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "loopback.h"

static int peeked(ssize_t n)
{
    return n == 100 ? 0 : -1;
}

int main(void)
{
    int client, server;
    if (loopback_pair(&client, &server) != 0) {
        perror("loopback");
        return 1;
    }
    char buf[100];
    memset(buf, 'p', sizeof(buf));
    if (send(client, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf)) {
        perror("send");
        return 1;
    }
    struct iovec iov = {buf, sizeof(buf)};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    struct mmsghdr mmsg = {.msg_hdr = msg};
    /* MSG_WAITALL: the peek waits for all 100 bytes, so each sees them all. */
    if (peeked(recv(server, buf, sizeof(buf), MSG_PEEK | MSG_WAITALL)) != 0 ||
        peeked(recvfrom(server, buf, sizeof(buf), MSG_PEEK, NULL, NULL)) != 0 ||
        peeked(recvmsg(server, &msg, MSG_PEEK)) != 0 ||
        recvmmsg(server, &mmsg, 1, MSG_PEEK, NULL) != 1 ||
        recv(server, buf, sizeof(buf), MSG_WAITALL) != (ssize_t)sizeof(buf)) {
        perror("recv");
        return 1;
    }
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    getpeername(server, (struct sockaddr *)&addr, &len);
    printf("%s:%d\n", inet_ntoa(addr.sin_addr), ntohs(addr.sin_port));
    return 0;
}
