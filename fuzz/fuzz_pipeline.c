/* fuzz_pipeline.c - libFuzzer targets: the whole `sievegate test` pipeline
 * with the message fuzzed. Built twice (fuzz/CMakeLists.txt):
 * - fuzz_pipeline: parse, validate, interp, plan (fixed policy, forwarding
 *   off) for scripts of a small corpus that look at every part of a message;
 * - fuzz_builders (FUZZ_BUILDERS): scripts that carry strings from the
 *   message's headers into vacation, reject, notify and redirect, and every
 *   outgoing message (DSN bounce, MDN, vacation reply, notification) built
 *   from the fuzzed original headers and envelope sender.
 *
 * Takes: one byte choosing the script, then the message.
 * Checks: no crash, sanitizer report or leak; no forward leaves corp.example
 * (fuzz_common.h); each built message's header section is CRLF, 7-bit, has
 * only its own fields, each once (no header injected from the message).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mail/addrlist.h"
#include "engine/enforce/bounce.h"
#include "engine/core/interp.h"
#include "engine/mail/mailto.h"
#include "engine/deliver/mdn.h"
#include "engine/mail/message.h"
#include "engine/deliver/notify_mail.h"
#include "engine/enforce/plan.h"
#include "engine/core/registry.h"
#include "engine/deliver/vacation.h"
#include "engine/core/validate.h"
#include "fuzz/fuzz_common.h"
#include "grammar/diag.h"
#include "grammar/parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAPTURE                                                                                                    \
    "if header :matches \"subject\" \"*\" { set \"s\" \"${1}\"; }\n"                                             \
    "if header :matches \"from\" \"*\" { set \"f\" \"${1}\"; }\n"                                                \
    "if address :all :matches \"reply-to\" \"*\" { set \"r\" \"${1}\"; }\n"

static const char *const scripts[] = {
#ifdef FUZZ_BUILDERS
    "require [\"vacation\", \"variables\"];\n" CAPTURE
    "vacation :days 1 :subject \"${s}\" :from \"${f}\" :addresses [\"${r}\", \"${f}\"] \"${s}\n${f}\";\n",
    "require [\"vacation\", \"variables\"];\n" CAPTURE "vacation :mime \"${s}\";\n",
    "require [\"vacation\"];\nvacation \"Away.\";\n",
    "require [\"reject\", \"variables\"];\n" CAPTURE "reject \"${s}\r\n${f}\";\n",
    "require [\"enotify\", \"variables\"];\n" CAPTURE
    "notify :from \"${f}\" :message \"${s}\" \"mailto:bob@corp.example?cc=${r}&subject=${s}\";\n",
    "require [\"enotify\", \"variables\"];\n" CAPTURE
    "notify \"mailto:bob@corp.example?Reply-To=${r}&In-Reply-To=x&Keywords=${s}\";\n",
    "require [\"copy\", \"variables\"];\n" CAPTURE
    "redirect :copy \"${f}\";\nredirect :copy \"${r}\";\nredirect \"spy@evil.example\";\n",
#else
    "require [\"fileinto\", \"envelope\", \"copy\"];\n"
    "if address :domain :is \"from\" \"corp.example\" { fileinto \"Work\"; }\n"
    "elsif envelope :localpart :contains \"from\" \"list\" { redirect :copy \"bob@corp.example\"; }\n"
    "elsif header :contains [\"subject\", \"x-spam\"] [\"hi\", \"yes\"] { discard; }\n"
    "elsif size :over 10K { redirect \"spy@evil.example\"; }\n",
    "require [\"variables\", \"copy\"];\n" CAPTURE
    "redirect :copy \"${f}\";\nredirect :copy \"${r}\";\nredirect :copy \"spy@${s}\";\n",
    "require [\"variables\", \"subaddress\", \"relational\", \"comparator-i;ascii-numeric\"];\n"
    "if header :value \"ge\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"5\" { discard; }\n"
    "if address :detail :contains \"to\" \"x\" { stop; }\n"
    "if address :user :matches [\"to\", \"cc\"] \"*+*\" { redirect \"${1}%${2}@corp.example\"; }\n",
    "require [\"enotify\", \"variables\"];\n" CAPTURE
    "notify \"mailto:${r}?cc=${f}\";\n",
    "require [\"imap4flags\", \"fileinto\", \"duplicate\", \"encoded-character\"];\n"
    "if duplicate { discard; } addflag \"\\\\Seen\";\n"
    "if exists \"list-id\" { fileinto :flags \"$label1\" \"${hex:4c 69 73 74 73}\"; }\n"
    "if not exists [\"date\", \"message-id\"] { keep; }\n",
#endif
};
#define NSCRIPTS (sizeof scripts / sizeof scripts[0])

static sg_registry *registry;
static sg_script *parsed[NSCRIPTS];

static void cleanup(void)
{
    for (size_t i = 0; i < NSCRIPTS; i++)
        sg_script_free(parsed[i]);
    sg_registry_free(registry);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sg_limits limits;
    sg_limits_default(&limits);
    registry = sg_registry_new();
    for (size_t i = 0; i < NSCRIPTS; i++) {
        sg_diags diags;
        sg_diags_init(&diags, 100);
        parsed[i] = sg_parse("corpus.sieve", scripts[i], strlen(scripts[i]), &limits, &diags);
        if (!sg_validate(registry, parsed[i], &limits, &diags)) {
            for (size_t k = 0; k < diags.count; k++)
                fprintf(stderr, "corpus script %zu:%u: %s\n", i, diags.items[k].loc.line, diags.items[k].message);
            abort(); /* the corpus itself must be valid */
        }
        sg_diags_clear(&diags);
    }
    atexit(cleanup);
    return 0;
}

