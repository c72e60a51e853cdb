/* policy_codec.c - see policy_codec.h for the entry format. */
#include "store/policy_codec.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_MAGIC "SGP1"
#define OWNER_PART "member"
#define HEADER_MAX 96
/* Every encoded item takes at least two bytes ("0 "), so a count above
 * (bytes left / 2) cannot be honest. */
#define MIN_ITEM_BYTES 2

static const char *const part_names[SG_PART_COUNT] = {"org",    "accepted", "policies",
                                                      "remote", "groups",   "forwards"};

const char *sg_policy_part_name(sg_policy_part part)
{
    return part < SG_PART_COUNT ? part_names[part] : "?";
}

static uint64_t fnv1a64(const char *data, size_t len);

uint64_t sg_policy_owner_hash(const char *owner)
{
    return fnv1a64(owner, strlen(owner));
}

static uint64_t fnv1a64(const char *data, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 0x100000001b3u;
    }
    return h;
}

/* ---- encoding ---------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len, cap;
} outbuf;

static void out_bytes(outbuf *o, const char *s, size_t n)
{
    if (o->len + n > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n)
            cap *= 2;
        o->data = sg_xrealloc(o->data, cap);
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
}

static void out_uint(outbuf *o, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64 " ", v);
    out_bytes(o, tmp, (size_t)n);
}

static void out_str(outbuf *o, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    char tmp[24];
    int h = snprintf(tmp, sizeof tmp, "%zu:", n);
    out_bytes(o, tmp, (size_t)h);
    out_bytes(o, s ? s : "", n);
    out_bytes(o, " ", 1);
}

static void out_list(outbuf *o, const sg_strlist *l)
{
    out_uint(o, l->count);
    for (size_t i = 0; i < l->count; i++)
        out_str(o, l->items[i]);
}

static void encode_org(outbuf *o, const sg_policy *p)
{
    out_uint(o, (uint64_t)p->org.automatic_means);
    out_uint(o, p->org.bounce_internal_senders);
    out_uint(o, p->org.bounce_rate_period);
    out_uint(o, p->org.max_forward_hops);
}

static void encode_accepted(outbuf *o, const sg_policy *p)
{
    out_uint(o, p->naccepted);
    for (size_t i = 0; i < p->naccepted; i++) {
        out_str(o, p->accepted[i].name);
        out_uint(o, p->accepted[i].match_subdomains);
    }
}

static void encode_policy(outbuf *o, const sg_outbound_policy *op)
{
    out_str(o, op->name);
    out_uint(o, op->is_default);
    out_uint(o, op->enabled);
    /* priority is -1 (the default) or above: stored shifted by one */
    out_uint(o, (uint64_t)((int64_t)op->priority + 1));
    out_uint(o, (uint64_t)op->mode);
    out_list(o, &op->users);
    out_list(o, &op->groups);
    out_list(o, &op->domains);
    out_list(o, &op->exclude_users);
    out_list(o, &op->exclude_groups);
    out_list(o, &op->exclude_domains);
}

static void encode_policies(outbuf *o, const sg_policy *p)
{
    out_uint(o, p->npolicies);
    for (size_t i = 0; i < p->npolicies; i++)
        encode_policy(o, &p->policies[i]);
}

static void encode_remote(outbuf *o, const sg_policy *p)
{
    out_uint(o, p->nremote);
    for (size_t i = 0; i < p->nremote; i++) {
        const sg_remote_domain *rd = &p->remote[i];
        out_str(o, rd->pattern);
        out_uint(o, rd->auto_forward);
        out_uint(o, rd->auto_reply);
        out_uint(o, rd->ndr);
        out_uint(o, rd->is_internal);
    }
}

static void encode_groups(outbuf *o, const sg_policy *p)
{
    out_uint(o, p->ngroups);
    for (size_t i = 0; i < p->ngroups; i++) {
        out_str(o, p->groups[i].name);
        out_list(o, &p->groups[i].members);
    }
}

