// Our declaration of the table that packetdrill's --so_filename loader passes to the library's
// `packetdrill_interface_init(const char *flags, <table> *)`: a context pointer, then 33 function pointers in the
// order packetdrill documents (socket calls, the test network device, the clock, epoll/pipe/splice).
// Only the layout matters to the loader; the names here are ours.
#ifndef SELFCONNECT_PACKETDRILL_ABI_H
#define SELFCONNECT_PACKETDRILL_ABI_H

#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef struct selfconnect_pd_table {
    void *context;
    void (*release)(void *context);

    int (*sock_socket)(void *context, int domain, int type, int protocol);
    int (*sock_bind)(void *context, int fd, const struct sockaddr *address, socklen_t length);
    int (*sock_listen)(void *context, int fd, int backlog);
    int (*sock_accept)(void *context, int fd, struct sockaddr *address, socklen_t *length);
    int (*sock_connect)(void *context, int fd, const struct sockaddr *address, socklen_t length);
    ssize_t (*sock_read)(void *context, int fd, void *buffer, size_t count);
    ssize_t (*sock_readv)(void *context, int fd, const struct iovec *vector, int count);
    ssize_t (*sock_recv)(void *context, int fd, void *buffer, size_t count, int flags);
    ssize_t (*sock_recvfrom)(void *context, int fd, void *buffer, size_t count, int flags,
                             struct sockaddr *from, socklen_t *length);
    ssize_t (*sock_recvmsg)(void *context, int fd, struct msghdr *message, int flags);
    ssize_t (*sock_write)(void *context, int fd, const void *buffer, size_t count);
    ssize_t (*sock_writev)(void *context, int fd, const struct iovec *vector, int count);
    ssize_t (*sock_send)(void *context, int fd, const void *buffer, size_t count, int flags);
    ssize_t (*sock_sendto)(void *context, int fd, const void *buffer, size_t count, int flags,
                           const struct sockaddr *to, socklen_t length);
    ssize_t (*sock_sendmsg)(void *context, int fd, const struct msghdr *message, int flags);
    int (*sock_fcntl)(void *context, int fd, int command, ...);
    int (*sock_ioctl)(void *context, int fd, unsigned long request, ...);
    int (*sock_close)(void *context, int fd);
    int (*sock_shutdown)(void *context, int fd, int how);
    int (*sock_getsockopt)(void *context, int fd, int level, int name, void *value, socklen_t *length);
    int (*sock_setsockopt)(void *context, int fd, int level, int name, const void *value, socklen_t length);
    int (*sock_poll)(void *context, struct pollfd *fds, nfds_t count, int timeout);

    // The test device: a whole IP packet into the stack; the next IP packet out of it (count 0 if none),
    // with the time it left in microseconds.
    int (*device_send)(void *context, const void *packet, size_t count);
    int (*device_receive)(void *context, void *packet, size_t *count, long long *time_usecs);

    // The clock the library controls.
    int (*clock_sleep)(void *context, useconds_t usecs);
    int (*clock_now)(void *context, struct timeval *now, struct timezone *zone);

    int (*ev_create)(void *context, int size);
    int (*ev_ctl)(void *context, int epfd, int op, int fd, struct epoll_event *event);
    int (*ev_wait)(void *context, int epfd, struct epoll_event *events, int max, int timeout);
    int (*fd_pipe)(void *context, int fds[2]);
    int (*fd_splice)(void *context, int in, loff_t *in_offset, int out, loff_t *out_offset, size_t count,
                     unsigned int flags);
} selfconnect_pd_table;

typedef void (*selfconnect_pd_init_fn)(const char *flags, selfconnect_pd_table *table);

// Fills the entries Swift cannot express (variadic fcntl/ioctl) and the calls the engine does not offer
// (they fail with ENOSYS): pipe and splice.
void selfconnect_pd_fill_c_entries(selfconnect_pd_table *table);

// What the library puts in the table's context: its host object, and fcntl and ioctl with their optional
// argument made explicit (the variadic entries above unpack it and call these).
typedef struct selfconnect_pd_context {
    void *host;
    int (*fcntl)(void *host, int fd, int command, long argument);
    int (*ioctl)(void *host, int fd, unsigned long request, void *argument);
} selfconnect_pd_context;

#endif
