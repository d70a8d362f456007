// Load-time setup: the real libc entry points, the policy from the environment, and the verbose log.
#include "guard_internal.h"
#include "selfconnect_guard.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

HIDDEN struct guard_state guard;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

static void resolve(void) {
    guard.connect = next("connect");
    guard.getsockopt = next("getsockopt");
    guard.setsockopt = next("setsockopt");
    guard.socket = next("socket");
    guard.bind = next("bind");
    guard.accept = next("accept");
    guard.accept4 = next("accept4");
    guard.dup2 = next("dup2");
    guard.dup3 = next("dup3");
    guard.close = next("close");
    guard.read = next("read");
    guard.write = next("write");
    guard.readv = next("readv");
    guard.writev = next("writev");
    guard.recv = next("recv");
    guard.send = next("send");
    guard.recvfrom = next("recvfrom");
    guard.sendto = next("sendto");
    guard.recvmsg = next("recvmsg");
    guard.sendmsg = next("sendmsg");

    const char *policy = getenv(SELFCONNECT_GUARD_POLICY_ENV);
    guard.policy = POLICY_PREVENT;
    if (policy && strcmp(policy, "refuse") == 0) guard.policy = POLICY_REFUSE;
    if (policy && strcmp(policy, "redial") == 0) guard.policy = POLICY_REDIAL;
    const char *retries = getenv(SELFCONNECT_GUARD_RETRIES_ENV);
    guard.retries = retries ? atoi(retries) : 2;
    if (guard.retries < 0) guard.retries = 0;
    if (guard.retries > 100) guard.retries = 100;
    const char *verbose = getenv(SELFCONNECT_GUARD_VERBOSE_ENV);
    guard.verbose = verbose && strcmp(verbose, "1") == 0;
}

HIDDEN void guard_init(void) { pthread_once(&once, resolve); }

// Resolving at load keeps the pthread_once out of reach of a fork in a multithreaded program.
__attribute__((constructor)) static void guard_load(void) { guard_init(); }

HIDDEN void guard_log(int fd, const struct sockaddr *destination, const char *format, ...) {
    if (!guard.verbose) return;
    int saved = errno;
    char address[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (destination->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)destination;
        inet_ntop(AF_INET, &sin->sin_addr, address, sizeof address);
        port = ntohs(sin->sin_port);
    } else if (destination->sa_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)destination;
        inet_ntop(AF_INET6, &sin6->sin6_addr, address, sizeof address);
        port = ntohs(sin6->sin6_port);
    }
    char line[512];
    int n = snprintf(line, sizeof line, destination->sa_family == AF_INET6
                         ? "selfconnect guard[%d]: fd %d -> [%s]:%u: " : "selfconnect guard[%d]: fd %d -> %s:%u: ",
                     (int)getpid(), fd, address, port);
    va_list args;
    va_start(args, format);
    if (n > 0 && n < (int)sizeof line) n += vsnprintf(line + n, sizeof line - (size_t)n, format, args);
    va_end(args);
    if (n >= (int)sizeof line - 1) n = (int)sizeof line - 2;
    if (n >= 0) {
        line[n++] = '\n';
        // One write per line, so lines from several threads do not interleave; straight to the next write().
        (void)guard.write(2, line, (size_t)n);
    }
    errno = saved;
}