static void encode_forwards(outbuf *o, const sg_policy *p)
{
    out_uint(o, p->nforwards);
    for (size_t i = 0; i < p->nforwards; i++) {
        out_str(o, p->forwards[i].user);
        out_str(o, p->forwards[i].address);
        out_uint(o, p->forwards[i].keep_copy);
    }
}

static void encode_body(outbuf *o, const sg_policy *p, sg_policy_part part)
{
    switch (part) {
    case SG_PART_ORG: encode_org(o, p); break;
    case SG_PART_ACCEPTED: encode_accepted(o, p); break;
    case SG_PART_POLICIES: encode_policies(o, p); break;
    case SG_PART_REMOTE: encode_remote(o, p); break;
    case SG_PART_GROUPS: encode_groups(o, p); break;
    case SG_PART_FORWARDS: encode_forwards(o, p); break;
    case SG_PART_COUNT: break;
    }
}

/* Frames a body as an entry (header line + body); frees the body. */
static char *entry(const char *part, uint64_t generation, outbuf body, size_t *len)
{
    char header[HEADER_MAX];
    int h = snprintf(header, sizeof header, ENTRY_MAGIC " %s %" PRIu64 " %zu %016" PRIx64 "\n", part, generation,
                     body.len, fnv1a64(body.data, body.len));
    outbuf entry = {0};
    out_bytes(&entry, header, (size_t)h);
    out_bytes(&entry, body.data ? body.data : "", body.len);
    free(body.data);
    *len = entry.len;
    return entry.data;
}

char *sg_policy_encode_part(const sg_policy *policy, sg_policy_part part, size_t *len)
{
    outbuf body = {0};
    encode_body(&body, policy, part);
    return entry(sg_policy_part_name(part), policy->generation, body, len);
}

char *sg_policy_encode_owner_groups(const sg_policy *policy, const char *owner, const sg_group *groups,
                                    size_t ngroups, size_t *len)
{
    outbuf body = {0};
    sg_policy view = *policy;
    view.groups = (sg_group *)groups;
    view.ngroups = ngroups;
    out_str(&body, owner);
    encode_groups(&body, &view);
    return entry(OWNER_PART, policy->generation, body, len);
}

/* ---- decoding ---------------------------------------------------------- */

/* A cursor over untrusted bytes; `ok` turns false at the first problem and
 * every later read then fails too, so callers check once at the end. */
typedef struct {
    const char *p, *end;
    sg_arena *arena;
    bool ok;
} cursor;

static bool fail(cursor *c)
{
    c->ok = false;
    return false;
}

static size_t left(const cursor *c)
{
    return (size_t)(c->end - c->p);
}

/* Digits without a leading zero (except "0" itself), then `term`. */
static bool in_uint_until(cursor *c, uint64_t max, char term, uint64_t *out)
{
    if (!c->ok || c->p >= c->end || *c->p < '0' || *c->p > '9')
        return fail(c);
    if (*c->p == '0' && c->p + 1 < c->end && c->p[1] != term)
        return fail(c);
    uint64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (d > max || v > (max - d) / 10)
            return fail(c);
        v = v * 10 + d;
        c->p++;
    }
    if (c->p >= c->end || *c->p != term)
        return fail(c);
    c->p++;
    *out = v;
    return true;
}

static uint64_t in_uint(cursor *c, uint64_t max)
{
    uint64_t v = 0;
    in_uint_until(c, max, ' ', &v);
    return v;
}

static bool in_bool(cursor *c)
{
    return in_uint(c, 1) == 1;
}

static const char *in_str(cursor *c)
{
    uint64_t n;
    if (!in_uint_until(c, left(c), ':', &n) || n >= left(c) || c->p[n] != ' ' || memchr(c->p, '\0', n)) {
        fail(c);
        return "";
    }
    const char *s = sg_arena_strndup(c->arena, c->p, n);
    c->p += n + 1;
    return s;
}

/* A count of items that each take at least MIN_ITEM_BYTES. */
static size_t in_count(cursor *c)
{
    return (size_t)in_uint(c, left(c) / MIN_ITEM_BYTES);
}

