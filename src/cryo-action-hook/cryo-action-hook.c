/*
 * cryo-action-hook: the action script the Cryo agent hands CRIU (--action-script), in place of a shell script.
 *
 * CRIU runs its one action script at every action of an operation (six times in a restore into a container:
 * pre-restore, setup-namespaces, post-setup-namespaces, post-restore, pre-resume, post-resume), with the action in
 * CRTOOLS_SCRIPT_ACTION, and waits for it each time. The agent holds CRIU at one or two of them (ActionScriptGate). As
 * /bin/sh the script cost ~2 ms a run, and its wait polled with sleep(1), a fork and an exec every 10 ms: 12-15 ms of
 * an in-pod restore of ~130 ms. This static program returns at once for an action nobody holds, and for a held one
 * marks it reached and looks for the agent's verdict every millisecond.
 *
 * CRIU execs the script by its path with no arguments, so the gates are read from a file beside that path (argv[0]
 * + ".gates"), one per line, tab-separated: action, reached file, verdict file, longest wait in milliseconds. The
 * agent links this program into the operation's directory under that path and writes the file; it is the shell
 * script's behaviour exactly: exit 0 for an action without a gate, create the reached file, wait for the verdict,
 * exit 0 if it reads "ok", 1 on any other verdict, and 1 with a message when none comes in time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_GATES_FILE 16384

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int read_all(const char *path, char *buffer, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fd, buffer + used, size - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == size - 1)
            break;
    }
    close(fd);
    buffer[used] = '\0';
    return (int)used;
}

/* The verdict, as the shell's `read -r answer; [ "$answer" = ok ]`: its first line must be "ok". */
static int verdict_says_ok(const char *verdict)
{
    char answer[64];
    if (read_all(verdict, answer, sizeof answer) < 0)
        return 0;
    answer[strcspn(answer, "\n")] = '\0';
    return strcmp(answer, "ok") == 0;
}

/* Waits until the verdict file exists, looking every millisecond: a wait is as long as the agent's work (tens of
 * milliseconds), and a look is one access(2). Not inotify: closing an inotify descriptor waits for an SRCU grace period,
 * which cost 30 ms and more per run on a loaded machine, longer than the polling it would save. */
static int wait_for(const char *verdict, long long max_wait_ms)
{
    long long deadline = now_ms() + max_wait_ms;
    while (access(verdict, F_OK) != 0) {
        if (now_ms() >= deadline)
            return -1;
        struct timespec tick = { 0, 1000000 };
        nanosleep(&tick, NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *action = getenv("CRTOOLS_SCRIPT_ACTION");
    if (action == NULL || argv[0] == NULL)
        return 0;

    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s.gates", argv[0]) >= (int)sizeof path) {
        fprintf(stderr, "cryo: action hook path too long\n");
        return 1;
    }
    static char gates[MAX_GATES_FILE];
    if (read_all(path, gates, sizeof gates) < 0) {
        fprintf(stderr, "cryo: cannot read the action hook's gates %s: %s\n", path, strerror(errno));
        return 1;
    }

    for (char *line = strtok(gates, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char *fields[4];
        int n = 0;
        for (char *f = line; n < 4; n++) {
            fields[n] = f;
            char *tab = strchr(f, '\t');
            if (tab == NULL) {
                n++;
                break;
            }
            *tab = '\0';
            f = tab + 1;
        }
        if (n != 4 || strcmp(fields[0], action) != 0)
            continue;

        int reached = open(fields[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (reached < 0) {
            fprintf(stderr, "cryo: cannot mark %s reached: %s\n", action, strerror(errno));
            return 1;
        }
        close(reached);
        if (wait_for(fields[2], atoll(fields[3])) != 0) {
            fprintf(stderr, "cryo: no verdict for %s in time\n", action);
            return 1;
        }
        return verdict_says_ok(fields[2]) ? 0 : 1;
    }
    return 0;
}
