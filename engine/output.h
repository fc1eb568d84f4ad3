/* The trace output: stderr, and a copy in the -o file. Buffered, and flushed
 * whenever the tracer is about to wait, so lines appear live without a write
 * per line on busy traces. */
#ifndef COMPENDIUM_OUTPUT_H
#define COMPENDIUM_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

/* Opens the -o file (truncating it); on failure prints why and returns false. */
bool output_open(const char *path);
void output_write(const char *text, size_t len);
void output_flush(void);
/* Whether something was written since the last flush. */
bool output_pending(void);
void output_close(void);

#endif
