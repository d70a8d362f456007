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
    va_list list;
    va_start(list, request);
    void *argument = va_arg(list, void *);
    va_end(list);
    selfconnect_pd_context *c = context;
    return c->ioctl(c->host, fd, request, argument);
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
    table->fd_pipe = pipe_entry;
    table->fd_splice = splice_entry;
}
