/* loop_server: a TCP request/reply server on 127.0.0.1, for the bench.
 *
 * Listens on 127.0.0.1 (port 0: the kernel picks one) and prints
 * "PORT <n>\n" (flushed). Each connection gets a thread that reads requests
 * of 64 bytes and answers each with 64 bytes, until the client closes it.
 * Runs until SIGTERM or SIGINT; then prints "served <n>\n" (the requests
 * answered) and exits 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MSG 64

static volatile sig_atomic_t stop;
static unsigned long long served;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

/* All of len bytes, or false at the end of the stream. */
static int full(int fd, char *buf, size_t len, int writing)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = writing ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        done += (size_t)n;
    }
    return 1;
}

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char buf[MSG];
    unsigned long long n = 0;
    while (full(fd, buf, MSG, 0) && full(fd, buf, MSG, 1))
        n++;
    close(fd);
    pthread_mutex_lock(&lock);
    served += n;
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop; /* no SA_RESTART: accept returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(s, 64) != 0 ||
        getsockname(s, (struct sockaddr *)&addr, &len) != 0)
        return 1;
    printf("PORT %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    while (!stop) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(long)c) == 0)
            pthread_detach(t);
        else
            close(c);
    }
    pthread_mutex_lock(&lock);
    printf("served %llu\n", served);
    pthread_mutex_unlock(&lock);
    return 0;
}
