#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"

/* Our own buffer and write(2) rather than stdio: the loop's timer and
 * signal handlers run without SA_RESTART (they must interrupt waitpid), so
 * a write to a full pipe can fail with EINTR, and stdio drops its buffer
 * when that happens. */
static char buffer[1 << 16];
static size_t used;
static bool stderr_tty; /* keep live lines live; a terminal that hangs up is no loss */
static bool stderr_open = true;
static int copy_fd = -1;
static const char *copy_path;

static bool incomplete;
static char lost[1024];

bool output_open(const char *path)
{
    stderr_tty = isatty(STDERR_FILENO);
    used = 0;
    if (!path)
        return true;
    copy_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (copy_fd < 0) {
        fprintf(stderr, "compendium: cannot write output file %s: %s\n", path, strerror(errno));
        return false;
    }
    copy_path = path;
    return true;
}

/* Everything, across short writes, interruptions and an fd another process
 * made non-blocking; 0, or the errno that stopped it. */
int output_write_fd(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
                    continue;
            }
            return errno;
        }
        if (w == 0)
            return EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void record_lost(const char *name, const char *reason)
{
    incomplete = true;
    size_t len = strlen(lost);
    if (len + 1 < sizeof(lost))
        snprintf(lost + len, sizeof(lost) - len, "%s%s (%s)", len ? ", " : "", name, reason);
}

/* To stderr and the -o file, whichever still takes writes. A sink that
 * fails takes no more: the file stays a prefix of the trace rather than
 * getting holes. */
static void put(const char *p, size_t n)
{
    int stderr_err = 0;
    if (stderr_open) {
        stderr_err = output_write_fd(STDERR_FILENO, p, n);
        if (stderr_err)
            stderr_open = false;
    }
    if (copy_fd >= 0) {
        int err = output_write_fd(copy_fd, p, n);
        if (err) {
            close(copy_fd);
            copy_fd = -1;
            output_failed(copy_path, strerror(err));
        }
    }
    /* A reader that went away (| head) or a terminal that hung up chose to
     * see no more; a full disk under 2>FILE did not (the -o file, if any,
     * gets the line). */
    if (stderr_err && stderr_err != EPIPE && !stderr_tty)
        output_failed("standard error", strerror(stderr_err));
}

void output_flush(void)
{
    if (used == 0)
        return;
    size_t n = used;
    used = 0;
    put(buffer, n);
}

void output_write(const char *text, size_t len)
{
    if (len > sizeof(buffer) - used) {
        output_flush();
        if (len > sizeof(buffer)) {
            put(text, len);
            return;
        }
    }
    memcpy(buffer + used, text, len);
    used += len;
    if (stderr_tty && len > 0 && text[len - 1] == '\n')
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
        int fd = copy_fd;
        copy_fd = -1;
        if (close(fd) != 0)
            output_failed(copy_path, strerror(errno));
    }
}

static void say_lost(const char *verb, const char *name, const char *reason)
{
    record_lost(name, reason);
    char line[1024];
    int n = snprintf(line, sizeof(line), "compendium: %s%s: %s\n", verb, name, reason);
    if (n < 0)
        return;
    if (n >= (int)sizeof(line)) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    /* The lines written before it go first (when a flush is what failed,
     * they are out already and the buffer is empty). */
    output_flush();
    put(line, (size_t)n);
}

void output_failed(const char *name, const char *reason)
{
    say_lost("writing ", name, reason);
}

static bool input_cut;

void output_input_incomplete(const char *name, const char *reason)
{
    input_cut = true;
    say_lost("", name, reason);
}

bool output_input_cut(void)
{
    return input_cut;
}

bool output_incomplete(void)
{
    return incomplete;
}

const char *output_lost(void)
{
    return lost;
}

void cmp_host_output_failed(const char *name, const char *reason)
{
    output_failed(name, reason);
}

const char *cmp_host_output_lost(void)
{
    return lost;
}
