/* The traced command inherits what compendium inherited (a make jobserver's
 * pipe, a redirected fd 3) and nothing compendium opened itself (the -o
 * file, files scripts opened). */
#ifndef COMPENDIUM_OWN_FDS_H
#define COMPENDIUM_OWN_FDS_H

/* Remembers the fds open at start-up, before compendium opens anything. */
void own_fds_snapshot(void);
/* Marks every fd opened since the snapshot close-on-exec. */
void own_fds_cloexec(void);

#endif
