/* Files whose names are gone while they are open.
 *
 *   deleted_open DIR
 *
 * Writes 3 bytes to a file made with O_TMPFILE in DIR (it never had a
 * name), 2 bytes to DIR/"keep (deleted)" (a name that only looks like the
 * kernel's mark), and 4 bytes to fd 3, which the caller opened and whose
 * name it removed before the start.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void die(const char *what)
{
    perror(what);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: deleted_open DIR\n");
        return 2;
    }
    int tmp = open(argv[1], O_TMPFILE | O_WRONLY, 0600);
    if (tmp < 0 || write(tmp, "abc", 3) != 3)
        die("O_TMPFILE");
    char keep[4096];
    snprintf(keep, sizeof(keep), "%s/keep (deleted)", argv[1]);
    int fd = open(keep, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "ab", 2) != 2)
        die(keep);
    if (write(3, "abcd", 4) != 4)
        die("fd 3");
    return 0;
}
