/* fuzz_common.h - shared by the libFuzzer targets: a fixed policy snapshot
 * and the invariants every message sievegate writes must keep.
 *
 * Takes: an arena (the snapshot lives in it) or a built message.
 * Returns: the snapshot; the checks abort() on a violation, which libFuzzer
 * reports as a crash with the input that caused it.
 */
#ifndef SG_FUZZ_COMMON_H
#define SG_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy/decide.h"
#include "base/arena.h"
#include "policy/policy.h"

/* The organization of tests/security: corp.example without subdomains,
 * external forwarding off for everyone, partner.example a remote domain
 * that takes no forwards. */
static inline sg_policy *fuzz_policy(sg_arena *a)
{
    sg_policy *p = sg_arena_calloc(a, sizeof *p);
    p->arena = a;
    p->generation = 1;
    p->org = (sg_org_settings){SG_MODE_OFF, true, 86400, 3};
    p->accepted = sg_arena_calloc(a, 2 * sizeof *p->accepted);
    p->accepted[p->naccepted++] = (sg_accepted_domain){"corp.example", false};
    p->policies = sg_arena_calloc(a, sizeof *p->policies);
    p->policies[0].name = SG_DEFAULT_POLICY_NAME;
    p->policies[0].is_default = true;
    p->policies[0].enabled = true;
    p->policies[0].priority = -1;
    p->policies[0].mode = SG_MODE_OFF;
    p->npolicies = 1;
    p->remote = sg_arena_calloc(a, 2 * sizeof *p->remote);
    p->remote[p->nremote++] = (sg_remote_domain){"*", true, true, true, false};
    p->remote[p->nremote++] = (sg_remote_domain){"partner.example", false, true, true, false};
    return p;
}

/* With forwarding off, only corp.example itself may ever receive a forward. */
static inline void fuzz_check_decision(const sg_fwd_decision *d)
{
    if (d->verdict != SG_FWD_ALLOW)
        return;
    if (d->external || !d->target_domain || strcmp(d->target_domain, "corp.example") != 0)
        abort();
    const char *at = d->target ? strrchr(d->target, '@') : NULL;
    if (!at || strcmp(at, "@corp.example") != 0)
        abort();
    /* The local part as the next MTA reads it: quotes and backslashes gone
     * (Postfix resolve_dequoted_address keeps a quoted '@' visible). */
    char local[1024];
    size_t n = 0;
    bool routed = false;
    for (const char *s = d->target; s < at; s++) {
        if (*s == '\r' || *s == '\n' || *s == '\0' || n + 1 >= sizeof local)
            abort();
        if (*s == '"' || *s == '\\')
            continue;
        routed |= *s == '%' || *s == '!' || *s == '@';
        local[n++] = *s;
    }
    local[n] = '\0';
    /* policy.md step 1: a %-, !- or @-routed local part is classified by the
     * domains it routes through; allowed only when every one of them is
     * corp.example (the user being the one segment that is not). */
    if (routed) {
        size_t others = 0;
        for (const char *s = local; s <= local + n;) {
            const char *e = s;
            while (e < local + n && *e != '%' && *e != '!' && *e != '@')
                e++;
            others += !((size_t)(e - s) == 12 && strncasecmp(s, "corp.example", 12) == 0);
            s = e + 1;
        }
        if (others > 1)
            abort();
    }
}

/* A header section sievegate wrote: CRLF lines, 7-bit, each a continuation
 * or NAME: with NAME in `allowed` (NULL-terminated, lower-case) and no such
 * field twice, or NAME in `extra` (the URI's own header fields of a
 * notification, RFC 5436 §2.7: they may repeat). Nothing from a message may
 * add a field. */
/* Shows the offending message on stderr before aborting (for triage). */
static inline void fuzz_header_abort(const char *why, const char *data, size_t len)
{
    fprintf(stderr, "fuzz_check_header: %s in:\n", why);
    for (size_t i = 0; i < len && i < 4096; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n')
            fputs("\\n\n", stderr);
        else if (c < 32 || c >= 127)
            fprintf(stderr, "\\x%02x", c);
        else
            fputc(c, stderr);
    }
    fputc('\n', stderr);
    abort();
}

static inline void fuzz_check_header(const char *data, size_t len, const char *const *allowed,
                                     const char *const *extra, size_t nextra)
{
    const char *end = data + len, *p = data;
    bool seen[32] = {false};
    for (;;) {
        const char *eol = p;
        while (eol < end && *eol != '\r' && *eol != '\n')
            eol++;
        if (eol + 1 >= end || eol[0] != '\r' || eol[1] != '\n')
            fuzz_header_abort("a bare CR or LF, or no end of the header section", data, len);
        if (eol == p)
            return; /* the empty line: end of the header section */
        for (const char *s = p; s < eol; s++)
            if ((unsigned char)*s >= 0x80 || *s == '\0')
                fuzz_header_abort("8-bit or NUL in the header", data, len);
        if (*p != ' ' && *p != '\t') {
            const char *colon = memchr(p, ':', (size_t)(eol - p));
            if (!colon || colon == p)
                fuzz_header_abort("a line that is no field", data, len);
            size_t n = (size_t)(colon - p), i = 0;
            for (; allowed[i]; i++)
                if (strlen(allowed[i]) == n && strncasecmp(allowed[i], p, n) == 0)
                    break;
            bool uri_field = false;
            for (size_t k = 0; !allowed[i] && k < nextra; k++)
                uri_field |= strlen(extra[k]) == n && strncasecmp(extra[k], p, n) == 0;
            if (uri_field) {
                p = eol + 2;
                continue;
            }
            if (!allowed[i] || i >= 32 || seen[i])
                fuzz_header_abort(!allowed[i] ? "a field it does not write" : "a field twice", data, len);
            seen[i] = true;
        }
        p = eol + 2;
    }
}

#endif
