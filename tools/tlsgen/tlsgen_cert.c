/* SPDX-License-Identifier: BSD-3-Clause */
/* A self-signed P-256 certificate, made in memory once per process. */
#include <errno.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "tlsgen_internal.h"

static X509 *cached_cert;
static EVP_PKEY *cached_key;

static int
cert_set_name(X509 *cert)
{
	X509_NAME *name = X509_get_subject_name(cert);

	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"tlsgen.test", -1, -1, 0))
		return -EINVAL;
	/* Self-signed: the issuer is the subject. */
	if (!X509_set_issuer_name(cert, name))
		return -EINVAL;
	return 0;
}

static int
cert_set_serial(X509 *cert)
{
	unsigned char serial[8];
	BIGNUM *bn;
	int ret = -ENOMEM;

	if (RAND_bytes(serial, sizeof(serial)) != 1)
		return -EIO;
	serial[0] &= 0x7f; /* keep it positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
		ret = 0;
	BN_free(bn);
	return ret;
}

static int
cert_make(X509 **out_cert, EVP_PKEY **out_key)
{
	EVP_PKEY *key;
	X509 *cert = NULL;
	int ret = -ENOMEM;

	key = EVP_EC_gen("P-256");
	if (!key)
		goto fail;
	cert = X509_new();
	if (!cert)
		goto fail;
	ret = -EINVAL;
	if (!X509_set_version(cert, X509_VERSION_3))
		goto fail;
	ret = cert_set_serial(cert);
	if (ret < 0)
		goto fail;
	ret = -EINVAL;
	/* An hour of slack either side of now covers clock skew in CI. */
	if (!X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), 7 * 24 * 3600))
		goto fail;
	if (!X509_set_pubkey(cert, key))
		goto fail;
	ret = cert_set_name(cert);
	if (ret < 0)
		goto fail;
	ret = -EINVAL;
	if (!X509_sign(cert, key, EVP_sha256()))
		goto fail;
	*out_cert = cert;
	*out_key = key;
	return 0;
fail:
	ERR_print_errors_fp(stderr);
	X509_free(cert);
	EVP_PKEY_free(key);
	return ret;
}

int
tlsgen_cert_get(X509 **cert, EVP_PKEY **key)
{
	if (!cached_cert) {
		int ret = cert_make(&cached_cert, &cached_key);

		if (ret < 0)
			return ret;
	}
	*cert = cached_cert;
	*key = cached_key;
	return 0;
}
