#include "paths.h"

#include <string.h>

size_t path_join_normalize(const char *base, const char *path, char *out, size_t cap)
{
    if (cap < 2)
        return 0;
    size_t len = 0;
    out[0] = '\0';
    const char *parts[2] = {path[0] == '/' ? "" : base, path};
    for (int p = 0; p < 2; p++) {
        const char *s = parts[p];
        while (*s) {
            while (*s == '/')
                s++;
            const char *end = strchrnul(s, '/');
            size_t n = (size_t)(end - s);
            if (n == 0 || (n == 1 && s[0] == '.')) {
                /* nothing */
            } else if (n == 2 && s[0] == '.' && s[1] == '.') {
                while (len > 0 && out[len - 1] != '/')
                    len--;
                if (len > 0)
                    len--;
            } else if (len + 1 + n < cap) {
                out[len++] = '/';
                memcpy(out + len, s, n);
                len += n;
            } else {
                /* Dropping a component would name another file. */
                out[0] = '\0';
                return 0;
            }
            s = end;
        }
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return len;
}
