/* Unbound connect() to 127.0.0.1:PORT until the kernel hands out PORT as the source port (self-connect).
 * Bounded in attempts and seconds. Prints "attempts N" on success, "not-reached N" otherwise (exit 1). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 50000;
    long max_attempts = argc > 2 ? atol(argv[2]) : 300000;
    int max_seconds = argc > 3 ? atoi(argv[3]) : 60;
    struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    time_t start = time(NULL);
    for (long n = 1; n <= max_attempts; n++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) { perror("socket"); return 2; }
        if (connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0) {
            struct sockaddr_in me; socklen_t len = sizeof me;
            getsockname(fd, (struct sockaddr *)&me, &len);
            close(fd);
            if (ntohs(me.sin_port) == port) { printf("attempts %ld\n", n); return 0; }
            fprintf(stderr, "connected from %d: something listens on %d\n", ntohs(me.sin_port), port);
            return 2;
        }
        close(fd);
        if ((n & 1023) == 0 && time(NULL) - start >= max_seconds) { printf("not-reached %ld\n", n); return 1; }
    }
    printf("not-reached %ld\n", max_attempts);
    return 1;
}
