/* The state fed records of failed opens and of changes to the file tree:
 * their events, with paths made absolute from the working directory, a
 * directory fd or the fd itself, and a rename giving open fds their new
 * name. */
#include "state_feed.h"

static void feed_path2(struct task *t, const char *path)
{
    snprintf(t->call.path2, sizeof(t->call.path2), "%s", path);
    t->call.path2_len = (int)strlen(t->call.path2);
}

static void test_failed_open(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 1);
    seen_reset();
    feed_begin(t, SYS_openat, (uint64_t)AT_FDCWD, 0x1000, O_RDONLY, 0, 0, 0);
    feed_path(t, "etc/../etc/gitattributes");
    feed_call(t, -ENOENT);
    const struct seen_event *e = seen_nth(CMP_EV_OPEN, 0);
    CHECK_STR(e->path, "/etc/gitattributes");
    CHECK_STR(e->requested, "etc/../etc/gitattributes");
    CHECK_STR(e->error, "ENOENT");
    CHECK_INT(e->ret, -ENOENT);
    CHECK_INT(e->writable, 0);

    /* creat: for writing; no fd is made */
    seen_reset();
    feed_begin(t, SYS_creat, 0x1000, 0644, 0, 0, 0, 0);
    feed_path(t, "/ro/x");
    feed_call(t, -EACCES);
    e = seen_nth(CMP_EV_OPEN, 0);
    CHECK_STR(e->path, "/ro/x");
    CHECK_STR(e->error, "EACCES");
    CHECK_INT(e->writable, 1);
    CHECK(fd_of(t, 3) == NULL);
}

static void test_tree_changes(void)
{
    struct task *t = feed_root(FEED_TID_BASE + 2);
    feed_open(t, 3, "/w/f", O_WRONLY | O_CREAT);
    feed_begin(t, SYS_openat, (uint64_t)AT_FDCWD, 0x1000, O_RDONLY | O_DIRECTORY, 0, 0, 0);
    feed_path(t, "/w");
    state_syscall_entry(t, 10);
    feed_fd(t, 4, CMP_FD_DIR, "/w", O_RDONLY);
    state_syscall_exit(t, 4, 20);

    seen_reset();
    feed_begin(t, SYS_rename, 0x1000, 0x2000, 0, 0, 0, 0);
    feed_path(t, "w/f");
    feed_path2(t, "/w/g");
    feed_call(t, 0);
    const struct seen_event *e = seen_nth(CMP_EV_RENAME, 0);
    CHECK_STR(e->path, "/w/f");
    CHECK_STR(e->new_path, "/w/g");
    CHECK_STR(e->requested, "w/f");
    /* the fd open under the old name has the new one */
    CHECK_STR(fd_of(t, 3)->path, "/w/g");

    seen_reset();
    feed(t, 0, SYS_fchmod, 3, 0600, 0, 0);
    e = seen_nth(CMP_EV_CHMOD, 0);
    CHECK_STR(e->path, "/w/g");
    CHECK_INT(e->mode, 0600);
    CHECK_STR(e->requested, "");

    /* relative to a directory fd, and to the working directory */
    seen_reset();
    feed_begin(t, SYS_renameat, 4, 0x1000, (uint64_t)AT_FDCWD, 0x2000, 0, 0);
    feed_path(t, "g");
    feed_path2(t, "h");
    feed_call(t, 0);
    e = seen_nth(CMP_EV_RENAME, 0);
    CHECK_STR(e->path, "/w/g");
    CHECK_STR(e->new_path, "/h");

    seen_reset();
    feed_begin(t, SYS_unlinkat, 4, 0x1000, AT_REMOVEDIR, 0, 0, 0);
    feed_path(t, "sub");
    feed_call(t, 0);
    CHECK_STR(seen_nth(CMP_EV_RMDIR, 0)->path, "/w/sub");
    CHECK_INT(seen_of(CMP_EV_UNLINK), 0);

    seen_reset();
    feed_begin(t, SYS_symlinkat, 0x1000, 4, 0x2000, 0, 0, 0);
    feed_path(t, "../t");
    feed_path2(t, "l");
    feed_call(t, 0);
    e = seen_nth(CMP_EV_SYMLINK, 0);
    CHECK_STR(e->path, "/w/l");
    CHECK_STR(e->link_target, "../t");

    /* futimens: utimensat with no path is the fd's own file */
    seen_reset();
    feed(t, 0, SYS_utimensat, 3, 0, 0, 0);
    CHECK_STR(seen_nth(CMP_EV_UTIMES, 0)->path, "/h");

    /* a failure is an event, with its error */
    seen_reset();
    feed_begin(t, SYS_unlink, 0x1000, 0, 0, 0, 0, 0);
    feed_path(t, "/w/missing");
    feed_call(t, -ENOENT);
    e = seen_nth(CMP_EV_UNLINK, 0);
    CHECK_STR(e->path, "/w/missing");
    CHECK_STR(e->error, "ENOENT");

    /* a directory fd the state has no name for: no path, never a guess */
    seen_reset();
    feed_begin(t, SYS_mkdirat, 77, 0x1000, 0755, 0, 0, 0);
    feed_path(t, "d");
    feed_call(t, 0);
    e = seen_nth(CMP_EV_MKDIR, 0);
    CHECK_STR(e->path, "");
    CHECK_STR(e->requested, "d");
    CHECK_INT(e->mode, 0755);
}

int main(void)
{
    feed_init();
    test_failed_open();
    test_tree_changes();
    return check_finish();
}
