/* Works in a directory deeper than PATH_MAX, where neither getcwd nor
 * /proc/PID/cwd can name the working directory, nor /proc/PID/fd the files
 * opened there by relative paths.
 *
 *   deep_cwd DIR setup   makes the directories below DIR (and tmp/ at the bottom)
 *   deep_cwd DIR run     goes down there, makes tmp/sub, writes 5 bytes to
 *                        tmp/evil, fails to open tmp/missing; exits 0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LEVELS 25 /* 25 * 201 bytes: well past PATH_MAX (4096) */

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: deep_cwd DIR setup|run\n");
        return 2;
    }
    int setup = strcmp(argv[2], "setup") == 0;
    char name[201];
    memset(name, 'd', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    if (chdir(argv[1]) != 0)
        return 1;
    for (int i = 0; i < LEVELS; i++) {
        if (setup && mkdir(name, 0755) != 0)
            return 1;
        if (chdir(name) != 0)
            return 1;
    }
    if (setup)
        return mkdir("tmp", 0755) == 0 ? 0 : 1;
    if (mkdir("tmp/sub", 0755) != 0)
        return 1;
    int fd = open("tmp/evil", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "evil\n", 5) != 5 || close(fd) != 0)
        return 1;
    if (open("tmp/missing", O_RDONLY) >= 0 || errno != ENOENT)
        return 1;
    return 0;
}
