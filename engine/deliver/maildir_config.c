/* maildir_config.c - the Maildir writer's options from the configuration
 * (engine/deliver/maildir.h). */
#include <string.h>

#include "base/config.h"
#include "engine/deliver/maildir.h"

void sg_maildir_options_from_config(const sg_config *cfg, sg_maildir_options *opt)
{
    const char *autocreate = sg_config_get(cfg, "lda_mailbox_autocreate");
    const char *fsync_mode = sg_config_get(cfg, "mail_fsync");
    memset(opt, 0, sizeof *opt);
    opt->autocreate = autocreate && strcmp(autocreate, "yes") == 0;
    opt->no_fsync = fsync_mode && strcmp(fsync_mode, "never") == 0;
    opt->hostname = sg_config_get(cfg, "hostname");
}
