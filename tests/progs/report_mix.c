/* report_mix DIR: a little of everything a report shows, with exact sizes.
 *
 * In order:
 *   1. writes DIR/data.bin: 3 writes of 1000 bytes;
 *   2. a second thread writes DIR/thread.out: 1 write of 500 bytes;
 *   3. a child process writes DIR/child.out: 1 write of 100 bytes, exits 3;
 *   4. a TCP conversation over 127.0.0.1 inside this process: the client
 *      socket sends 700 bytes, the server socket receives them and sends 300
 *      back, which the client receives;
 *   5. reads DIR/data.bin back: 3 reads of 1000 bytes.
 * What a tracer must report: files written 3600 bytes, files read 3000
 * bytes, and 1000 bytes sent and 1000 received over tcp4 to this machine
 * (loopback, apart from the network's). Prints nothing; exit 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;
static char buf[1000];

static void die(const char *what)
{
    fprintf(stderr, "report_mix: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void write_file(const char *name, int writes, size_t size)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        die(name);
    for (int i = 0; i < writes; i++)
        if (write(fd, buf, size) != (ssize_t)size)
            die(name);
    if (close(fd) != 0)
        die(name);
}

static void *thread_main(void *arg)
{
    (void)arg;
    write_file("thread.out", 1, 500);
    return NULL;
}

/* Sends or receives exactly n bytes. */
static void transfer(int fd, size_t n, int sending)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = sending ? send(fd, buf, n - done, 0) : recv(fd, buf, n - done, 0);
        if (k <= 0)
            die(sending ? "send" : "recv");
        done += (size_t)k;
    }
}

static void conversation(void)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(listener, 1) != 0 || getsockname(listener, (struct sockaddr *)&addr, &len) != 0)
        die("listen");
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 || connect(client, (struct sockaddr *)&addr, sizeof(addr)) != 0)
        die("connect");
    int server = accept(listener, NULL, NULL);
    if (server < 0)
        die("accept");
    transfer(client, 700, 1);
    transfer(server, 700, 0);
    transfer(server, 300, 1);
    transfer(client, 300, 0);
    if (close(client) != 0 || close(server) != 0 || close(listener) != 0)
        die("close");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: report_mix DIR\n");
        return 2;
    }
    dir = argv[1];
    memset(buf, 'r', sizeof(buf));

    write_file("data.bin", 3, 1000);

    pthread_t t;
    if ((errno = pthread_create(&t, NULL, thread_main, NULL)) != 0 ||
        (errno = pthread_join(t, NULL)) != 0)
        die("thread");

    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        write_file("child.out", 1, 100);
        _exit(3);
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 3)
        die("waitpid");

    conversation();

    char path[4096];
    snprintf(path, sizeof(path), "%s/data.bin", dir);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("open data.bin");
    for (int i = 0; i < 3; i++)
        if (read(fd, buf, 1000) != 1000)
            die("read data.bin");
    if (close(fd) != 0)
        die("close data.bin");
    return 0;
}
