#include <errno.h>
#include <malloc.h>

#include "CLinux.h"

int sc_limit_malloc_arenas(int count) {
    return mallopt(M_ARENA_MAX, count) == 1 ? 0 : EINVAL;
}
