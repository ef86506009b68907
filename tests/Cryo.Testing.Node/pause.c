/*
 * The pod sandbox's process, as Kubernetes' pause: PID 1 of the pod's namespaces, reaps whatever is reparented
 * to it (with shareProcessNamespace), and exits 0 on SIGINT or SIGTERM (StopPodSandbox).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void shut_down(int signal)
{
    (void)signal;
    _exit(0);
}

static void reap(int signal)
{
    (void)signal;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

int main(void)
{
    struct sigaction down = { .sa_handler = shut_down };
    struct sigaction child = { .sa_handler = reap, .sa_flags = SA_NOCLDSTOP };

    if (getpid() != 1)
        fprintf(stderr, "pause: warning: not PID 1\n");
    if (sigaction(SIGINT, &down, NULL) < 0 || sigaction(SIGTERM, &down, NULL) < 0 || sigaction(SIGCHLD, &child, NULL) < 0)
        return 1;
    for (;;)
        pause();
}
