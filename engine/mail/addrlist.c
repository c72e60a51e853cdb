/* addrlist.c - the mailboxes of an address-list header (RFC 5322 §3.4) and of
 * an envelope path (RFC 5321 §4.1.2); see addrlist.h.
 *
 * A header value is cut into tokens (atoms, quoted strings, domain literals,
 * specials; comments and whitespace dropped, §3.2.2-§3.2.5), the tokens into
 * list elements at ',' and ';' (and at ':' that opens a group, §3.4), and each
 * element is read as a mailbox. Never fails: an unterminated quote, comment or
 * literal runs to the end of the value and makes its element invalid; a
 * missing '>' makes only its own element invalid, since the next ',' still
 * ends it (only an obsolete route "<@a,@b:" may hold commas).
 *
 * Lenient where Pigeonhole is (checked with sieve-test): any text before '<'
 * is a display name ("joe@x <joe@x>"), and local parts may hold empty dot
 * parts ("a..b", ".a", "a."; RFC 5322 §4.4 obs-local-part). Domains are strict.
 */
#include "engine/mail/addrlist.h"

#include "engine/mail/message.h"

#include <stdlib.h>
#include <string.h>

#include "base/atext.h"
#include "engine/mail/encword.h"

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- tokens ---- */

typedef enum { T_ATOM, T_QUOTED, T_LITERAL, T_SPECIAL } tok_kind;

typedef struct {
    tok_kind kind;
    size_t start, end; /* in the value; a quoted string or literal includes its delimiters */
    bool broken;       /* unterminated quoted string, literal or comment */
} token;

typedef struct {
    const char *s;
    size_t len;
    token *t;
    size_t n, cap;
} lexer;

static void push(lexer *lx, tok_kind kind, size_t start, size_t end, bool broken)
{
    if (lx->n == lx->cap) {
        lx->cap = lx->cap ? lx->cap * 2 : 32;
        lx->t = sg_xrealloc(lx->t, lx->cap * sizeof *lx->t);
    }
    lx->t[lx->n++] = (token){kind, start, end, broken};
}

/* Index after the delimiter that closes the run opened at s[i], honouring
 * quoted-pairs (§3.2.1) and, for comments, nesting (§3.2.2); len + 1 when
 * the run is unterminated. */
static size_t skip_delimited(const char *s, size_t len, size_t i, char close, bool nest)
{
    char open = s[i];
    size_t depth = 1;
    for (i++; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (nest && s[i] == open)
            depth++;
        else if (s[i] == close && --depth == 0)
            return i + 1;
    }
    return len + 1;
}

static void tokenize(lexer *lx)
{
    const char *s = lx->s;
    size_t len = lx->len, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) {
            i++;
        } else if (c == '(') {
            size_t e = skip_delimited(s, len, i, ')', true);
            if (e > len) /* an unterminated comment invalidates its element */
                push(lx, T_SPECIAL, i, len, true);
            i = e > len ? len : e;
        } else if (c == '"' || c == '[') {
            size_t e = skip_delimited(s, len, i, c == '"' ? '"' : ']', false);
            push(lx, c == '"' ? T_QUOTED : T_LITERAL, i, e > len ? len : e, e > len);
            i = e > len ? len : e;
        } else if (sg_is_atext_utf8(c)) {
            size_t start = i;
            sg_encword w;
            while (i < len) {
                if (s[i] == '=' && i + 1 < len && s[i + 1] == '?' && sg_encword_scan(s + i, len - i, &w))
                    i += w.len; /* an encoded word is one atom even if its text holds specials */
                else if (sg_is_atext_utf8((unsigned char)s[i]))
                    i++;
                else
                    break;
            }
            push(lx, T_ATOM, start, i, false);
        } else {
            push(lx, T_SPECIAL, i, i + 1, false);
            i++;
        }
    }
}

static bool is_special(const lexer *lx, size_t k, char c)
{
    return lx->t[k].kind == T_SPECIAL && !lx->t[k].broken && lx->s[lx->t[k].start] == c;
}

/* ---- one mailbox ---- */

typedef struct {
    char *s;
    size_t len, cap;
} sbuf;

static void sbuf_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = sg_xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* The content of a quoted string, quoted-pairs resolved (§3.2.4). */
static void add_unquoted(sbuf *b, const char *s, size_t start, size_t end)
{
    for (size_t i = start + 1; i + 1 < end; i++) {
        if (s[i] == '\\' && i + 2 < end)
            i++;
        sbuf_add(b, s + i, 1);
    }
}

