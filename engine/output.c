#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Our own buffer and write(2) rather than stdio: the loop's timer and
 * signal handlers run without SA_RESTART (they must interrupt waitpid), so
 * a write to a full pipe can fail with EINTR, and stdio drops its buffer
 * when that happens. */
static char buffer[1 << 16];
static size_t used;
static bool line_buffered; /* stderr is a terminal: keep live lines live */
static int copy_fd = -1;

bool output_open(const char *path)
{
    line_buffered = isatty(STDERR_FILENO);
    used = 0;
    if (!path)
        return true;
    copy_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (copy_fd < 0) {
        fprintf(stderr, "compendium: cannot write output file %s: %s\n", path, strerror(errno));
        return false;
    }
    return true;
}

/* Everything, across short writes and interruptions; a reader that went
 * away (EPIPE) or a full disk loses the output, never the trace. */
static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

void output_flush(void)
{
    if (used == 0)
        return;
    write_all(STDERR_FILENO, buffer, used);
    if (copy_fd >= 0)
        write_all(copy_fd, buffer, used);
    used = 0;
}

void output_write(const char *text, size_t len)
{
    if (len > sizeof(buffer) - used) {
        output_flush();
        if (len > sizeof(buffer)) {
            write_all(STDERR_FILENO, text, len);
            if (copy_fd >= 0)
                write_all(copy_fd, text, len);
            return;
        }
    }
    memcpy(buffer + used, text, len);
    used += len;
    if (line_buffered && len > 0 && text[len - 1] == '\n')
        output_flush();
}

bool output_pending(void)
{
    return used > 0;
}

void output_close(void)
{
    output_flush();
    if (copy_fd >= 0) {
        close(copy_fd);
        copy_fd = -1;
    }
}
