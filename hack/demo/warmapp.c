/*
 * warmapp: the demo's slow-starting sample workload.
 *
 * It "warms up" by computing a large table in memory (a pseudo-random hash chain over MIB mebibytes,
 * at least PASSES passes of dependent random reads, so it is bound by memory latency and takes seconds), then
 * listens on 127.0.0.1:PORT (inside its own network namespace) and answers every HTTP request with
 *
 *   checksum=<the table's checksum, recomputed from memory for this request> pid=<getpid()> requests=<n> host=<hostname>
 *
 * The warmed state exists only in memory: a restored copy that answers at once with the same checksum
 * proves the table came back with it. It prints "ready ..." on stdout and writes /tmp/ready when it
 * starts serving.
 *
 * Usage: warmapp [-m MIB] [-r PASSES] [-t SECONDS] [-p PORT]
 *   -m  table size in MiB (default 64)
 *   -r  at least this many passes over the table (default 1)
 *   -t  and keep going until at least SECONDS have passed (default 0): the warm-up then lasts about as
 *       long on a fast idle machine as on a loaded one; the table is whatever those steps made, and its
 *       checksum is what a restored copy must answer with
 *   -p  port on 127.0.0.1 (default 8080)
 * Build: gcc -static -O2 -o warmapp warmapp.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

static uint64_t *table;
static size_t entries;

static uint64_t mix(uint64_t x)
{
    /* splitmix64's finaliser: cheap, and every output bit depends on every input bit. */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t checksum(void)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < entries; i++)
        sum = (sum ^ table[i]) * 0x100000001b3ULL + i;
    return sum;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void warm_up(size_t mib, unsigned rounds, double min_seconds)
{
    entries = mib * (1024 * 1024 / sizeof(uint64_t));
    table = malloc(entries * sizeof(uint64_t));
    if (table == NULL) {
        perror("warmapp: malloc");
        exit(1);
    }
    for (size_t i = 0; i < entries; i++)
        table[i] = mix(i);
    double started = now();
    /* One chain of steps over the table, pass after pass. Each step reads an entry chosen by the previous
     * one: a chain of cache misses no CPU can overlap. It stops at a step boundary once the minimum
     * passes are done and the minimum time has passed (checked every 2^20 steps). */
    uint64_t carry = 0;
    size_t steps = 0, minimum = rounds * entries;
    for (;;) {
        size_t i = steps % entries;
        uint64_t other = table[carry % entries];
        table[i] = mix(table[i] ^ other ^ carry);
        carry = table[i];
        steps++;
        if (steps % entries == 0) {
            printf("warming: pass %zu done (%.1f s)\n", steps / entries, now() - started);
            fflush(stdout);
        }
        if ((steps & ((1u << 20) - 1)) == 0 && steps >= minimum && now() - started >= min_seconds)
            break;
    }
    printf("warming: done after %.2f passes in %.1f s\n", (double)steps / entries, now() - started);
    fflush(stdout);
}

static void serve(int port)
{
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 64) < 0) {
        perror("warmapp: listen");
        exit(1);
    }

    char host[256] = "";
    gethostname(host, sizeof host - 1);
    uint64_t sum = checksum();
    printf("ready checksum=%016llx pid=%d port=%d host=%s\n", (unsigned long long)sum, (int)getpid(), port, host);
    fflush(stdout);
    int ready = open("/tmp/ready", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (ready >= 0) {
        dprintf(ready, "%016llx\n", (unsigned long long)sum);
        close(ready);
    }

    unsigned long requests = 0;
    for (;;) {
        int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("warmapp: accept");
            exit(1);
        }
        /* A stuck client must not block the next one for long. */
        struct timeval timeout = { .tv_sec = 2 };
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        char request[2048];
        size_t have = 0;
        while (have < sizeof request - 1) {
            ssize_t n = read(client, request + have, sizeof request - 1 - have);
            if (n <= 0)
                break;
            have += n;
            request[have] = 0;
            if (strstr(request, "\r\n\r\n") || strstr(request, "\n\n"))
                break;
        }
        requests++;
        gethostname(host, sizeof host - 1);
        char body[512], response[1024];
        int body_len = snprintf(body, sizeof body, "checksum=%016llx pid=%d requests=%lu host=%s\n",
                                (unsigned long long)checksum(), (int)getpid(), requests, host);
        int len = snprintf(response, sizeof response,
                           "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
                           body_len, body);
        ssize_t sent = write(client, response, len);
        (void)sent;
        close(client);
    }
}

int main(int argc, char **argv)
{
    size_t mib = 64;
    unsigned rounds = 1;
    double min_seconds = 0;
    int port = 8080;
    int opt;
    while ((opt = getopt(argc, argv, "m:r:t:p:")) != -1) {
        switch (opt) {
        case 'm': mib = strtoul(optarg, NULL, 10); break;
        case 'r': rounds = strtoul(optarg, NULL, 10); break;
        case 't': min_seconds = strtod(optarg, NULL); break;
        case 'p': port = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: warmapp [-m MIB] [-r PASSES] [-t SECONDS] [-p PORT]\n");
            return 2;
        }
    }
    if (mib == 0 || port <= 0 || port > 65535) {
        fprintf(stderr, "warmapp: MIB must be positive and PORT in 1..65535\n");
        return 2;
    }
    /* PID 1 of its namespace: nothing else reaps for it, and the host's signals are ignored unless handled. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);
    printf("warming: %zu MiB table, at least %u passes and %.1f s\n", mib, rounds, min_seconds);
    fflush(stdout);
    warm_up(mib, rounds, min_seconds);
    serve(port);
    return 0;
}
