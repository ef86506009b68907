/* memhog MIB [THREADS]: holds MIB mebibytes of dirtied, incompressible memory, then idles.
 * The agent benchmark checkpoints and restores a container-shaped tree running this.
 * It prints "ready <checksum>" once every page is written, and on SIGUSR1 recomputes and
 * prints the checksum, so a restored copy can prove its memory came back intact. On SIGUSR2 it
 * rewrites a tenth of its pages (another tenth each time) with new random content and prints
 * "changed <checksum>": what an incremental checkpoint after it has to store. On SIGWINCH it prints
 * "alive <n>" without touching its big allocation: a lazily restored copy answers that as soon as it
 * runs, before its memory has arrived. With THREADS > 1 it also runs THREADS - 1 idle threads, each with
 * its own stack, as a JVM's GC, JIT and pool threads are (the in-pod benchmark's JVM-like workload). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t check, change, alive;
static void on_usr1(int sig) { (void)sig; check = 1; }
static void on_usr2(int sig) { (void)sig; change = 1; }
static void on_winch(int sig) { (void)sig; alive = 1; }

static void *idle(void *arg) { (void)arg; for (;;) pause(); return NULL; }

static uint64_t sum(const uint64_t *p, size_t n) {
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s = s * 31 + p[i];
    return s;
}

static uint64_t mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    size_t n = mib * 1024 * 1024 / sizeof(uint64_t);
    size_t words_per_page = 4096 / sizeof(uint64_t);
    /* Page-aligned, so that rewriting a page of ours rewrites one page of memory, not two halves. */
    uint64_t *p = aligned_alloc(4096, n * sizeof(uint64_t));
    if (!p) { perror("aligned_alloc"); return 1; }
    uint64_t x = 88172645463325252ULL ^ (uint64_t)getpid();
    for (size_t i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; p[i] = x; }
    /* The signals stay blocked but inside sigsuspend: one sent the moment a restored copy resumes (between
     * a check of the flags and the wait) would otherwise be consumed and the wait never end. */
    sigset_t block, wait;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGUSR2);
    sigaddset(&block, SIGWINCH);
    sigprocmask(SIG_BLOCK, &block, &wait);
    sigdelset(&wait, SIGUSR1);
    sigdelset(&wait, SIGUSR2);
    sigdelset(&wait, SIGWINCH);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    signal(SIGWINCH, on_winch);
    /* Started with the signals blocked, so the threads inherit the mask and main's sigsuspend takes them all. */
    long threads = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
    for (long t = 1; t < threads; t++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, idle, NULL) != 0) { perror("pthread_create"); return 1; }
    }
    printf("ready %016llx\n", (unsigned long long)sum(p, n));
    fflush(stdout);
    uint64_t round = 0;
    unsigned answered = 0;
    for (;;) {
        while (!alive && !check && !change) sigsuspend(&wait);
        if (alive) { alive = 0; printf("alive %u\n", ++answered); fflush(stdout); }
        if (change) {
            change = 0;
            round++;
            for (size_t page = 0; page < n / words_per_page; page++) {
                if (mix(page * 1000003ULL + round) % 10 != 0) continue;
                for (size_t w = 0; w < words_per_page; w++) {
                    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
                    p[page * words_per_page + w] = x;
                }
            }
            printf("changed %016llx\n", (unsigned long long)sum(p, n));
            fflush(stdout);
        }
        if (check) { check = 0; printf("check %016llx\n", (unsigned long long)sum(p, n)); fflush(stdout); }
    }
}
