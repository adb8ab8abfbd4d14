/*
 * newlib system calls, so that printf/puts/malloc from newlib-nano work on the bare metal:
 * stdout -> UART, stderr -> semihosting (UART on boards without semihosting), stdin <- UART,
 * heap bounded by the linker script's .heap section (malloc fails cleanly with ENOMEM instead
 * of growing into the stack, unlike libnosys's _sbrk).
 * Defining them here also avoids libnosys's "is not implemented and will always fail" link
 * warnings.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

#include "tp_platform.h"

#undef errno
extern int errno;

extern char __heap_start;
extern char __heap_end;

int _write(int fd, const char *buf, int n);
int _read(int fd, char *buf, int n);
void *_sbrk(int incr);
void _exit(int code);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int off, int whence);
int _kill(int pid, int sig);
int _getpid(void);

int _write(int fd, const char *buf, int n)
{
    if (n <= 0) {
        return 0;
    }
    if (fd == 1) {
        tp_uart_write(buf, (size_t)n);
        return n;
    }
    if (fd == 2) {
        tp_semihost_write(buf, (size_t)n);
        return n;
    }
    errno = EBADF;
    return -1;
}

int _read(int fd, char *buf, int n)
{
    int i;
    if (fd != 0) {
        errno = EBADF;
        return -1;
    }
    /* Line-oriented like a terminal: return after a newline or when the buffer is full. */
    for (i = 0; i < n; i++) {
        int c = tp_uart_getc();
        buf[i] = (char)c;
        if (c == '\n') {
            return i + 1;
        }
    }
    return n;
}

void *_sbrk(int incr)
{
    static char *brk = &__heap_start;
    char *prev = brk;
    if (incr < 0 ? (brk + incr < &__heap_start) : (&__heap_end - brk < incr)) {
        errno = ENOMEM;
        return (void *)-1;
    }
    brk += incr;
    return prev;
}

void _exit(int code)
{
    tp_exit(code);
}

int _close(int fd)
{
    (void)fd;
    errno = EBADF;
    return -1;
}

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR; /* a terminal: newlib then line-buffers stdout */
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd <= 2;
}

int _lseek(int fd, int off, int whence)
{
    (void)fd;
    (void)off;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

int _kill(int pid, int sig)
{
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

int _getpid(void)
{
    return 1;
}
