// SPDX-License-Identifier: GPL-2.0
/*
 * ktun-pki(8): a small CA for trying ktun out and for its tests, on
 * mbedTLS's x509write API.  Host certificates carry the identities ktun
 * policies name: URI SANs (spiffe://...) and DNS SANs.  It was "ktun pki";
 * on its own, ktun(8) need not link mbedTLS.
 *
 *   ktun-pki ca cert FILE key FILE [name CN] [days N] [type ec|rsa]
 *   ktun-pki cert ca-cert FILE ca-key FILE cert FILE key FILE
 *                 [name CN] [uri URI]... [dns NAME]... [days N]
 *                 [not-before STAMP] [not-after STAMP] [type ec|rsa]
 *
 * STAMP is YYYYMMDDhhmmss (UTC).  Keys are written mode 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/ktun.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include "cli.h"

#ifndef KTUN_VERSION
#define KTUN_VERSION "0.1"
#endif

#define PKI_MAX_SANS 16

/* Exit codes, as ktun(8)'s. */
enum {
	PKI_EXIT_OK = 0,
	PKI_EXIT_FAIL = 1,	/* a file could not be read or written */
	PKI_EXIT_USAGE = CLI_EXIT_USAGE,	/* bad command line (usage_err()) */
};

static const char usage_text[] =
"Usage: ktun-pki ca cert FILE key FILE [name CN] [days N] [type ec|rsa]\n"
"       ktun-pki cert ca-cert FILE ca-key FILE cert FILE key FILE\n"
"                [uri URI]... [dns NAME]... [name CN] [days N] [type ec|rsa]\n"
"                [not-before STAMP] [not-after STAMP]   (STAMP: YYYYMMDDhhmmss UTC)\n"
"       ktun-pki help | -h | --help\n"
"       ktun-pki -V | --version\n"
"\n"
"Makes a test CA, or a host certificate carrying ktun identities, as PEM\n"
"files (keys mode 0600).\n"
"\n"
"Exit status: 0 success, 1 a file could not be read or written,\n"
"2 invalid command line.  See ktun-pki(8).\n";

struct pki_args {
	const char *cert, *key, *ca_cert, *ca_key, *name, *type;
	const char *not_before, *not_after;
	const char *sans[PKI_MAX_SANS];
	unsigned char san_tags[PKI_MAX_SANS];
	unsigned int n_sans;
	long days;
};

struct pki {
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_pk_context key, ca_key;
	mbedtls_x509_crt ca;
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
};

static int pki_fail(const char *what, int ret)
{
	char buf[128];

	mbedtls_strerror(ret, buf, sizeof(buf));
	fprintf(stderr, "ktun-pki: %s: %s\n", what, buf);
	return PKI_EXIT_FAIL;
}

static mode_t cert_umask(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return mask;
}

/*
 * Writes @path whole or not at all: a temporary file next to it (created
 * 0600, so a key is never readable by others, not even briefly) renamed
 * over it once written, so a failure leaves an existing file as it was.
 */
static int write_file(const char *path, const unsigned char *data, bool secret)
{
	size_t len = strlen((const char *)data);
	char *tmp;
	int fd, err;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		err = ENOMEM;
		goto fail;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = errno;
		free(tmp);
		goto fail;
	}
	if ((!secret && fchmod(fd, 0644 & ~cert_umask())) ||
	    write(fd, data, len) != (ssize_t)len || fsync(fd)) {
		err = errno;
		close(fd);
	} else if (close(fd) || rename(tmp, path)) {
		err = errno;
	} else {
		free(tmp);
		return 0;
	}
	unlink(tmp);
	free(tmp);
fail:
	fprintf(stderr, "ktun-pki: cannot write %s: %s\n", path, strerror(err));
	return PKI_EXIT_FAIL;
}

static int gen_key(struct pki *k, const char *type)
{
	bool rsa = type && !strcmp(type, "rsa");
	int ret;

	ret = mbedtls_pk_setup(&k->key, mbedtls_pk_info_from_type(rsa ? MBEDTLS_PK_RSA :
								   MBEDTLS_PK_ECKEY));
	if (!ret && rsa)
		ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(k->key), mbedtls_ctr_drbg_random,
					  &k->drbg, 2048, 65537);
	else if (!ret)
		ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(k->key),
					  mbedtls_ctr_drbg_random, &k->drbg);
	return ret ? pki_fail("generating a key", ret) : 0;
}

static void stamp(char out[15], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
}

