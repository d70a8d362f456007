// Shared state of the preloadable guard. Nothing here is exported: every symbol is hidden except the interposed
// libc calls.
#ifndef GUARD_INTERNAL_H
#define GUARD_INTERNAL_H

#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#define HIDDEN __attribute__((visibility("hidden")))

enum guard_policy { POLICY_PREVENT, POLICY_REFUSE, POLICY_REDIAL };

// The next definitions of the calls we wrap (dlsym RTLD_NEXT), and the configuration, set once at load.
struct guard_state {
    int (*connect)(int, const struct sockaddr *, socklen_t);
    int (*getsockopt)(int, int, int, void *, socklen_t *);
    int (*setsockopt)(int, int, int, const void *, socklen_t);
    int (*socket)(int, int, int);
    int (*bind)(int, const struct sockaddr *, socklen_t);
    int (*accept)(int, struct sockaddr *, socklen_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    int (*dup2)(int, int);
    int (*dup3)(int, int, int);
    int (*close)(int);
    ssize_t (*read)(int, void *, size_t);
    ssize_t (*write)(int, const void *, size_t);
    ssize_t (*readv)(int, const struct iovec *, int);
    ssize_t (*writev)(int, const struct iovec *, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*send)(int, const void *, size_t, int);
    ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
    ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
    ssize_t (*recvmsg)(int, struct msghdr *, int);
    ssize_t (*sendmsg)(int, const struct msghdr *, int);
    enum guard_policy policy;
    int retries;
    int verbose;
};

HIDDEN extern struct guard_state guard;
// Resolves `guard` once (pthread_once; also run from a constructor, before the program can start threads or fork).
HIDDEN void guard_init(void);

// One line on stderr when verbose: "selfconnect guard[PID]: fd FD -> ADDR:PORT: ACTION".
HIDDEN void guard_log(int fd, const struct sockaddr *destination, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

// The calling process's ip_local_port_range (cached for one second). 0 on success.
HIDDEN int guard_port_range(unsigned *low, unsigned *high);
// True when `address` (AF_INET or AF_INET6) is an address of this host: loopback, the unspecified address, a
// v4-mapped form of either, or an address on one of the host's interfaces.
HIDDEN int guard_is_local(const struct sockaddr *address);

// What the guard knows of each descriptor below GUARD_FD_MAX, learnt from the calls it wraps, so that the common
// connect() costs one system call (the setsockopt) rather than four.
#define GUARD_FD_MAX 65536
enum {
    FD_PENDING = 1,    // a guarded non-blocking connect whose outcome the program has not looked at yet
    FD_TCP = 2,        // made by socket() here as an IPv4/IPv6 TCP socket
    FD_BOUND = 4,      // bind() to a port succeeded on it
    FD_OWN_RANGE = 8,  // the program set IP_LOCAL_PORT_RANGE on it itself
};
HIDDEN unsigned guard_fd_state(int fd);
HIDDEN void guard_fd_add(int fd, unsigned bits);
// A new or closed descriptor: forget everything (a pending mark included).
HIDDEN void guard_fd_reset(int fd);
HIDDEN void guard_mark_pending(int fd);
HIDDEN void guard_forget(int fd);
// Fast check before any read or write: 0 when fd holds no pending guarded connect.
HIDDEN int guard_is_pending(int fd);
// Settles a pending fd once its connect completed: returns 0 when the program may go on, or an errno
// (ECONNREFUSED for a refused self-connect) that the caller reports. `so_error` is the socket's SO_ERROR when the
// caller already read it (getsockopt), else -1.
HIDDEN int guard_settle(int fd, int so_error);

#endif
