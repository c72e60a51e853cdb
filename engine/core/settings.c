/* settings.c - see settings.h. */
#include "engine/core/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/config_keys.h"
#include "engine/core/include.h"
#include "engine/core/registry.h"

bool sg_settings_load(sg_settings *s, const sg_config *cfg, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->config = cfg;
    /* Every key known and every value of its type (config_keys.c), before any mail is touched. */
    if (!sg_config_check_keys(cfg, err, errlen) || !sg_config_limits(cfg, &s->limits, err, errlen))
        return false;
    const char *v = sg_config_get(cfg, "sieve_editheader_max_header_size");
    size_t max = 0;
    if (v && (!sg_parse_size(v, &max) || max < 1024)) {
        /* RFC 5293 §4: a limit "MUST NOT be less than 998 characters" (Pigeonhole: 1024) */
        snprintf(err, errlen, "sieve_editheader_max_header_size \"%s\" is not a size of at least 1024", v);
        return false;
    }
    s->editheader.max_header_size = max;
    s->editheader.protected_names = sg_config_get(cfg, "sieve_editheader_protected");
    s->editheader.forbid_add = sg_config_get(cfg, "sieve_editheader_forbid_add");
    s->editheader.forbid_delete = sg_config_get(cfg, "sieve_editheader_forbid_delete");
    return true;
}

void sg_settings_run_options(const sg_settings *s, sg_run_options *opt)
{
    memset(opt, 0, sizeof *opt);
    size_t n;
    const char *v;
    opt->limits.max_actions = (v = sg_config_get(s->config, "max_actions")) && sg_parse_size(v, &n) ? n : 32;
    opt->limits.max_redirects = (v = sg_config_get(s->config, "max_redirects")) && sg_parse_size(v, &n) ? n : 4;
    opt->subaddress_separator = (v = sg_config_get(s->config, "recipient_delimiter")) ? v : "+";
    /* Pigeonhole's default (sieve_max_cpu_time = 30s): one pathological script
     * cannot hold a delivery for minutes; 0 turns the limit off. */
    opt->max_cpu_seconds = (v = sg_config_get(s->config, "max_cpu_time")) ? atof(v) : SG_DEFAULT_MAX_CPU_TIME;
    /* RFC 7352 §3.3, with Pigeonhole's setting names; a malformed value is the default. */
    unsigned long long d;
    if ((v = sg_config_get(s->config, "sieve_duplicate_default_period")) && sg_parse_duration(v, &d))
        opt->duplicate_default_period = d;
    if ((v = sg_config_get(s->config, "sieve_duplicate_max_period")) && sg_parse_duration(v, &d) && d)
        opt->duplicate_max_period = d;
    /* RFC 5235 with Pigeonhole's settings (spamtestplus shares spamtest's). */
    /* The key names spelled out: built with snprintf they cost more than the
     * rest of the options (once per script run). */
#define SPAMVIRUS_KEYS(w)                                                                                    \
    {"sieve_" w "_status_header", "sieve_" w "_status_type", "sieve_" w "_max_header", "sieve_" w "_max_value"}
#define SPAMVIRUS_TEXT_KEYS(w)                                                                               \
    {"sieve_" w "_text_value0", "sieve_" w "_text_value1", "sieve_" w "_text_value2", "sieve_" w "_text_value3", \
     "sieve_" w "_text_value4", "sieve_" w "_text_value5", "sieve_" w "_text_value6", "sieve_" w "_text_value7", \
     "sieve_" w "_text_value8", "sieve_" w "_text_value9", "sieve_" w "_text_value10"}
    static const char *const keys[2][4] = {SPAMVIRUS_KEYS("spamtest"), SPAMVIRUS_KEYS("virustest")};
    static const char *const text_keys[2][11] = {SPAMVIRUS_TEXT_KEYS("spamtest"), SPAMVIRUS_TEXT_KEYS("virustest")};
#undef SPAMVIRUS_KEYS
#undef SPAMVIRUS_TEXT_KEYS
    for (int k = 0; k < 2; k++) {
        sg_spamvirus_config *c = k ? &opt->virustest : &opt->spamtest;
        c->status_header = sg_config_get(s->config, keys[k][0]);
        c->status_type = sg_config_get(s->config, keys[k][1]);
        c->max_header = sg_config_get(s->config, keys[k][2]);
        c->max_value = sg_config_get(s->config, keys[k][3]);
        for (int i = 0; i <= 10; i++)
            c->text_values[i] = sg_config_get(s->config, text_keys[k][i]);
    }
    /* RFC 5229 §6, with Pigeonhole's setting name; malformed: the default */
    if ((v = sg_config_get(s->config, "sieve_variables_max_variable_size")) && sg_parse_size(v, &n) && n)
        opt->max_variable_size = n;
    /* RFC 5173 / RFC 5703 MIME parsing bounds; 0 or malformed: the defaults (engine/mail/mime.h) */
    if ((v = sg_config_get(s->config, "mime_max_depth")) && sg_parse_size(v, &n))
        opt->mime.max_depth = n > 1000 ? 1000 : (unsigned)n;
    if ((v = sg_config_get(s->config, "mime_max_parts")) && sg_parse_size(v, &n))
        opt->mime.max_parts = n;
    if ((v = sg_config_get(s->config, "mime_max_scan_size")) && sg_parse_size(v, &n))
        opt->mime.max_scan = n;
    /* RFC 5183 §4.1 items (engine/ext/ext_environment.c has the defaults). */
    opt->environment.host = sg_config_get(s->config, "hostname");
    opt->environment.domain = sg_config_get(s->config, "environment_domain");
    opt->environment.location = sg_config_get(s->config, "environment_location");
    opt->environment.phase = sg_config_get(s->config, "environment_phase");
    opt->environment.remote_host = sg_config_get(s->config, "environment_remote_host");
    opt->environment.remote_ip = sg_config_get(s->config, "environment_remote_ip");
    opt->editheader = &s->editheader;
}

