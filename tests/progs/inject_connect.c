/* inject_connect: a TCP connect that succeeds unless something interferes.
 *
 * Listens on 127.0.0.1 (a free port), connects to it and prints
 * "connect: ok", or "connect: <ERRNO NAME>" when the connect failed.
 * Exit 0 either way; 1 when the listener could not be set up. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

int main(void)
{
    struct sockaddr_in addr;
    int listener = loopback_socket(&addr, 1);
    if (listener < 0) {
        fprintf(stderr, "inject_connect: listening: %s\n", strerror(errno));
        return 1;
    }
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0)
        printf("connect: ok\n");
    else
        printf("connect: %s\n", strerrorname_np(errno));
    close(s);
    close(listener);
    return 0;
}
