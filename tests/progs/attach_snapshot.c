/* attach_snapshot DIR: a process with a known past, to attach to.
 *
 * Before it is ready it has: 3 threads (main and two that wait), DIR/data
 * open for writing (O_CLOEXEC), a TCP connection over 127.0.0.1 (both ends:
 * the client and the accepted server socket; the listener is closed), a
 * pipe, DIR/mapped (8 KiB) mapped read-only, a 4 MiB anonymous read-write
 * mapping between two PROT_NONE guard pages (so the kernel merges it with
 * no neighbour), and a heap grown by 256 KiB with sbrk. Then it prints
 *
 *   ready data=FD client=FD server=FD pipe=RFD,WFD anon=HEX file_map=HEX
 *
 * (flushed) and waits for DIR/go to exist. After that, in this order:
 * thread 1 writes "thread 1\n" (9 bytes) to DIR/data and ends, then thread
 * 2 writes "thread two\n" (11 bytes) and ends; main joins both, writes 1000
 * bytes to DIR/data, sends 3000 bytes on the client socket and receives
 * them on the server socket, writes 100 bytes into the pipe and reads them
 * back, unmaps DIR/mapped, mremaps the 4 MiB mapping to 8 MiB (it may
 * move), grows the heap by 64 KiB with sbrk, prints "done\n" and waits for
 * DIR/end to exist; then it exits 0. The waits poll every 10 ms with raw
 * system calls, so they change no memory. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

#define ANON_BYTES (4u << 20)
#define FILE_MAP_BYTES 8192u
#define PAGE 4096u

static char go_path[4096], end_path[4096];
static int data_fd;
/* Each thread waits for its turn, so the writes come in a known order. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static int turn;

static void die(const char *what)
{
    fprintf(stderr, "attach_snapshot: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void wait_for_file(const char *path)
{
    struct timespec tick = {0, 10000000L};
    while (syscall(SYS_access, path, F_OK) != 0)
        syscall(SYS_nanosleep, &tick, NULL);
}

static void write_all(int fd, const void *buf, size_t len)
{
    if (write(fd, buf, len) != (ssize_t)len)
        die("write");
}

static void *worker(void *arg)
{
    int n = (int)(intptr_t)arg;
    pthread_mutex_lock(&lock);
    while (turn != n)
        pthread_cond_wait(&turn_changed, &lock);
    pthread_mutex_unlock(&lock);
    if (n == 1)
        write_all(data_fd, "thread 1\n", 9);
    else
        write_all(data_fd, "thread two\n", 11);
    pthread_mutex_lock(&lock);
    turn = n + 1;
    pthread_cond_broadcast(&turn_changed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: attach_snapshot DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(go_path, sizeof(go_path), "%s/go", argv[1]);
    snprintf(end_path, sizeof(end_path), "%s/end", argv[1]);

    snprintf(path, sizeof(path), "%s/data", argv[1]);
    data_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (data_fd < 0)
        die("open data");

    int client, server;
    if (loopback_pair(&client, &server) != 0)
        die("loopback connection");

    int pipe_fds[2];
    if (pipe(pipe_fds) != 0)
        die("pipe");

    snprintf(path, sizeof(path), "%s/mapped", argv[1]);
    int map_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (map_fd < 0 || ftruncate(map_fd, FILE_MAP_BYTES) != 0)
        die("mapped file");
    char *file_map = mmap(NULL, FILE_MAP_BYTES, PROT_READ, MAP_SHARED, map_fd, 0);
    if (file_map == MAP_FAILED)
        die("mmap file");
    close(map_fd);

    char *guarded =
        mmap(NULL, ANON_BYTES + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (guarded == MAP_FAILED)
        die("mmap anon");
    char *anon = guarded + PAGE;
    if (mprotect(anon, ANON_BYTES, PROT_READ | PROT_WRITE) != 0)
        die("mprotect");
    memset(anon, 1, ANON_BYTES);

    char *heap = sbrk(256 * 1024);
    if (heap == (void *)-1)
        die("sbrk");
    memset(heap, 2, 256 * 1024);

    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        if ((errno = pthread_create(&th[i], NULL, worker, (void *)(intptr_t)(i + 1))) != 0)
            die("pthread_create");

    printf("ready data=%d client=%d server=%d pipe=%d,%d anon=%lx file_map=%lx\n", data_fd, client,
           server, pipe_fds[0], pipe_fds[1], (unsigned long)anon, (unsigned long)file_map);
    fflush(stdout);
    wait_for_file(go_path);

    pthread_mutex_lock(&lock);
    turn = 1;
    pthread_cond_broadcast(&turn_changed);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 2; i++)
        if ((errno = pthread_join(th[i], NULL)) != 0)
            die("pthread_join");

    static char buf[3000];
    memset(buf, 'x', sizeof(buf));
    write_all(data_fd, buf, 1000);
    for (size_t sent = 0; sent < sizeof(buf);) {
        ssize_t n = send(client, buf + sent, sizeof(buf) - sent, 0);
        if (n <= 0)
            die("send");
        sent += (size_t)n;
    }
    for (size_t got = 0; got < sizeof(buf);) {
        ssize_t n = recv(server, buf + got, sizeof(buf) - got, 0);
        if (n <= 0)
            die("recv");
        got += (size_t)n;
    }
    write_all(pipe_fds[1], buf, 100);
    if (read(pipe_fds[0], buf, 100) != 100)
        die("read pipe");

    if (munmap(file_map, FILE_MAP_BYTES) != 0)
        die("munmap");
    if (mremap(anon, ANON_BYTES, 2 * ANON_BYTES, MREMAP_MAYMOVE) == MAP_FAILED)
        die("mremap");
    if (sbrk(64 * 1024) == (void *)-1)
        die("sbrk");
    printf("done\n");
    fflush(stdout);
    wait_for_file(end_path);
    return 0;
}
