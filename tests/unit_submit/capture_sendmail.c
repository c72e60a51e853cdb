/* capture_sendmail.c - a sendmail-compatible program for the tests.
 *
 * Takes: its argv and the message on stdin; the environment says how to
 * behave. Returns: SG_CAPTURE_DIR/argv (every argv element, argv[0] too, each
 * followed by a NUL byte) and SG_CAPTURE_DIR/stdin (the exact bytes read),
 * then exits with SG_CAPTURE_EXIT (default 0). Optional: SG_CAPTURE_STDERR
 * (text written to stderr), SG_CAPTURE_NOREAD (exit without reading stdin),
 * SG_CAPTURE_SLEEP (seconds to sleep first), SG_CAPTURE_SIGNAL (raise it at
 * the end instead of exiting), SG_CAPTURE_LINGER (seconds to live on after
 * closing stdout and stderr, as a program that closes its output before it
 * is done), SG_CAPTURE_BACKGROUND (seconds a child left behind keeps stdout
 * and stderr open after the program has exited).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *open_in(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(74);
    }
    return f;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("SG_CAPTURE_DIR");
    if (!dir) {
        fputs("capture_sendmail: SG_CAPTURE_DIR is not set\n", stderr);
        return 78;
    }
    const char *e;
    if ((e = getenv("SG_CAPTURE_SLEEP")) != NULL)
        sleep((unsigned)atoi(e));
    FILE *a = open_in(dir, "argv");
    for (int i = 0; i < argc; i++)
        fwrite(argv[i], 1, strlen(argv[i]) + 1, a);
    fclose(a);
    if (!getenv("SG_CAPTURE_NOREAD")) {
        FILE *in = open_in(dir, "stdin");
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, stdin)) > 0)
            fwrite(buf, 1, n, in);
        fclose(in);
    }
    if ((e = getenv("SG_CAPTURE_STDERR")) != NULL)
        fputs(e, stderr);
    if ((e = getenv("SG_CAPTURE_BACKGROUND")) != NULL && fork() == 0) {
        sleep((unsigned)atoi(e)); /* holds the output open, then goes */
        _exit(0);
    }
    if ((e = getenv("SG_CAPTURE_LINGER")) != NULL) {
        fflush(stderr);
        close(1);
        close(2);
        sleep((unsigned)atoi(e));
    }
    if ((e = getenv("SG_CAPTURE_SIGNAL")) != NULL)
        raise(atoi(e));
    e = getenv("SG_CAPTURE_EXIT");
    return e ? atoi(e) : 0;
}
