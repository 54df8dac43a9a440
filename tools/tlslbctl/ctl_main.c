/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_sock.h"
#include "ctl.h"

#define DEFAULT_TIMEOUT_S 30

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: tlslbctl [-s SOCKET] [-j] [-t SECONDS] [COMMAND...]\n"
		"Sends one COMMAND to tlslb's control socket and prints the answer; without a\n"
		"COMMAND, an interactive shell (history in ~/.tlslb_history).\n"
		"  -s, --socket PATH     the control socket (default $TLSLB_SOCKET, else %s)\n"
		"  -j, --json            answers as JSON instead of aligned text\n"
		"  -t, --timeout SECONDS give up after that long (default %d; 0: wait forever)\n"
		"  -h, --help            this text; `tlslbctl help [COMMAND]` describes the commands\n"
		"      --complete WORD...  completion candidates for the last WORD, one a line\n"
		"exit status: 0 done; 1 the command failed (the reason on stderr); 2 usage error;\n"
		"             3 the daemon could not be reached or did not answer\n",
		CP_SOCK_DEFAULT_PATH, DEFAULT_TIMEOUT_S);
}

static void
print_candidate(void *ctx, const char *candidate)
{
	(void)ctx;
	puts(candidate);
}

static int
parse_timeout(const char *s, int *ms)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > INT_MAX / 1000)
		return -EINVAL;
	*ms = v == 0 ? -1 : (int)v * 1000;
	return 0;
}

int
main(int argc, char **argv)
{
	enum { OPT_COMPLETE = 256 };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },      { "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },     { "help", no_argument, NULL, 'h' },
		{ "complete", no_argument, NULL, OPT_COMPLETE }, { NULL, 0, NULL, 0 },
	};
	struct ctl_opts o = { .timeout_ms = DEFAULT_TIMEOUT_S * 1000 };
	bool complete = false;
	char err[512], *line;
	int opt, rc;

	o.socket = getenv("TLSLB_SOCKET");
	if (o.socket == NULL || o.socket[0] == '\0')
		o.socket = CP_SOCK_DEFAULT_PATH;
	/* '+': options end at the command, whose words are never options. */
	while ((opt = getopt_long(argc, argv, "+s:jt:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o.socket = optarg;
			break;
		case 'j':
			o.json = true;
			break;
		case 't':
			if (parse_timeout(optarg, &o.timeout_ms) < 0) {
				fprintf(stderr, "tlslbctl: -t wants whole seconds, not '%s'\n",
					optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case OPT_COMPLETE:
			complete = true;
			break;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (complete) {
		ctl_complete((const char *const *)argv + optind, (unsigned)(argc - optind),
			     print_candidate, NULL);
		return CTL_EXIT_OK;
	}
	if (optind == argc)
		return ctl_shell(&o);
	if (ctl_join(argc - optind, argv + optind, &line, err, sizeof(err)) < 0) {
		fprintf(stderr, "tlslbctl: %s\n", err);
		return CTL_EXIT_USAGE;
	}
	rc = ctl_run_line(&o, line);
	free(line);
	return rc;
}
