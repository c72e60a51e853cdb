/* gen_config_keys.c - writes the reference of sievegate.conf's keys from the
 * one table (engine/core/config_keys.c): the KEYS section of
 * sievegate.conf(5) and docs/configuration.md, so neither can drift from
 * what the parser accepts (tests/docs/check_docs.sh compares the latter).
 *
 * usage: gen_config_keys scdoc TEMPLATE.scd   (the template with its line
 *            "@KEYS@" replaced, on stdout)
 *        gen_config_keys markdown TEMPLATE.md  (the same, "@KEYS@" in Markdown)
 * Returns: 0, or 1 when the template cannot be read, 64 usage.
 */
#include <stdio.h>
#include <string.h>

#include "engine/core/config_keys.h"

static const char *type_name(const sg_config_key *k)
{
    switch (k->type) {
    case SG_KEY_STRING: return "text";
    case SG_KEY_PATH: return "path (~, %u, %n, %d)";
    case SG_KEY_SIZE: return "size (K, M, G)";
    case SG_KEY_UINT: return "number";
    case SG_KEY_NUMBER: return "decimal number";
    case SG_KEY_DURATION: return "duration (s, m, h, d)";
    case SG_KEY_YESNO: return "yes | no";
    case SG_KEY_ENUM: return "one of";
    }
    return "text";
}

/* The name as written in a file: NAME, NAME2.. or NAME0..NAMEn. */
static void key_name(const sg_config_key *k, char *out, size_t len)
{
    if (k->flags & SG_KEY_INDEXED)
        snprintf(out, len, "%s0 .. %s%u", k->name, k->name, k->max_index);
    else if (k->flags & SG_KEY_NUMBERED)
        snprintf(out, len, "%s, %s2 .. %s%u", k->name, k->name, k->name, k->max_index);
    else
        snprintf(out, len, "%s", k->name);
}

/* Text for scdoc: \, * and _ are markup there. */
static void scd(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '*' || *s == '_')
            fputc('\\', out);
        fputc(*s, out);
    }
}

/* Text in a Markdown table cell: | and \ are markup there; ` spans are kept. */
static void md(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\' || *s == '*' || *s == '_' || *s == '<')
            fputc('\\', out);
        fputc(*s, out);
    }
}

static void allowed_text(const sg_config_key *k, char *out, size_t len)
{
    out[0] = '\0';
    if (k->type == SG_KEY_ENUM) {
        size_t o = 0;
        for (const char *p = k->allowed; *p && o + 4 < len; p++)
            o += (size_t)snprintf(out + o, len - o, *p == '|' ? " | " : "%c", *p);
    } else if (k->allowed) {
        snprintf(out, len, "%s", k->allowed);
    }
}

static void keys_scdoc(FILE *out)
{
    size_t n;
    const sg_config_key *keys = sg_config_keys(&n);
    const char *section = NULL;
    for (size_t i = 0; i < n; i++) {
        const sg_config_key *k = &keys[i];
        if (!section || strcmp(section, k->section) != 0) {
            section = k->section;
            fprintf(out, "\n## ");
            scd(out, section);
            fputc('\n', out);
        }
        char name[200], allowed[200];
        key_name(k, name, sizeof name);
        allowed_text(k, allowed, sizeof allowed);
        fputs("\n*", out);
        scd(out, name);
        fputs("*\n\t", out);
        scd(out, k->help);
        fputs(".\n\t", out);
        scd(out, type_name(k));
        if (*allowed) {
            fputc(' ', out);
            scd(out, allowed);
        }
        fputs("; default: ", out);
        if (k->def && *k->def)
            scd(out, k->def);
        else
            fputs(k->def ? "empty" : "unset", out);
        fputs(".\n", out);
    }
}

static void keys_markdown(FILE *out)
{
    size_t n;
    const sg_config_key *keys = sg_config_keys(&n);
    const char *section = NULL;
    for (size_t i = 0; i < n; i++) {
        const sg_config_key *k = &keys[i];
        if (!section || strcmp(section, k->section) != 0) {
            section = k->section;
            fprintf(out, "%s### %s\n\n| key | type | default | meaning |\n|---|---|---|---|\n", i ? "\n" : "",
                    section);
        }
        char name[200], allowed[200];
        key_name(k, name, sizeof name);
        allowed_text(k, allowed, sizeof allowed);
        fprintf(out, "| `%s` | ", name);
        md(out, type_name(k));
        if (*allowed) {
            fputc(' ', out);
            md(out, allowed);
        }
        fputs(" | ", out);
        if (k->def && *k->def)
            fprintf(out, "`%s`", k->def);
        else
            fputs(k->def ? "(empty)" : "(unset)", out);
        fputs(" | ", out);
        md(out, k->help);
        fputs(" |\n", out);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "scdoc") != 0 && strcmp(argv[1], "markdown") != 0)) {
        fputs("usage: gen_config_keys scdoc|markdown TEMPLATE\n", stderr);
        return 64;
    }
    FILE *t = fopen(argv[2], "r");
    if (!t) {
        perror(argv[2]);
        return 1;
    }
    char line[4096];
    while (fgets(line, sizeof line, t)) {
        if (strcmp(line, "@KEYS@\n") != 0)
            fputs(line, stdout);
        else if (argv[1][0] == 's')
            keys_scdoc(stdout);
        else
            keys_markdown(stdout);
    }
    fclose(t);
    return fflush(stdout) == 0 ? 0 : 1;
}
