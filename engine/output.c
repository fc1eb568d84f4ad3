#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static FILE *copy_file;
static bool pending;
static char stderr_buffer[1 << 16];

bool output_open(const char *path)
{
    /* Line-buffered on a terminal keeps live lines live; otherwise a big
     * buffer keeps a busy trace cheap. */
    setvbuf(stderr, stderr_buffer, isatty(STDERR_FILENO) ? _IOLBF : _IOFBF, sizeof(stderr_buffer));
    if (!path)
        return true;
    copy_file = fopen(path, "we");
    if (!copy_file) {
        fprintf(stderr, "compendium: cannot write output file %s: %s\n", path, strerror(errno));
        fflush(stderr);
        return false;
    }
    return true;
}

void output_write(const char *text, size_t len)
{
    pending = true;
    fwrite(text, 1, len, stderr);
    if (copy_file)
        fwrite(text, 1, len, copy_file);
}

bool output_pending(void)
{
    return pending;
}

void output_flush(void)
{
    pending = false;
    fflush(stderr);
    if (copy_file)
        fflush(copy_file);
}

void output_close(void)
{
    output_flush();
    if (copy_file) {
        fclose(copy_file);
        copy_file = NULL;
    }
}
