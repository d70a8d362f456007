#include "CPacketDrillABI.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>

static int unsupported(void) {
    errno = ENOSYS;
    return -1;
}

static int fcntl_entry(void *context, int fd, int command, ...) {
    long argument = 0;
    if (command == F_SETFL) {
        va_list list;
        va_start(list, command);
        argument = va_arg(list, long);
        va_end(list);
    }
    selfconnect_pd_context *c = context;
    return c->fcntl(c->host, fd, command, argument);
}

static int ioctl_entry(void *context, int fd, unsigned long request, ...) {
    (void)context; (void)fd; (void)request;
    return unsupported();
}

static ssize_t readv_entry(void *c, int fd, const struct iovec *v, int n) {
    (void)c; (void)fd; (void)v; (void)n;
    return unsupported();
}

static ssize_t recvfrom_entry(void *c, int fd, void *b, size_t n, int f, struct sockaddr *a, socklen_t *l) {
    (void)c; (void)fd; (void)b; (void)n; (void)f; (void)a; (void)l;
    return unsupported();
}

static ssize_t recvmsg_entry(void *c, int fd, struct msghdr *m, int f) {
    (void)c; (void)fd; (void)m; (void)f;
    return unsupported();
}

static ssize_t writev_entry(void *c, int fd, const struct iovec *v, int n) {
    (void)c; (void)fd; (void)v; (void)n;
    return unsupported();
}

static ssize_t sendto_entry(void *c, int fd, const void *b, size_t n, int f, const struct sockaddr *a, socklen_t l) {
    (void)c; (void)fd; (void)b; (void)n; (void)f; (void)a; (void)l;
    return unsupported();
}

static ssize_t sendmsg_entry(void *c, int fd, const struct msghdr *m, int f) {
    (void)c; (void)fd; (void)m; (void)f;
    return unsupported();
}

static int poll_entry(void *c, struct pollfd *p, nfds_t n, int t) {
    (void)c; (void)p; (void)n; (void)t;
    return unsupported();
}

static int epoll_create_entry(void *c, int size) {
    (void)c; (void)size;
    return unsupported();
}

static int epoll_ctl_entry(void *c, int epfd, int op, int fd, struct epoll_event *e) {
    (void)c; (void)epfd; (void)op; (void)fd; (void)e;
    return unsupported();
}

static int epoll_wait_entry(void *c, int epfd, struct epoll_event *e, int max, int t) {
    (void)c; (void)epfd; (void)e; (void)max; (void)t;
    return unsupported();
}

static int pipe_entry(void *c, int fds[2]) {
    (void)c; (void)fds;
    return unsupported();
}

static int splice_entry(void *c, int in, loff_t *io, int out, loff_t *oo, size_t n, unsigned int f) {
    (void)c; (void)in; (void)io; (void)out; (void)oo; (void)n; (void)f;
    return unsupported();
}

void selfconnect_pd_fill_c_entries(selfconnect_pd_table *table) {
    table->sock_fcntl = fcntl_entry;
    table->sock_ioctl = ioctl_entry;
    table->sock_readv = readv_entry;
    table->sock_recvfrom = recvfrom_entry;
    table->sock_recvmsg = recvmsg_entry;
    table->sock_writev = writev_entry;
    table->sock_sendto = sendto_entry;
    table->sock_sendmsg = sendmsg_entry;
    table->sock_poll = poll_entry;
    table->ev_create = epoll_create_entry;
    table->ev_ctl = epoll_ctl_entry;
    table->ev_wait = epoll_wait_entry;
    table->fd_pipe = pipe_entry;
    table->fd_splice = splice_entry;
}
