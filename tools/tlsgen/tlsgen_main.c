/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tlslb-tlsgen OUTDIR: run every named scenario and write each direction of its
 * recorded connection to OUTDIR/<name>.client and OUTDIR/<name>.server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tlsgen.h"
#include "tlsgen_scenarios.h"

static int
write_file(const char *dir, const char *name, const char *suffix,
	   const struct tlsgen_stream *stream)
{
	char path[4096];
	FILE *f;
	int ret = 0;

	if (snprintf(path, sizeof(path), "%s/%s.%s", dir, name, suffix) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "wb");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "tlslb-tlsgen: %s: %s\n", path, strerror(errno));
		return ret;
	}
	if (fwrite(stream->data, 1, stream->len, f) != stream->len)
		ret = -EIO;
	if (fclose(f) != 0 && ret == 0)
		ret = -EIO;
	if (ret < 0)
		fprintf(stderr, "tlslb-tlsgen: %s: write failed\n", path);
	return ret;
}

static int
generate(const char *dir, const struct tlsgen_scenario *scenario)
{
	struct tlsgen_result result;
	int ret;

	ret = tlsgen_run(&scenario->params, &result);
	if (ret < 0) {
		fprintf(stderr, "tlslb-tlsgen: %s: handshake failed (%s)\n", scenario->name,
			strerror(-ret));
		return ret;
	}
	ret = write_file(dir, scenario->name, "client", &result.client);
	if (ret == 0)
		ret = write_file(dir, scenario->name, "server", &result.server);
	tlsgen_result_free(&result);
	return ret;
}

int
main(int argc, char **argv)
{
	size_t i;
	int failed = 0;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: tlslb-tlsgen OUTDIR\n"
				"writes OUTDIR/<scenario>.client and .server for each scenario:\n");
		for (i = 0; i < tlsgen_n_scenarios; i++)
			fprintf(stderr, "  %-24s %s\n", tlsgen_scenarios[i].name,
				tlsgen_scenarios[i].description);
		return 2;
	}
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "tlslb-tlsgen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (i = 0; i < tlsgen_n_scenarios; i++)
		if (generate(argv[1], &tlsgen_scenarios[i]) < 0)
			failed = 1;
	return failed;
}
