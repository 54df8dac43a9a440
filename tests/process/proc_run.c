/* SPDX-License-Identifier: BSD-3-Clause */
#define _GNU_SOURCE
#include "proc_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_MAX_ARGS 32

int proc_dir_make(struct proc_dir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/tlslb-proc-XXXXXX");
	return mkdtemp(d->path) ? 0 : -errno;
}

/* A flat directory and the files in it. */
static void remove_flat_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	char p[512];

	if (!dir)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		unlink(p);
	}
	closedir(dir);
	rmdir(path);
}

void proc_dir_remove(struct proc_dir *d)
{
	remove_flat_dir(d->path);
}

/* EAL leaves its runtime directory behind even with --no-shconf. */
static void remove_runtime_dir(const char *prefix)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char p[512];

	snprintf(p, sizeof(p), "%s/dpdk/%s", getuid() == 0 || !xdg ? "/var/run" : xdg, prefix);
	remove_flat_dir(p);
}

const char *proc_dir_file(const struct proc_dir *d, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", d->path, name);
	return buf;
}

int proc_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		rc = -EIO;
	if (fclose(f) != 0)
		rc = -EIO;
	return rc;
}

int proc_write_pcap(const char *path, const struct proc_frame *frames, size_t n)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *dump;

	if (!p)
		return -ENOMEM;
	dump = pcap_dump_open(p, path);
	if (!dump) {
		pcap_close(p);
		return -EIO;
	}
	for (size_t i = 0; i < n; i++) {
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = 1700000000, .tv_usec = (suseconds_t)i },
			.caplen = (bpf_u_int32)frames[i].len,
			.len = (bpf_u_int32)frames[i].len,
		};

		pcap_dump((u_char *)dump, &h, frames[i].data);
	}
	pcap_dump_close(dump);
	pcap_close(p);
	return 0;
}

int proc_read_pcap(const char *path, struct proc_result *r)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int rc;

	if (access(path, F_OK) != 0)
		return 0;
	p = pcap_open_offline(path, errbuf);
	if (!p)
		return -EIO;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		struct proc_frame *f;

		if (r->n_frames == PROC_MAX_FRAMES)
			break;
		f = &r->frames[r->n_frames++];
		f->len = h->caplen < PROC_FRAME_MAX ? h->caplen : PROC_FRAME_MAX;
		memcpy(f->data, data, f->len);
	}
	pcap_close(p);
	return rc == -1 ? -EIO : 0;
}

/* Two lcores whatever the machine: a main one and a worker, sharing a CPU if need be. */
static void lcore_arg(char *buf, size_t len)
{
	cpu_set_t set;
	int first = -1, second = -1;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && second < 0; c++) {
			if (!CPU_ISSET(c, &set))
				continue;
			if (first < 0)
				first = c;
			else
				second = c;
		}
	}
	if (first < 0)
		first = 0;
	if (second < 0)
		second = first;
	snprintf(buf, len, "--lcores=0@%d,1@%d", first, second);
}

static void read_log(const char *path, struct proc_result *r)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	r->log[0] = '\0';
	if (!f)
		return;
	n = fread(r->log, 1, sizeof(r->log) - 1, f);
	r->log[n] = '\0';
	fclose(f);
}

static int wait_deadline(pid_t pid, unsigned timeout_s)
{
	struct timespec step = { .tv_nsec = 10 * 1000 * 1000 };
	unsigned long waited_ms = 0;
	int status;

	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -1;
		if (waited_ms >= (unsigned long)timeout_s * 1000) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		nanosleep(&step, NULL);
		waited_ms += 10;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int proc_run_daemon(const char *tlslb, const struct proc_dir *d, const char *in,
		    const char *out, const char *conf, const char *const *extra,
		    unsigned timeout_s, struct proc_result *r)
{
	static unsigned run_seq;
	char vdev[1024], prefix[64], lcores[64], logpath[512], sock[512];
	const char *argv[PROC_MAX_ARGS];
	unsigned n = 0;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	snprintf(vdev, sizeof(vdev), "net_pcap0,rx_pcap=%s,tx_pcap=%s", in, out);
	snprintf(prefix, sizeof(prefix), "proc_%d_%u", (int)getpid(), run_seq++);
	lcore_arg(lcores, sizeof(lcores));
	proc_dir_file(d, "daemon.log", logpath, sizeof(logpath));
	/* a control socket of its own: runs may overlap */
	snprintf(sock, sizeof(sock), "%s/tlslb-%u.sock", d->path, run_seq);

	argv[n++] = tlslb;
	argv[n++] = "--no-huge";
	argv[n++] = "--no-pci";
	argv[n++] = "-m";
	argv[n++] = "256";
	argv[n++] = "--no-shconf";
	argv[n++] = "--no-telemetry";
	argv[n++] = "--file-prefix";
	argv[n++] = prefix;
	argv[n++] = lcores;
	argv[n++] = "--log-level=lib.eal:error";
	argv[n++] = "--vdev";
	argv[n++] = vdev;
	argv[n++] = "--";
	argv[n++] = "--config";
	argv[n++] = conf;
	argv[n++] = "--exit-after-idle";
	argv[n++] = "300";
	argv[n++] = "--socket";
	argv[n++] = sock;
	for (; extra && *extra && n < PROC_MAX_ARGS - 1; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
		execv(tlslb, (char *const *)argv);
		_exit(127);
	}
	r->exit_code = wait_deadline(pid, timeout_s);
	remove_runtime_dir(prefix);
	read_log(logpath, r);
	return proc_read_pcap(out, r);
}
