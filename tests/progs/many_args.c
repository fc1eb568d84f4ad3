/* Runs itself again with N arguments in all (argv[0] included): "many_args",
 * "child", then "a2", "a3", ... "a<N-1>". The child exits 0 when it got
 * exactly those, 1 otherwise.
 *
 *   many_args N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "child") == 0) {
        for (int i = 2; i < argc; i++) {
            char want[16];
            snprintf(want, sizeof(want), "a%d", i);
            if (strcmp(argv[i], want) != 0)
                return 1;
        }
        printf("%d\n", argc);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: many_args N\n");
        return 2;
    }
    int n = atoi(argv[1]);
    if (n < 2)
        return 2;
    char **args = calloc((size_t)n + 1, sizeof(char *));
    char *text = malloc((size_t)n * 16);
    if (!args || !text)
        return 1;
    args[0] = "many_args";
    args[1] = "child";
    for (int i = 2; i < n; i++) {
        args[i] = text + (size_t)i * 16;
        snprintf(args[i], 16, "a%d", i);
    }
    execv("/proc/self/exe", args);
    perror("execv");
    return 1;
}
