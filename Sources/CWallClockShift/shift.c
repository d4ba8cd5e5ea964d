#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "CWallClockShift.h"

static volatile const int64_t *shift_micros;

__attribute__((constructor)) static void map_shift(void) {
    const char *path = getenv("WALL_CLOCK_SHIFT_FILE");
    if (path == NULL) return;
    int descriptor = open(path, O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) return;
    void *mapped = mmap(NULL, sizeof(int64_t), PROT_READ, MAP_SHARED, descriptor, 0);
    close(descriptor);
    if (mapped != MAP_FAILED) shift_micros = mapped;
}

static int64_t current_shift(void) {
    return shift_micros == NULL ? 0 : __atomic_load_n(shift_micros, __ATOMIC_RELAXED);
}

static void shift_timespec(struct timespec *time) {
    int64_t shift = current_shift();
    int64_t nanos = (int64_t)time->tv_nsec + shift % 1000000 * 1000;
    time->tv_sec += shift / 1000000 + nanos / 1000000000;
    nanos %= 1000000000;
    if (nanos < 0) {
        nanos += 1000000000;
        time->tv_sec -= 1;
    }
    time->tv_nsec = nanos;
}

int clock_gettime(clockid_t clock, struct timespec *time) {
    static int (*real)(clockid_t, struct timespec *);
    if (real == NULL) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int result = real(clock, time);
    if (result == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) shift_timespec(time);
    return result;
}

int gettimeofday(struct timeval *restrict value, void *restrict zone) {
    struct timespec now;
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return -1;
    struct timeval *volatile target = value;
    if (target != NULL) {
        target->tv_sec = now.tv_sec;
        target->tv_usec = now.tv_nsec / 1000;
    }
    (void)zone;
    return 0;
}

time_t time(time_t *result) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (result != NULL) *result = now.tv_sec;
    return now.tv_sec;
}
