/* small_copy IN OUT CHUNK: copies file IN to a new file OUT, one read of
 * CHUNK bytes and one write of what it read at a time (a copy loop's flood
 * of small reads and writes on two fds), then closes both, reads OUT back
 * in reads of CHUNK bytes, and exits 0 (1 on an error). Prints nothing. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4)
        return 1;
    size_t chunk = (size_t)atoi(argv[3]);
    char buf[4096];
    if (chunk == 0 || chunk > sizeof(buf))
        return 1;
    int in = open(argv[1], O_RDONLY);
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0)
        return 1;
    ssize_t n;
    while ((n = read(in, buf, chunk)) > 0)
        if (write(out, buf, (size_t)n) != n)
            return 1;
    if (n < 0 || close(in) != 0 || close(out) != 0)
        return 1;
    int back = open(argv[2], O_RDONLY);
    if (back < 0)
        return 1;
    while ((n = read(back, buf, chunk)) > 0)
        ;
    return n == 0 && close(back) == 0 ? 0 : 1;
}
