/* enforce.c - the forwarding decision (see enforce.h).
 *
 * Takes: a policy snapshot, the owner, the target as the script gave it.
 * Returns: the verdict of docs/policy.md "Decision for one forward",
 * steps 1 to 6 in that order, with the strings that explain it. Pure: no I/O,
 * no global state; strings go to the caller's arena, scratch lives on the
 * stack (addresses are bounded by RFC 5321 §4.5.3.1).
 */
#include "policy/decide.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/atext.h"
#include "base/attr.h"
#include "base/utf8.h"
#include "base/idna.h"

#define DOMAIN_MAX 255      /* RFC 5321 §4.5.3.1.2 */
#define LABEL_MAX 63        /* RFC 1035 §2.3.4 */
#define ADDRESS_MAX 254     /* RFC 5321 §4.5.3.1.3: a path is 256 octets with its "<" ">" */
#define UDOMAIN_MAX 1020    /* a U-label domain's UTF-8 before IDNA (4 octets a character) */
#define HOPS_DEFAULT 3      /* policy.md step 2: max_forward_hops default */
#define STATUS_BLOCKED "5.7.520"

/* ---- names ---- */

const char *sg_fwd_mechanism_name(sg_fwd_mechanism m)
{
    switch (m) {
    case SG_FWD_REDIRECT: return "redirect";
    case SG_FWD_REDIRECT_COPY: return "redirect-copy";
    case SG_FWD_NOTIFY: return "notify";
    case SG_FWD_ADMIN: return "admin-forward";
    }
    return "redirect";
}

const char *sg_fwd_verdict_name(sg_fwd_verdict v)
{
    switch (v) {
    case SG_FWD_ALLOW: return "allow";
    case SG_FWD_BLOCK_BOUNCE: return "block";
    case SG_FWD_BLOCK_SILENT: return "block";
    case SG_FWD_SKIP: return "skip";
    case SG_FWD_INVALID: return "invalid";
    }
    return "invalid";
}

/* Local copy, so the decision does not depend on policy/policy.c. */
static const char *mode_word(sg_fwd_mode m)
{
    switch (m) {
    case SG_MODE_AUTOMATIC: return "automatic";
    case SG_MODE_ON: return "on";
    case SG_MODE_OFF: return "off";
    }
    return "automatic";
}

static const char *afmt(sg_arena *arena, const char *fmt, ...) SG_PRINTF(2, 3);

