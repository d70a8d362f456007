// The calls that tell the guard what a descriptor is: made as a TCP socket, bound by the program, given its own port
// range, duplicated, closed.
#include "guard_internal.h"

#include <netinet/in.h>

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51
#endif

int socket(int domain, int type, int protocol) {
    guard_init();
    int fd = guard.socket(domain, type, protocol);
    guard_fd_reset(fd);
    if ((domain == AF_INET || domain == AF_INET6) && (type & 0xf) == SOCK_STREAM &&
        (protocol == 0 || protocol == IPPROTO_TCP))
        guard_fd_add(fd, FD_TCP);
    return fd;
}

int bind(int fd, const struct sockaddr *address, socklen_t length) {
    guard_init();
    int rc = guard.bind(fd, address, length);
    if (rc == 0 && address && (address->sa_family == AF_INET || address->sa_family == AF_INET6)) {
        in_port_t port = address->sa_family == AF_INET ? ((const struct sockaddr_in *)address)->sin_port
                                                       : ((const struct sockaddr_in6 *)address)->sin6_port;
        // Port 0 with IP_BIND_ADDRESS_NO_PORT leaves the choice to connect(): let getsockname() tell, then.
        if (port != 0) guard_fd_add(fd, FD_BOUND);
        else guard_fd_reset(fd);
    }
    return rc;
}

// An accepted connection may reuse the number of a descriptor closed where the guard could not see it (fclose).
int accept(int fd, struct sockaddr *address, socklen_t *length) {
    guard_init();
    int connection = guard.accept(fd, address, length);
    guard_fd_reset(connection);
    return connection;
}

int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags) {
    guard_init();
    int connection = guard.accept4(fd, address, length, flags);
    guard_fd_reset(connection);
    return connection;
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t length) {
    guard_init();
    int rc = guard.setsockopt(fd, level, name, value, length);
    if (rc == 0 && level == IPPROTO_IP && name == IP_LOCAL_PORT_RANGE) guard_fd_add(fd, FD_OWN_RANGE);
    return rc;
}

int close(int fd) {
    guard_init();
    guard_fd_reset(fd);
    return guard.close(fd);
}

int dup2(int old, int new) {
    guard_init();
    int rc = guard.dup2(old, new);
    if (rc >= 0 && old != new) {
        guard_fd_reset(new);
        guard_fd_add(new, guard_fd_state(old) & ~FD_PENDING);
    }
    return rc;
}

int dup3(int old, int new, int flags) {
    guard_init();
    int rc = guard.dup3(old, new, flags);
    if (rc >= 0) {
        guard_fd_reset(new);
        guard_fd_add(new, guard_fd_state(old) & ~FD_PENDING);
    }
    return rc;
}
