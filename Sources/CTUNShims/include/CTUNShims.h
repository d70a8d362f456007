// TUN device and network-namespace calls whose macros and structs Swift cannot import directly.
#ifndef CTUNSHIMS_H
#define CTUNSHIMS_H

/// Opens /dev/net/tun as a layer-3 device without packet information (IFF_TUN | IFF_NO_PI) named `name`
/// (empty: the kernel picks tunN). Writes the device's name into `actual` (at least 16 bytes).
/// With `offloads` non-zero, every packet both ways starts with a 10-byte struct virtio_net_hdr (IFF_VNET_HDR)
/// and checksum and TCP segmentation offloads are on (TUNSETOFFLOAD TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6).
/// Returns the descriptor (O_NONBLOCK, O_CLOEXEC) or -errno.
int sc_tun_open(const char *name, char *actual, int actual_len, int offloads);

/// setns(fd, CLONE_NEWNET) for the calling thread. Returns 0 or -errno.
int sc_setns_net(int fd);

/// Catches SIGINT, SIGTERM and SIGHUP into a self-pipe so a long-running command can clean up before it
/// exits. Returns the pipe's non-blocking read end (a byte per signal) or -errno.
int sc_signal_pipe_install(void);

/// Restores the default actions and closes the pipe.
void sc_signal_pipe_remove(void);

#endif
