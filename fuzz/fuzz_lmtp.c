/* fuzz_lmtp.c - libFuzzer target: the LMTP session (server/lmtp/
 * lmtp_session.c) and its command parser (lmtp_command.c), fed a client's
 * bytes in pieces.
 *
 * Takes: any byte string; its first octet sets the size of the pieces the
 * rest is fed in (1..256), so that commands, DATA and BDAT are cut anywhere.
 * Checks: no crash or sanitizer report; every reply is a well-formed line
 * ("DDD " or "DDD-", printable, CRLF-terminated, at most 512 octets); a
 * delivered message holds no NUL and is within the size limit (its line
 * ends: tests/unit_lmtp); one reply per recipient comes after each delivery.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/lmtp/lmtp_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct state {
    size_t max_message;
    size_t deliveries;
} state;

static bool rcpt(void *ctx, const sg_lmtp_txn *t, const char *address, void **user, char *reply, size_t replylen)
{
    (void)ctx;
    (void)t;
    *user = NULL;
    bool yes = strchr(address, 'a') != NULL;
    snprintf(reply, replylen, yes ? "250 2.1.5 OK" : "550 5.1.1 <%.100s> User doesn't exist", address);
    return yes;
}

static void deliver(void *ctx, const sg_lmtp_txn *t, size_t i, char *reply, size_t replylen)
{
    state *st = ctx;
    if (i >= t->nrcpt || t->len > st->max_message || memchr(t->data, '\0', t->len))
        abort();
    st->deliveries++;
    snprintf(reply, replylen, "250 2.0.0 <%.300s> Saved", t->rcpt[i].address);
}

static bool check_replies(void *ctx, const char *out, size_t len)
{
    (void)ctx;
    size_t i = 0;
    while (i < len) {
        const char *lf = memchr(out + i, '\n', len - i);
        if (!lf)
            abort();
        size_t n = (size_t)(lf - (out + i)) + 1;
        const char *l = out + i;
        if (n < 6 || n > 512 || l[n - 2] != '\r' || (l[3] != ' ' && l[3] != '-'))
            abort();
        if (l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' || l[2] > '9')
            abort();
        for (size_t k = 0; k < n - 2; k++)
            if ((unsigned char)l[k] < 0x20 || l[k] == 0x7f)
                abort();
        i += n;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    state st = {4096, 0};
    sg_lmtp_limits lim;
    sg_lmtp_limits_default(&lim, "fuzz.test");
    lim.max_message = st.max_message;
    lim.max_line = 600;
    lim.max_recipients = 100;
    sg_lmtp_hooks hooks = {rcpt, deliver, NULL, &st, check_replies, &st};
    sg_lmtp_session *s = sg_lmtp_session_new(&lim, &hooks);
    sg_lmtp_session_greet(s);
    for (size_t i = 1; i < size && !sg_lmtp_session_closed(s); i += step) {
        sg_lmtp_session_input(s, (const char *)data + i, size - i < step ? size - i : step);
        sg_lmtp_session_flush(s);
    }
    sg_lmtp_session_stop(s);
    sg_lmtp_session_flush(s);
    sg_lmtp_session_free(s);
    return 0;
}
