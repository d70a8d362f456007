// connect(): the policies. `prevent` narrows the socket's port range before the SYN; `refuse` and `redial` check the
// completed connection (at once for a blocking connect, at the program's first look for a non-blocking one).
#include "guard_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>

#ifndef IP_LOCAL_PORT_RANGE
#define IP_LOCAL_PORT_RANGE 51  // Linux 6.3
#endif

// Set when the kernel answers IP_LOCAL_PORT_RANGE with ENOPROTOOPT: `prevent` then works as `refuse`.
static _Atomic int no_port_range;

static unsigned port_of(const struct sockaddr *address) {
    return ntohs(address->sa_family == AF_INET ? ((const struct sockaddr_in *)address)->sin_port
                                               : ((const struct sockaddr_in6 *)address)->sin6_port);
}

static int same_endpoint(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
    struct in6_addr x, y;
    unsigned px, py;
    const struct sockaddr_storage *both[2] = {a, b};
    struct in6_addr *out[2] = {&x, &y};
    unsigned *ports[2] = {&px, &py};
    for (int i = 0; i < 2; i++) {
        const struct sockaddr *sa = (const struct sockaddr *)both[i];
        if (sa->sa_family == AF_INET) {
            memset(out[i], 0, sizeof x);
            out[i]->s6_addr[10] = out[i]->s6_addr[11] = 0xff;
            memcpy(&out[i]->s6_addr[12], &((const struct sockaddr_in *)sa)->sin_addr, 4);
        } else if (sa->sa_family == AF_INET6) {
            *out[i] = ((const struct sockaddr_in6 *)sa)->sin6_addr;
        } else {
            return 0;
        }
        *ports[i] = port_of(sa);
    }
    return px == py && memcmp(&x, &y, sizeof x) == 0;
}

// 1 when fd is connected to itself, 0 when connected elsewhere, -1 when not connected (yet).
static int self_connected(int fd) {
    struct sockaddr_storage local, peer;
    socklen_t local_length = sizeof local, peer_length = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &peer_length) != 0) return -1;
    if (getsockname(fd, (struct sockaddr *)&local, &local_length) != 0) return -1;
    return same_endpoint(&local, &peer);
}

// Drops the connection without a byte exchanged: connect(AF_UNSPEC) aborts it with a reset (no TIME-WAIT to
// block the next attempt) and leaves the same socket unbound and reusable, its options and fd flags intact.
static void tear_down(int fd) {
    struct sockaddr unspecified;
    memset(&unspecified, 0, sizeof unspecified);
    unspecified.sa_family = AF_UNSPEC;
    guard.connect(fd, &unspecified, sizeof unspecified);
}

// Waits (bounded: the destination is this host) for a non-blocking connect to finish; returns its errno or 0.
static int finish_connect(int fd) {
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    int ready;
    do ready = poll(&p, 1, 2000); while (ready < 0 && errno == EINTR);
    if (ready == 0) return ETIMEDOUT;
    int error = 0;
    socklen_t length = sizeof error;
    if (guard.getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
}

// The destination each pending fd dialled, for redials and the log. Written by the connecting thread before the fd
// is marked pending.
static struct sockaddr_in6 destinations[GUARD_FD_MAX];

// A self-connected socket: refuse it, or (redial) tear it down and dial again on the same socket, at most
// guard.retries times. Returns 0 with fd connected elsewhere, or the errno to report.
static int refuse_or_redial(int fd, const struct sockaddr *destination, socklen_t length) {
    for (int redials = 0;; redials++) {
        tear_down(fd);
        if (guard.policy != POLICY_REDIAL || redials >= guard.retries) {
            guard_log(fd, destination, "refuse (connected to itself; reported as ECONNREFUSED)");
            return ECONNREFUSED;
        }
        guard_log(fd, destination, "redial %d of %d (connected to itself)", redials + 1, guard.retries);
        int error = 0;
        if (guard.connect(fd, destination, length) != 0) {
            error = errno;
            if (error == EINPROGRESS) error = finish_connect(fd);
        }
        if (error != 0) return error;
        if (self_connected(fd) != 1) return 0;
    }
}

HIDDEN int guard_settle(int fd, int so_error) {
    if (!guard_is_pending(fd)) return 0;
    if (so_error > 0) {  // the connect failed; the caller reports it
        guard_forget(fd);
        return 0;
    }
    int self = self_connected(fd);
    if (self < 0) return 0;  // still connecting, or failed: the program's own call will tell
    guard_forget(fd);
    if (self == 0) return 0;
    const struct sockaddr *destination = (const struct sockaddr *)&destinations[fd];
    socklen_t length = destination->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
    return refuse_or_redial(fd, destination, length);
}

// Narrows fd's source ports to the larger side of the range that excludes `port`. 1 when done, 0 when there is
// nothing to narrow (port outside the socket's range), -1 when it cannot be done (the caller falls back to refuse).
static int narrow(int fd, const struct sockaddr *destination, unsigned port, unsigned low, unsigned high) {
    // Honour a range the program set itself: the kernel applies each of its bounds that lies within the global range.
    // A socket made here that the program never gave one has none: no need to ask.
    uint32_t own = 0;
    socklen_t length = sizeof own;
    unsigned state = guard_fd_state(fd);
    if ((!(state & FD_TCP) || (state & FD_OWN_RANGE)) &&
        guard.getsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &own, &length) != 0) {
        if (errno == ENOPROTOOPT || errno == EINVAL) {
            if (atomic_exchange(&no_port_range, 1) == 0)
                guard_log(fd, destination, "this kernel has no IP_LOCAL_PORT_RANGE (Linux < 6.3): prevent falls back to refuse");
        }
        return -1;
    }
    unsigned own_low = own & 0xffff, own_high = own >> 16;
    if (own_low >= low && own_low <= high) low = own_low;
    if (own_high >= low && own_high <= high) high = own_high;
    if (port < low || port > high) {
        guard_log(fd, destination, "pass (the socket's own port range %u-%u excludes the port)", low, high);
        return 0;
    }
    unsigned below = port - low, above = high - port;
    if (below == 0 && above == 0) {
        guard_log(fd, destination, "cannot prevent (the only ephemeral port is the destination's)");
        return -1;
    }
    uint32_t side = below >= above ? (uint32_t)low | (uint32_t)(port - 1) << 16 : (uint32_t)(port + 1) | (uint32_t)high << 16;
    if (guard.setsockopt(fd, IPPROTO_IP, IP_LOCAL_PORT_RANGE, &side, sizeof side) != 0) {
        if (errno != ENOPROTOOPT) {  // not a socket after all (a descriptor closed behind the guard's back)
            guard_log(fd, destination, "pass (setsockopt: errno %d)", errno);
            return 0;
        }
        if (atomic_exchange(&no_port_range, 1) == 0)
            guard_log(fd, destination, "this kernel has no IP_LOCAL_PORT_RANGE (Linux < 6.3): prevent falls back to refuse");
        return -1;
    }
    guard_log(fd, destination, "prevent (source ports %u-%u)", side & 0xffff, side >> 16);
    return 1;
}

