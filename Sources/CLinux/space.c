#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "CLinux.h"

int sc_reserve_space(int descriptor, off_t offset, off_t length) {
    return fallocate(descriptor, FALLOC_FL_KEEP_SIZE, offset, length) == 0 ? 0 : errno;
}

int sc_release_reserved_space(int descriptor) {
    struct stat status;
    if (fstat(descriptor, &status) != 0) return errno;
    return ftruncate(descriptor, status.st_size) == 0 ? 0 : errno;
}
