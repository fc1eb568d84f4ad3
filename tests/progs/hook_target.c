/* Something for hooks to stop on: prints "ready", then writes one byte to
 * /dev/null every 10 ms until killed ("hook_target loop"), or once and
 * exits with status N ("hook_target exit N"). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "loop") != 0 && (strcmp(argv[1], "exit") != 0 || argc < 3))) {
        fprintf(stderr, "usage: hook_target loop | hook_target exit N\n");
        return 2;
    }
    int fd = open("/dev/null", O_WRONLY);
    if (fd < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    if (strcmp(argv[1], "exit") == 0) {
        if (write(fd, "x", 1) != 1)
            return 1;
        return atoi(argv[2]);
    }
    const struct timespec tick = {0, 10000000};
    for (;;) {
        if (write(fd, "x", 1) != 1)
            return 1;
        nanosleep(&tick, NULL);
    }
}
