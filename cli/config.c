/* config.c - `sievegate config [--all] [--format text|json]`: the effective
 * settings, like `postconf -n` / `doveconf -n` (docs/cli.md).
 *
 * Takes: -c/--config FILE, -o KEY=VALUE, --all. Returns: on stdout, one
 * "KEY = VALUE" line a setting that differs from its default (with --all,
 * every key of the table, defaults included; a key without a default and
 * unset shows "KEY ="), then a comment saying which policy case applies
 * (policy_store = none, the store, or a missing/unreadable store and what
 * policy_unavailable then does); JSON: {"config_file", "settings",
 * "policy": {"case", "text"}}. Exit 0, 64 usage, 78 a configuration error
 * (the same check as every command: an unknown key or a bad value).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/json.h"
#include "engine/core/config_keys.h"
#include "store/policy_source.h"

static void usage(FILE *out)
{
    fputs("usage: sievegate config [-c FILE] [-o KEY=VALUE] [--all] [--format text|json]\n"
          "  Prints the effective settings that differ from the defaults (--all: every key, with\n"
          "  its default), and which forwarding policy applies.\n"
          "  exit: 0 ok, 64 usage, 78 an unknown key or a bad value\n",
          out);
}

typedef struct printer {
    bool json;
    size_t n; /* settings printed so far */
} printer;

static void print_setting(printer *p, const char *key, const char *value)
{
    if (p->json) {
        fputs(p->n ? ", " : "", stdout);
        sg_json_string(stdout, key);
        fputs(": ", stdout);
        if (value)
            sg_json_string(stdout, value);
        else
            fputs("null", stdout);
    } else {
        printf(value && *value ? "%s = %s\n" : "%s =\n", key, value ? value : "");
    }
    p->n++;
}

/* Keys of the table first, in its order; then the numbered ones set
 * (sieve_before2...), in the order they were set. */
static void print_settings(const sg_config *cfg, bool all, printer *p)
{
    size_t nkeys;
    const sg_config_key *keys = sg_config_keys(&nkeys);
    for (size_t i = 0; i < nkeys; i++) {
        if (keys[i].flags & SG_KEY_INDEXED)
            continue; /* NAME0..NAMEn: only those set, below */
        const char *v = sg_config_get(cfg, keys[i].name);
        const char *def = keys[i].def;
        bool differs = v && !(def && strcmp(v, def) == 0);
        if (differs || all)
            print_setting(p, keys[i].name, v ? v : def);
    }
    for (size_t i = 0; i < sg_config_count(cfg); i++) {
        const char *key, *value;
        sg_config_at(cfg, i, &key, &value);
        const sg_config_key *k = sg_config_key_find(keys, nkeys, key);
        if (k && strcmp(k->name, key) != 0)
            print_setting(p, key, value);
    }
}

int sg_cmd_config(int argc, char **argv)
{
    sg_cli cli;
    sg_cli_init(&cli, "config", argc);
    static const struct option longopts[] = {
        SG_COMMON_LONGOPTS,
        SG_FORMAT_LONGOPTS,
        {"all", no_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, all = false;
    int c, rc = SG_EXIT_OK;
    optind = 1;
    opterr = 0;
    while (rc == SG_EXIT_OK && (c = getopt_long(argc, argv, ":c:o:h", longopts, NULL)) != -1) {
        if (sg_cli_common_option(&cli, c, optarg))
            continue;
        switch (c) {
        case SG_OPT_FORMAT: rc = sg_cli_format_option(&cli, optarg, &json); break;
        case SG_OPT_JSON: json = true; break;
        case 'A': all = true; break;
        case 'h':
            usage(stdout);
            sg_cli_free(&cli);
            return SG_EXIT_OK;
        default: rc = sg_cli_usage_error(&cli, c, argv, usage);
        }
    }
    if (rc == SG_EXIT_OK && optind < argc) {
        sg_cli_error(&cli, "unexpected argument %s", argv[optind]);
        rc = SG_EXIT_USAGE;
    }
    if (rc == SG_EXIT_OK)
        rc = sg_cli_load_config(&cli);
    if (rc != SG_EXIT_OK) {
        sg_cli_free(&cli);
        return rc;
    }
    char text[1024];
    sg_policy_case pcase = sg_policy_case_of(cli.config, text, sizeof text);
    bool have_file = access(cli.config_path, F_OK) == 0;
    printer p = {json, 0};
    if (json) {
        fputs("{\"config_file\": ", stdout);
        if (have_file)
            sg_json_string(stdout, cli.config_path);
        else
            fputs("null", stdout);
        fputs(", \"settings\": {", stdout);
        print_settings(cli.config, all, &p);
        printf("}, \"policy\": {\"case\": \"%s\", \"text\": ", sg_policy_case_name(pcase));
        sg_json_string(stdout, text);
        fputs("}}\n", stdout);
    } else {
        if (!have_file)
            printf("# %s does not exist: built-in defaults\n", cli.config_path);
        print_settings(cli.config, all, &p);
        printf("# forwarding policy: %s\n", text);
    }
    sg_cli_free(&cli);
    if (fflush(stdout) != 0)
        return SG_EXIT_TEMPFAIL;
    return SG_EXIT_OK;
}
