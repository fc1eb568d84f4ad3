/* compendium: a friendly, scriptable syscall tracer. */
#include "cli.h"
#include "diff_mode.h"
#include "own_fds.h"
#include "session.h"

int main(int argc, char **argv)
{
    /* Before anything is opened, even the usage message's stream. */
    own_fds_reserve_std();
    struct cli_options opts;
    switch (cli_parse(argc, argv, &opts)) {
    case CLI_EXIT_OK:
        cli_free(&opts);
        return 0;
    case CLI_USAGE_ERROR:
        cli_free(&opts);
        return 2;
    case CLI_RUN:
        break;
    }
    int status = opts.diff_paths[0] ? diff_run(&opts) : session_run(&opts);
    cli_free(&opts);
    return status;
}
