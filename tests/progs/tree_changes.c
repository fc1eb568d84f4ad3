/* tree_changes: every change to the file tree, in DIR (argv[1], made by the
 * caller), each once, in this order; then a failed one of each kind that
 * can fail simply. All paths are relative to DIR (chdir) or to a directory
 * fd of it, so a tracer must make them absolute itself.
 *
 *   mkdir d (0750); mkdirat(dirfd, e, 0700); open f (creat), write 5 bytes
 *   rename f g; renameat(dirfd, g, dirfd, h); renameat2(.., h, .., i, 0)
 *   link i j; linkat(dirfd, j, dirfd, k, 0); symlink i l; symlinkat(i, dirfd, m)
 *   chmod i 0640; fchmod(fd of i, 0600); fchmodat(dirfd, i, 0644, 0)
 *   chown i -1 -1; fchown(fd, -1, -1); lchown l -1 -1; fchownat(dirfd, i, -1, -1, 0)
 *   truncate i 3; ftruncate(fd, 2)
 *   utime i; utimes i; futimesat(dirfd, i); utimensat(dirfd, i); futimens(fd)
 *   unlink j; unlinkat(dirfd, k, 0); rmdir d; unlinkat(dirfd, e, AT_REMOVEDIR)
 *   index.lock: creat, then rename index.lock index (git's way)
 *   failing: unlink missing (ENOENT), mkdir i (EEXIST), rename missing x (ENOENT)
 * Prints "ok" and exits 0; any unexpected result exits 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

static void ok(int r, const char *what)
{
    if (r != 0) {
        fprintf(stderr, "tree_changes: %s: %s\n", what, strerror(errno));
        exit(1);
    }
}

static void fails(int r, int err, const char *what)
{
    if (r == 0 || errno != err) {
        fprintf(stderr, "tree_changes: %s did not fail with %d\n", what, err);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    ok(chdir(argv[1]), "chdir");
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    ok(dir < 0, "open .");
    ok(mkdir("d", 0750), "mkdir");
    ok(mkdirat(dir, "e", 0700), "mkdirat");
    int fd = open("f", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    ok(fd < 0, "creat f");
    ok(write(fd, "hello", 5) != 5, "write");
    ok(rename("f", "g"), "rename");
    ok(renameat(dir, "g", dir, "h"), "renameat");
    ok((int)syscall(SYS_renameat2, dir, "h", dir, "i", 0), "renameat2");
    ok(link("i", "j"), "link");
    ok(linkat(dir, "j", dir, "k", 0), "linkat");
    ok(symlink("i", "l"), "symlink");
    ok(symlinkat("i", dir, "m"), "symlinkat");
    ok(chmod("i", 0640), "chmod");
    ok(fchmod(fd, 0600), "fchmod");
    ok(fchmodat(dir, "i", 0644, 0), "fchmodat");
    ok(chown("i", (uid_t)-1, (gid_t)-1), "chown");
    ok(fchown(fd, (uid_t)-1, (gid_t)-1), "fchown");
    ok(lchown("l", (uid_t)-1, (gid_t)-1), "lchown");
    ok(fchownat(dir, "i", (uid_t)-1, (gid_t)-1, 0), "fchownat");
    ok(truncate("i", 3), "truncate");
    ok(ftruncate(fd, 2), "ftruncate");
    ok(utime("i", NULL), "utime");
    ok(utimes("i", NULL), "utimes");
    ok((int)syscall(SYS_futimesat, dir, "i", NULL), "futimesat");
    ok(utimensat(dir, "i", NULL, 0), "utimensat");
    ok(futimens(fd, NULL), "futimens");
    ok(unlink("j"), "unlink");
    ok(unlinkat(dir, "k", 0), "unlinkat");
    ok(rmdir("d"), "rmdir");
    ok(unlinkat(dir, "e", AT_REMOVEDIR), "unlinkat dir");
    int lock = open("index.lock", O_CREAT | O_WRONLY | O_EXCL, 0644);
    ok(lock < 0, "index.lock");
    close(lock);
    ok(rename("index.lock", "index"), "rename index.lock");
    fails(unlink("missing"), ENOENT, "unlink missing");
    fails(mkdir("i", 0755), EEXIST, "mkdir i");
    fails(rename("missing", "x"), ENOENT, "rename missing");
    close(fd);
    close(dir);
    puts("ok");
    return 0;
}
