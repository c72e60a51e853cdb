/* userdb_ldap.c - the ldap source of store/userdb.h: a user is the one entry
 * under ldap_base that ldap_user_filter finds for the lookup key (%u the
 * key, %n its local part, %d its domain: store/ldap_dir.h), its uid, gid,
 * home, mail location and password hash in the attributes that
 * ldap_user_uid_attribute and the like name. Not cached: every lookup asks
 * the directory (the MTA asks once per recipient); a directory that cannot
 * answer within ldap_timeout is a temporary failure (4xx), never "no such
 * user". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/ldap_dir.h"
#include "store/userdb_source.h"

enum { A_UID, A_GID, A_HOME, A_MAIL, A_PASSWORD, A_COUNT };

static const struct {
    const char *key, *def;
} attribute_keys[A_COUNT] = {
    [A_UID] = {"ldap_user_uid_attribute", SG_USERDB_LDAP_UID_ATTRIBUTE},
    [A_GID] = {"ldap_user_gid_attribute", SG_USERDB_LDAP_GID_ATTRIBUTE},
    [A_HOME] = {"ldap_user_home_attribute", SG_USERDB_LDAP_HOME_ATTRIBUTE},
    [A_MAIL] = {"ldap_user_mail_attribute", ""},
    [A_PASSWORD] = {"ldap_user_password_attribute", ""},
};

struct sg_userdb_ldap {
    sg_ldap *dir;
    char *attrs[A_COUNT]; /* NULL: not read */
};

bool sg_userdb_ldap_open(const sg_config *cfg, sg_userdb_ldap **out, char *err, size_t errlen)
{
    *out = NULL;
    sg_ldap_options opt;
    if (!sg_ldap_options_from_config(cfg, &opt, err, errlen))
        return false;
    if (!opt.uri) {
        snprintf(err, errlen, "userdb = ldap needs ldap_uri");
        return false;
    }
    sg_userdb_ldap *s = sg_xmalloc(sizeof *s);
    for (int i = 0; i < A_COUNT; i++) {
        const char *v = sg_config_get(cfg, attribute_keys[i].key);
        v = v ? v : attribute_keys[i].def;
        s->attrs[i] = *v ? sg_xstrdup(v) : NULL;
    }
    s->dir = sg_ldap_open(&opt);
    *out = s;
    return true;
}

void sg_userdb_ldap_close(sg_userdb_ldap *s)
{
    if (!s)
        return;
    sg_ldap_close(s->dir);
    for (int i = 0; i < A_COUNT; i++)
        free(s->attrs[i]);
    free(s);
}

/* A uid or gid attribute: -1 when absent; false when not a number. */
static bool id_value(const char *v, long long *out)
{
    *out = -1;
    if (!v)
        return true;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno || n > 0x7fffffffLL)
        return false;
    *out = n;
    return true;
}

sg_userdb_status sg_userdb_ldap_lookup(sg_userdb_ldap *s, const char *key, sg_arena *arena, sg_userdb_entry *entry,
                                       char *err, size_t errlen)
{
    memset(entry, 0, sizeof *entry);
    const char *names[A_COUNT], *values[A_COUNT];
    size_t idx[A_COUNT], n = 0;
    for (int i = 0; i < A_COUNT; i++)
        if (s->attrs[i]) {
            idx[i] = n;
            names[n++] = s->attrs[i];
        }
    bool found;
    if (sg_ldap_find_user(s->dir, key, names, n, arena, &found, values, err, errlen) != SG_LDAP_OK)
        return SG_USERDB_TEMPFAIL;
    if (!found)
        return SG_USERDB_NOTFOUND;
#define VALUE(i) (s->attrs[i] ? values[idx[i]] : NULL)
    entry->name = sg_arena_strdup(arena, key);
    const char *pw = VALUE(A_PASSWORD);
    entry->password = (char *)(pw ? pw : "");
    entry->home = (char *)VALUE(A_HOME);
    entry->mail = (char *)VALUE(A_MAIL);
    if (!id_value(VALUE(A_UID), &entry->uid) || !id_value(VALUE(A_GID), &entry->gid) ||
        (entry->home && entry->home[0] != '/')) {
        snprintf(err, errlen, "userdb ldap %s: the entry of \"%s\" has an invalid uid, gid or home",
                 sg_ldap_uri(s->dir), key);
        return SG_USERDB_TEMPFAIL;
    }
#undef VALUE
    return SG_USERDB_FOUND;
}
