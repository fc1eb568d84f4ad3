#include "command.h"
#include "xalloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_candidate(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return ENOENT;
    if (S_ISDIR(st.st_mode) || access(path, X_OK) != 0)
        return EACCES;
    return 0;
}

int command_resolve(const char *name, char *out, size_t cap)
{
    if (!*name)
        return ENOENT;
    if (strchr(name, '/')) {
        snprintf(out, cap, "%s", name);
        return check_candidate(name);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    int result = ENOENT;
    while (*path) {
        const char *end = strchrnul(path, ':');
        int len = (int)(end - path);
        char candidate[4096];
        /* An empty PATH entry means the current directory. */
        snprintf(candidate, sizeof(candidate), "%.*s%s%s", len, len ? path : ".", "/", name);
        int rc = check_candidate(candidate);
        if (rc == 0) {
            snprintf(out, cap, "%s", candidate);
            return 0;
        }
        if (rc == EACCES && result == ENOENT) {
            result = EACCES;
            snprintf(out, cap, "%s", candidate);
        }
        path = *end ? end + 1 : end;
    }
    return result;
}

char *command_join(char *const argv[])
{
    size_t len = 1;
    for (int i = 0; argv[i]; i++)
        len += strlen(argv[i]) + 1;
    char *text = xcalloc(1, len);
    /* Appending at the end, not strcat (which walks the text each time):
     * linear in the size of a megabyte argv. */
    char *end = text;
    for (int i = 0; argv[i]; i++) {
        if (i)
            *end++ = ' ';
        size_t n = strlen(argv[i]);
        memcpy(end, argv[i], n);
        end += n;
    }
    *end = '\0';
    return text;
}
