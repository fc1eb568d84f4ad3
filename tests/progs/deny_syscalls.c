/* deny_syscalls NAME[,NAME...] ERRNO -- COMMAND [ARGS...]
 *
 * Runs COMMAND with the named syscalls failing with ERRNO (a number), as a
 * system that does not permit them would (a container's seccomp profile,
 * an LSM). Lets tests check what compendium says when perf_event_open or
 * bpf is refused, even when they run as root. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[3], "--") != 0) {
        fprintf(stderr, "usage: deny_syscalls NAME[,NAME...] ERRNO -- COMMAND [ARGS...]\n");
        return 2;
    }
    int err = atoi(argv[2]);
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        fprintf(stderr, "deny_syscalls: seccomp_init failed\n");
        return 1;
    }
    char *names = strdup(argv[1]);
    for (char *name = strtok(names, ","); name; name = strtok(NULL, ",")) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) {
            fprintf(stderr, "deny_syscalls: unknown syscall %s\n", name);
            return 2;
        }
        if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)err), nr, 0) != 0) {
            fprintf(stderr, "deny_syscalls: cannot deny %s\n", name);
            return 1;
        }
    }
    free(names);
    int rc = seccomp_load(ctx);
    if (rc != 0) {
        fprintf(stderr, "deny_syscalls: seccomp_load: %s\n", strerror(-rc));
        return 1;
    }
    seccomp_release(ctx);
    execvp(argv[4], argv + 4);
    fprintf(stderr, "deny_syscalls: %s: %s\n", argv[4], strerror(errno));
    return 127;
}
