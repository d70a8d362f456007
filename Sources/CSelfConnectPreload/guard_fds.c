// Per-descriptor state: one atomic byte each, so no lock is ever held (threads, fork) and reading it is a load.
#include "guard_internal.h"

static _Atomic unsigned char states[GUARD_FD_MAX];
// How many descriptors are FD_PENDING: the read/write wrappers look no further while it is 0.
static _Atomic int pending_count;

static int tracked(int fd) { return fd >= 0 && fd < GUARD_FD_MAX; }

HIDDEN unsigned guard_fd_state(int fd) {
    return tracked(fd) ? atomic_load_explicit(&states[fd], memory_order_relaxed) : 0;
}

HIDDEN void guard_fd_add(int fd, unsigned bits) {
    if (tracked(fd)) atomic_fetch_or(&states[fd], (unsigned char)bits);
}

HIDDEN void guard_fd_reset(int fd) {
    if (!tracked(fd) || atomic_load_explicit(&states[fd], memory_order_relaxed) == 0) return;
    if (atomic_exchange(&states[fd], 0) & FD_PENDING) atomic_fetch_sub(&pending_count, 1);
}

HIDDEN void guard_mark_pending(int fd) {
    if (tracked(fd) && !(atomic_fetch_or(&states[fd], FD_PENDING) & FD_PENDING)) atomic_fetch_add(&pending_count, 1);
}

HIDDEN void guard_forget(int fd) {
    if (!tracked(fd) || atomic_load_explicit(&pending_count, memory_order_relaxed) == 0) return;
    if (atomic_fetch_and(&states[fd], (unsigned char)~FD_PENDING) & FD_PENDING) atomic_fetch_sub(&pending_count, 1);
}

HIDDEN int guard_is_pending(int fd) {
    if (atomic_load_explicit(&pending_count, memory_order_relaxed) == 0) return 0;
    return (guard_fd_state(fd) & FD_PENDING) != 0;
}
