/* Opens FILE with no path: through a file handle (name_to_handle_at, then
 * open_by_handle_at with DIR, on the same mount, as its mount fd; that takes
 * CAP_DAC_READ_SEARCH) and reads it. Exits 0
 * when it read the file, 77 (with the reason on stderr) when file handles
 * are not available here.
 *
 *   by_handle DIR FILE */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: by_handle DIR FILE\n");
        return 2;
    }
    struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
    if (!fh)
        return 1;
    fh->handle_bytes = MAX_HANDLE_SZ;
    int mount_id;
    if (name_to_handle_at(AT_FDCWD, argv[2], fh, &mount_id, 0) != 0) {
        fprintf(stderr, "file handles unavailable: name_to_handle_at: %s\n", strerror(errno));
        return 77;
    }
    int mount_fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mount_fd < 0)
        return 1;
    int fd = open_by_handle_at(mount_fd, fh, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "file handles unavailable: open_by_handle_at: %s\n", strerror(errno));
        return 77;
    }
    char buf[64];
    return read(fd, buf, sizeof(buf)) > 0 ? 0 : 1;
}
