/* ext_subaddress.c - the "subaddress" extension (RFC 5233): the address parts
 * :user and :detail around the configured separator (default "+"). */
#include <string.h>

#include "engine/mail/addrlist.h"
#include "engine/core/ids.h"
#include "engine/core/registry.h"

/* The local part is split at the first separator, as Postfix does with
 * recipient_delimiter (RFC 5233 §4 leaves repeated separators to the system). */
static bool user_part(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len)
{
    (void)arena;
    if (!mb->valid || !mb->local)
        return false;
    const char *s = *sep ? strstr(mb->local, sep) : NULL;
    *out = mb->local;
    *len = s ? (size_t)(s - mb->local) : strlen(mb->local);
    return true;
}

static bool detail_part(const sg_mailbox *mb, const char *sep, sg_arena *arena, const char **out, size_t *len)
{
    (void)arena;
    if (!mb->valid || !mb->local || !*sep)
        return false;
    const char *s = strstr(mb->local, sep);
    if (!s)
        return false; /* no detail: matches no key (RFC 5233 §4) */
    *out = s + strlen(sep);
    *len = strlen(*out);
    return true;
}

static const sg_class_member subaddress_members[] = {
    {.cls = SG_CLASS_ADDRPART, .name = "user", .id = SG_ADDR_USER, .part = user_part},
    {.cls = SG_CLASS_ADDRPART, .name = "detail", .id = SG_ADDR_DETAIL, .part = detail_part},
};

const sg_extension sg_ext_subaddress = {
    .name = "subaddress", .members = subaddress_members, .nmembers = SG_COUNT(subaddress_members)};