/* addr-spec = local-part "@" domain (§3.4.1) over tokens [a, b). */
static bool addr_spec(const lexer *lx, size_t a, size_t b, sbuf *local, sbuf *domain)
{
    size_t i = a;
    bool any_word = false, prev_word = false;
    for (; i < b; i++) {
        const token *t = &lx->t[i];
        if (is_special(lx, i, '.')) {
            sbuf_add(local, ".", 1);
            prev_word = false;
            continue;
        }
        if (t->kind != T_ATOM && t->kind != T_QUOTED)
            break;
        if (prev_word || t->broken)
            return false; /* two words need a dot between them */
        if (t->kind == T_QUOTED)
            add_unquoted(local, lx->s, t->start, t->end);
        else
            sbuf_add(local, lx->s + t->start, t->end - t->start);
        any_word = prev_word = true;
    }
    if (!any_word || i >= b || !is_special(lx, i, '@'))
        return false;
    i++;
    if (i < b && lx->t[i].kind == T_LITERAL) {
        if (lx->t[i].broken)
            return false;
        sbuf_add(domain, lx->s + lx->t[i].start, lx->t[i].end - lx->t[i].start);
        return i + 1 == b;
    }
    /* domain = dot-atom (§3.4.1): no empty labels */
    for (;;) {
        if (i >= b || lx->t[i].kind != T_ATOM)
            return false;
        sbuf_add(domain, lx->s + lx->t[i].start, lx->t[i].end - lx->t[i].start);
        i++;
        if (i == b)
            return true;
        if (!is_special(lx, i, '.'))
            return false;
        sbuf_add(domain, ".", 1);
        i++;
    }
}

/* mailbox = name-addr / addr-spec (§3.4), obsolete route allowed (§4.4). */
static bool mailbox(const lexer *lx, size_t a, size_t b, sbuf *local, sbuf *domain)
{
    size_t k = a;
    while (k < b && !is_special(lx, k, '<'))
        k++;
    if (k == b)
        return addr_spec(lx, a, b, local, domain);
    size_t j = k + 1;
    if (j < b && is_special(lx, j, '@')) { /* obs-route = obs-domain-list ":" */
        while (j < b && !is_special(lx, j, ':'))
            j++;
        if (j == b)
            return false;
        j++;
    }
    size_t e = j;
    while (e < b && !is_special(lx, e, '>'))
        e++;
    if (e + 1 != b) /* no '>', or text after it */
        return false;
    return addr_spec(lx, j, e, local, domain);
}

/* ---- the list ---- */

typedef struct {
    const lexer *lx;
    sg_arena *arena;
    sg_mailbox *out;
    size_t n, cap;
} list;

static void element(list *l, size_t a, size_t b, size_t text_start, size_t text_end)
{
    if (a == b)
        return; /* empty element, e.g. "a@b,,c@d" or a trailing comma (§4.4 obs-addr-list) */
    const char *s = l->lx->s;
    while (text_start < text_end && is_space((unsigned char)s[text_start]))
        text_start++;
    while (text_end > text_start && is_space((unsigned char)s[text_end - 1]))
        text_end--;
    sbuf local = {0}, domain = {0};
    sg_mailbox mb = {0};
    mb.raw = sg_arena_strndup(l->arena, s + text_start, text_end - text_start);
    if (mailbox(l->lx, a, b, &local, &domain)) {
        mb.valid = true;
        mb.local = sg_arena_strndup(l->arena, local.s ? local.s : "", local.len);
        mb.domain = sg_arena_strndup(l->arena, domain.s ? domain.s : "", domain.len);
    }
    free(local.s);
    free(domain.s);
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->out = sg_xrealloc(l->out, l->cap * sizeof *l->out);
    }
    l->out[l->n++] = mb;
}

typedef enum { ANGLE_NONE, ANGLE_ROUTE, ANGLE_ADDR } angle_state;

size_t sg_addrlist_parse(const char *value, size_t len, sg_arena *arena, sg_mailbox **out)
{
    lexer lx = {value ? value : "", value ? len : 0, NULL, 0, 0};
    tokenize(&lx);
    list l = {&lx, arena, NULL, 0, 0};
    angle_state angle = ANGLE_NONE;
    bool in_group = false, plain = true; /* plain: no '@', '<', '>' yet, may be a group name */
    size_t first = 0, text_start = 0;
    for (size_t k = 0; k < lx.n; k++) {
        const token *t = &lx.t[k];
        char c = t->kind == T_SPECIAL && !t->broken ? lx.s[t->start] : '\0';
        bool ends = false;
        if (c == '<' && angle == ANGLE_NONE)
            angle = k + 1 < lx.n && is_special(&lx, k + 1, '@') ? ANGLE_ROUTE : ANGLE_ADDR;
        else if (c == '>')
            angle = ANGLE_NONE;
        else if (c == ':' && angle == ANGLE_ROUTE)
            angle = ANGLE_ADDR;
        else if (c == ',' && angle != ANGLE_ROUTE)
            ends = true;
        else if (c == ';')
            ends = true;
        else if (c == ':' && angle == ANGLE_NONE && !in_group && plain) {
            in_group = true; /* group = display-name ":" [group-list] ";" (§3.4) */
            first = k + 1;
            text_start = t->end;
            continue;
        }
        if (c == '@' || c == '<' || c == '>')
            plain = false;
        if (!ends)
            continue;
        element(&l, first, k, text_start, t->start);
        if (c == ';')
            in_group = false;
        angle = ANGLE_NONE;
        plain = true;
        first = k + 1;
        text_start = t->end;
    }
    element(&l, first, lx.n, text_start, lx.len);
    free(lx.t);
    sg_mailbox *res = sg_arena_calloc(arena, (l.n + 1) * sizeof *res);
    if (l.n)
        memcpy(res, l.out, l.n * sizeof *res);
    free(l.out);
    *out = res;
    return l.n;
}

