/* cli_common.c - configuration loading, file reading and messages shared by
 * every subcommand. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/core/include.h"
#include "engine/mail/addrlist.h"
#include "engine/core/interp.h"
#include "engine/mail/message.h"
#include "base/read_fd.h"
#include "base/arena.h"
#include "cli/cli.h"

#include "engine/core/registry.h"

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
    char *buf;
    size_t n;
    int e = sg_read_fd(fd, *size, max, &buf, &n);
    if (fd != STDIN_FILENO)
        close(fd);
    if (e)
        return e;
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
    /* RFC 5235 with Pigeonhole's settings (spamtestplus shares spamtest's). */
    static const char *const which[] = {"spamtest", "virustest"};
    for (int k = 0; k < 2; k++) {
        sg_spamvirus_config *c = k ? &opt->virustest : &opt->spamtest;
        char key[64];
        snprintf(key, sizeof key, "sieve_%s_status_header", which[k]);
        c->status_header = sg_config_get(cli->config, key);
        snprintf(key, sizeof key, "sieve_%s_status_type", which[k]);
        c->status_type = sg_config_get(cli->config, key);
        snprintf(key, sizeof key, "sieve_%s_max_header", which[k]);
        c->max_header = sg_config_get(cli->config, key);
        snprintf(key, sizeof key, "sieve_%s_max_value", which[k]);
        c->max_value = sg_config_get(cli->config, key);
        for (int i = 0; i <= 10; i++) {
            snprintf(key, sizeof key, "sieve_%s_text_value%d", which[k], i);
            c->text_values[i] = sg_config_get(cli->config, key);
        }
    }
    /* RFC 5229 §6, with Pigeonhole's setting name; malformed: the default */
    if ((v = sg_config_get(cli->config, "sieve_variables_max_variable_size")) && sg_parse_size(v, &n) && n)
        opt->max_variable_size = n;
    /* RFC 5173 / RFC 5703 MIME parsing bounds; 0 or malformed: the defaults (engine/mail/mime.h) */
    if ((v = sg_config_get(cli->config, "mime_max_depth")) && sg_parse_size(v, &n))
        opt->mime.max_depth = n > 1000 ? 1000 : (unsigned)n;
    if ((v = sg_config_get(cli->config, "mime_max_parts")) && sg_parse_size(v, &n))
        opt->mime.max_parts = n;
    /* RFC 5183 §4.1 items (engine/ext/ext_environment.c has the defaults). */
    opt->environment.host = sg_config_get(cli->config, "hostname");
    opt->environment.domain = sg_config_get(cli->config, "environment_domain");
    opt->environment.location = sg_config_get(cli->config, "environment_location");
    opt->environment.phase = sg_config_get(cli->config, "environment_phase");
    opt->environment.remote_host = sg_config_get(cli->config, "environment_remote_host");
    opt->environment.remote_ip = sg_config_get(cli->config, "environment_remote_ip");
    opt->editheader = &cli->editheader;
}

/* Pigeonhole's location syntax "file:PATH;option=..." reduced to PATH. */
static char *location_path(const char *loc)
{
    if (strncmp(loc, "file:", 5) == 0)
        loc += 5;
    size_t n = strcspn(loc, ";");
    char *s = sg_xmalloc(n + 1);
    memcpy(s, loc, n);
    s[n] = '\0';
    return s;
}

sg_includes *sg_cli_includes(const sg_cli *cli, const char *personal, const char *global)
{
    sg_include_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char *p = personal && *personal ? location_path(personal) : NULL;
    char *g = global && *global ? location_path(global) : NULL;
    cfg.personal_dir = p;
    cfg.global_dir = g;
    size_t n;
    const char *v;
    if ((v = sg_config_get(cli->config, "sieve_include_max_nesting_depth")) && sg_parse_size(v, &n) && n)
        cfg.max_nesting_depth = n > 1000 ? 1000 : (unsigned)n;
    if ((v = sg_config_get(cli->config, "sieve_include_max_includes")) && sg_parse_size(v, &n) && n)
        cfg.max_includes = n > 100000 ? 100000 : (unsigned)n;
    sg_includes *inc = sg_includes_new(&cfg);
    free(p);
    free(g);
    return inc;
}

const char *sg_cli_global_location(const sg_cli *cli)
{
    const char *v = sg_config_get(cli->config, "sieve_global");
    return v ? v : sg_config_get(cli->config, "sieve_global_dir");
}

sg_includes *sg_cli_script_includes(const sg_cli *cli, const char *script_path)
{
    const char *personal = sg_config_get(cli->config, "sieve_dir");
    char *dir = NULL;
    if (!personal) {
        /* `test` and `check`: the script's own directory (stdin: the current one). */
        const char *slash = strcmp(script_path, "-") == 0 ? NULL : strrchr(script_path, '/');
        if (!slash) {
            dir = sg_xstrdup(".");
        } else {
            size_t n = slash == script_path ? 1 : (size_t)(slash - script_path);
            dir = sg_xmalloc(n + 1);
            memcpy(dir, script_path, n);
            dir[n] = '\0';
        }
        personal = dir;
    }
    sg_includes *inc = sg_cli_includes(cli, personal, sg_cli_global_location(cli));
    /* A script in the personal directory is one an include may name. */
    const char *base = strrchr(script_path, '/');
    base = base ? base + 1 : script_path;
    size_t blen = strlen(base);
    if (dir && blen > 6 && strcmp(base + blen - 6, ".sieve") == 0) {
        char *name = sg_xmalloc(blen - 5);
        memcpy(name, base, blen - 6);
        name[blen - 6] = '\0';
        sg_includes_mark_main(inc, name);
        free(name);
    }
    free(dir);
    return inc;
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
