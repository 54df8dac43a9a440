/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a handler put in a reply, as the text tlslbctl would print (the real
 * renderer), kept until the next call: enough to grep what a handler showed.
 */
#include <stdlib.h>

#include "cp_reply.h"
#include "keys_reply_text.h"

const char *keys_reply_text(const struct cp_reply *r)
{
	static char *text;
	size_t len;

	free(text);
	text = NULL;
	if (cp_reply_render(r, CP_REPLY_TEXT, &text, &len) != 0)
		return "(reply does not render)";
	return text;
}
