/* policy_cache_shared.c - what every process of one host shares about the
 * cache (policy_cache_int.h; policy_cache.h "Failures"): which memcached
 * servers are left out (a delivery is one process, so without this each
 * would pay a dead or hung server's timeout once again), and the highest
 * policy generation the host has seen (an older one in memcached is a
 * replay, store/policy_source.h).
 *
 * Takes: the directory memcached_failure_dir (on tmpfs, writable by every
 * delivering user: mode 1777, as the package's tmpfiles.d creates it), a
 * name and a number. Returns: the number, or 0.
 *
 * One file a value: a server's is named HOST_PORT (bytes other than
 * letters, digits, '.' and '-' become '_') and holds the time in
 * milliseconds since the epoch until which it is left out; the
 * generation's is named "generation". Each holds 20 digits and a newline,
 * written in place (a file another user created may be written, mode 0666,
 * but not replaced in a sticky directory); a file of another length is
 * ignored. What it can do wrong is leave a server out a while longer, or
 * remember a generation a moment late (never a wrong verdict: the store
 * answers then), so it needs no lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/policy_cache_int.h"

#define VALUE_LEN 21 /* 20 digits and a newline */

/* DIR/NAME, NAME made of letters, digits, '.', '-' and '_' only. */
static bool path_of(const char *dir, const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/", dir);
    if (n < 0 || (size_t)n >= len)
        return false;
    size_t at = (size_t)n;
    for (const char *p = name; *p && at + 1 < len; p++)
        buf[at++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                            *p == '.' || *p == '-'
                        ? *p
                        : '_';
    buf[at] = '\0';
    return at + 1 < len;
}

static void server_name(const char *host, unsigned port, char *buf, size_t len)
{
    snprintf(buf, len, "%s_%u", host, port);
}

int64_t sg_cache_shared_read(const char *dir, const char *name)
{
    char path[4096], value[VALUE_LEN + 1];
    if (!dir || !*dir || !path_of(dir, name, path, sizeof path))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, value, sizeof value);
    close(fd);
    if (n != VALUE_LEN || value[VALUE_LEN - 1] != '\n' || strspn(value, "0123456789") != VALUE_LEN - 1)
        return 0;
    value[VALUE_LEN - 1] = '\0';
    return (int64_t)strtoll(value, NULL, 10);
}

void sg_cache_shared_write(const char *dir, const char *name, int64_t v)
{
    char path[4096], value[VALUE_LEN + 1];
    if (!dir || !*dir || v < 0 || !path_of(dir, name, path, sizeof path))
        return;
    snprintf(value, sizeof value, "%020lld\n", (long long)v);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
        return;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_uid == geteuid())
        (void)fchmod(fd, 0666); /* whatever the umask: the other users of the host write it too */
    (void)!pwrite(fd, value, VALUE_LEN, 0);
    close(fd);
}

int64_t sg_cache_shared_dead_until(const char *dir, const char *host, unsigned port)
{
    char name[300];
    server_name(host, port, name, sizeof name);
    return sg_cache_shared_read(dir, name);
}

void sg_cache_shared_mark_dead(const char *dir, const char *host, unsigned port, int64_t until_ms)
{
    char name[300];
    server_name(host, port, name, sizeof name);
    sg_cache_shared_write(dir, name, until_ms);
}