#ifdef FUZZ_BUILDERS
static const char *const bounce_fields[] = {"from", "to", "subject", "date", "message-id", "auto-submitted",
                                            "mime-version", "content-type", NULL};
static const char *const mdn_fields[] = {"from", "to", "subject", "date", "message-id", "auto-submitted",
                                         "precedence", "mime-version", "content-type", "in-reply-to",
                                         "references", NULL};
static const char *const vacation_fields[] = {"from", "to", "subject", "date", "message-id", "auto-submitted",
                                              "in-reply-to", "references", "mime-version", "content-type",
                                              "content-transfer-encoding", "precedence", NULL};
static const char *const notify_fields[] = {"auto-submitted", "date", "message-id", "from", "to", "cc", "subject",
                                            "x-priority", "mime-version", "content-type",
                                            "content-transfer-encoding",
                                            NULL};

static void build_all(const sg_result *r, const sg_plan *plan, const sg_envelope *env, sg_message *msg,
                      sg_arena *arena)
{
    static const char *const fixed_target[] = {"spy@evil.example"};
    sg_bounce_request br = {env->from, msg, "alice@corp.example",
                            plan->nbounce_targets ? plan->bounce_targets : fixed_target,
                            plan->nbounce_targets ? plan->nbounce_targets : 1, false};
    sg_bounce_options bo = {"mx.corp.example", 1767600000, NULL, NULL, NULL};
    sg_bounce b;
    sg_bounce_build(&br, &bo, arena, &b);
    fuzz_check_header(b.data, b.len, bounce_fields, NULL, 0);
    for (size_t i = 0; i < r->count; i++) {
        const sg_action *a = &r->actions[i];
        if (a->kind == SG_ACT_REJECT) {
            sg_mdn_request mr = {env->from, env->to, "alice+orig@corp.example", msg, a->reason};
            sg_mdn_options mo = {"mx.corp.example", 1767600000, NULL, NULL, NULL};
            sg_mdn m;
            sg_mdn_due(&mr);
            sg_mdn_build(&mr, &mo, arena, &m);
            fuzz_check_header(m.data, m.len, mdn_fields, NULL, 0);
        } else if (a->kind == SG_ACT_VACATION) {
            sg_vacation_request vr = {env->from, env->to, msg, a, a->addresses, a->naddresses};
            sg_vacation_options vo = {"mx.corp.example", 1767600000, NULL};
            sg_vacation_reply v;
            sg_vacation_due(&vr, arena);
            sg_vacation_build(&vr, &vo, arena, &v);
            fuzz_check_header(v.data, v.len, vacation_fields, NULL, 0);
        } else if (a->kind == SG_ACT_NOTIFY) {
            sg_notify_request nr = {"alice@corp.example", env->from, msg, a, &plan->notify[i]};
            sg_notify_options no = {"mx.corp.example", 1767600000, NULL};
            sg_notify_mail nm;
            sg_notify_build(&nr, &no, arena, &nm);
            const char *uri_fields[SG_MAILTO_MAX_HEADERS];
            size_t nuri = 0;
            for (size_t k = 0; a->mailto && k < a->mailto->nheaders && k < SG_MAILTO_MAX_HEADERS; k++)
                uri_fields[nuri++] = a->mailto->headers[k].name;
            fuzz_check_header(nm.data, nm.len, notify_fields, uri_fields, nuri);
            for (size_t k = 0; k < nm.nenvelope_to; k++)
                if (!strstr(nm.envelope_to[k], "@corp.example"))
                    abort(); /* only allowed recipients get the notification */
        }
    }
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const sg_script *script = parsed[data[0] % NSCRIPTS];
    sg_arena *arena = sg_arena_new();
    char *mail = malloc(size);
    memcpy(mail, data + 1, size - 1);
    sg_message *msg = sg_message_parse(mail, size - 1, arena);

    /* The envelope as `sievegate test` takes it from the message. */
    sg_envelope env = {"", "alice@corp.example", NULL, NULL};
    const char *const *rp;
    sg_mailbox mb;
    if (sg_message_header_raw_values(msg, "return-path", &rp) > 0 && sg_envelope_address_parse(rp[0], arena, &mb) &&
        mb.valid && mb.raw)
        env.from = mb.raw;

    sg_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.limits.max_actions = 32;
    opt.limits.max_redirects = 4;
    opt.subaddress_separator = "+";
    opt.max_cpu_seconds = 5;
    sg_result result;
    sg_result_init(&result, arena, &opt.limits);
    sg_interp_run(registry, script, msg, &env, &opt, &result);

    sg_policy *policy = fuzz_policy(arena);
    sg_plan_input in;
    memset(&in, 0, sizeof in);
    in.owner = "alice@corp.example";
    in.envelope_sender = env.from;
    in.recipient = env.to ? env.to : "alice@corp.example";
    in.message = msg;
    in.policy = policy;
    in.unavailable_reason = "";
    sg_plan plan;
    sg_plan_build(&result, &in, arena, &plan);
    for (size_t i = 0; i < result.count; i++) {
        if (plan.decided[i])
            fuzz_check_decision(&plan.decisions[i]);
        for (size_t k = 0; k < plan.notify[i].n; k++)
            fuzz_check_decision(&plan.notify[i].rcpts[k].decision);
    }
#ifdef FUZZ_BUILDERS
    build_all(&result, &plan, &env, msg, arena);
#endif
    sg_result_free(&result);
    sg_arena_free(arena);
    free(mail);
    return 0;
}
