#define _GNU_SOURCE
#include "CLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int write_all(int descriptor, const char *bytes, size_t length) {
    while (length > 0) {
        ssize_t written = write(descriptor, bytes, length);
        if (written < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        bytes += written;
        length -= (size_t)written;
    }
    return 0;
}

static int fail(int descriptor) {
    int code = errno;
    close(descriptor);
    errno = code;
    return -1;
}

int sc_create_file_with(const char *folder, const char *path, const void *bytes, size_t length, mode_t mode) {
    int descriptor = open(folder, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    if (descriptor >= 0) {
        if (write_all(descriptor, bytes, length) != 0) return fail(descriptor);
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", descriptor);
        if (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) {
            int flags = fcntl(descriptor, F_GETFL);
            if (flags < 0 || fcntl(descriptor, F_SETFL, flags | O_APPEND) != 0) return fail(descriptor);
            return descriptor;
        }
        if (errno == EEXIST) return fail(descriptor);
        close(descriptor); /* no /proc, or a filesystem that cannot link it: create it by name */
    }
    descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, mode);
    if (descriptor < 0) return -1;
    if (write_all(descriptor, bytes, length) != 0) {
        int code = errno;
        close(descriptor);
        unlink(path);
        errno = code;
        return -1;
    }
    return descriptor;
}
