/*
 * cryo-placeholder: the PID 1 of a container that waits to receive a CRIU restore.
 *
 * Kubernetes owns the container's sandbox (network, cgroups, mounts, lifetime) while this program
 * holds its place. The Cryo agent restores the checkpointed process tree into the container's PID
 * namespace; CRIU's detached root is then reparented to us, since we are that namespace's init.
 * The agent hands us the restored root's PID (in the container's numbering) by writing it to a
 * temporary file in the handoff directory and renaming it onto the handoff file, so one read sees
 * the whole number.
 *
 * From then on we stand in for the application, so the pod shows its real lifecycle:
 *   - SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded to the restored root;
 *   - every other child (CRIU helpers, processes of a failed restore attempt, orphans) is reaped
 *     silently;
 *   - when the restored root ends we end the same way: its exit status, or for a death by signal N
 *     exit status 128+N. A PID-namespace init cannot re-raise a signal on itself (the kernel drops
 *     signals an init sends to itself), and 128+N is what container runtimes report for a signal
 *     anyway. SIGKILL is the exception we can honour: a hard RLIMIT_CPU overrun is a kernel-sent
 *     SIGKILL that even an init cannot ignore, so the container really ends as killed.
 *
 * Before a restore arrives, SIGTERM/SIGINT/SIGHUP/SIGQUIT end us with 128+N so pods terminate
 * normally, and after CRYO_PLACEHOLDER_TIMEOUT_SECONDS without a restore we give up (exit 124).
 *
 * The handoff file's directory is made at start (with its parents, mode 0700) when it is missing.
 *
 * Environment (arguments are ignored: a pod spec's args may still be passed to the placeholder):
 *   CRYO_HANDOFF_FILE                 default /.cryo/handoff/restored.pid
 *   CRYO_PLACEHOLDER_TIMEOUT_SECONDS  default 600; 0 waits forever
 *
 * A PID that is not our child (a failed restore's, a stale file) is logged and ignored; a new handoff
 * (a new rename) is read again. An app that ended before its PID arrived is recognised from the last
 * statuses reaped, so its status is not lost.
 *
 * Exit statuses of its own: 2 bad configuration, 124 no restore in time, 128+N signal N before the
 * handoff, 1 internal error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_HANDOFF_FILE "/.cryo/handoff/restored.pid"
#define DEFAULT_TIMEOUT_SECONDS 600L
#define EXIT_BAD_CONFIG 2
#define EXIT_TIMED_OUT 124
/* Without inotify (handoff directory not there yet) the file is polled at this interval. */
#define POLL_INTERVAL_MS 20
/* With inotify the file is still re-checked now and then, in case an event was missed. */
#define WATCHED_RECHECK_MS 1000
/* Children reaped before the handoff, remembered so an app that ended before its PID was read
 * still gives its status. CRIU restores in-namespace PIDs, so a PID can repeat: newest wins. */
#define REAPED_MEMORY 64

struct reaped {
    pid_t pid;
    int status;
};

struct handoff_identity {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    int valid;
};

