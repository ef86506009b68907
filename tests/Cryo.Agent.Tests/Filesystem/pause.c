/* A static process to chroot into a test root filesystem that has no libc: it just waits to be killed. */
#include <unistd.h>

int main(void)
{
    for (;;)
        pause();
}
