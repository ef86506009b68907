/* memhog MIB [random|jvm|redis] [THREADS]: holds MIB mebibytes of dirtied memory, then idles.
 * random (the default): incompressible memory. jvm: a heap of Java-like objects (mark words, a few
 * dozen class pointers, small ints, references to nearby objects, strings from a vocabulary, a sixth
 * of byte arrays with random content). redis: a key-value store's memory (hash-table entries, object
 * headers, "user:NNNNNNNN" keys and short JSON-ish values in allocator size classes). The last two are
 * what hack/bench.sh compression measures zstd on.
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
#include <string.h>
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

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }
static const char *words[] = {"customer", "order", "item", "price", "amount", "status", "active", "pending",
    "shipped", "london", "paris", "berlin", "name", "email", "account", "session", "token", "user",
    "product", "category", "java", "lang", "String", "util", "HashMap", "Node", "value", "key", "id", "true"};
#define NWORDS (sizeof(words) / sizeof(words[0]))

/* Appends text made of vocabulary words and digits, at most max bytes; returns the length. */
static size_t text(char *out, size_t max) {
    size_t n = 0;
    while (n + 12 < max) {
        const char *w = words[next() % NWORDS];
        while (*w && n < max) out[n++] = *w++;
        if (next() % 3 == 0) n += (size_t)snprintf(out + n, max - n, "%u", (unsigned)(next() % 10000));
        out[n++] = (next() % 4 == 0) ? '.' : ' ';
        if (next() % 5 == 0) break;
    }
    return n;
}

/* A heap of Java-like objects, 8-byte aligned, laid one after another as a bump allocator would. */
static void fill_jvm(unsigned char *p, size_t size) {
    size_t at = 0;
    while (at + 512 < size) {
        unsigned char *o = p + at;
        uint64_t mark = next() % 4 == 0 ? ((next() & 0x1ffffff) << 8) | 1 : 1;   /* identity hash on a quarter */
        uint32_t klass = 0x00080000u + (uint32_t)(next() % 48) * 0x40;
        memcpy(o, &mark, 8);
        memcpy(o + 8, &klass, 4);
        size_t len = 16;
        unsigned kind = (unsigned)(next() % 100);
        if (kind < 35) {                       /* String's byte[]: length, then text */
            uint32_t n = (uint32_t)text((char *)o + 16, 8 + next() % 96);
            memcpy(o + 12, &n, 4);
            len = 16 + n;
        } else if (kind < 70) {                /* an object: small ints, references to nearby objects, flags */
            unsigned fields = 2 + (unsigned)(next() % 6);
            for (unsigned f = 0; f < fields; f++) {
                uint32_t v = next() % 3 == 0 ? (uint32_t)((at + (next() % 65536)) >> 3) : (uint32_t)(next() % (f % 2 ? 2 : 1000));
                memcpy(o + 12 + f * 4, &v, 4);
            }
            len = 12 + fields * 4;
        } else if (kind < 84) {                /* int[]/long[]: counters and sequences */
            uint32_t n = 2 + (uint32_t)(next() % 30);
            uint64_t base = next() % 100000;
            memcpy(o + 12, &n, 4);
            for (uint32_t i = 0; i < n; i++) { uint64_t v = base + i * (next() % 3); memcpy(o + 16 + i * 8, &v, 8); }
            len = 16 + n * 8;
        } else {                               /* byte[] of random content: hashes, keys, compressed data */
            uint32_t n = 16 + (uint32_t)(next() % 240);
            memcpy(o + 12, &n, 4);
            for (uint32_t i = 0; i < n; i += 8) { uint64_t v = next(); memcpy(o + 16 + i, &v, 8); }
            len = 16 + n;
        }
        at += (len + 7) & ~(size_t)7;
    }
}

/* A key-value store's memory: per key a hash-table entry, an object header, the key and the value, each
 * rounded up to an allocator size class. */
static size_t size_class(size_t n) { return n <= 64 ? (n + 15) & ~(size_t)15 : (n + 31) & ~(size_t)31; }
static void fill_redis(unsigned char *p, size_t size) {
    size_t at = 0;
    uint64_t heap = 0x00007f3a40000000ULL;
    uint32_t lru = 0x00a1b2c3;
    while (at + 512 < size) {
        unsigned char *e = p + at;
        uint64_t key = heap + at + 32, val = heap + at + 80, nxt = next() % 4 == 0 ? heap + (next() % size & ~(uint64_t)31) : 0;
        memcpy(e, &key, 8); memcpy(e + 8, &val, 8); memcpy(e + 16, &nxt, 8);            /* dictEntry, 32 bytes */
        char *k = (char *)e + 32;
        int kn = snprintf(k + 3, 40, "user:%08u", (unsigned)(next() % 100000000));     /* sds header, key */
        k[0] = (char)kn; k[1] = (char)kn; k[2] = 1;
        unsigned char *o = e + 32 + size_class((size_t)kn + 4);
        uint32_t type = 0, refcount = 1;
        lru += (uint32_t)(next() % 3);
        uint32_t head = type | (8u << 4) | (lru << 8);
        uint64_t ptr = heap + (uint64_t)(o - p) + 16;
        memcpy(o, &head, 4); memcpy(o + 4, &refcount, 4); memcpy(o + 8, &ptr, 8);       /* robj, 16 bytes */
        char *v = (char *)o + 16;
        int vn = snprintf(v + 3, 200, "{\"name\":\"%s %s\",\"age\":%u,\"city\":\"%s\",\"score\":%u,\"active\":%s}",
            words[next() % NWORDS], words[next() % NWORDS], (unsigned)(18 + next() % 70), words[9 + next() % 3],
            (unsigned)(next() % 100000), next() % 2 ? "true" : "false");
        v[0] = (char)vn; v[1] = (char)vn; v[2] = 1;
        at = (size_t)((unsigned char *)v - p) + size_class((size_t)vn + 4);
    }
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    size_t n = mib * 1024 * 1024 / sizeof(uint64_t);
    size_t words_per_page = 4096 / sizeof(uint64_t);
    /* Page-aligned, so that rewriting a page of ours rewrites one page of memory, not two halves. */
    uint64_t *p = aligned_alloc(4096, n * sizeof(uint64_t));
    if (!p) { perror("aligned_alloc"); return 1; }
    uint64_t x = 88172645463325252ULL ^ (uint64_t)getpid();
    const char *mode = argc > 2 ? argv[2] : "random";
    if (strcmp(mode, "jvm") == 0) {
        memset(p, 0, n * sizeof(uint64_t));
        fill_jvm((unsigned char *)p, n * sizeof(uint64_t));
    } else if (strcmp(mode, "redis") == 0) {
        memset(p, 0, n * sizeof(uint64_t));
        fill_redis((unsigned char *)p, n * sizeof(uint64_t));
    } else if (strcmp(mode, "random") == 0) {
        for (size_t i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; p[i] = x; }
    } else {
        fprintf(stderr, "memhog: unknown mode %s (random, jvm or redis)\n", mode);
        return 2;
    }
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
    long threads = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
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
