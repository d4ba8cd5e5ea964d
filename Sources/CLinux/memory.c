#include <errno.h>
#include <malloc.h>

#include "CLinux.h"

static int option(int name, int value) {
    return mallopt(name, value) == 1 ? 0 : EINVAL;
}

int sc_malloc_arena_max(int count) { return option(M_ARENA_MAX, count); }

int sc_malloc_mmap_threshold(int bytes) { return option(M_MMAP_THRESHOLD, bytes); }

int sc_malloc_trim_threshold(int bytes) { return option(M_TRIM_THRESHOLD, bytes); }
