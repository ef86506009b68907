/*
 * Test launcher: runs a program as the init of a new PID namespace (with its own /proc) and reports
 * exactly how it ended. unshare(1) cannot do the latter: it turns a death by SIGKILL into exit status 1.
 *
 * stdout: "pid <host pid of the init>" at start, then "exited <status>" or "signaled <signal>".
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pidns-run PROGRAM [ARG...]\n");
        return 2;
    }
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
        perror("pidns-run: unshare");
        return 2;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("pidns-run: fork");
        return 2;
    }
    if (child == 0) {
        /* If the test (and so this launcher) goes away, the namespace goes with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
            perror("pidns-run: mount /proc");
            _exit(2);
        }
        execv(argv[1], argv + 1);
        perror("pidns-run: exec");
        _exit(127);
    }
    printf("pid %d\n", child);
    fflush(stdout);
    int status;
    while (waitpid(child, &status, 0) < 0) {
    }
    if (WIFSIGNALED(status))
        printf("signaled %d\n", WTERMSIG(status));
    else
        printf("exited %d\n", WEXITSTATUS(status));
    return 0;
}
