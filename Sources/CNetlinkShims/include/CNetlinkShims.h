// Kernel UAPI headers for NETLINK_SOCK_DIAG (inet_diag) and AF_PACKET capture, exposed to Swift.
#ifndef CNETLINKSHIMS_H
#define CNETLINKSHIMS_H

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/if_packet.h>
#include <linux/filter.h>

#endif
