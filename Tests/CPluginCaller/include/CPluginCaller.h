// Calls the plugin table's variadic entries as packetdrill's C does; Swift cannot call a variadic function pointer.
#ifndef SELFCONNECT_PLUGIN_CALLER_H
#define SELFCONNECT_PLUGIN_CALLER_H

#include "CPacketDrillABI.h"
#include <linux/sockios.h>
#include <sys/ioctl.h>

// table.sock_ioctl(context, fd, request, argument).
int selfconnect_pd_ioctl(selfconnect_pd_table table, void *context, int fd, unsigned long request, void *argument);

#endif