static const char *afmt(sg_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return "";
    char *s = sg_arena_alloc_bytes(arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Text for a person's terminal: control characters become '?'. */
static const char *printable(sg_arena *arena, const char *s)
{
    char *p = sg_arena_strdup(arena, s);
    for (char *c = p; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '?';
    return p;
}

/* ---- domains: lower-case IDNA A-labels, or address literals ---- */

/* Letters, digits, '-' and '_' (SRV-style names exist), labels of 1..63 octets,
 * no trailing dot (policy.md step 1). Returns why not, or NULL. */
static const char *dns_name_error(const char *d)
{
    size_t n = strlen(d), label = 0;
    if (n == 0)
        return "missing domain";
    if (n > DOMAIN_MAX)
        return "the domain is longer than 255 octets";
    if (d[n - 1] == '.')
        return "the domain ends with a dot";
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (c == '.') {
            if (label == 0)
                return "the domain has an empty label";
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return "invalid character in the domain";
        if (++label > LABEL_MAX)
            return "a domain label is longer than 63 octets";
    }
    return NULL;
}

static bool has_a_label(const char *d)
{
    for (const char *p = d; *p; p++)
        if ((p == d || p[-1] == '.') && strncmp(p, "xn--", 4) == 0)
            return true;
    return false;
}

/* RFC 5891 §5 via libidn2 (UTS #46 non-transitional mapping, which also
 * case-folds): U-labels become A-labels; "xn--" labels are checked. */
static bool idna_to_ascii(const char *in, char out[DOMAIN_MAX + 1], const char **why)
{
    char err[160];
    switch (sg_idna_to_ascii(in, out, DOMAIN_MAX + 1, err, sizeof err)) {
    case SG_IDNA_OK: return true;
    case SG_IDNA_INVALID: *why = "the domain is not a valid internationalized domain name (IDNA)"; break;
    case SG_IDNA_TOO_LONG: *why = "the domain is longer than 255 octets"; break;
    case SG_IDNA_UNAVAILABLE: *why = "internationalized domains cannot be checked here (libidn2 is missing)"; break;
    }
    return false;
}

static bool dns_to_ascii(const char *s, size_t len, char out[DOMAIN_MAX + 1], const char **why)
{
    bool ascii = true;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            ascii = false;
    if (ascii) {
        if (len > DOMAIN_MAX) {
            *why = "the domain is longer than 255 octets";
            return false;
        }
        for (size_t i = 0; i < len; i++)
            out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
        out[len] = '\0';
        if ((*why = dns_name_error(out)) != NULL)
            return false;
        char checked[DOMAIN_MAX + 1];
        return !has_a_label(out) || idna_to_ascii(out, checked, why);
    }
    if (len > UDOMAIN_MAX || sg_utf8_invalid_at(s, len) != len) {
        *why = len > UDOMAIN_MAX ? "the domain is too long" : "the domain is not valid UTF-8";
        return false;
    }
    char in[UDOMAIN_MAX + 1];
    memcpy(in, s, len);
    in[len] = '\0';
    if (!idna_to_ascii(in, out, why))
        return false;
    *why = dns_name_error(out);
    return *why == NULL;
}

/* RFC 5321 §4.1.3: "[IPv4]" or "[IPv6:...]"; other tags are refused. */
static bool literal_to_ascii(const char *s, size_t len, char out[DOMAIN_MAX + 1], const char **why)
{
    char inner[64];
    *why = "unsupported address literal";
    if (len < 3 || s[len - 1] != ']' || len - 2 >= sizeof inner)
        return false;
    memcpy(inner, s + 1, len - 2);
    inner[len - 2] = '\0';
    unsigned char bin[16];
    if (strncasecmp(inner, "IPv6:", 5) == 0) {
        if (inet_pton(AF_INET6, inner + 5, bin) != 1)
            return false;
        for (char *p = inner + 5; *p; p++)
            if (*p >= 'A' && *p <= 'F')
                *p = (char)(*p + 32);
        snprintf(out, DOMAIN_MAX + 1, "[IPv6:%s]", inner + 5);
        *why = NULL;
        return true;
    }
    if (inet_pton(AF_INET, inner, bin) != 1)
        return false;
    snprintf(out, DOMAIN_MAX + 1, "[%s]", inner);
    *why = NULL;
    return true;
}

static bool domain_to_ascii(const char *s, size_t len, char out[DOMAIN_MAX + 1], const char **why)
{
    if (len > 0 && s[0] == '[')
        return literal_to_ascii(s, len, out, why);
    return dns_to_ascii(s, len, out, why);
}

static bool is_literal(const char *domain)
{
    return domain && domain[0] == '[';
}

/* d equals suffix or is one of its subdomains (ASCII case-insensitive). */
static bool domain_covers(const char *suffix, const char *d)
{
    size_t ns = strlen(suffix), nd = strlen(d);
    if (ns == 0 || nd < ns)
        return false;
    if (strcasecmp(d + nd - ns, suffix) != 0)
        return false;
    return nd == ns || d[nd - ns - 1] == '.';
}

/* ---- addresses: only a plain local@domain (policy.md step 1) ---- */

/* The forms policy.md names, by what they look like outside quotes and
 * brackets, so the user reads why; the most telling one wins ("Bob <b@x>" is
 * a display name before it is a space). Returns NULL when none applies. */
static const char *shape_error(const char *s, size_t len)
{
    enum { ROUTE, ANGLE, COMMENT, GROUP, COMMA, SPACE, UNTERMINATED, NSHAPES };
    static const char *const why[NSHAPES] = {
        "source routes (@a:b@c) are not allowed", "display names and angle brackets are not allowed",
        "comments are not allowed",               "groups are not allowed",
        "only one address is allowed",            "display names and spaces are not allowed",
        "unterminated quoted string",
    };
    bool seen[NSHAPES] = {false};
    if (len == 0)
        return "empty address";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
            return "control characters are not allowed";
    if (s[0] == '@')
        return memchr(s, ':', len) ? why[ROUTE] : "missing local part";
    bool quoted = false, escaped = false, bracket = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (quoted) {
            quoted = escaped || c != '"';
            escaped = !escaped && c == '\\';
            continue;
        }
        if (bracket) {
            bracket = c != ']';
            continue;
        }
        switch (c) {
        case '"': quoted = true; break;
        case '[': bracket = true; break;
        case '<': seen[i + 1 < len && s[i + 1] == '@' ? ROUTE : ANGLE] = true; break;
        case '>': seen[ANGLE] = true; break;
        case '(': case ')': seen[COMMENT] = true; break;
        case ':': case ';': seen[GROUP] = true; break;
        case ',': seen[COMMA] = true; break;
        case ' ': case '\t': seen[SPACE] = true; break;
        default: break;
        }
    }
    seen[UNTERMINATED] = quoted;
    for (int k = 0; k < NSHAPES; k++)
        if (seen[k])
            return why[k];
    return NULL;
}

typedef struct raw_addr {
    const char *local; /* as given: quotes kept */
    size_t local_len;
    bool quoted;
    const char *domain; /* as given */
    size_t domain_len;
} raw_addr;

/* dot-atom = 1*atext *("." 1*atext) (RFC 5322 §3.2.3) */
static const char *dot_atom_error(const char *s, size_t len)
{
    if (len == 0)
        return "missing local part";
    if (s[0] == '.' || s[len - 1] == '.')
        return "the local part starts or ends with a dot";
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.' && s[i + 1] == '.')
            return "two dots in a row in the local part";
        if (s[i] != '.' && !sg_is_atext_utf8((unsigned char)s[i]))
            return "invalid character in the local part";
    }
    return NULL;
}

/* Length of the quoted string at s[0] == '"', or 0 when unterminated. */
static size_t quoted_len(const char *s, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

/* addr-spec = local-part "@" domain, nothing around it (RFC 5322 §3.4.1). */
static bool split_addr(const char *s, size_t len, raw_addr *a, const char **why)
{
    if ((*why = shape_error(s, len)) != NULL)
        return false;
    if (len > ADDRESS_MAX) {
        *why = "the address is longer than 254 octets";
        return false;
    }
    if (sg_utf8_invalid_at(s, len) != len) {
        *why = "the address is not valid UTF-8";
        return false;
    }
    size_t at;
    if (s[0] == '"') {
        at = quoted_len(s, len);
        if (at == 0 || at >= len || s[at] != '@') {
            *why = at == 0 ? "unterminated quoted string" : "text between the quoted local part and '@'";
            return false;
        }
    } else {
        const char *p = memchr(s, '@', len);
        at = p ? (size_t)(p - s) : len;
        if ((*why = dot_atom_error(s, at)) != NULL)
            return false;
    }
    if (at >= len) {
        *why = "missing '@' and domain";
        return false;
    }
    a->local = s;
    a->local_len = at;
    a->quoted = s[0] == '"';
    a->domain = s + at + 1;
    a->domain_len = len - at - 1;
    if (memchr(a->domain, '@', a->domain_len)) {
        *why = "more than one '@' outside quotes";
        return false;
    }
    return true;
}

/* The local part without its quotes and quoted-pair backslashes (RFC 5322 §3.2.4). */
static void unquote(const raw_addr *a, char out[ADDRESS_MAX + 1])
{
    size_t n = 0;
    if (!a->quoted) {
        memcpy(out, a->local, a->local_len);
        n = a->local_len;
    } else {
        for (size_t i = 1; i + 1 < a->local_len; i++) {
            if (a->local[i] == '\\')
                i++;
            out[n++] = a->local[i];
        }
    }
    out[n] = '\0';
}

/* An address reduced to what identifies the mailbox: the unquoted local part
 * and the A-label domain. Used for the owner, scope users, group members and
 * X-Sieve-Redirected-From values. */
typedef struct mailbox_key {
    char local[ADDRESS_MAX + 1];
    char domain[DOMAIN_MAX + 1];
} mailbox_key;

/* Accepts surrounding whitespace and "<...>" (header values, envelope paths). */
static bool mailbox_key_of(const char *s, mailbox_key *k)
{
    if (!s)
        return false;
    size_t len = strlen(s);
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
        s++, len -= 2;
    raw_addr a;
    const char *why;
    if (!split_addr(s, len, &a, &why))
        return false;
    unquote(&a, k->local);
    return domain_to_ascii(a.domain, a.domain_len, k->domain, &why);
}

/* Same mailbox: local part exact (RFC 5321 §2.4), domain case-insensitive. */
static bool key_same(const mailbox_key *a, const mailbox_key *b)
{
    return strcmp(a->local, b->local) == 0 && strcmp(a->domain, b->domain) == 0;
}

/* Same user for a policy scope: the store keeps users lower-case. */
static bool key_same_user(const mailbox_key *a, const mailbox_key *b)
{
    return strcasecmp(a->local, b->local) == 0 && strcmp(a->domain, b->domain) == 0;
}

/* ---- the organization: internal domains, remote domains ---- */

static const sg_accepted_domain *accepted_for(const sg_policy *policy, const char *d)
{
    for (size_t i = 0; i < policy->naccepted; i++) {
        const sg_accepted_domain *ad = &policy->accepted[i];
        if (!ad->name)
            continue;
        if (strcasecmp(ad->name, d) == 0 || (ad->match_subdomains && domain_covers(ad->name, d)))
            return ad;
    }
    return NULL;
}

/* policy.md "Entities": accepted domains, their subdomains where
 * match_subdomains, remote domains marked is_internal; address literals never. */
bool sg_policy_is_internal_domain(const sg_policy *policy, const char *ascii_domain)
{
    if (!policy || !ascii_domain || !*ascii_domain || is_literal(ascii_domain))
        return false;
    if (accepted_for(policy, ascii_domain))
        return true;
    const sg_remote_domain *rd = sg_policy_remote_domain(policy, ascii_domain);
    return rd && rd->is_internal;
}

/* policy.md "Remote domains": exact, then the longest "*.suffix" (which
 * covers the suffix itself), then "*". */
const sg_remote_domain *sg_policy_remote_domain(const sg_policy *policy, const char *ascii_domain)
{
    const sg_remote_domain *exact = NULL, *wild = NULL, *star = NULL;
    size_t wild_len = 0;
    if (!policy || !ascii_domain)
        return NULL;
    for (size_t i = 0; i < policy->nremote; i++) {
        const sg_remote_domain *rd = &policy->remote[i];
        const char *p = rd->pattern;
        if (!p)
            continue;
        if (strcmp(p, "*") == 0) {
            star = star ? star : rd;
        } else if (strncmp(p, "*.", 2) == 0) {
            size_t n = strlen(p + 2);
            if (n > wild_len && domain_covers(p + 2, ascii_domain)) {
                wild = rd;
                wild_len = n;
            }
        } else if (!exact && strcasecmp(p, ascii_domain) == 0) {
            exact = rd;
        }
    }
    return exact ? exact : wild ? wild : star;
}

/* ---- the effective outbound policy (policy.md step 4, "Outbound policies") ---- */

/* A listed user written as plain "local@domain" (as the store normalises
 * them) needs no parsing: compare the text. Quoting, brackets, spaces or
 * non-ASCII fall back to the full parse. */
static bool plain_address(const char *m)
{
    for (const unsigned char *p = (const unsigned char *)m; *p; p++)
        if (*p >= 0x80 || *p <= ' ' || *p == '"' || *p == '\\' || *p == '<' || *p == '>' || *p == '(')
            return false;
    return true;
}

static bool plain_same_user(const char *m, const mailbox_key *owner)
{
    const char *at = strrchr(m, '@');
    size_t local = at ? (size_t)(at - m) : 0;
    return at && strlen(owner->local) == local && strncasecmp(m, owner->local, local) == 0 &&
           strcasecmp(at + 1, owner->domain) == 0;
}

static bool user_listed(const sg_strlist *users, const mailbox_key *owner)
{
    mailbox_key k;
    for (size_t i = 0; i < users->count; i++) {
        const char *m = users->items[i];
        if (!m)
            continue;
        if (plain_address(m) ? plain_same_user(m, owner)
                             : mailbox_key_of(m, &k) && key_same_user(&k, owner))
            return true;
    }
    return false;
}

size_t sg_policy_owner_groups(const sg_policy *policy, const char *owner, sg_arena *arena, sg_group **out)
{
    *out = NULL;
    mailbox_key key;
    if (!policy || !policy->ngroups || !mailbox_key_of(owner, &key))
        return 0; /* an unusable owner matches no scope that names users or groups */
    sg_group *view = sg_arena_alloc(arena, policy->ngroups * sizeof *view);
    size_t n = 0;
    for (size_t i = 0; i < policy->ngroups; i++) {
        const sg_group *g = &policy->groups[i];
        const char **hits = NULL;
        size_t nhits = 0;
        for (size_t m = 0; m < g->members.count; m++) {
            sg_strlist one = {&g->members.items[m], 1};
            if (!g->name || !user_listed(&one, &key))
                continue;
            if (!hits)
                hits = sg_arena_alloc(arena, (g->members.count - m) * sizeof *hits);
            hits[nhits++] = g->members.items[m];
        }
        if (nhits)
            view[n++] = (sg_group){g->name, {hits, nhits}};
    }
    *out = view;
    return n;
}

static bool in_group(const sg_policy *policy, const char *group, const mailbox_key *owner)
{
    for (size_t i = 0; i < policy->ngroups; i++) {
        const sg_group *g = &policy->groups[i];
        if (g->name && strcasecmp(g->name, group) == 0 && user_listed(&g->members, owner))
            return true;
    }
    return false;
}

static bool group_listed(const sg_policy *policy, const sg_strlist *groups, const mailbox_key *owner)
{
    for (size_t i = 0; i < groups->count; i++)
        if (groups->items[i] && in_group(policy, groups->items[i], owner))
            return true;
    return false;
}

/* A domain condition matches the owner's domain and its subdomains. */
static bool domain_listed(const sg_strlist *domains, const mailbox_key *owner)
{
    char d[DOMAIN_MAX + 1];
    const char *why;
    for (size_t i = 0; i < domains->count; i++) {
        const char *v = domains->items[i];
        if (v && domain_to_ascii(v, strlen(v), d, &why) && domain_covers(d, owner->domain))
            return true;
    }
    return false;
}

/* An include condition: true when empty (not populated), else any value matches. */
static bool include_holds(size_t count, bool matched)
{
    return count == 0 || matched;
}

/* Values within one condition OR'ed, populated conditions AND'ed, any exclude
 * match removes the policy. A policy without include conditions covers everyone.
 * owner is NULL when it is not a usable address: only such policies match it. */
static bool scope_matches(const sg_policy *policy, const sg_outbound_policy *op, const mailbox_key *owner)
{
    if (!owner)
        return op->users.count == 0 && op->groups.count == 0 && op->domains.count == 0;
    if (user_listed(&op->exclude_users, owner) || group_listed(policy, &op->exclude_groups, owner) ||
        domain_listed(&op->exclude_domains, owner))
        return false;
    return include_holds(op->users.count, user_listed(&op->users, owner)) &&
           include_holds(op->groups.count, group_listed(policy, &op->groups, owner)) &&
           include_holds(op->domains.count, domain_listed(&op->domains, owner));
}

const sg_outbound_policy *sg_policy_effective(const sg_policy *policy, const char *owner)
{
    if (!policy)
        return NULL;
    mailbox_key key;
    const mailbox_key *k = mailbox_key_of(owner, &key) ? &key : NULL;
    const sg_outbound_policy *best = NULL, *fallback = NULL;
    for (size_t i = 0; i < policy->npolicies; i++) {
        const sg_outbound_policy *op = &policy->policies[i];
        if (op->is_default) {
            fallback = fallback ? fallback : op;
            continue;
        }
        if (!op->enabled || (best && op->priority >= best->priority))
            continue;
        if (scope_matches(policy, op, k))
            best = op;
    }
    return best ? best : fallback;
}

/* ---- the decision, one function a step ---- */

typedef struct target_info {
    raw_addr raw;
    mailbox_key key;              /* the address itself: its local part, its first domain */
    char route[DOMAIN_MAX + 1];   /* the domain that classifies it (after %- or !-routing) */
    const char *via;              /* "percent hack", "bang path", "quoted @ route" or NULL */
} target_info;

static void add_step(sg_fwd_decision *out, const char *line)
{
    if (out->nsteps < SG_FWD_MAX_STEPS)
        out->steps[out->nsteps++] = line;
}

static void finish(sg_fwd_decision *out, sg_fwd_verdict v, const char *reason)
{
    out->verdict = v;
    out->reason = reason;
    out->status = v == SG_FWD_BLOCK_BOUNCE ? STATUS_BLOCKED : NULL;
}

/* Follows %-, !- and @-routing while the hop is internal (the hop's MTA would
 * route it onward: Postfix swap_bangpath, allow_percent_hack, and
 * resolve_dequoted_address, which by default keeps an '@' inside a quoted
 * local part visible as a route): "a!b" goes to a, "b%a" and "\"b@a\"" to a.
 * Stops at the first external hop, which then classifies. */
static bool follow_route(const sg_policy *policy, char *local, target_info *t, const char **why)
{
    while (!is_literal(t->route) && sg_policy_is_internal_domain(policy, t->route)) {
        char *bang = strchr(local, '!'), *pct = strrchr(local, '%'), *at = strrchr(local, '@');
        char *hop = pct && (!at || pct > at) ? pct : at; /* the rightmost of '%' and '@' */
        const char *next;
        if (bang) {
            *bang = '\0';
            next = local;
            local = bang + 1;
            t->via = "bang path";
        } else if (hop) {
            t->via = *hop == '%' ? "percent hack" : "quoted @ route";
            *hop = '\0';
            next = hop + 1;
        } else {
            return true;
        }
        if (!domain_to_ascii(next, strlen(next), t->route, why))
            return false;
    }
    return true;
}

/* Step 1: normalise and classify. */
static bool step_normalise(const sg_policy *policy, const char *target, sg_arena *arena, target_info *t,
                           sg_fwd_decision *out)
{
    const char *why = NULL;
    char local[ADDRESS_MAX + 1];
    bool ok = split_addr(target, strlen(target), &t->raw, &why) &&
              domain_to_ascii(t->raw.domain, t->raw.domain_len, t->key.domain, &why);
    if (ok) {
        unquote(&t->raw, t->key.local);
        memcpy(local, t->key.local, sizeof local);
        memcpy(t->route, t->key.domain, sizeof t->route);
        ok = follow_route(policy, local, t, &why);
        if (!ok)
            why = afmt(arena, "the local part routes to an invalid domain (%s: %s)", t->via, why);
    }
    if (!ok) {
        out->target = sg_arena_strdup(arena, target);
        finish(out, SG_FWD_INVALID, afmt(arena, "not a plain local@domain address: %s", why));
        add_step(out, afmt(arena, "1. normalise: \"%s\" is invalid: %s", printable(arena, target), why));
        return false;
    }
    out->target = afmt(arena, "%.*s@%s", (int)t->raw.local_len, t->raw.local, t->key.domain);
    out->target_domain = sg_arena_strdup(arena, t->route);
    out->external = !sg_policy_is_internal_domain(policy, t->route);
    if (t->via)
        add_step(out, afmt(arena, "1. normalise: %s routes to %s (%s)", out->target, t->route, t->via));
    else
        add_step(out, afmt(arena, "1. normalise: %s (domain %s)", out->target, t->route));
    return true;
}

/* Step 2: loops and duplicates; true when the forward is skipped. */
static bool step_loops(const sg_policy *policy, const sg_fwd_request *req, const target_info *t, sg_arena *arena,
                       sg_fwd_decision *out)
{
    mailbox_key owner, from;
    bool have_owner = mailbox_key_of(req->owner, &owner);
    unsigned hops = policy->org.max_forward_hops ? policy->org.max_forward_hops : HOPS_DEFAULT;
    const char *why = NULL;
    if (have_owner && key_same(&owner, &t->key))
        why = "the target is the owner's own address";
    for (size_t i = 0; !why && i < req->nredirected_from; i++) {
        const char *v = req->redirected_from[i];
        bool same = have_owner && mailbox_key_of(v, &from) ? key_same(&from, &owner)
                                                           : v && req->owner && strcasecmp(v, req->owner) == 0;
        if (same)
            why = afmt(arena, "the message was already forwarded by %s (X-Sieve-Redirected-From)", req->owner);
    }
    if (!why && req->nredirected_from >= hops)
        why = afmt(arena, "the message was already forwarded %zu times (max_forward_hops = %u)",
                   req->nredirected_from, hops);
    if (!why && req->already_forwarded)
        why = "the message was already forwarded to this address within the last 12 hours";
    if (!why) {
        add_step(out, "2. loops and duplicates: none");
        return false;
    }
    finish(out, SG_FWD_SKIP, why);
    add_step(out, afmt(arena, "2. loops and duplicates: skip: %s", why));
    return true;
}

/* Step 3: an internal target is never restricted. */
static bool step_internal(const sg_policy *policy, sg_arena *arena, sg_fwd_decision *out)
{
    const char *d = out->target_domain;
    if (out->external) {
        add_step(out, afmt(arena, "3. internal: no, %s is external", d));
        return false;
    }
    const sg_accepted_domain *ad = accepted_for(policy, d);
    const char *because = ad ? afmt(arena, "accepted domain %s", ad->name)
                             : afmt(arena, "remote domain \"%s\" is marked internal",
                                    sg_policy_remote_domain(policy, d)->pattern);
    add_step(out, afmt(arena, "3. internal: yes, %s (%s): allow", d, because));
    finish(out, SG_FWD_ALLOW, afmt(arena, "%s is inside the organization; internal forwarding is not restricted", d));
    return true;
}

/* Step 4: the owner's effective policy; off, or automatic meaning off, blocks with a bounce. */
static bool step_policy(const sg_policy *policy, const sg_fwd_request *req, sg_arena *arena, sg_fwd_decision *out)
{
    const sg_outbound_policy *op = sg_policy_effective(policy, req->owner);
    sg_fwd_mode mode = op ? op->mode : SG_MODE_AUTOMATIC; /* none at all: the secure default */
    sg_fwd_mode means = mode == SG_MODE_AUTOMATIC ? (policy->org.automatic_means == SG_MODE_ON ? SG_MODE_ON : SG_MODE_OFF)
                                                  : mode;
    out->policy = op && op->name ? op->name : SG_DEFAULT_POLICY_NAME;
    const char *how = mode == SG_MODE_AUTOMATIC ? afmt(arena, "mode automatic, which means %s", mode_word(means))
                                                : afmt(arena, "mode %s", mode_word(mode));
    if (means == SG_MODE_ON) {
        add_step(out, afmt(arena, "4. policy: \"%s\" applies (%s)", out->policy, how));
        return false;
    }
    add_step(out, afmt(arena, "4. policy: \"%s\" applies (%s): block with bounce %s", out->policy, how,
                       STATUS_BLOCKED));
    finish(out, SG_FWD_BLOCK_BOUNCE, afmt(arena, "external forwarding is off for you (policy \"%s\")", out->policy));
    return true;
}

/* Step 5: the remote domain may refuse automatic forwarding: blocked, no bounce. */
static bool step_remote(const sg_policy *policy, sg_arena *arena, sg_fwd_decision *out)
{
    const sg_remote_domain *rd = sg_policy_remote_domain(policy, out->target_domain);
    if (!rd) {
        add_step(out, afmt(arena, "5. remote domain: none matches %s (defaults apply)", out->target_domain));
        return false;
    }
    out->remote_domain = rd->pattern;
    if (rd->auto_forward) {
        add_step(out, afmt(arena, "5. remote domain: \"%s\" (auto_forward yes)", rd->pattern));
        return false;
    }
    add_step(out, afmt(arena, "5. remote domain: \"%s\" (auto_forward no): block without bounce", rd->pattern));
    finish(out, SG_FWD_BLOCK_SILENT, afmt(arena, "automatic forwarding to %s is not allowed (remote domain \"%s\")",
                                          out->target_domain, rd->pattern));
    return true;
}

void sg_fwd_decide(const sg_policy *policy, const sg_fwd_request *req, sg_arena *arena, sg_fwd_decision *out)
{
    static const sg_policy empty; /* read-only: an absent snapshot decides as an empty one */
    target_info t;
    memset(out, 0, sizeof *out);
    memset(&t, 0, sizeof t);
    if (!policy)
        policy = &empty;
    if (!step_normalise(policy, req->target ? req->target : "", arena, &t, out))
        return;
    if (step_loops(policy, req, &t, arena, out) || step_internal(policy, arena, out) ||
        step_policy(policy, req, arena, out) || step_remote(policy, arena, out))
        return;
    add_step(out, "6. allow");
    finish(out, SG_FWD_ALLOW, afmt(arena, "external forwarding is on for you (policy \"%s\")", out->policy));
}
