/* probe_path: looks for a file the way a program searches a path.
 *
 * With DIR (argv[1]): opens DIR/a/NAME, DIR/b/NAME and DIR/c/NAME for
 * reading (none exists: three ENOENT), then DIR/conf.d/one.conf,
 * DIR/conf.d/two.conf, DIR/conf.d/three.conf (none exists), then
 * /nonexistent-probe (ENOENT); then opens DIR/found (which the caller made)
 * and reads it. NAME is "settings.ini". Exits 0. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void try_open(const char *dir, const char *name)
{
    char path[8192 + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    char dir[4096];
    const char *subdirs[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        snprintf(dir, sizeof(dir), "%s/%s", argv[1], subdirs[i]);
        try_open(dir, "settings.ini");
    }
    snprintf(dir, sizeof(dir), "%s/conf.d", argv[1]);
    try_open(dir, "one.conf");
    try_open(dir, "two.conf");
    try_open(dir, "three.conf");
    try_open("", "nonexistent-probe");
    char found[4096], buf[64];
    snprintf(found, sizeof(found), "%s/found", argv[1]);
    int fd = open(found, O_RDONLY);
    if (fd < 0)
        return 1;
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    return n < 0;
}
