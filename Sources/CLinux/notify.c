#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "CLinux.h"

int sc_send_datagram(const char *address, const void *message, size_t length) {
    struct sockaddr_un peer;
    memset(&peer, 0, sizeof(peer));
    peer.sun_family = AF_UNIX;
    size_t name = strlen(address);
    if (name == 0 || name >= sizeof(peer.sun_path)) return EINVAL;
    memcpy(peer.sun_path, address, name);
    socklen_t peer_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name);
    if (address[0] == '@') {
        peer.sun_path[0] = '\0';
    } else {
        peer_length += 1; /* a path socket's name includes its terminating NUL */
    }
    int descriptor = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (descriptor < 0) return errno;
    ssize_t sent = sendto(descriptor, message, length, MSG_NOSIGNAL, (struct sockaddr *)&peer, peer_length);
    int result = sent < 0 ? errno : ((size_t)sent == length ? 0 : EMSGSIZE);
    close(descriptor);
    return result;
}
