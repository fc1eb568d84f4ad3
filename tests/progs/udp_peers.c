/* Datagrams over 127.0.0.1 on sockets that never connect: a receiver bound
 * to 127.0.0.1 takes 100 bytes from one sender and 10 from another with
 * two recvfroms in a row, and answers the first with 50 bytes it receives with
 * recvmsg. The peers are only in the addresses of recvfrom, recvmsg and
 * sendto.
 * Prints the receiver's port, then the two senders' ports. */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "loopback.h"

static int port_of(int s)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    return getsockname(s, (struct sockaddr *)&addr, &len) == 0 ? ntohs(addr.sin_port) : -1;
}

/* recvfrom into buf; 0 when n bytes came from the socket `from`. */
static int received(int s, char *buf, size_t n, int from)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    if (recvfrom(s, buf, 1000, 0, (struct sockaddr *)&addr, &len) != (ssize_t)n)
        return -1;
    return ntohs(addr.sin_port) == port_of(from) ? 0 : -1;
}

/* The same with recvmsg, whose msg_name says where the message came from. */
static int received_msg(int s, char *buf, size_t n, int from)
{
    struct sockaddr_in addr;
    struct iovec iov = {buf, 1000};
    struct msghdr msg = {
        .msg_name = &addr, .msg_namelen = sizeof(addr), .msg_iov = &iov, .msg_iovlen = 1};
    if (recvmsg(s, &msg, 0) != (ssize_t)n)
        return -1;
    return ntohs(addr.sin_port) == port_of(from) ? 0 : -1;
}

int main(void)
{
    struct sockaddr_in rx_addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(rx_addr);
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    int first = socket(AF_INET, SOCK_DGRAM, 0);
    int second = socket(AF_INET, SOCK_DGRAM, 0);
    if (rx < 0 || first < 0 || second < 0 ||
        bind(rx, (struct sockaddr *)&rx_addr, sizeof(rx_addr)) != 0 ||
        getsockname(rx, (struct sockaddr *)&rx_addr, &len) != 0) {
        perror("socket");
        return 1;
    }
    static char buf[1000];
    memset(buf, 'u', sizeof(buf));
    struct sockaddr_in first_addr;
    socklen_t first_len = sizeof(first_addr);
    /* sendto binds each sender to a port of its own; the two recvfroms
     * come back to back, as one run would if their peers were not told apart */
    if (sendto(first, buf, 100, 0, (struct sockaddr *)&rx_addr, sizeof(rx_addr)) != 100 ||
        sendto(second, buf, 10, 0, (struct sockaddr *)&rx_addr, sizeof(rx_addr)) != 10 ||
        recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&first_addr, &first_len) != 100 ||
        received(rx, buf, 10, second) != 0 ||
        sendto(rx, buf, 50, 0, (struct sockaddr *)&first_addr, first_len) != 50 ||
        received_msg(first, buf, 50, rx) != 0) {
        perror("datagrams");
        return 1;
    }
    printf("%d %d %d\n", port_of(rx), port_of(first), port_of(second));
    return 0;
}
