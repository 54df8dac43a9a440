/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running the tlslb daemon as a child process on pcap files: write the input
 * capture, start the daemon with a deadline, collect its exit status, its
 * output and the frames it sent.
 */
#ifndef PROC_RUN_H
#define PROC_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "proc_frame.h"

#define PROC_MAX_FRAMES 64
#define PROC_LOG_MAX 8192

/** A scratch directory for one test, removed by proc_dir_remove(). */
struct proc_dir {
	char path[256];
};

struct proc_result {
	int exit_code;     /* exit status, or 128 + signal, or -1 when killed at the deadline */
	char log[PROC_LOG_MAX]; /* stdout and stderr together */
	struct proc_frame frames[PROC_MAX_FRAMES];
	size_t n_frames;
};

int proc_dir_make(struct proc_dir *d);
void proc_dir_remove(struct proc_dir *d);

/** "<dir>/<name>" into @p buf. */
const char *proc_dir_file(const struct proc_dir *d, const char *name, char *buf, size_t len);

int proc_write_text(const char *path, const char *text);
int proc_write_pcap(const char *path, const struct proc_frame *frames, size_t n);
/** Append every frame of @p path to @p r (none when the file is missing). */
int proc_read_pcap(const char *path, struct proc_result *r);

/**
 * Run tlslb on one net_pcap port (net_pcap0, rx_pcap=@p in, tx_pcap=@p out) with
 * @p conf, plus @p extra daemon options (NULL-terminated, may be NULL), and wait for
 * it to exit by itself (it is given --exit-after-idle) or kill it after @p timeout_s.
 */
int proc_run_daemon(const char *tlslb, const struct proc_dir *d, const char *in,
		    const char *out, const char *conf, const char *const *extra,
		    unsigned timeout_s, struct proc_result *r);

#endif /* PROC_RUN_H */
