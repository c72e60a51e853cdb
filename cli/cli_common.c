/* cli_common.c - configuration loading, file reading and messages shared by
 * every subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/addrlist.h"
#include "../engine/interp.h"
#include "../engine/message.h"
#include "../grammar/arena.h"
#include "cli.h"

void sg_cli_init(sg_cli *cli, const char *command, int argc)
{
    memset(cli, 0, sizeof *cli);
    cli->command = command;
    cli->config_path = SG_DEFAULT_CONFIG_PATH;
    cli->overrides = sg_xmalloc((size_t)(argc > 0 ? argc : 1) * sizeof *cli->overrides);
    sg_limits_default(&cli->limits);
}

void sg_cli_free(sg_cli *cli)
{
    sg_config_free(cli->config);
    free(cli->overrides);
    cli->config = NULL;
    cli->overrides = NULL;
}

bool sg_cli_common_option(sg_cli *cli, int opt, char *arg)
{
    if (opt == SG_OPT_CONFIG) {
        cli->config_path = arg;
        cli->config_explicit = true;
        return true;
    }
    if (opt == 'o') {
        cli->overrides[cli->noverrides++] = arg;
        return true;
    }
    return false;
}

int sg_cli_format_option(const sg_cli *cli, const char *arg, bool *json)
{
    *json = strcmp(arg, "json") == 0;
    if (*json || strcmp(arg, "text") == 0)
        return SG_EXIT_OK;
    sg_cli_error(cli, "unknown format \"%s\" (expected text or json)", arg);
    return SG_EXIT_USAGE;
}

int sg_cli_usage_error(const sg_cli *cli, int opt, char **argv, void (*usage)(FILE *))
{
    if (opt == ':')
        sg_cli_error(cli, "option %s needs a value", argv[optind - 1]);
    else
        sg_cli_error(cli, "unknown option %s", argv[optind - 1]);
    usage(stderr);
    return SG_EXIT_USAGE;
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

int sg_cli_load_config(sg_cli *cli)
{
    char err[512];
    cli->config = sg_config_new();
    sg_config_status st = sg_config_load(cli->config, cli->config_path, err, sizeof err);
    /* The default file is optional: built-in defaults apply without it. */
    if (st != SG_CONFIG_OK && !(st == SG_CONFIG_MISSING && !cli->config_explicit)) {
        sg_cli_error(cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    for (size_t i = 0; i < cli->noverrides; i++) {
        if (!sg_config_override(cli->config, cli->overrides[i], err, sizeof err)) {
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
    size_t cap = *size && *size <= max ? *size + 2 : 64 * 1024;
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
    /* Two NUL bytes after the data let the script parser scan it in place. */
    if (cap - n < 2)
        buf = sg_xrealloc(buf, n + 2);
    buf[n] = buf[n + 1] = '\0';
    if (n > max) {
        *too_large = true;
        if (*size < n)
            *size = n;
    }
    *data = buf;
    *len = n;
    return 0;
}

void sg_cli_run_options(const sg_cli *cli, sg_run_options *opt)
{
    memset(opt, 0, sizeof *opt);
    size_t n;
    const char *v;
    opt->limits.max_actions = (v = sg_config_get(cli->config, "max_actions")) && sg_parse_size(v, &n) ? n : 32;
    opt->limits.max_redirects = (v = sg_config_get(cli->config, "max_redirects")) && sg_parse_size(v, &n) ? n : 4;
    opt->subaddress_separator = (v = sg_config_get(cli->config, "recipient_delimiter")) ? v : "+";
    opt->max_cpu_seconds = (v = sg_config_get(cli->config, "max_cpu_time")) ? atof(v) : 0;
    /* RFC 7352 §3.3, with Pigeonhole's setting names; a malformed value is the default. */
    unsigned long long d;
    if ((v = sg_config_get(cli->config, "sieve_duplicate_default_period")) && sg_parse_duration(v, &d))
        opt->duplicate_default_period = d;
    if ((v = sg_config_get(cli->config, "sieve_duplicate_max_period")) && sg_parse_duration(v, &d) && d)
        opt->duplicate_max_period = d;
}

/* The first address of a header field, as local@domain, or NULL. */
const char *sg_cli_first_address(sg_message *msg, const char *field, sg_arena *arena)
{
    const char *const *values;
    size_t n = sg_message_header_raw_values(msg, field, &values);
    for (size_t i = 0; i < n; i++) {
        sg_mailbox *list;
        size_t count = sg_addrlist_parse(values[i], strlen(values[i]), arena, &list);
        for (size_t k = 0; k < count; k++) {
            if (!list[k].valid)
                continue;
            size_t l = strlen(list[k].local), d = list[k].domain ? strlen(list[k].domain) : 0;
            char *s = sg_arena_alloc(arena, l + d + 2);
            memcpy(s, list[k].local, l);
            if (d) {
                s[l] = '@';
                memcpy(s + l + 1, list[k].domain, d + 1);
            } else {
                s[l] = '\0';
            }
            return s;
        }
    }
    return NULL;
}
