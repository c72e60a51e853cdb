/* ids.h - numeric identities of commands, tests and class members, read by
 * the interpreter to dispatch. One enum so that ids never collide. Tags have
 * none: they are found by name (sg_bound_tag_find). */
#ifndef SG_IDS_H
#define SG_IDS_H

enum sg_id {
    SG_ID_NONE = 0,
    /* RFC 5228 §3 control commands */
    SG_CMD_REQUIRE,
    SG_CMD_IF,
    SG_CMD_ELSIF,
    SG_CMD_ELSE,
    SG_CMD_STOP,
    /* RFC 5228 §4 actions */
    SG_CMD_KEEP,
    SG_CMD_DISCARD,
    SG_CMD_REDIRECT,
    SG_CMD_FILEINTO,
    SG_CMD_VACATION,
    SG_CMD_REJECT,
    SG_CMD_EREJECT,
    SG_CMD_SET,
    SG_CMD_SETFLAG,
    SG_CMD_ADDFLAG,
    SG_CMD_REMOVEFLAG,
    SG_TEST_STRING,
    SG_TEST_HASFLAG,
    SG_CMD_NOTIFY, /* RFC 5435 */
    SG_TEST_VALID_NOTIFY_METHOD,
    SG_TEST_NOTIFY_METHOD_CAPABILITY,
    SG_TEST_DUPLICATE, /* RFC 7352 */
    /* RFC 5228 §5 tests */
    SG_TEST_ADDRESS,
    SG_TEST_ALLOF,
    SG_TEST_ANYOF,
    SG_TEST_ENVELOPE,
    SG_TEST_EXISTS,
    SG_TEST_FALSE,
    SG_TEST_HEADER,
    SG_TEST_NOT,
    SG_TEST_SIZE,
    SG_TEST_TRUE,
    /* match types (RFC 5228 §2.7.1) */
    SG_MATCH_IS,
    SG_MATCH_CONTAINS,
    SG_MATCH_MATCHES,
    SG_MATCH_VALUE, /* RFC 5231 */
    SG_MATCH_COUNT,
    /* address parts (RFC 5228 §2.7.4) */
    SG_ADDR_ALL,
    SG_ADDR_LOCALPART,
    SG_ADDR_DOMAIN,
    SG_ADDR_USER,   /* RFC 5233 */
    SG_ADDR_DETAIL,
    /* comparators (RFC 4790 §9) */
    SG_CMP_OCTET,
    SG_CMP_ASCII_CASEMAP,
    SG_CMP_ASCII_NUMERIC,
    /* include (RFC 6609), spamtest/spamtestplus/virustest (RFC 5235), extlists (RFC 6134) */
    SG_CMD_INCLUDE,
    SG_CMD_RETURN,
    SG_CMD_GLOBAL,
    SG_TEST_SPAMTEST,
    SG_TEST_VIRUSTEST,
    SG_MATCH_LIST,
    SG_TEST_VALID_EXT_LIST,
    /* RFC 5173 body, RFC 5703 mime / foreverypart / extracttext */
    SG_TEST_BODY,
    SG_CMD_FOREVERYPART,
    SG_CMD_BREAK,
    SG_CMD_EXTRACTTEXT,
    /* issue 4, language part: draft-murchison-sieve-regex, RFC 5260 date/index,
     * RFC 5183 environment, RFC 5463 ihave/error */
    SG_MATCH_REGEX,
    SG_TEST_DATE,
    SG_TEST_CURRENTDATE,
    SG_TEST_ENVIRONMENT,
    SG_TEST_IHAVE,
    SG_CMD_ERROR,
    /* editheader (RFC 5293), mailbox (RFC 5490), special-use (RFC 8579), fcc (RFC 8580) */
    SG_CMD_ADDHEADER,
    SG_CMD_DELETEHEADER, /* with :index / :last (RFC 5260 §6) */
    SG_TEST_MAILBOXEXISTS,
    SG_TEST_METADATA,
    SG_TEST_METADATAEXISTS,
    SG_TEST_SERVERMETADATA,
    SG_TEST_SERVERMETADATAEXISTS,
    SG_TEST_SPECIALUSE_EXISTS,
    /* extlists (RFC 6134): "redirect :list" (SG_MATCH_LIST, SG_TEST_VALID_EXT_LIST above) */
};

#endif
