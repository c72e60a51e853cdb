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

#include "../engine/interp.h"
#include "../grammar/arena.h"
#include "cli.h"

#include "../engine/registry.h"

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
    const char *v = sg_config_get(cli->config, "sieve_editheader_max_header_size");
    size_t max = 0;
    if (v && (!sg_parse_size(v, &max) || max < 1024)) {
        /* RFC 5293 §4: a limit "MUST NOT be less than 998 characters" (Pigeonhole: 1024) */
        sg_cli_error(cli, "configuration error: sieve_editheader_max_header_size \"%s\" is not a size of at least 1024", v);
        return SG_EXIT_CONFIG;
    }
    cli->editheader.max_header_size = max;
    cli->editheader.protected_names = sg_config_get(cli->config, "sieve_editheader_protected");
    cli->editheader.forbid_add = sg_config_get(cli->config, "sieve_editheader_forbid_add");
    cli->editheader.forbid_delete = sg_config_get(cli->config, "sieve_editheader_forbid_delete");
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
    opt->editheader = &cli->editheader;
}

sg_registry *sg_cli_registry(const sg_cli *cli)
{
    sg_registry *reg = sg_registry_new();
    const char *list = cli->config ? sg_config_get(cli->config, "sieve_extensions") : NULL;
    if (!list)
        return reg;
    /* Plain names: only those (and the implicit ones, such as i;octet). */
    bool absolute = false;
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != '+' && *p != '-')
            absolute = true;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (absolute)
        for (size_t i = 0; i < sg_registry_extension_count(reg); i++) {
            const sg_extension *ext = sg_registry_extension_at(reg, i);
            if (ext->name && !ext->implicit)
                sg_registry_set_enabled(reg, ext->name, false);
        }
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (p == s)
            continue;
        char name[128];
        bool on = *s != '-';
        if (*s == '+' || *s == '-')
            s++;
        snprintf(name, sizeof name, "%.*s", (int)(p - s), s);
        sg_registry_set_enabled(reg, name, on); /* an unknown name is ignored, as Pigeonhole warns and goes on */
    }
    return reg;
}

int sg_cli_mailbox_store(const sg_cli *cli, const char *list, const char *maildir_root, sg_arena *arena,
                         sg_cli_mailboxes *out)
{
    memset(out, 0, sizeof *out);
    sg_special_use *uses = NULL;
    size_t nuses = 0;
    char err[512];
    if (!sg_special_use_parse(sg_config_get(cli->config, "mailbox_special_use"), arena, &uses, &nuses, err,
                              sizeof err)) {
        sg_cli_error(cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    if (list) {
        sg_mailbox_list_init(&out->list, arena, list, uses, nuses);
        out->store = sg_mailbox_list_store(&out->list);
        out->have = true;
    } else if (maildir_root) {
        out->maildir = (sg_maildir_store){maildir_root, uses, nuses};
        out->store = sg_maildir_store_of(&out->maildir);
        out->have = true;
    }
    return SG_EXIT_OK;
}
