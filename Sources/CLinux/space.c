#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include "CLinux.h"

int sc_reserve_space(int descriptor, off_t offset, off_t length) {
    return fallocate(descriptor, FALLOC_FL_KEEP_SIZE, offset, length) == 0 ? 0 : errno;
}
