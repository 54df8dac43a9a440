/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keyfile-tool: writes ticket-key files through cp_keyfmt_write() for the
 * server tests, from TEST keys derived from labels (SHA-256 of the label), so
 * a script can give server A and server B the same keys in every format and
 * predict key names without ever handling key bytes itself.
 *
 *   keyfile-tool write FORMAT DIR [--aes128] [--slots N] [--file NAME] ENC KEY...
 *       ENC is the label of the encrypting key; KEY... all labels in set order
 *       (ENC among them). Prints "name LABEL HEX" per key.
 *   keyfile-tool name LABEL          prints the key name of LABEL
 *   keyfile-tool haproxy-cmd REF [--aes128] LABEL   prints the runtime API command
 *   keyfile-tool ticket-check SESSFILE [--aes128] LABEL
 *       proves a real server used LABEL's bytes where the format says: the
 *       ticket in the PEM session file (s_client -sess_out) is named by the
 *       key, its HMAC-SHA256 verifies with the HMAC key and it decrypts
 *       (AES-CBC, valid padding) with the AES key. Prints "ticket ok".
 *   keyfile-tool haproxy-push SOCKET REF LABEL      sends it to HAProxy's stats
 *       socket and prints HAProxy's answer (key bytes never reach the shell)
 *
 * Derived keys are for tests only: anyone who knows a label knows the key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "cp_keyfmt.h"

static void
kt_derive(const char *label, const char *what, uint8_t out[32])
{
	char in[256];
	unsigned len = 32;

	snprintf(in, sizeof(in), "tlslb-test-key|%s|%s", label, what);
	EVP_Digest(in, strlen(in), out, &len, EVP_sha256(), NULL);
}

static void
kt_key(const char *label, unsigned aes_len, struct cp_stek *k)
{
	uint8_t d[32];

	memset(k, 0, sizeof(*k));
	kt_derive(label, "name", d);
	memcpy(k->name, d, 16);
	kt_derive(label, "hmac", k->hmac);
	kt_derive(label, "aes", k->aes);
	k->aes_len = (uint8_t)aes_len;
	if (aes_len == 16) {
		memset(k->aes + 16, 0, 16);
		memset(k->hmac + 16, 0, 16);
	}
}

static void
kt_print_name(const char *label, const struct cp_stek *k)
{
	printf("name %s ", label);
	for (unsigned i = 0; i < 16; i++)
		printf("%02x", k->name[i]);
	printf("\n");
}

static int
kt_write(int argc, char **argv)
{
	struct cp_stek keys[CP_KEYFMT_MAX_KEYS];
	struct cp_keyfmt_opts opts = { 0 };
	struct cp_keyset set = { .keys = keys };
	char why[512] = "";
	struct cp_err err = { why, sizeof(why) };
	enum cp_keyfmt fmt;
	const char *dir, *enc = NULL;
	unsigned aes_len = 32;
	int i, rc;

	if (argc < 4 || cp_keyfmt_from_name(argv[2], &fmt) < 0)
		return 2;
	dir = argv[3];
	for (i = 4; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--aes128") == 0)
			aes_len = 16;
		else if (strcmp(argv[i], "--slots") == 0 && i + 1 < argc)
			opts.nginx_slots = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			opts.file_name = argv[++i];
		else
			return 2;
	}
	if (i >= argc)
		return 2;
	enc = argv[i++];
	for (; i < argc && set.n < CP_KEYFMT_MAX_KEYS; i++) {
		if (strcmp(argv[i], enc) == 0)
			set.encrypt = set.n;
		kt_key(argv[i], aes_len, &keys[set.n++]);
	}
	rc = cp_keyfmt_write(fmt, dir, &set, &opts, &err);
	if (rc < 0) {
		fprintf(stderr, "keyfile-tool: %s (%s)\n", why, strerror(-rc));
	} else {
		for (unsigned k = 0; k < set.n; k++)
			kt_print_name(argv[argc - (int)set.n + (int)k], &keys[k]);
	}
	OPENSSL_cleanse(keys, sizeof(keys));
	return rc < 0 ? 1 : 0;
}

/*
 * The ticket as OpenSSL-based servers make it (RFC 5077 section 4's
 * recommended layout): key_name[16] | iv[16] | AES-CBC(state) | HMAC[32],
 * the HMAC over everything before it.
 */