/* subjectAltName: SEQUENCE OF GeneralName, written back to front. */
static int set_sans(struct pki *k, const struct pki_args *a)
{
	unsigned char buf[PKI_MAX_SANS * (KTUN_IDENT_MAX_LEN + 8)];
	unsigned char *p = buf + sizeof(buf);
	size_t len = 0, n;
	int i;

	if (!a->n_sans)
		return 0;
	for (i = a->n_sans - 1; i >= 0; i--) {
		n = strlen(a->sans[i]);
		len += mbedtls_asn1_write_raw_buffer(&p, buf,
				(const unsigned char *)a->sans[i], n);
		len += mbedtls_asn1_write_len(&p, buf, n);
		len += mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
					      a->san_tags[i]);
	}
	len += mbedtls_asn1_write_len(&p, buf, len);
	len += mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED |
				      MBEDTLS_ASN1_SEQUENCE);
	return mbedtls_x509write_crt_set_extension(&k->crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, p, len);
}

static int set_common(struct pki *k, const struct pki_args *a, bool ca)
{
	char nb[15], na[15], subject[300];
	unsigned char serial[16];
	time_t now = time(NULL);
	int ret;

	snprintf(subject, sizeof(subject), "CN=%s,O=ktun",
		 a->name ? a->name : ca ? "ktun test CA" : "ktun host");
	stamp(nb, now - 3600);
	stamp(na, now + a->days * 86400);
	mbedtls_ctr_drbg_random(&k->drbg, serial, sizeof(serial));
	serial[0] &= 0x7f;
	mbedtls_x509write_crt_set_version(&k->crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&k->crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&k->crt, &k->key);
	ret = mbedtls_mpi_read_binary(&k->serial, serial, sizeof(serial));
	if (!ret)
		ret = mbedtls_x509write_crt_set_serial(&k->crt, &k->serial);
	if (!ret)
		ret = mbedtls_x509write_crt_set_validity(&k->crt,
				a->not_before ? a->not_before : nb,
				a->not_after ? a->not_after : na);
	if (!ret)
		ret = mbedtls_x509write_crt_set_subject_name(&k->crt, subject);
	if (!ret)
		ret = mbedtls_x509write_crt_set_basic_constraints(&k->crt, ca, ca ? 0 : -1);
	if (!ret)
		ret = mbedtls_x509write_crt_set_key_usage(&k->crt, ca ?
				MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN :
				MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
				MBEDTLS_X509_KU_KEY_ENCIPHERMENT);
	if (!ret)
		ret = mbedtls_x509write_crt_set_subject_key_identifier(&k->crt);
	if (!ret)
		ret = set_sans(k, a);
	if (!ret && ca)
		ret = mbedtls_x509write_crt_set_issuer_name(&k->crt, subject);
	return ret;
}

static int load_ca(struct pki *k, const struct pki_args *a)
{
	char issuer[300];
	int ret;

	ret = mbedtls_x509_crt_parse_file(&k->ca, a->ca_cert);
	if (ret)
		return pki_fail(a->ca_cert, ret);
	ret = mbedtls_pk_parse_keyfile(&k->ca_key, a->ca_key, NULL);
	if (ret)
		return pki_fail(a->ca_key, ret);
	if (mbedtls_x509_dn_gets(issuer, sizeof(issuer), &k->ca.subject) < 0)
		return pki_fail("CA subject", MBEDTLS_ERR_X509_INVALID_NAME);
	ret = mbedtls_x509write_crt_set_issuer_name(&k->crt, issuer);
	return ret ? pki_fail("CA subject", ret) : 0;
}

static int issue(struct pki *k, const struct pki_args *a, bool ca)
{
	unsigned char *pem;
	int ret;

	ret = mbedtls_ctr_drbg_seed(&k->drbg, mbedtls_entropy_func, &k->entropy,
				    (const unsigned char *)"ktun-pki", 8);
	if (ret)
		return pki_fail("seeding the random generator", ret);
	if (!ca && load_ca(k, a))
		return PKI_EXIT_FAIL;
	if (gen_key(k, a->type))
		return PKI_EXIT_FAIL;
	ret = set_common(k, a, ca);
	if (ret)
		return pki_fail("building the certificate", ret);
	mbedtls_x509write_crt_set_issuer_key(&k->crt, ca ? &k->key : &k->ca_key);
	if (!ca) {
		ret = mbedtls_x509write_crt_set_authority_key_identifier(&k->crt);
		if (ret)
			return pki_fail("authority key identifier", ret);
	}

	pem = calloc(1, 16384);
	if (!pem)
		return PKI_EXIT_FAIL;
	ret = mbedtls_x509write_crt_pem(&k->crt, pem, 16384, mbedtls_ctr_drbg_random,
					&k->drbg);
	if (!ret)
		ret = write_file(a->cert, pem, false) ? -1 : 0;
	if (!ret) {
		memset(pem, 0, 16384);
		ret = mbedtls_pk_write_key_pem(&k->key, pem, 16384);
		if (!ret)
			ret = write_file(a->key, pem, true) ? -1 : 0;
	}
	mbedtls_platform_zeroize(pem, 16384);
	free(pem);
	if (ret > 0 || ret < -1)
		return pki_fail("writing PEM", ret);
	return ret ? PKI_EXIT_FAIL : PKI_EXIT_OK;
}

