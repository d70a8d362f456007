// What the guard must know about this host: its ephemeral port range and its own addresses. Both are cached for
// about a second without a lock that a fork could leave held.
#include "guard_internal.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint32_t now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint32_t)ts.tv_sec + 1;  // never 0, which marks "no entry"
}

// low | high << 16 | second read << 32. Read in the calling process (its network namespace), so a program run with
// `ip netns exec` sees its namespace's range; a program that changes namespace sees the new one within a second.
static _Atomic uint64_t range_cache;

HIDDEN int guard_port_range(unsigned *low, unsigned *high) {
    uint32_t now = now_seconds();
    uint64_t cached = atomic_load_explicit(&range_cache, memory_order_relaxed);
    if ((uint32_t)(cached >> 32) != now) {
        int fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return -1;
        char text[64];
        ssize_t n = guard.read(fd, text, sizeof text - 1);
        guard.close(fd);
        unsigned lo, hi;
        if (n <= 0) return -1;
        text[n] = 0;
        if (sscanf(text, "%u %u", &lo, &hi) != 2 || lo > hi || hi > 65535) return -1;
        cached = (uint64_t)lo | (uint64_t)hi << 16 | (uint64_t)now << 32;
        atomic_store_explicit(&range_cache, cached, memory_order_relaxed);
    }
    *low = (unsigned)(cached & 0xffff);
    *high = (unsigned)(cached >> 16 & 0xffff);
    return 0;
}

// The host's interface addresses as IPv6 (IPv4 v4-mapped). Two buffers: a refresh fills the idle one and then
// publishes it, so readers never see a half-written table; the refresh runs under a trylock, and a reader that finds
// it taken (or a child forked while it was taken) uses the published table.
#define MAX_ADDRESSES 64
struct address_table {
    int count;
    struct in6_addr addresses[MAX_ADDRESSES];
};
static struct address_table tables[2];
static _Atomic int published = -1;
static _Atomic uint32_t refreshed;
static pthread_mutex_t refreshing = PTHREAD_MUTEX_INITIALIZER;

static void map_v4(struct in6_addr *out, const struct in_addr *v4) {
    memset(out, 0, sizeof *out);
    out->s6_addr[10] = 0xff;
    out->s6_addr[11] = 0xff;
    memcpy(&out->s6_addr[12], v4, 4);
}

static void refresh_addresses(uint32_t now) {
    if (pthread_mutex_trylock(&refreshing) != 0) return;
    if (atomic_load(&refreshed) != now) {
        struct ifaddrs *list;
        if (getifaddrs(&list) == 0) {
            int idle = atomic_load(&published) == 0 ? 1 : 0;
            struct address_table *table = &tables[idle];
            table->count = 0;
            for (struct ifaddrs *entry = list; entry && table->count < MAX_ADDRESSES; entry = entry->ifa_next) {
                if (!entry->ifa_addr) continue;
                if (entry->ifa_addr->sa_family == AF_INET)
                    map_v4(&table->addresses[table->count++], &((struct sockaddr_in *)entry->ifa_addr)->sin_addr);
                else if (entry->ifa_addr->sa_family == AF_INET6)
                    table->addresses[table->count++] = ((struct sockaddr_in6 *)entry->ifa_addr)->sin6_addr;
            }
            freeifaddrs(list);
            atomic_store(&published, idle);
        }
        atomic_store(&refreshed, now);
    }
    pthread_mutex_unlock(&refreshing);
}

static int on_interface(const struct in6_addr *address) {
    uint32_t now = now_seconds();
    if (atomic_load_explicit(&refreshed, memory_order_relaxed) != now) refresh_addresses(now);
    int current = atomic_load(&published);
    if (current < 0) return 0;
    const struct address_table *table = &tables[current];
    for (int i = 0; i < table->count; i++)
        if (memcmp(&table->addresses[i], address, sizeof *address) == 0) return 1;
    return 0;
}

static int loopback_or_any_v4(const uint8_t *bytes) {
    return bytes[0] == 127 || (bytes[0] | bytes[1] | bytes[2] | bytes[3]) == 0;
}

HIDDEN int guard_is_local(const struct sockaddr *address) {
    struct in6_addr as6;
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)address;
        if (loopback_or_any_v4((const uint8_t *)&sin->sin_addr)) return 1;
        map_v4(&as6, &sin->sin_addr);
    } else if (address->sa_family == AF_INET6) {
        as6 = ((const struct sockaddr_in6 *)address)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(&as6) || IN6_IS_ADDR_UNSPECIFIED(&as6)) return 1;
        if (IN6_IS_ADDR_V4MAPPED(&as6) && loopback_or_any_v4(&as6.s6_addr[12])) return 1;
    } else {
        return 0;
    }
    return on_interface(&as6);
}

// A child forked while another thread refreshed would find the trylock taken forever; give it a fresh one.
static void reset_in_child(void) { pthread_mutex_init(&refreshing, NULL); }
__attribute__((constructor)) static void register_fork_handler(void) { pthread_atfork(NULL, NULL, reset_in_child); }
