/* Finding the program to run the way a shell would, so a missing command is
 * reported before anything is traced. */
#ifndef COMPENDIUM_COMMAND_H
#define COMPENDIUM_COMMAND_H

#include <stddef.h>

/* Resolves name against $PATH (or as a path when it has a '/'). Returns 0
 * and the path in out, or ENOENT (not found) / EACCES (not executable). */
int command_resolve(const char *name, char *out, size_t cap);

/* The command line as one string, arguments separated by spaces. */
char *command_join(char *const argv[]);

#endif
