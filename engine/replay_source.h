/* The replay source: the records of a recording (--replay), applied through
 * the stream as the live source applied them. */
#ifndef COMPENDIUM_REPLAY_SOURCE_H
#define COMPENDIUM_REPLAY_SOURCE_H

#include "source.h"

extern const struct source replay_source;

#endif
