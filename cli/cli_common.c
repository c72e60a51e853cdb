/* cli_common.c - configuration loading, file reading and messages shared by
 * every subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../grammar/arena.h"
#include "cli.h"

void sg_cli_init(sg_cli *cli, const char *command)
{
    memset(cli, 0, sizeof *cli);
    cli->command = command;
    cli->config_path = SG_DEFAULT_CONFIG_PATH;
    sg_limits_default(&cli->limits);
}

void sg_cli_free(sg_cli *cli)
{
    sg_config_free(cli->config);
    cli->config = NULL;
}

void sg_cli_error(const sg_cli *cli, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sievegate %s: ", cli->command);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int sg_cli_load_config(sg_cli *cli, char **overrides, size_t noverrides)
{
    char err[512];
    cli->config = sg_config_new();
    sg_config_status st = sg_config_load(cli->config, cli->config_path, err, sizeof err);
    /* The default file is optional: built-in defaults apply without it. */
    if (st != SG_CONFIG_OK && !(st == SG_CONFIG_MISSING && !cli->config_explicit)) {
        sg_cli_error(cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    for (size_t i = 0; i < noverrides; i++) {
        if (!sg_config_override(cli->config, overrides[i], err, sizeof err)) {
            sg_cli_error(cli, "%s", err);
            return SG_EXIT_USAGE;
        }
    }
    if (!sg_config_limits(cli->config, &cli->limits, err, sizeof err)) {
        sg_cli_error(cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    return SG_EXIT_OK;
}

int sg_read_file(const char *path, size_t max, char **data, size_t *len, bool *too_large, size_t *size)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    struct stat st;
    *too_large = false;
    *size = 0;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            if (fd != STDIN_FILENO)
                close(fd);
            return EISDIR;
        }
        if (S_ISREG(st.st_mode))
            *size = (size_t)st.st_size;
    }
    size_t cap = *size && *size <= max ? *size + 1 : 64 * 1024;
    char *buf = sg_xmalloc(cap);
    size_t n = 0;
    for (;;) {
        if (n == cap) {
            if (n > max)
                break;
            cap *= 2;
            buf = sg_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            if (fd != STDIN_FILENO)
                close(fd);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max)
            break;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (n > max) {
        *too_large = true;
        if (*size < n)
            *size = n;
    }
    *data = buf;
    *len = n;
    return 0;
}
