/* flood: the floods a view must merge.
 *
 * The parent makes a pipe and forks; the child writes 200 messages of 10
 * bytes into the pipe, one write each, and exits 0; the parent reads them
 * one read of 10 bytes at a time (200 reads, 2000 bytes) while, between
 * reads, making a 4096-byte anonymous mapping (200 mmaps, each rw-) that it
 * keeps. Parent and child run at once, so their events interleave. Then the
 * parent waits for the child and exits 0. */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define MESSAGES 200

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 1;
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0) {
        close(p[0]);
        for (int i = 0; i < MESSAGES; i++)
            if (write(p[1], "0123456789", 10) != 10)
                _exit(1);
        _exit(0);
    }
    close(p[1]);
    char buf[10];
    for (int i = 0; i < MESSAGES; i++) {
        size_t got = 0;
        while (got < sizeof(buf)) {
            ssize_t n = read(p[0], buf + got, sizeof(buf) - got);
            if (n <= 0)
                return 1;
            got += (size_t)n;
        }
        if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) ==
            MAP_FAILED)
            return 1;
    }
    int status;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
        return 1;
    return WEXITSTATUS(status);
}