static const char *handoff_file;
static char handoff_dir[PATH_MAX];
static long timeout_seconds;
static pid_t app_pid;
static struct reaped reaped[REAPED_MEMORY];
static unsigned reaped_next;
static struct handoff_identity last_handoff;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logmsg(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n = snprintf(line, sizeof line, "cryo-placeholder: ");
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len++] = '\n';
    /* One write per line so lines from concurrent writers to the same pipe do not interleave. */
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (errno != 0 || end == text || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static void read_config(void)
{
    const char *file = getenv("CRYO_HANDOFF_FILE");
    handoff_file = (file != NULL && *file != '\0') ? file : DEFAULT_HANDOFF_FILE;
    if (handoff_file[0] != '/' || strlen(handoff_file) >= sizeof handoff_dir) {
        logmsg("CRYO_HANDOFF_FILE must be an absolute path shorter than %zu bytes, got '%s'",
               sizeof handoff_dir, handoff_file);
        exit(EXIT_BAD_CONFIG);
    }
    strcpy(handoff_dir, handoff_file);
    char *slash = strrchr(handoff_dir, '/');
    if (slash == handoff_dir)
        slash[1] = '\0';
    else
        *slash = '\0';

    timeout_seconds = DEFAULT_TIMEOUT_SECONDS;
    const char *timeout = getenv("CRYO_PLACEHOLDER_TIMEOUT_SECONDS");
    if (timeout != NULL && *timeout != '\0') {
        if (parse_long(timeout, &timeout_seconds) != 0 || timeout_seconds < 0) {
            logmsg("CRYO_PLACEHOLDER_TIMEOUT_SECONDS must be a whole number of seconds >= 0 "
                   "(0 waits forever), got '%s'", timeout);
            exit(EXIT_BAD_CONFIG);
        }
    }
}

static void die_by_sigkill(void)
{
    /* kill(getpid(), SIGKILL) is dropped for a namespace init. Exceeding a hard RLIMIT_CPU makes
     * the kernel itself send SIGKILL, which is forced even onto an init; a limit of 0 fires at the
     * next scheduler tick, so this spins for a few milliseconds at most. */
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CPU, &none) == 0) {
        long long give_up = now_ms() + 2000;
        while (now_ms() < give_up) {
        }
    }
    logmsg("could not end by SIGKILL; exiting with status %d instead", 128 + SIGKILL);
    exit(128 + SIGKILL);
}

static void finish(pid_t pid, int status)
{
    if (WIFEXITED(status)) {
        logmsg("restored process %d exited with status %d", pid, WEXITSTATUS(status));
        exit(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        logmsg("restored process %d was killed by signal %d (%s)", pid, sig, strsignal(sig));
        if (sig == SIGKILL)
            die_by_sigkill();
        exit(128 + sig);
    }
    logmsg("restored process %d ended with unexpected wait status 0x%x", pid, status);
    exit(1);
}

static void remember_reaped(pid_t pid, int status)
{
    reaped[reaped_next % REAPED_MEMORY].pid = pid;
    reaped[reaped_next % REAPED_MEMORY].status = status;
    reaped_next++;
}

static int find_reaped(pid_t pid, int *status)
{
    unsigned count = reaped_next < REAPED_MEMORY ? reaped_next : REAPED_MEMORY;
    for (unsigned i = 1; i <= count; i++) {
        const struct reaped *r = &reaped[(reaped_next - i) % REAPED_MEMORY];
        if (r->pid == pid) {
            *status = r->status;
            return 1;
        }
    }
    return 0;
}

static void reap_children(void)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            return;
        if (app_pid != 0 && pid == app_pid)
            finish(pid, status);
        if (app_pid == 0)
            remember_reaped(pid, status);
    }
}

static int same_handoff(const struct stat *st)
{
    return last_handoff.valid && last_handoff.dev == st->st_dev && last_handoff.ino == st->st_ino &&
           last_handoff.size == st->st_size && last_handoff.mtime.tv_sec == st->st_mtim.tv_sec &&
           last_handoff.mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static void check_handoff(void)
{
    struct stat st;
    if (stat(handoff_file, &st) != 0 || same_handoff(&st))
        return;
    last_handoff.dev = st.st_dev;
    last_handoff.ino = st.st_ino;
    last_handoff.size = st.st_size;
    last_handoff.mtime = st.st_mtim;
    last_handoff.valid = 1;

    char text[32] = {0};
    FILE *f = fopen(handoff_file, "re");
    if (f == NULL) {
        logmsg("cannot read handoff file %s: %s; waiting for the next one", handoff_file, strerror(errno));
        return;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    long pid;
    if (parse_long(text, &pid) != 0 || pid <= 0 || pid > INT32_MAX) {
        logmsg("handoff file %s does not hold a PID; waiting for the next one", handoff_file);
        return;
    }

    /* WNOWAIT: only ask whether it is our child; reaping stays in reap_children. */
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
        app_pid = (pid_t)pid;
        logmsg("adopted restored process %d", app_pid);
        reap_children();
        return;
    }
    int status;
    if (errno == ECHILD && find_reaped((pid_t)pid, &status)) {
        logmsg("restored process %ld had already ended before its PID was handed over", pid);
        finish((pid_t)pid, status);
    }
    logmsg("PID %ld from %s is not a child of this init (a failed restore?); still waiting", pid,
           handoff_file);
}

/* Makes the handoff directory and any missing parent (0700), so the agent finds it whatever put this program
 * into the container (an init container's copy, an image, a read-only volume). Failing is not fatal: a
 * directory made later (by the agent) is picked up by the polling below. */
static void make_handoff_dir(void)
{
    char path[PATH_MAX];
    strcpy(path, handoff_dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            logmsg("cannot create %s: %s; waiting for it to appear", path, strerror(errno));
            return;
        }
        *p = saved;
        if (saved == '\0')
            return;
    }
}

