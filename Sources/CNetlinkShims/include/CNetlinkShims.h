// Kernel UAPI headers for NETLINK_SOCK_DIAG (inet_diag) and AF_PACKET capture, and setns(2), exposed to Swift.
#ifndef CNETLINKSHIMS_H
#define CNETLINKSHIMS_H

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/if_packet.h>
#include <linux/filter.h>

// setns(2) is a GNU extension that Swift's Glibc module does not expose; this is glibc's own prototype.
int setns(int fd, int nstype);
#define CSHIM_CLONE_NEWNET 0x40000000

#endif
