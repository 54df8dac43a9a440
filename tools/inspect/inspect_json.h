/* SPDX-License-Identifier: BSD-3-Clause */
/* JSON lines output: one object per connection. */
#ifndef INSPECT_JSON_H
#define INSPECT_JSON_H

#include <stdio.h>

#include "tlsp_client.h"

#include "inspect_flow.h"

/*
 * The ClientHello's fields as ',"key":value' pairs, in a malloc'd string, taken
 * while the hello's views are valid. NULL on allocation failure.
 */
char *json_hello_fields(const struct tlsp_client_hello *hello);

/* One line for a settled connection. */
void json_print_flow(FILE *out, const char *file, const struct flow *flow);

#endif /* INSPECT_JSON_H */
