/* make_zombie: leaves a zombie child for 30 seconds.
 *
 * Forks a child that exits 0 at once, prints the child's pid and a newline
 * (flushed), and sleeps 30 seconds without reaping it, then exits 0. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    pid_t child = fork();
    if (child < 0)
        return 1;
    if (child == 0)
        _exit(0);
    printf("%d\n", (int)child);
    fflush(stdout);
    sleep(30);
    return 0;
}
