/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef KEYS_REPLY_TEXT_H
#define KEYS_REPLY_TEXT_H

#include "cp_reply.h"

/* Everything the handlers put in @r, rendered as text (valid until the next call). */
const char *keys_reply_text(const struct cp_reply *r);

#endif
