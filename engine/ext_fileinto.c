/* ext_fileinto.c - the "fileinto" extension (RFC 5228 §4.1). */
#include "ids.h"
#include "registry.h"

static const sg_command_def fileinto_commands[] = {
    {"fileinto", false, 1, 1, {{SG_T_STRING, "mailbox"}}, SG_SUB_NONE, false, 0, NULL, 0, NULL,
     SG_CMD_FILEINTO},
};

const sg_extension sg_ext_fileinto = {
    .name = "fileinto", .commands = fileinto_commands, .ncommands = SG_COUNT(fileinto_commands)};
