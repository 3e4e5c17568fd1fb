/* cmd_tool: what `tool` shares with `compare`. */
#ifndef SOS_CMD_TOOL_H
#define SOS_CMD_TOOL_H

#include <stdbool.h>

#include "cmd.h"

/* Prints every tool (or comparison) page by page as it arrives: never the
 * whole catalogue in memory, on either side. JSON: one array. x is
 * connected to submission. The exit code. */
int sos_cmd_tool_pages(sos_cmd_ctx *x, bool comparisons);

/* sos_cmd_reply for a request naming the n tool ids at tools: a NOT_FOUND
 * for an id submission does not know says "sos: unknown tool 'X'" with the
 * id meant (sos_cmd_suggest_id) and returns 65; any other refusal as
 * sos_cmd_reply says it. */
int sos_cmd_tool_reply(sos_cmd_ctx *x, int rc, void *reply, char *const *tools, size_t n);
/* The refusal half of sos_cmd_tool_reply: st is a refusal (not OK). */
int sos_cmd_tool_refused(const sos_cmd_ctx *x, const Sos__Status *st, char *const *tools, size_t n);
#endif
