// Where a program learns how its non-blocking connect ended: getsockopt(SO_ERROR), or its first read or write.
// Each wrapper costs one relaxed load when no guarded connect is pending.
#include "guard_internal.h"

#include <errno.h>

int getsockopt(int fd, int level, int name, void *value, socklen_t *length) {
    guard_init();
    int rc = guard.getsockopt(fd, level, name, value, length);
    if (rc != 0 || level != SOL_SOCKET || name != SO_ERROR || !guard_is_pending(fd) || *length < sizeof(int))
        return rc;
    int error = guard_settle(fd, *(int *)value);
    if (error != 0) *(int *)value = error;
    return 0;
}

// Settles a pending fd before a data call; false (errno set) when the call must fail without touching the socket.
static int may_proceed(int fd) {
    guard_init();
    if (!guard_is_pending(fd)) return 1;
    int saved = errno;
    int error = guard_settle(fd, -1);
    if (error == 0) {
        errno = saved;
        return 1;
    }
    errno = error;
    return 0;
}

ssize_t read(int fd, void *buffer, size_t count) {
    return may_proceed(fd) ? guard.read(fd, buffer, count) : -1;
}

ssize_t write(int fd, const void *buffer, size_t count) {
    return may_proceed(fd) ? guard.write(fd, buffer, count) : -1;
}

ssize_t readv(int fd, const struct iovec *vector, int count) {
    return may_proceed(fd) ? guard.readv(fd, vector, count) : -1;
}

ssize_t writev(int fd, const struct iovec *vector, int count) {
    return may_proceed(fd) ? guard.writev(fd, vector, count) : -1;
}

ssize_t recv(int fd, void *buffer, size_t count, int flags) {
    return may_proceed(fd) ? guard.recv(fd, buffer, count, flags) : -1;
}

ssize_t send(int fd, const void *buffer, size_t count, int flags) {
    return may_proceed(fd) ? guard.send(fd, buffer, count, flags) : -1;
}

ssize_t recvfrom(int fd, void *buffer, size_t count, int flags, struct sockaddr *from, socklen_t *length) {
    return may_proceed(fd) ? guard.recvfrom(fd, buffer, count, flags, from, length) : -1;
}

ssize_t sendto(int fd, const void *buffer, size_t count, int flags, const struct sockaddr *to, socklen_t length) {
    return may_proceed(fd) ? guard.sendto(fd, buffer, count, flags, to, length) : -1;
}

ssize_t recvmsg(int fd, struct msghdr *message, int flags) {
    return may_proceed(fd) ? guard.recvmsg(fd, message, flags) : -1;
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags) {
    return may_proceed(fd) ? guard.sendmsg(fd, message, flags) : -1;
}

// Fortified builds (-D_FORTIFY_SOURCE) call these instead of read and recv.
extern void __chk_fail(void) __attribute__((noreturn));

ssize_t __read_chk(int fd, void *buffer, size_t count, size_t size) {
    if (count > size) __chk_fail();
    return read(fd, buffer, count);
}

ssize_t __recv_chk(int fd, void *buffer, size_t count, size_t size, int flags) {
    if (count > size) __chk_fail();
    return recv(fd, buffer, count, flags);
}
