#include "CPluginCaller.h"

int selfconnect_pd_ioctl(selfconnect_pd_table table, void *context, int fd, unsigned long request, void *argument) {
    return table.sock_ioctl(context, fd, request, argument);
}
