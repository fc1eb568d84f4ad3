/* hostile_names DIR: file names that must not reach a terminal (or a
 * report) raw.
 *
 * In DIR, creates these nine files and writes exactly 1 byte ("x") to each:
 *   "a\nb"                              (a newline)
 *   "\x1b[31mred"                       (an ANSI escape sequence)
 *   "bad\xff\xfe"                       (invalid UTF-8)
 *   "<img src=x onerror=alert(1)>"      (HTML)
 *   "</script><img src=x onerror=alert(2)>"  (a file in the directory "<",
 *                                       made first, so that the path can end
 *                                       an HTML script element)
 *   "csi\xc2\x9b2J"                     (U+009B, the C1 control CSI, in
 *                                       UTF-8: "CSI 2J" clears a terminal)
 *   "raw\x9b2J"                         (CSI as a raw byte, not UTF-8)
 *   "report\xe2\x80\xaecod.exe"           (U+202E RIGHT-TO-LEFT OVERRIDE:
 *                                       shows as "reportexe.doc")
 *   "iso\xe2\x81\xa7abc\xe2\x81\xa9"       (U+2067 RIGHT-TO-LEFT ISOLATE ...
 *                                       U+2069 POP DIRECTIONAL ISOLATE)
 * What a tracer must report: one writable open and one 1-byte write per
 * file, under the absolute name. Prints nothing; exit 0. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static const char *const names[] = {"a\nb",
                                        "\x1b[31mred",
                                        "bad\xff\xfe",
                                        "<img src=x onerror=alert(1)>",
                                        "</script><img src=x onerror=alert(2)>",
                                        "csi\xc2\x9b"
                                        "2J",
                                        "raw\x9b"
                                        "2J",
                                        "report\xe2\x80\xae"
                                        "cod.exe",
                                        "iso\xe2\x81\xa7"
                                        "abc\xe2\x81\xa9"};
    if (argc != 2) {
        fprintf(stderr, "usage: hostile_names DIR\n");
        return 2;
    }
    char lt[4096];
    snprintf(lt, sizeof(lt), "%s/<", argv[1]);
    if (mkdir(lt, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "hostile_names: mkdir <: %s\n", strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0) {
            fprintf(stderr, "hostile_names: file %zu: %s\n", i + 1, strerror(errno));
            return 1;
        }
    }
    return 0;
}