static int watch_handoff_dir(int inotify_fd)
{
    if (inotify_fd < 0)
        return -1;
    return inotify_add_watch(inotify_fd, handoff_dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE);
}

static void drain(int fd)
{
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

static void on_signal(int sig)
{
    if (app_pid != 0) {
        if (kill(app_pid, sig) != 0)
            logmsg("could not forward signal %d to %d: %s", sig, app_pid, strerror(errno));
        return;
    }
    if (sig == SIGUSR1 || sig == SIGUSR2) {
        logmsg("signal %d before any restore: ignored", sig);
        return;
    }
    logmsg("signal %d (%s) before any restore: exiting", sig, strsignal(sig));
    exit(128 + sig);
}

int main(void)
{
    read_config();
    /* When not a namespace init (a local run), still adopt orphans of the restored tree. */
    if (getpid() != 1)
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

    sigset_t handled;
    sigemptyset(&handled);
    const int signals[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&handled, signals[i]);
    /* Blocked signals are queued even for a namespace init, which would otherwise drop them. */
    if (sigprocmask(SIG_BLOCK, &handled, NULL) != 0) {
        logmsg("sigprocmask: %s", strerror(errno));
        return 1;
    }
    int sfd = signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        logmsg("signalfd: %s", strerror(errno));
        return 1;
    }
    make_handoff_dir();
    int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    int watching = watch_handoff_dir(ifd) >= 0;

    long long deadline = timeout_seconds > 0 ? now_ms() + timeout_seconds * 1000LL : 0;
    if (timeout_seconds > 0)
        logmsg("waiting for a restore (handoff file %s, timeout %ld s)", handoff_file, timeout_seconds);
    else
        logmsg("waiting for a restore (handoff file %s, no timeout)", handoff_file);
    check_handoff();

    for (;;) {
        int wait_ms = -1;
        if (app_pid == 0) {
            wait_ms = watching ? WATCHED_RECHECK_MS : POLL_INTERVAL_MS;
            if (deadline != 0) {
                long long left = deadline - now_ms();
                if (left < 0)
                    left = 0;
                if (left < wait_ms)
                    wait_ms = (int)left;
            }
        }
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {ifd, POLLIN, 0}};
        int ready = poll(fds, watching ? 2 : 1, wait_ms);
        if (ready < 0 && errno != EINTR) {
            logmsg("poll: %s", strerror(errno));
            return 1;
        }

        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo == SIGCHLD)
                reap_children();
            else
                on_signal((int)si.ssi_signo);
        }
        /* SIGCHLD coalesces; a reap pass on every wake-up costs one syscall and misses nothing. */
        reap_children();

        if (app_pid != 0)
            continue;
        if (watching)
            drain(ifd);
        else
            watching = watch_handoff_dir(ifd) >= 0;
        check_handoff();
        if (app_pid == 0 && deadline != 0 && now_ms() >= deadline) {
            logmsg("no restore arrived within %ld seconds; giving up", timeout_seconds);
            return EXIT_TIMED_OUT;
        }
    }
}