// 1 when the connect of fd to destination is one the guard acts on: an unbound TCP socket dialling this host on a
// port in the ephemeral range. Logs why it passes otherwise.
static int guarded(int fd, const struct sockaddr *destination, unsigned *low, unsigned *high) {
    unsigned port = port_of(destination);
    if (guard_port_range(low, high) != 0) {
        guard_log(fd, destination, "pass (ip_local_port_range unreadable)");
        return 0;
    }
    if (port < *low || port > *high) {
        guard_log(fd, destination, "pass (port outside %u-%u)", *low, *high);
        return 0;
    }
    if (!guard_is_local(destination)) {
        guard_log(fd, destination, "pass (not an address of this host)");
        return 0;
    }
    unsigned state = guard_fd_state(fd);
    if ((state & FD_TCP) && !(state & FD_BOUND)) return 1;
    // Bound, or a descriptor the guard did not see made (inherited, received, bound to port 0): ask the kernel.
    if (!(state & FD_TCP)) {
        int protocol = 0;
        socklen_t length = sizeof protocol;
        if (guard.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &length) != 0 || protocol != IPPROTO_TCP) {
            guard_log(fd, destination, "pass (not TCP)");
            return 0;
        }
    }
    struct sockaddr_storage local;
    socklen_t local_length = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &local_length) != 0) return 0;
    unsigned bound = port_of((struct sockaddr *)&local);
    if (bound != 0) {
        guard_log(fd, destination, "pass (bound to port %u by the program)", bound);
        return 0;
    }
    return 1;
}

int connect(int fd, const struct sockaddr *destination, socklen_t length) {
    guard_init();
    if (!destination || length < sizeof(struct sockaddr_in) ||
        (destination->sa_family != AF_INET && destination->sa_family != AF_INET6) ||
        (destination->sa_family == AF_INET6 && length < sizeof(struct sockaddr_in6)))
        return guard.connect(fd, destination, length);
    int saved = errno;
    if (guard_is_pending(fd)) {
        // connect() again on a pending socket, the other way to learn the outcome: 0 or EISCONN once connected.
        int rc = guard.connect(fd, destination, length);
        int error = rc == 0 ? saved : errno;
        if (rc == 0 || error == EISCONN) {
            int refusal = guard_settle(fd, 0);
            if (refusal != 0) {
                errno = refusal;
                return -1;
            }
        } else if (error != EALREADY && error != EINPROGRESS) {
            guard_forget(fd);
        }
        errno = error;
        return rc;
    }
    unsigned low, high;
    if (!guarded(fd, destination, &low, &high)) {
        errno = saved;
        return guard.connect(fd, destination, length);
    }
    guard_forget(fd);  // a reconnect on an fd still marked from before
    if (guard.policy == POLICY_PREVENT) {
        if (!atomic_load_explicit(&no_port_range, memory_order_relaxed) &&
            narrow(fd, destination, port_of(destination), low, high) >= 0) {
            errno = saved;
            return guard.connect(fd, destination, length);
        }
        guard_log(fd, destination, "refuse (fallback: the kernel cannot be told to avoid the port)");
    }
    errno = saved;
    int rc = guard.connect(fd, destination, length);
    if (rc != 0) {
        // EINTR: a blocking connect interrupted by a signal goes on in the background, like a non-blocking one.
        if ((errno == EINPROGRESS || errno == EINTR) && fd >= 0 && fd < GUARD_FD_MAX) {
            memcpy(&destinations[fd], destination,
                   destination->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
            int error = errno;
            guard_mark_pending(fd);
            guard_log(fd, destination, "watch (non-blocking connect; checked at SO_ERROR or first read/write)");
            errno = error;
        }
        return rc;
    }
    if (self_connected(fd) != 1) return 0;
    int error = refuse_or_redial(fd, destination, length);
    if (error == 0) return 0;
    errno = error;
    return -1;
}
