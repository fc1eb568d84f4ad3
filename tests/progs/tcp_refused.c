/* tcp_refused: a connect that fails.
 *
 * Finds a free port (binds a socket to 127.0.0.1 port 0, notes the port,
 * closes it without listening), prints "PORT <n>\n", then connects a new TCP
 * socket to 127.0.0.1:<n>, which must fail with ECONNREFUSED. Exit 0 when it
 * did, 1 otherwise.
 *
 * What a tracer must report: connect{sock_type "tcp4",
 * remote_addr "127.0.0.1:<n>", error "ECONNREFUSED"}. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"

int main(void)
{
    struct sockaddr_in addr;
    int s = loopback_socket(&addr, 0);
    if (s < 0 || close(s) != 0) {
        fprintf(stderr, "tcp_refused: finding a free port: %s\n", strerror(errno));
        return 1;
    }
    printf("PORT %d\n", ntohs(addr.sin_port));
    fflush(stdout);

    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        fprintf(stderr, "tcp_refused: socket: %s\n", strerror(errno));
        return 1;
    }
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0 || errno != ECONNREFUSED) {
        fprintf(stderr, "tcp_refused: connect did not fail with ECONNREFUSED: %s\n",
                strerror(errno));
        return 1;
    }
    close(s);
    return 0;
}
