/* BEHAVE=MODE behave DIR: one program whose behaviour each mode changes in
 * one known way, for behaviour baselines (-s learn) and --diff. The mode
 * is in the environment, so that the command line stays the same.
 *
 * Every mode (base when BEHAVE is not set) but threads does the same, in
 * this order:
 *   writes DIR/out.txt ("hello\n", 6 bytes) and reads it back;
 *   makes a temporary file with mkstemp ($TMPDIR, else /tmp,
 *   behave.XXXXXX), writes "temp" (4 bytes) to it and removes it;
 *   reads 16 bytes of /dev/zero;
 *   listens on 127.0.0.1 (a port the kernel picks), connects to itself,
 *   sends "ping" (4 bytes) and receives it on the accepted socket;
 *   runs /bin/true and then /bin/false, waiting for each;
 *   sleeps 60 ms 5 times (nanosleep).
 * Each other mode changes one thing:
 *   morefile   also writes DIR/extra.txt ("extra\n", 6 bytes)
 *   morepeer   also connects a UDP socket to 198.51.100.7:9 (no datagram)
 *   execfewer  does not run /bin/false
 *   failread   reads /dev/zero into an unmapped buffer: EFAULT
 *   slow       sleeps 180 ms each time
 *   moremem    also maps 8 MiB (no huge pages) and touches every page of it
 * threads: 4 threads each append 50 lines ("thread N line K\n") to
 * DIR/threads.txt with their own writes and malloc 256 KiB; the main thread
 * joins them. Exits 0 (1 with a message when something fails). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void write_file(const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0)
        die(path);
}

static void read_back(const char *name)
{
    char path[4096], buf[64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
        die(path);
    close(fd);
}

static void temp_file(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/behave.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, "temp", 4) != 4 || close(fd) != 0 || unlink(path) != 0)
        die("mkstemp");
}

static void read_zero(int fail)
{
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0)
        die("/dev/zero");
    char buf[16];
    void *where = buf;
    if (fail) {
        /* a page that is surely not mapped: unmap one we mapped */
        where = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (where == MAP_FAILED || munmap(where, 4096) != 0)
            die("mmap");
    }
    if ((read(fd, where, 16) < 0) != fail)
        die("read /dev/zero");
    close(fd);
}

static void loopback(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
        getsockname(l, (struct sockaddr *)&a, &len) != 0)
        die("listen");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) != 0)
        die("connect");
    int t = accept(l, NULL, NULL);
    char buf[4];
    if (t < 0 || send(s, "ping", 4, 0) != 4 || recv(t, buf, 4, MSG_WAITALL) != 4)
        die("ping");
    close(t);
    close(s);
    close(l);
}

static void remote_peer(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9)};
    inet_pton(AF_INET, "198.51.100.7", &a.sin_addr);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        die("socket");
    connect(s, (struct sockaddr *)&a, sizeof(a)); /* no route is fine: it was tried */
    close(s);
}

static void run(const char *program)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        execl(program, program, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        die("waitpid");
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void *thread_main(void *arg)
{
    int n = (int)(long)arg;
    char path[4096], line[64];
    snprintf(path, sizeof(path), "%s/threads.txt", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        die(path);
    char *mem = malloc(256 * 1024);
    if (!mem)
        die("malloc");
    memset(mem, n, 256 * 1024);
    for (int k = 0; k < 50; k++) {
        int len = snprintf(line, sizeof(line), "thread %d line %d\n", n, k);
        if (write(fd, line, (size_t)len) != len)
            die("write");
    }
    free(mem);
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: BEHAVE=MODE behave DIR\n");
        return 2;
    }
    const char *mode = getenv("BEHAVE") ? getenv("BEHAVE") : "base";
    dir = argv[1];
    if (strcmp(mode, "threads") == 0) {
        pthread_t t[4];
        for (long i = 0; i < 4; i++)
            if (pthread_create(&t[i], NULL, thread_main, (void *)(i + 1)) != 0)
                die("pthread_create");
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
        return 0;
    }
    write_file("out.txt", "hello\n");
    read_back("out.txt");
    if (strcmp(mode, "morefile") == 0)
        write_file("extra.txt", "extra\n");
    temp_file();
    read_zero(strcmp(mode, "failread") == 0);
    loopback();
    if (strcmp(mode, "morepeer") == 0)
        remote_peer();
    if (strcmp(mode, "moremem") == 0) {
        char *mem = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED || madvise(mem, 8 << 20, MADV_NOHUGEPAGE) != 0)
            die("mmap");
        memset(mem, 1, 8 << 20);
        munmap(mem, 8 << 20);
    }
    run("/bin/true");
    if (strcmp(mode, "execfewer") != 0)
        run("/bin/false");
    for (int i = 0; i < 5; i++)
        pause_ms(strcmp(mode, "slow") == 0 ? 180 : 60);
    return 0;
}
