/* cmd_tool: what `tool` shares with `compare`. */
#ifndef SOS_CMD_TOOL_H
#define SOS_CMD_TOOL_H

#include <stdbool.h>

#include "cmd.h"

/* Prints every tool (or comparison) page by page as it arrives: never the
 * whole catalogue in memory, on either side. JSON: one array. x is
 * connected to submission. The exit code. */
int sos_cmd_tool_pages(sos_cmd_ctx *x, bool comparisons);

#endif
