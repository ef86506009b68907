/*
 * memhog: a workload for the increment tests. Fills PRIVATE_MIB of anonymous private memory and SHARED_KIB of
 * anonymous shared memory with pseudo-random bytes, writes CONTROL_DIR/done-ready ("private_addr private_len
 * shared_addr shared_len", hex), then waits for SIGUSR1. On each signal it reads CONTROL_DIR/command,
 * "VERB TOKEN", and answers in CONTROL_DIR/done-TOKEN (written beside, then renamed):
 *   rewrite  rewrites every page i with i % STRIDE == generation % STRIDE (STRIDE = 100 / PERCENT) of both
 *            regions with new random bytes; answers "private_pages shared_pages" rewritten.
 *   sums     answers one line per page, private region then shared, with its FNV-1a 64-bit checksum.
 * Usage: memhog CONTROL_DIR PRIVATE_MIB SHARED_KIB PERCENT
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static volatile sig_atomic_t requested;
static const char *control;
static uint8_t *private_mem, *shared_mem;
static size_t private_len, shared_len, stride;
static unsigned generation;

static void on_signal(int sig) { (void)sig; requested = 1; }

static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13; x ^= x >> 7; x ^= x << 17;
	return *state = x;
}

static void fill(uint8_t *page, size_t len, uint64_t seed)
{
	uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t i = 0; i < len / 8; i++)
		((uint64_t *)page)[i] = next_random(&state);
}

static void answer(const char *token, const char *text, size_t len)
{
	char path[4096], tmp[4096 + 8];
	snprintf(path, sizeof(path), "%s/done-%s", control, token);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f) return;
	fwrite(text, 1, len, f);
	fclose(f);
	rename(tmp, path);
}

static size_t rewrite(uint8_t *mem, size_t len, uint64_t salt)
{
	size_t count = 0;
	for (size_t i = generation % stride; i < len / PAGE; i += stride, count++)
		fill(mem + i * PAGE, PAGE, salt ^ ((uint64_t)generation << 40) ^ i);
	return count;
}

static void sums(const char *token)
{
	size_t pages = (private_len + shared_len) / PAGE;
	char *text = malloc(pages * 17 + 1), *at = text;
	for (size_t i = 0; i < pages; i++) {
		const uint8_t *page = i < private_len / PAGE ? private_mem + i * PAGE : shared_mem + (i - private_len / PAGE) * PAGE;
		uint64_t h = 0xcbf29ce484222325ull;
		for (size_t b = 0; b < PAGE; b++)
			h = (h ^ page[b]) * 0x100000001b3ull;
		at += sprintf(at, "%016llx\n", (unsigned long long)h);
	}
	answer(token, text, at - text);
	free(text);
}

static void serve(void)
{
	char path[4096], verb[32], token[128], text[64];
	snprintf(path, sizeof(path), "%s/command", control);
	FILE *f = fopen(path, "r");
	if (!f) return;
	int n = fscanf(f, "%31s %127s", verb, token);
	fclose(f);
	if (n != 2) return;
	if (!strcmp(verb, "rewrite")) {
		generation++;
		size_t p = rewrite(private_mem, private_len, 1), s = rewrite(shared_mem, shared_len, 2);
		answer(token, text, snprintf(text, sizeof(text), "%zu %zu\n", p, s));
	} else if (!strcmp(verb, "sums")) {
		sums(token);
	}
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s CONTROL_DIR PRIVATE_MIB SHARED_KIB PERCENT\n", argv[0]);
		return 2;
	}
	control = argv[1];
	private_len = (size_t)atol(argv[2]) << 20;
	shared_len = (size_t)atol(argv[3]) << 10;
	stride = 100 / atol(argv[4]);
	private_mem = mmap(NULL, private_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared_mem = mmap(NULL, shared_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (private_mem == MAP_FAILED || shared_mem == MAP_FAILED || stride == 0)
		return 1;
	for (size_t i = 0; i < private_len / PAGE; i++)
		fill(private_mem + i * PAGE, PAGE, 1000000 + i);
	for (size_t i = 0; i < shared_len / PAGE; i++)
		fill(shared_mem + i * PAGE, PAGE, 2000000 + i);

	sigset_t block, wait;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait);
	sigdelset(&wait, SIGUSR1);
	struct sigaction action = { .sa_handler = on_signal };
	sigaction(SIGUSR1, &action, NULL);

	char ready[256];
	answer("ready", ready, snprintf(ready, sizeof(ready), "%lx %zx %lx %zx\n",
		(unsigned long)private_mem, private_len, (unsigned long)shared_mem, shared_len));
	for (;;) {
		while (!requested)
			sigsuspend(&wait);
		requested = 0;
		serve();
	}
}
