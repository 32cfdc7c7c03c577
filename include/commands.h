/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One entry point per subcommand, one file each (src/cmd_*.c). */
#ifndef EWOE_COMMANDS_H
#define EWOE_COMMANDS_H

#include "ewoe.h"

extern const struct ewoe_cmd ewoe_commands[];

#endif