static void *in_array(cursor *c, size_t count, size_t size)
{
    return count ? sg_arena_calloc(c->arena, count * size) : NULL;
}

static void in_list(cursor *c, sg_strlist *l)
{
    l->count = in_count(c);
    l->items = in_array(c, l->count, sizeof *l->items);
    for (size_t i = 0; i < l->count && c->ok; i++)
        l->items[i] = in_str(c);
}

static sg_fwd_mode in_mode(cursor *c)
{
    return (sg_fwd_mode)in_uint(c, SG_MODE_OFF);
}

static void decode_org(cursor *c, sg_policy *p)
{
    sg_org_settings org;
    org.automatic_means = in_mode(c);
    org.bounce_internal_senders = in_bool(c);
    org.bounce_rate_period = (unsigned long)in_uint(c, ULONG_MAX);
    org.max_forward_hops = (unsigned)in_uint(c, UINT_MAX);
    if (c->ok)
        p->org = org;
}

static void decode_accepted(cursor *c, sg_policy *p)
{
    size_t n = in_count(c);
    sg_accepted_domain *a = in_array(c, n, sizeof *a);
    for (size_t i = 0; i < n && c->ok; i++) {
        a[i].name = in_str(c);
        a[i].match_subdomains = in_bool(c);
    }
    if (c->ok)
        p->accepted = a, p->naccepted = n;
}

static void decode_policy(cursor *c, sg_outbound_policy *op)
{
    op->name = in_str(c);
    op->is_default = in_bool(c);
    op->enabled = in_bool(c);
    op->priority = (int)((int64_t)in_uint(c, (uint64_t)INT_MAX + 1) - 1);
    op->mode = in_mode(c);
    in_list(c, &op->users);
    in_list(c, &op->groups);
    in_list(c, &op->domains);
    in_list(c, &op->exclude_users);
    in_list(c, &op->exclude_groups);
    in_list(c, &op->exclude_domains);
}

static void decode_policies(cursor *c, sg_policy *p)
{
    size_t n = in_count(c);
    sg_outbound_policy *ops = in_array(c, n, sizeof *ops);
    for (size_t i = 0; i < n && c->ok; i++)
        decode_policy(c, &ops[i]);
    if (c->ok)
        p->policies = ops, p->npolicies = n;
}

static void decode_remote(cursor *c, sg_policy *p)
{
    size_t n = in_count(c);
    sg_remote_domain *rds = in_array(c, n, sizeof *rds);
    for (size_t i = 0; i < n && c->ok; i++) {
        rds[i].pattern = in_str(c);
        rds[i].auto_forward = in_bool(c);
        rds[i].auto_reply = in_bool(c);
        rds[i].ndr = in_bool(c);
        rds[i].is_internal = in_bool(c);
    }
    if (c->ok)
        p->remote = rds, p->nremote = n;
}

static void decode_groups(cursor *c, sg_policy *p)
{
    size_t n = in_count(c);
    sg_group *gs = in_array(c, n, sizeof *gs);
    for (size_t i = 0; i < n && c->ok; i++) {
        gs[i].name = in_str(c);
        in_list(c, &gs[i].members);
    }
    if (c->ok)
        p->groups = gs, p->ngroups = n;
}

static void decode_forwards(cursor *c, sg_policy *p)
{
    size_t n = in_count(c);
    sg_admin_forward *fs = in_array(c, n, sizeof *fs);
    for (size_t i = 0; i < n && c->ok; i++) {
        fs[i].user = in_str(c);
        fs[i].address = in_str(c);
        fs[i].keep_copy = in_bool(c);
    }
    if (c->ok)
        p->forwards = fs, p->nforwards = n;
}

