/* Shared by the test programs that talk TCP over 127.0.0.1. */
#ifndef TESTS_PROGS_LOOPBACK_H
#define TESTS_PROGS_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A TCP socket bound to 127.0.0.1 on a port the kernel picks, listening
 * when asked; *addr gets its address. -1 (errno set) on failure. */
static inline int loopback_socket(struct sockaddr_in *addr, int listening)
{
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(*addr);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    if (bind(s, (struct sockaddr *)addr, sizeof(*addr)) != 0 || (listening && listen(s, 1) != 0) ||
        getsockname(s, (struct sockaddr *)addr, &len) != 0) {
        close(s);
        return -1;
    }
    return s;
}

/* Both ends of a TCP connection over 127.0.0.1 (the listener it went
 * through is closed). -1 (errno set) on failure. */
static inline int loopback_pair(int *client, int *server)
{
    struct sockaddr_in addr;
    int listener = loopback_socket(&addr, 1);
    if (listener < 0)
        return -1;
    *client = socket(AF_INET, SOCK_STREAM, 0);
    if (*client < 0 || connect(*client, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        (*server = accept(listener, NULL, NULL)) < 0) {
        close(listener);
        return -1;
    }
    close(listener);
    return 0;
}

#endif
