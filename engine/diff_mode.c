/* --diff A B replays each recording through the bundled diff script, as
 * --replay would, one session each: the engine's state is one run's, so A
 * is replayed in a child process, whose script writes the facts it
 * collected to a file; B is replayed here, and its script reads A's facts
 * and compares them with its own. What is compared, and how, is Lua's. */
#include "diff_mode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session.h"
#include "xalloc.h"

static const char *diff_script[] = {"diff"};

/* The options of one side: a replay of `path` through the diff script,
 * with the user's -X options and `extra` (key, value pairs). */
static struct cli_options side(const struct cli_options *user, const char *path,
                               const char *const *extra, int nextra)
{
    struct cli_options o;
    memset(&o, 0, sizeof(o));
    o.replay_path = path;
    o.scripts = diff_script;
    o.nscripts = 1;
    o.quiet = user->quiet;
    o.diff_mode = true;
    o.xopts = xcalloc((size_t)(user->nxopts + nextra), sizeof(*o.xopts));
    for (int i = 0; i < user->nxopts; i++)
        o.xopts[o.nxopts++] = user->xopts[i];
    for (int i = 0; i + 1 < nextra * 2; i += 2)
        o.xopts[o.nxopts++] = (struct script_option){(char *)extra[i], (char *)extra[i + 1]};
    return o;
}

int diff_run(const struct cli_options *opts)
{
    const char *tmp = getenv("TMPDIR");
    char facts[4096];
    snprintf(facts, sizeof(facts), "%s/compendium-diff.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(facts);
    if (fd < 0) {
        fprintf(stderr, "compendium: --diff: cannot make a temporary file in %s: %s\n",
                tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return 2;
    }
    close(fd);

    fflush(NULL);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "compendium: --diff: fork: %s\n", strerror(errno));
        unlink(facts);
        return 2;
    }
    if (child == 0) {
        const char *extra[] = {"diff.collect", facts};
        struct cli_options a = side(opts, opts->diff_paths[0], extra, 1);
        int rc = session_run(&a);
        fflush(NULL);
        _exit(rc);
    }
    int wstatus = 0;
    while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR)
        ;
    int rc = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 2;
    if (rc != 0) {
        /* The child said why (an unreadable recording, one cut short). */
        unlink(facts);
        return rc == 125 ? 125 : 2;
    }

    const char *extra[] = {"diff.base",      facts,
                           "diff.base_name", opts->diff_paths[0],
                           "diff.name",      opts->diff_paths[1],
                           "diff.json",      opts->json_path ? opts->json_path : "",
                           "diff.junit",     opts->junit_path ? opts->junit_path : ""};
    struct cli_options b = side(opts, opts->diff_paths[1], extra, 5);
    b.verbose = opts->verbose;
    rc = session_run(&b);
    free(b.xopts);
    unlink(facts);
    return rc;
}
