/* SPDX-License-Identifier: BSD-3-Clause */
/* Human-readable output: one aligned line per connection. */
#ifndef INSPECT_TABLE_H
#define INSPECT_TABLE_H

#include <stdio.h>

#include "tlsp_client.h"

#include "inspect_flow.h"

/* Copy what the table shows of a hello, while its views are valid. */
void table_hello_summary(const struct tlsp_client_hello *hello, struct hello_summary *summary);

/* The connections of one capture, after flow_table_finish(). */
void table_print(FILE *out, const char *file, const struct flow_table *table);

#endif /* INSPECT_TABLE_H */