/* ---- envelope paths (RFC 5321 §4.1.2) ---- */

static bool ascii_ieq(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x - 'A' + 'a');
        if (x != (unsigned char)b[i])
            return false;
    }
    return true;
}

/* Mailbox = Local-part "@" ( Domain / address-literal ); Local-part =
 * Dot-string / Quoted-string. As for headers, empty dot parts are allowed in
 * the local part. "Postmaster" alone is valid (§4.1.1.3), with no domain. */
static bool envelope_mailbox(const char *s, size_t len, sg_arena *arena, sg_mailbox *mb)
{
    size_t i = 0;
    sbuf local = {0};
    if (len && s[0] == '"') {
        size_t e = skip_delimited(s, len, 0, '"', false);
        if (e > len)
            return false;
        add_unquoted(&local, s, 0, e);
        i = e;
    } else {
        while (i < len && (sg_is_atext_utf8((unsigned char)s[i]) || s[i] == '.'))
            i++;
        sbuf_add(&local, s, i);
    }
    bool ok = false;
    if (i == len && local.len && s[0] != '"' && ascii_ieq(s, len, "postmaster")) {
        mb->local = sg_arena_strndup(arena, local.s, local.len);
        mb->domain = NULL;
        ok = true;
    } else if (i > 0 && i < len && s[i] == '@' && i + 1 < len) {
        size_t d = i + 1, e = d;
        if (s[d] == '[') {
            e = skip_delimited(s, len, d, ']', false);
            ok = e == len;
        } else {
            bool label = false;
            for (ok = true; e < len && ok; e++) {
                if (s[e] == '.')
                    ok = label, label = false;
                else if (sg_is_atext_utf8((unsigned char)s[e]))
                    label = true;
                else
                    ok = false;
            }
            ok = ok && label;
        }
        if (ok) {
            mb->local = sg_arena_strndup(arena, local.s ? local.s : "", local.len);
            mb->domain = sg_arena_strndup(arena, s + d, len - d);
        }
    }
    free(local.s);
    return ok;
}

bool sg_envelope_address_parse(const char *value, sg_arena *arena, sg_mailbox *mb)
{
    const char *s = value ? value : "";
    size_t a = 0, b = strlen(s);
    while (a < b && is_space((unsigned char)s[a]))
        a++;
    while (b > a && is_space((unsigned char)s[b - 1]))
        b--;
    memset(mb, 0, sizeof *mb);
    bool bracketed = a < b && s[a] == '<';
    if (bracketed) {
        if (b - a < 2 || s[b - 1] != '>') {
            mb->raw = sg_arena_strndup(arena, s + a, b - a);
            return false;
        }
        a++, b--;
    }
    mb->raw = sg_arena_strndup(arena, s + a, b - a);
    if (a == b) { /* the null reverse-path "<>" (RFC 5321 §4.1.1.2; RFC 5228 §5.4) */
        mb->valid = true;
        mb->local = mb->domain = "";
        return true;
    }
    if (s[a] == '@') { /* A-d-l ":" (source route, §4.1.2): ignored (§3.3) */
        const char *colon = memchr(s + a, ':', b - a);
        if (!colon)
            return false;
        a = (size_t)(colon - s) + 1;
    }
    mb->valid = envelope_mailbox(s + a, b - a, arena, mb);
    if (!mb->valid)
        mb->local = mb->domain = NULL;
    return mb->valid;
}

const char *sg_message_first_address(sg_message *msg, const char *field, sg_arena *arena)
{
    const char *const *values;
    size_t n = sg_message_header_raw_values(msg, field, &values);
    for (size_t i = 0; i < n; i++) {
        sg_mailbox *mbs;
        size_t count = sg_addrlist_parse(values[i], strlen(values[i]), arena, &mbs);
        for (size_t k = 0; k < count; k++) {
            if (!mbs[k].valid)
                continue;
            size_t l = strlen(mbs[k].local), d = mbs[k].domain ? strlen(mbs[k].domain) : 0;
            char *s = sg_arena_alloc(arena, l + d + 2);
            memcpy(s, mbs[k].local, l);
            if (d) {
                s[l] = '@';
                memcpy(s + l + 1, mbs[k].domain, d + 1);
            } else {
                s[l] = '\0';
            }
            return s;
        }
    }
    return NULL;
}
