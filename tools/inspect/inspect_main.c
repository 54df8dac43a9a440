/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb-inspect: read captures, follow every TCP connection, and report what
 * the balancer's parsers make of each: the ClientHello and the server's verdict.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "inspect_decode.h"
#include "inspect_flow.h"
#include "inspect_json.h"
#include "inspect_table.h"

#define PROG "tlslb-inspect"
#define KEY_NAME_LEN_MAX 32

struct inspect_opts {
	bool help;
	bool table;
	uint8_t key_name_len;
};

static void
usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [--table] [--key-name-len N] FILE...\n"
		"Read pcap/pcapng captures and print, for every TCP connection, what the\n"
		"ClientHello parser and the server-flight scanner make of it:\n"
		"one JSON object per line, or an aligned table with --table.\n"
		"  --table            human-readable table\n"
		"  --key-name-len N   session-ticket key name length, 1..%d (default %u)\n"
		"Exit status: 0 when every file was read, 1 otherwise, 2 on bad usage.\n",
		KEY_NAME_LEN_MAX, TLSP_KEY_NAME_LEN_DEFAULT);
}

static int
parse_key_name_len(const char *arg, uint8_t *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < 1 || n > KEY_NAME_LEN_MAX)
		return -EINVAL;
	*out = (uint8_t)n;
	return 0;
}

static int
parse_args(int argc, char **argv, struct inspect_opts *opts)
{
	static const struct option longopts[] = {
		{ "table", no_argument, NULL, 't' },
		{ "key-name-len", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "tk:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opts->table = true;
			break;
		case 'k':
			if (parse_key_name_len(optarg, &opts->key_name_len) < 0) {
				fprintf(stderr, PROG ": --key-name-len wants 1..%d, not '%s'\n",
					KEY_NAME_LEN_MAX, optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			opts->help = true;
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* Frames that were not turned into segments, by why; the dull reasons are not reported. */
static void
report_skipped(const char *path, const unsigned long *skipped)
{
	static const enum decode_result worth_a_note[] = {
		DECODE_IP_FRAGMENT,
		DECODE_TRUNCATED,
		DECODE_BAD_HEADER,
	};
	size_t i;

	for (i = 0; i < sizeof(worth_a_note) / sizeof(worth_a_note[0]); i++) {
		enum decode_result r = worth_a_note[i];

		if (skipped[r] != 0)
			fprintf(stderr, PROG ": %s: note: %lu frame%s skipped (%s)\n", path,
				skipped[r], skipped[r] == 1 ? "" : "s", decode_result_name(r));
	}
}

/* Read every frame; on a read error, *error holds libpcap's message. */
static void
read_frames(pcap_t *pcap, struct flow_table *table, unsigned long *skipped, char *error,
	    size_t error_size)
{
	int dlt = pcap_datalink(pcap);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int rc;

	while ((rc = pcap_next_ex(pcap, &hdr, &data)) == 1) {
		struct tcp_packet pkt;
		enum decode_result res = decode_frame(dlt, data, hdr->caplen, &pkt);

		if (res == DECODE_TCP)
			flow_table_packet(table, &pkt);
		else
			skipped[res]++;
	}
	if (rc == PCAP_ERROR)
		snprintf(error, error_size, "%s", pcap_geterr(pcap));
}

static int
inspect_file(const char *path, const struct inspect_opts *opts)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	char error[PCAP_ERRBUF_SIZE + 64] = "";
	unsigned long skipped[DECODE__COUNT] = { 0 };
	struct flow_table *table = NULL;
	pcap_t *pcap = NULL;
	const struct flow *flow;
	FILE *fp;
	int dlt, ret = 0;

	/* opened here so that the error names the file once, in our words */
	fp = fopen(path, "rb");
	if (fp == NULL) {
		ret = -errno;
		snprintf(error, sizeof(error), "%s", strerror(-ret));
		goto out;
	}
	pcap = pcap_fopen_offline(fp, errbuf);
	if (pcap == NULL) {
		fclose(fp);
		snprintf(error, sizeof(error), "%s", errbuf);
		ret = -EINVAL;
		goto out;
	}
	dlt = pcap_datalink(pcap);
	if (!decode_link_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		snprintf(error, sizeof(error), "unsupported link type %s (%d)",
			 name != NULL ? name : "?", dlt);
		ret = -ENOTSUP;
		goto out;
	}
	table = flow_table_new(opts->key_name_len);
	if (table == NULL) {
		snprintf(error, sizeof(error), "%s", strerror(errno));
		ret = -ENOMEM;
		goto out;
	}
	read_frames(pcap, table, skipped, error, sizeof(error));
	if (error[0] != '\0')
		ret = -EIO;
	/* what was read before an error is still worth showing */
	flow_table_finish(table);
	if (opts->table)
		table_print(stdout, path, table);
	else
		for (flow = flow_table_first(table); flow != NULL; flow = flow->next)
			json_print_flow(stdout, path, flow);
	report_skipped(path, skipped);
out:
	fflush(stdout);
	if (ret < 0)
		fprintf(stderr, PROG ": %s: %s\n", path, error);
	flow_table_free(table);
	if (pcap != NULL)
		pcap_close(pcap);
	return ret;
}

int
main(int argc, char **argv)
{
	struct inspect_opts opts = { 0 };
	int i, status = 0;

	if (parse_args(argc, argv, &opts) < 0)
		return 2;
	if (opts.help) {
		usage(stdout);
		return 0;
	}
	for (i = optind; i < argc; i++)
		if (inspect_file(argv[i], &opts) < 0)
			status = 1;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": writing output: %s\n", strerror(errno));
		status = 1;
	}
	return status;
}