static const char *
kt_ticket_check(const struct cp_stek *k, const uint8_t *t, size_t len)
{
	uint8_t mac[32], plain[4096];
	unsigned mac_len = sizeof(mac);
	const EVP_CIPHER *cipher = k->aes_len == 32 ? EVP_aes_256_cbc() : EVP_aes_128_cbc();
	EVP_CIPHER_CTX *ctx;
	int n1 = 0, n2 = 0, ok;

	if (len < 16 + 16 + 16 + 32 || len - 64 > sizeof(plain))
		return "ticket too short or too long";
	if (memcmp(t, k->name, 16) != 0)
		return "ticket not named by the key";
	if (HMAC(EVP_sha256(), k->hmac, (int)cp_stek_hmac_len(k), t, len - 32, mac, &mac_len) == NULL ||
	    CRYPTO_memcmp(mac, t + len - 32, 32) != 0)
		return "HMAC does not verify with the key's HMAC bytes";
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx != NULL && EVP_DecryptInit_ex(ctx, cipher, NULL, k->aes, t + 16) == 1 &&
	     EVP_DecryptUpdate(ctx, plain, &n1, t + 32, (int)(len - 64)) == 1 &&
	     EVP_DecryptFinal_ex(ctx, plain + n1, &n2) == 1;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(plain, sizeof(plain));
	return ok ? NULL : "does not decrypt with the key's AES bytes";
}

static int
kt_ticket_check_file(const char *path, const char *label, unsigned aes_len)
{
	const unsigned char *tick = NULL;
	SSL_SESSION *sess = NULL;
	const char *why = "cannot read the session file";
	struct cp_stek k;
	size_t len = 0;
	FILE *f = fopen(path, "r");

	if (f != NULL) {
		sess = PEM_read_SSL_SESSION(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (sess != NULL) {
		SSL_SESSION_get0_ticket(sess, &tick, &len);
		kt_key(label, aes_len, &k);
		why = tick != NULL ? kt_ticket_check(&k, tick, len) : "no ticket in the session";
		OPENSSL_cleanse(&k, sizeof(k));
		SSL_SESSION_free(sess);
	}
	printf("ticket %s\n", why == NULL ? "ok" : why);
	return why == NULL ? 0 : 1;
}

static int
kt_haproxy_push(const char *sock, const char *ref, const char *label)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cmd[CP_KEYFMT_HAPROXY_CMD_MAX], reply[1024];
	struct cp_stek k;
	ssize_t got;
	int fd, n;

	kt_key(label, 32, &k);
	n = cp_keyfmt_haproxy_cmd(ref, &k, cmd, sizeof(cmd));
	OPENSSL_cleanse(&k, sizeof(k));
	if (n < 0 || strlen(sock) >= sizeof(sun.sun_path))
		return 1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		perror(sock);
		OPENSSL_cleanse(cmd, sizeof(cmd));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, cmd, (size_t)n) != n) {
		OPENSSL_cleanse(cmd, sizeof(cmd));
		close(fd);
		return 1;
	}
	OPENSSL_cleanse(cmd, sizeof(cmd));
	/* HAProxy answers and closes (non-interactive mode) */
	while ((got = read(fd, reply, sizeof(reply) - 1)) > 0) {
		reply[got] = '\0';
		fputs(reply, stdout);
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct cp_stek k;

	if (argc >= 2 && strcmp(argv[1], "write") == 0)
		return kt_write(argc, argv);
	if (argc == 3 && strcmp(argv[1], "name") == 0) {
		kt_key(argv[2], 32, &k);
		kt_print_name(argv[2], &k);
		return 0;
	}
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "haproxy-cmd") == 0) {
		char cmd[CP_KEYFMT_HAPROXY_CMD_MAX];
		int n;

		kt_key(argv[argc - 1], argc == 5 && strcmp(argv[3], "--aes128") == 0 ? 16 : 32, &k);
		n = cp_keyfmt_haproxy_cmd(argv[2], &k, cmd, sizeof(cmd));
		OPENSSL_cleanse(&k, sizeof(k));
		if (n < 0)
			return 1;
		fputs(cmd, stdout);
		OPENSSL_cleanse(cmd, sizeof(cmd));
		return 0;
	}
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "ticket-check") == 0)
		return kt_ticket_check_file(argv[2], argv[argc - 1],
					    argc == 5 && strcmp(argv[3], "--aes128") == 0 ? 16 : 32);
	if (argc == 5 && strcmp(argv[1], "haproxy-push") == 0)
		return kt_haproxy_push(argv[2], argv[3], argv[4]);
	fprintf(stderr, "usage: see the comment at the top of keyfile_tool.c\n");
	return 2;
}
