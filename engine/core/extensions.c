/* extensions.c - the built-in extensions, one line each. */
#include "engine/core/registry.h"

extern const sg_extension sg_ext_base, sg_ext_comparator_octet, sg_ext_comparator_ascii_casemap,
    sg_ext_comparator_ascii_numeric, sg_ext_fileinto, sg_ext_envelope, sg_ext_encoded_character, sg_ext_copy,
    sg_ext_vacation, sg_ext_vacation_seconds, sg_ext_reject, sg_ext_ereject, sg_ext_relational, sg_ext_subaddress,
    sg_ext_variables, sg_ext_imap4flags, sg_ext_enotify, sg_ext_duplicate;
extern const sg_extension sg_ext_include, sg_ext_spamtest, sg_ext_spamtestplus, sg_ext_virustest;
extern const sg_extension sg_ext_body, sg_ext_mime, sg_ext_foreverypart, sg_ext_extracttext;
extern const sg_extension sg_ext_regex, sg_ext_date, sg_ext_index, sg_ext_environment, sg_ext_ihave;
extern const sg_extension sg_ext_editheader, sg_ext_mailbox, sg_ext_mboxmetadata, sg_ext_servermetadata,
    sg_ext_special_use, sg_ext_fcc;
extern const sg_extension sg_ext_extlists;

const sg_extension *const sg_builtin_extensions[] = {
    &sg_ext_base,
    &sg_ext_comparator_octet,
    &sg_ext_comparator_ascii_casemap,
    &sg_ext_comparator_ascii_numeric,
    &sg_ext_fileinto,
    &sg_ext_envelope,
    &sg_ext_encoded_character,
    &sg_ext_copy,
    &sg_ext_vacation,
    &sg_ext_vacation_seconds,
    &sg_ext_reject,
    &sg_ext_ereject,
    &sg_ext_relational,
    &sg_ext_subaddress,
    &sg_ext_variables,
    &sg_ext_imap4flags,
    &sg_ext_enotify,
    &sg_ext_duplicate,
    &sg_ext_include,
    &sg_ext_spamtest,
    &sg_ext_spamtestplus,
    &sg_ext_virustest,
    &sg_ext_body, &sg_ext_foreverypart, &sg_ext_mime, &sg_ext_extracttext, /* RFC 5173, RFC 5703 */
    &sg_ext_regex,       /* draft-murchison-sieve-regex */
    &sg_ext_date,        /* RFC 5260 */
    &sg_ext_index,       /* RFC 5260 §6 */
    &sg_ext_environment, /* RFC 5183 */
    &sg_ext_ihave,       /* RFC 5463 */
    &sg_ext_editheader,
    &sg_ext_mailbox,
    &sg_ext_mboxmetadata,
    &sg_ext_servermetadata,
    &sg_ext_special_use,
    &sg_ext_fcc,
    &sg_ext_extlists, /* RFC 6134 */
};

const size_t sg_builtin_extension_count = SG_COUNT(sg_builtin_extensions);
