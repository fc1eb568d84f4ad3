/* syscall_loop: a process that makes syscalls without pause, to attach to.
 *
 * Opens /dev/null for writing, prints "ready\n" (flushed), then writes one
 * byte to /dev/null over and over until SIGTERM; then prints "writes <n>\n"
 * (the number of writes made) and exits 0. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    unsigned long long n = 0;
    while (!stop) {
        if (write(fd, "x", 1) == 1)
            n++;
    }
    printf("writes %llu\n", n);
    return 0;
}
