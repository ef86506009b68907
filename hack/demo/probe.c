/*
 * probe: waits until the HTTP server on 127.0.0.1:PORT inside the network namespace of host process PID
 * answers, then prints the response body on stdout and exits 0. Polls every INTERVAL ms (a refused or
 * failed connection is retried) until TIMEOUT seconds have passed (exit 1). One process that enters the
 * namespace once, instead of an `nsenter … wget` fork per poll: on a loaded machine the forks would
 * dominate what is being timed.
 *
 * Usage: probe PID [PORT=8080] [TIMEOUT_SECONDS=60] [INTERVAL_MS=20]
 * Build: gcc -static -O2 -o probe probe.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One GET; returns the body (malloc'd) on a 200 response, NULL otherwise. */
static char *get(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NULL;
    struct timeval timeout = { .tv_sec = 2 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        close(fd);
        return NULL;
    }
    const char request[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, request, sizeof request - 1) != (ssize_t)(sizeof request - 1)) {
        close(fd);
        return NULL;
    }
    static char response[8192];
    size_t have = 0;
    ssize_t n;
    while (have < sizeof response - 1 && (n = read(fd, response + have, sizeof response - 1 - have)) > 0)
        have += n;
    close(fd);
    response[have] = 0;
    char *body = strstr(response, "\r\n\r\n");
    if (strncmp(response, "HTTP/1.", 7) != 0 || strncmp(response + 8, " 200", 4) != 0 || body == NULL)
        return NULL;
    return strdup(body + 4);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: probe PID [PORT] [TIMEOUT_SECONDS] [INTERVAL_MS]\n");
        return 2;
    }
    int pid = atoi(argv[1]);
    int port = argc > 2 ? atoi(argv[2]) : 8080;
    double timeout = argc > 3 ? atof(argv[3]) : 60;
    long interval_ms = argc > 4 ? atol(argv[4]) : 20;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
        fprintf(stderr, "probe: cannot enter the network namespace of PID %d (%s): %s\n", pid, path, strerror(errno));
        return 1;
    }
    close(ns);
    double deadline = now() + timeout;
    for (;;) {
        char *body = get(port);
        if (body != NULL) {
            fputs(body, stdout);
            return 0;
        }
        if (kill(pid, 0) < 0 && errno == ESRCH) {
            fprintf(stderr, "probe: PID %d exited before 127.0.0.1:%d answered\n", pid, port);
            return 1;
        }
        if (now() > deadline) {
            fprintf(stderr, "probe: nothing answered on 127.0.0.1:%d in the network namespace of PID %d within %.0f s\n", port, pid, timeout);
            return 1;
        }
        struct timespec pause = { .tv_sec = interval_ms / 1000, .tv_nsec = (interval_ms % 1000) * 1000000L };
        nanosleep(&pause, NULL);
    }
}