static bool valid_stamp(const char *s)
{
	return strlen(s) == 14 && strspn(s, "0123456789") == 14;
}

static int parse_pki_args(int argc, char **argv, struct pki_args *a, bool ca)
{
	char *end;

	a->days = ca ? 3650 : 365;
	for (; argc > 0; NEXT_ARG()) {
		const char *kw = *argv;

		NEED_ARG(kw);
		if (!strcmp(kw, "cert")) {
			a->cert = *argv;
		} else if (!strcmp(kw, "key")) {
			a->key = *argv;
		} else if (!strcmp(kw, "name")) {
			a->name = *argv;
		} else if (!strcmp(kw, "type")) {
			if (strcmp(*argv, "ec") && strcmp(*argv, "rsa"))
				return usage_err("invalid key type \"%s\" (expected ec or rsa)", *argv);
			a->type = *argv;
		} else if (!strcmp(kw, "days")) {
			a->days = strtol(*argv, &end, 10);
			if (*end || a->days < 1 || a->days > 36500)
				return usage_err("invalid days %s", *argv);
		} else if (!ca && !strcmp(kw, "ca-cert")) {
			a->ca_cert = *argv;
		} else if (!ca && !strcmp(kw, "ca-key")) {
			a->ca_key = *argv;
		} else if (!ca && (!strcmp(kw, "not-before") || !strcmp(kw, "not-after"))) {
			if (!valid_stamp(*argv))
				return usage_err("invalid %s %s (expected YYYYMMDDhhmmss)", kw, *argv);
			*(kw[4] == 'b' ? &a->not_before : &a->not_after) = *argv;
		} else if (!ca && (!strcmp(kw, "uri") || !strcmp(kw, "dns"))) {
			if (a->n_sans == PKI_MAX_SANS)
				return usage_err("more than %d names", PKI_MAX_SANS);
			if (!**argv || strlen(*argv) > KTUN_IDENT_MAX_LEN)
				return usage_err("invalid %s \"%s\"", kw, *argv);
			a->san_tags[a->n_sans] = kw[0] == 'u' ?
				MBEDTLS_X509_SAN_UNIFORM_RESOURCE_IDENTIFIER :
				MBEDTLS_X509_SAN_DNS_NAME;
			a->sans[a->n_sans++] = *argv;
		} else {
			return usage_err("unknown keyword \"%s\"", kw);
		}
	}
	if (!a->cert || !a->key)
		return usage_err("pki %s needs cert FILE and key FILE", ca ? "ca" : "cert");
	if (!ca && (!a->ca_cert || !a->ca_key))
		return usage_err("pki cert needs ca-cert FILE and ca-key FILE");
	if (!ca && !a->n_sans)
		return usage_err("pki cert needs at least one uri or dns name");
	return 0;
}

int main(int argc, char **argv)
{
	struct pki_args a = {};
	struct pki k;
	bool ca;
	int ret;

	cli_prog = "ktun-pki";
	NEXT_ARG();
	if (argc == 1 && (!strcmp(argv[0], "help") || !strcmp(argv[0], "-h") ||
			  !strcmp(argv[0], "--help"))) {
		fputs(usage_text, stdout);
		return PKI_EXIT_OK;
	}
	if (argc == 1 && (!strcmp(argv[0], "-V") || !strcmp(argv[0], "--version"))) {
		printf("ktun-pki %s\n", KTUN_VERSION);
		return PKI_EXIT_OK;
	}
	if (argc < 1 || (strcmp(argv[0], "ca") && strcmp(argv[0], "cert")))
		return usage_err("expected pki ca or pki cert");
	ca = !strcmp(argv[0], "ca");
	ret = parse_pki_args(argc - 1, argv + 1, &a, ca);
	if (ret)
		return ret;

	mbedtls_entropy_init(&k.entropy);
	mbedtls_ctr_drbg_init(&k.drbg);
	mbedtls_pk_init(&k.key);
	mbedtls_pk_init(&k.ca_key);
	mbedtls_x509_crt_init(&k.ca);
	mbedtls_x509write_crt_init(&k.crt);
	mbedtls_mpi_init(&k.serial);
	ret = issue(&k, &a, ca);
	mbedtls_mpi_free(&k.serial);
	mbedtls_x509write_crt_free(&k.crt);
	mbedtls_x509_crt_free(&k.ca);
	mbedtls_pk_free(&k.ca_key);
	mbedtls_pk_free(&k.key);
	mbedtls_ctr_drbg_free(&k.drbg);
	mbedtls_entropy_free(&k.entropy);
	return ret;
}