/* Pigeonhole's location syntax "file:PATH;option=..." reduced to PATH. */
static char *location_path(const char *loc)
{
    sg_arena *a = sg_arena_new();
    const char *path, *active;
    sg_settings_location_parse(loc, a, &path, &active);
    char *s = sg_xstrdup(path);
    sg_arena_free(a);
    return s;
}

void sg_settings_location_parse(const char *loc, sg_arena *arena, const char **path, const char **active)
{
    *active = NULL;
    if (strncmp(loc, "file:", 5) != 0) {
        *path = loc;
        return;
    }
    loc += 5;
    size_t n = strcspn(loc, ";");
    *path = sg_arena_strndup(arena, loc, n);
    for (const char *o = loc + n; *o == ';'; o += n) {
        o++;
        n = strcspn(o, ";");
        if (n > 7 && strncmp(o, "active=", 7) == 0)
            *active = sg_arena_strndup(arena, o + 7, n - 7);
    }
}

sg_includes *sg_settings_includes(const sg_settings *s, const char *personal, const char *global)
{
    sg_include_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char *p = personal && *personal ? location_path(personal) : NULL;
    char *g = global && *global ? location_path(global) : NULL;
    cfg.personal_dir = p;
    cfg.global_dir = g;
    size_t n;
    const char *v;
    if ((v = sg_config_get(s->config, "sieve_include_max_nesting_depth")) && sg_parse_size(v, &n) && n)
        cfg.max_nesting_depth = n > 1000 ? 1000 : (unsigned)n;
    if ((v = sg_config_get(s->config, "sieve_include_max_includes")) && sg_parse_size(v, &n) && n)
        cfg.max_includes = n > 100000 ? 100000 : (unsigned)n;
    sg_includes *inc = sg_includes_new(&cfg);
    free(p);
    free(g);
    return inc;
}

const char *sg_settings_global_location(const sg_settings *s)
{
    const char *v = sg_config_get(s->config, "sieve_global");
    return v ? v : sg_config_get(s->config, "sieve_global_dir");
}

sg_includes *sg_settings_script_includes(const sg_settings *s, const char *script_path)
{
    const char *personal = sg_config_get(s->config, "sieve_dir");
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
    sg_includes *inc = sg_settings_includes(s, personal, sg_settings_global_location(s));
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

sg_registry *sg_settings_registry(const sg_settings *s)
{
    sg_registry *reg = sg_registry_new();
    const char *list = s->config ? sg_config_get(s->config, "sieve_extensions") : NULL;
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
        const char *word = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (p == word)
            continue;
        char name[128];
        bool on = *word != '-';
        if (*word == '+' || *word == '-')
            word++;
        snprintf(name, sizeof name, "%.*s", (int)(p - word), word);
        sg_registry_set_enabled(reg, name, on); /* an unknown name is ignored, as Pigeonhole warns and goes on */
    }
    return reg;
}

bool sg_settings_mailbox_store(const sg_settings *s, const char *list, const char *maildir_root, sg_arena *arena,
                               sg_mailboxes *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    sg_special_use *uses = NULL;
    size_t nuses = 0;
    if (!sg_special_use_parse(sg_config_get(s->config, "mailbox_special_use"), arena, &uses, &nuses, err,
                              errlen))
        return false;
    if (list) {
        sg_mailbox_list_init(&out->list, arena, list, uses, nuses);
        out->store = sg_mailbox_list_store(&out->list);
        out->have = true;
    } else if (maildir_root) {
        out->maildir = (sg_maildir_store){maildir_root, uses, nuses};
        out->store = sg_maildir_store_of(&out->maildir);
        out->have = true;
    }
    return true;
}