/* Checks the header line; on success *body and *body_len delimit the body. */
static bool check_header(const char *data, size_t len, const char *part, uint64_t generation,
                         const char **body, size_t *body_len)
{
    const char *nl = memchr(data, '\n', len < HEADER_MAX ? len : HEADER_MAX);
    if (!nl)
        return false;
    char expect[HEADER_MAX];
    int n = snprintf(expect, sizeof expect, ENTRY_MAGIC " %s %" PRIu64 " ", part, generation);
    size_t hlen = (size_t)(nl - data);
    if ((size_t)n > hlen || memcmp(data, expect, (size_t)n) != 0)
        return false;
    cursor c = {data + n, nl + 1, NULL, true};
    uint64_t blen;
    if (!in_uint_until(&c, SG_POLICY_ENTRY_MAX, ' ', &blen) || left(&c) != 17)
        return false;
    char sum[17];
    snprintf(sum, sizeof sum, "%016" PRIx64, blen == len - hlen - 1 ? fnv1a64(nl + 1, (size_t)blen) : 0);
    if (blen != len - hlen - 1 || memcmp(c.p, sum, 16) != 0)
        return false;
    *body = nl + 1;
    *body_len = (size_t)blen;
    return true;
}

bool sg_policy_decode_part(sg_policy *into, sg_policy_part part, const char *data, size_t len)
{
    const char *body;
    size_t body_len;
    if (!data || part >= SG_PART_COUNT || len > SG_POLICY_ENTRY_MAX + HEADER_MAX ||
        !check_header(data, len, sg_policy_part_name(part), into->generation, &body, &body_len))
        return false;
    /* Decode into a copy so that `into` changes only on success. */
    sg_policy tmp = *into;
    cursor c = {body, body + body_len, into->arena, true};
    switch (part) {
    case SG_PART_ORG: decode_org(&c, &tmp); break;
    case SG_PART_ACCEPTED: decode_accepted(&c, &tmp); break;
    case SG_PART_POLICIES: decode_policies(&c, &tmp); break;
    case SG_PART_REMOTE: decode_remote(&c, &tmp); break;
    case SG_PART_GROUPS: decode_groups(&c, &tmp); break;
    case SG_PART_FORWARDS: decode_forwards(&c, &tmp); break;
    case SG_PART_COUNT: return false;
    }
    if (!c.ok || c.p != c.end)
        return false;
    *into = tmp;
    return true;
}

sg_policy *sg_policy_decode(uint64_t generation, const char *const data[SG_PART_COUNT],
                            const size_t len[SG_PART_COUNT])
{
    /* The built-in default gives the struct and its arena; every part is
     * then replaced by the decoded one. */
    sg_policy *p = sg_policy_new_default();
    p->generation = generation;
    for (int part = 0; part < SG_PART_COUNT; part++) {
        if (!sg_policy_decode_part(p, (sg_policy_part)part, data[part], len[part])) {
            sg_policy_free(p);
            return NULL;
        }
    }
    return p;
}

bool sg_policy_decode_owner_groups(sg_policy *into, const char *owner, const char *data, size_t len)
{
    const char *body;
    size_t body_len;
    if (!data || len > SG_POLICY_ENTRY_MAX + HEADER_MAX ||
        !check_header(data, len, OWNER_PART, into->generation, &body, &body_len))
        return false;
    sg_policy tmp = *into;
    cursor c = {body, body + body_len, into->arena, true};
    const char *who = in_str(&c);
    if (!c.ok || strcmp(who, owner) != 0) /* another owner whose key hashed alike */
        return false;
    decode_groups(&c, &tmp);
    if (!c.ok || c.p != c.end)
        return false;
    *into = tmp;
    return true;
}

sg_policy *sg_policy_decode_for_owner(uint64_t generation, const char *const data[SG_PART_COUNT],
                                      const size_t len[SG_PART_COUNT], const char *owner, const char *member,
                                      size_t member_len)
{
    sg_policy *p = sg_policy_new_default();
    p->generation = generation;
    for (int part = 0; part < SG_PART_COUNT; part++) {
        if (part != SG_PART_GROUPS && !sg_policy_decode_part(p, (sg_policy_part)part, data[part], len[part])) {
            sg_policy_free(p);
            return NULL;
        }
    }
    if (!sg_policy_decode_owner_groups(p, owner, member, member_len)) {
        sg_policy_free(p);
        return NULL;
    }
    return p;
}
