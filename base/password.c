/* password.c - see password.h. */
#include "base/password.h"

#include <crypt.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/dl_load.h"

typedef struct crypt_lib {
    char *(*crypt_r)(const char *phrase, const char *setting, struct crypt_data *data);
} crypt_lib;

static const sg_dl_symbol symbols[] = {{"crypt_r", offsetof(crypt_lib, crypt_r)}};

/* A hash of "x" with the default cost (rounds=5000), for sg_password_burn. */
#define BURN_HASH "$6$sievegate.burn$RqiLscMtANQEbvozIWMelBMhqrJ0hfzVon/g6MtIFpns7O4tVaiHNSVuXJ2KH2vF2MVCkpCvcVpsZSXFEga.c/"

/* Equal in constant time for strings of the same length. */
static bool same(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b))
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

bool sg_password_preload(char *err, size_t errlen)
{
    crypt_lib lib;
    void *h = sg_dl_load_table(SG_CRYPT_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, symbols,
                               sizeof symbols / sizeof *symbols, &lib, sizeof lib, err, errlen);
    if (h)
        dlclose(h); /* RTLD_NODELETE: it stays mapped */
    return h != NULL;
}

/* crypt_r of the password with the stored hash as its setting. */
static sg_password_result crypt_check(const char *hash, const char *password, char *err, size_t errlen)
{
    crypt_lib lib;
    void *h = sg_dl_load_table(SG_CRYPT_LIB_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, symbols,
                               sizeof symbols / sizeof *symbols, &lib, sizeof lib, err, errlen);
    if (!h)
        return SG_PASSWORD_ERROR;
    struct crypt_data *data = sg_xmalloc(sizeof *data);
    memset(data, 0, sizeof *data);
    const char *out = lib.crypt_r(password, hash, data);
    sg_password_result r;
    if (!out || out[0] == '*') { /* libxcrypt: "*0" / "*1" for a setting it cannot use */
        snprintf(err, errlen, "the stored hash is not one crypt(3) knows");
        r = SG_PASSWORD_ERROR;
    } else {
        r = same(out, hash) ? SG_PASSWORD_MATCH : SG_PASSWORD_MISMATCH;
    }
    explicit_bzero(data, sizeof *data);
    free(data);
    dlclose(h);
    return r;
}

typedef struct scheme {
    const char *name;
    const char *prefix; /* the crypt method's; NULL: any (CRYPT), "" plain text */
} scheme;

static const scheme schemes[] = {
    {"SHA512-CRYPT", "$6$"}, {"SHA256-CRYPT", "$5$"}, {"MD5-CRYPT", "$1$"}, {"BLF-CRYPT", "$2"},
    {"CRYPT", NULL},         {"PLAIN", ""},           {"CLEAR", ""},       {"CLEARTEXT", ""},
};

sg_password_result sg_password_verify(const char *stored, const char *password, char *err, size_t errlen)
{
    const scheme *sc = &schemes[4]; /* CRYPT */
    const char *hash = stored;
    if (stored[0] == '{') {
        const char *close = strchr(stored, '}');
        sc = NULL;
        for (size_t i = 0; close && i < sizeof schemes / sizeof *schemes; i++)
            if (strlen(schemes[i].name) == (size_t)(close - stored - 1) &&
                strncasecmp(stored + 1, schemes[i].name, (size_t)(close - stored - 1)) == 0)
                sc = &schemes[i];
        if (!sc) {
            snprintf(err, errlen, "unknown password scheme %.40s", stored);
            return SG_PASSWORD_ERROR;
        }
        hash = close + 1;
    }
    if (!*hash) {
        snprintf(err, errlen, "no password is set");
        return SG_PASSWORD_ERROR;
    }
    if (sc->prefix && !*sc->prefix)
        return same(hash, password) ? SG_PASSWORD_MATCH : SG_PASSWORD_MISMATCH;
    if (sc->prefix && strncmp(hash, sc->prefix, strlen(sc->prefix)) != 0) {
        snprintf(err, errlen, "a {%s} hash must start with %s", sc->name, sc->prefix);
        return SG_PASSWORD_ERROR;
    }
    return crypt_check(hash, password, err, errlen);
}

void sg_password_burn(void)
{
    char err[256];
    (void)crypt_check(BURN_HASH, "", err, sizeof err);
}
