/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay_run.h"

extern char **environ;

char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0)
		goto out;
	buf = malloc((size_t)size + 1);
	if (buf == NULL)
		goto out;
	if (fread(buf, 1, (size_t)size, fp) != (size_t)size) {
		free(buf);
		buf = NULL;
		errno = EIO;
		goto out;
	}
	buf[size] = '\0';
	if (len != NULL)
		*len = (size_t)size;
out:
	fclose(fp);
	return buf;
}

int
run_program(const char *tmpdir, const char *exe, char *const argv[], struct run_result *res)
{
	posix_spawn_file_actions_t actions;
	char out_path[4096], err_path[4096];
	int rc, wstatus;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	snprintf(out_path, sizeof(out_path), "%s/run.stdout", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/run.stderr", tmpdir);
	rc = posix_spawn_file_actions_init(&actions);
	if (rc != 0)
		return -rc;
	rc = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path,
					      O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (rc == 0)
		rc = posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path,
						      O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (rc == 0)
		rc = posix_spawn(&pid, exe, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0)
		return -rc;
	if (waitpid(pid, &wstatus, 0) < 0)
		return -errno;
	res->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	res->out = read_file(out_path, NULL);
	res->err = read_file(err_path, NULL);
	if (res->out == NULL || res->err == NULL) {
		rc = -errno;
		run_result_free(res);
		return rc;
	}
	return 0;
}

void
run_result_free(struct run_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

size_t
count_lines(const char *text)
{
	size_t n = 0;

	for (; *text != '\0'; text++)
		if (*text == '\n' || text[1] == '\0')
			n++;
	return n;
}

char *
line_at(const char *text, size_t i)
{
	const char *end;

	while (i > 0) {
		text = strchr(text, '\n');
		if (text == NULL)
			return NULL;
		text++;
		i--;
	}
	if (*text == '\0')
		return NULL;
	end = strchr(text, '\n');
	if (end == NULL)
		end = text + strlen(text);
	return strndup(text, (size_t)(end - text));
}
