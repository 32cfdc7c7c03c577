/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One entry point per subcommand, one file each (src/cmd_*.c). */
#ifndef EWOE_COMMANDS_H
#define EWOE_COMMANDS_H

#include "ewoe.h"

extern const struct ewoe_cmd ewoe_commands[];

int cmd_setup_bridge(int argc, char **argv);
int cmd_enable_offload(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_tunnel(int argc, char **argv);
int cmd_setup(int argc, char **argv);
int cmd_teardown(int argc, char **argv);
int cmd_guard(int argc, char **argv);
extern const struct ewoe_cmd tunnel_commands[]; /* psk, cert, ca */

/* Each command's options (include/opts.h). */
extern const struct ewoe_cli setup_cli, verify_cli, status_cli, metrics_cli, teardown_cli,
    guard_cli, enable_offload_cli, setup_bridge_cli;

#endif
