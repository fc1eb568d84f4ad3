/* loop_client PORT CONNS SECONDS: a bounded load on loop_server.
 *
 * Opens CONNS connections to 127.0.0.1:PORT; each sends a 64-byte request
 * and waits for the 64-byte reply, over and over, for SECONDS seconds
 * (CLOCK_MONOTONIC): at most CONNS requests are in flight. Then prints
 * "requests <n>\n", the replies received over all connections, and exits 0
 * (1 if a connection failed). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64

static int port;
static double seconds;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int full(int fd, char *buf, size_t len, int writing)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = writing ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
        if (n <= 0)
            return 0;
        done += (size_t)n;
    }
    return 1;
}

static void *load(void *arg)
{
    unsigned long long *count = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        *count = ~0ull;
        return NULL;
    }
    char buf[MSG];
    memset(buf, 'r', sizeof(buf));
    double end = now() + seconds;
    while (now() < end && full(fd, buf, MSG, 1) && full(fd, buf, MSG, 0))
        (*count)++;
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 2;
    port = atoi(argv[1]);
    int conns = atoi(argv[2]);
    seconds = atof(argv[3]);
    if (port <= 0 || conns <= 0 || conns > 64 || seconds <= 0)
        return 2;
    pthread_t threads[64];
    unsigned long long counts[64] = {0};
    for (int i = 0; i < conns; i++)
        pthread_create(&threads[i], NULL, load, &counts[i]);
    unsigned long long total = 0;
    int failed = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(threads[i], NULL);
        if (counts[i] == ~0ull)
            failed = 1;
        else
            total += counts[i];
    }
    printf("requests %llu\n", total);
    return failed;
}
